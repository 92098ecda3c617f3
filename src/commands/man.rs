//! `imcache man [COMMAND]`: man pages generated from the command line itself (clap_mangen), so
//! they cannot drift from it. The same pages are committed under man/ (a test compares).

use crate::cli::{self, ManArgs};
use crate::error::{Error, Result, Status};
use crate::output::Output;

pub fn run(args: &ManArgs, out: &Output) -> Result<Status> {
    let wanted = match &args.command {
        None => String::from("imcache.1"),
        Some(name) => format!("imcache-{name}.1"),
    };
    let Some((_, page)) = pages().into_iter().find(|(file, _)| *file == wanted) else {
        return Err(Error::usage(format!(
            "man: there is no command '{}'",
            args.command.as_deref().unwrap_or_default()
        ))
        .with_hint("`imcache --help` lists the commands"));
    };
    out.print(&page)?;
    Ok(Status::Success)
}

/// Every page, as (file name, roff text): imcache.1, then imcache-COMMAND.1 for each command.
pub fn pages() -> Vec<(String, String)> {
    let cmd = cli::command();
    let subcommands = cmd
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help" && !sub.is_hide_set())
        .map(|sub| render(sub.clone()));
    std::iter::once(render(cmd.clone()))
        .chain(subcommands)
        .collect()
}

/// A built command's page is named after how it is typed (`imcache-verify`, synopsis
/// `imcache verify`).
fn render(cmd: clap::Command) -> (String, String) {
    let man = clap_mangen::Man::new(cmd);
    let mut buffer = Vec::new();
    // Writing into memory cannot fail.
    let _ = man.render(&mut buffer);
    (
        man.get_filename(),
        String::from_utf8_lossy(&buffer).into_owned(),
    )
}
