//! The committed completions under completions/ must be what the command line generates now.
//! `UPDATE_COMPLETIONS=1 cargo test completions` rewrites them.

use clap_complete::Shell;
use imcache::completions::{file_name, generate};

use crate::harness::Imcache;

const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

#[test]
fn committed_completions_match_the_command_line() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for shell in SHELLS {
        let path = dir.join(file_name(shell));
        let fresh = generate(shell);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "completions are out of date: {stale:?}; run `UPDATE_COMPLETIONS=1 cargo test completions`"
    );
}

#[test]
fn the_completions_command_prints_the_same_text() {
    let run = Imcache::new().args(["completions", "fish"]).run().success();
    assert_eq!(run.stdout, generate(Shell::Fish));
    assert!(
        run.stdout.contains("health-url"),
        "verify's flags are complete"
    );
}
