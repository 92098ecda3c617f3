//! The binary: hand the arguments to `imcache::run` and exit with its code.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(imcache::run(std::env::args_os()))
}
