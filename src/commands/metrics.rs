//! `imcache metrics`: not built yet (see its issue); the flags exist so completions are complete.

use crate::cli::{ConnArgs, MetricsArgs};
use crate::error::{Error, Result, Status};
use crate::output::Output;

pub fn run(_conn: &ConnArgs, _args: &MetricsArgs, _out: &Output) -> Result<Status> {
    Err(Error::usage("`imcache metrics` is not built yet")
        .with_hint("this command lands in a coming release; see README"))
}
