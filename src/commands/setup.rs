//! `imcache setup`: not built yet (see its issue); the flags exist so completions are complete.

use crate::cli::{ConnArgs, SetupArgs};
use crate::error::{Error, Result, Status};
use crate::output::Output;

pub fn run(_conn: &ConnArgs, _args: &SetupArgs, _out: &Output) -> Result<Status> {
    Err(Error::usage("`imcache setup` is not built yet")
        .with_hint("this command lands in a coming release; see README"))
}
