//! `imcache completions <SHELL>`: shell completions generated from the command line itself, so
//! they cannot drift from it. The same text is committed under completions/ (a test compares).

use clap_complete::Shell;

use crate::cli::{self, CompletionsArgs};
use crate::error::{Result, Status};
use crate::output::Output;

pub fn run(args: &CompletionsArgs, out: &Output) -> Result<Status> {
    out.print(&generate(args.shell))?;
    Ok(Status::Success)
}

/// The completion script for one shell.
pub fn generate(shell: Shell) -> String {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut cli::command(), "imcache", &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

/// The file name under completions/ for a shell, as each shell expects to find it.
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "imcache.bash",
        Shell::Zsh => "_imcache",
        Shell::Fish => "imcache.fish",
        Shell::PowerShell => "_imcache.ps1",
        Shell::Elvish => "imcache.elv",
        _ => "imcache.completion",
    }
}
