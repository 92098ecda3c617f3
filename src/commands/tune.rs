//! `imcache tune`: not built yet (see its issue); the flags exist so completions are complete.

use crate::cli::{ConnArgs, TuneArgs};
use crate::error::{Error, Result, Status};
use crate::output::Output;

pub fn run(_conn: &ConnArgs, _args: &TuneArgs, _out: &Output) -> Result<Status> {
    Err(Error::usage("`imcache tune` is not built yet")
        .with_hint("this command lands in a coming release; see README"))
}
