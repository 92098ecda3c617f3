//! `imcache tune`: write maxmemory, maxmemory-policy and the save rules into a redis.conf
//! (`--config`), the running server (`--live`), or both, safely. Top-down: check every value
//! before anything is touched (exit 2), plan the file edit and read the server, warn, show the
//! diff, ask (unless --yes), then commit: file first (backup, atomic write), then one CONFIG SET,
//! then CONFIG REWRITE. A failure or Ctrl-C after the file was written puts the original back.

mod cluster;
mod file;
mod live;
mod report;
mod warnings;

use crate::cli::{ConnArgs, Policy, Profile, TuneArgs};
use crate::error::{Error, Kind, Result, Status};
use crate::interrupt;
use crate::output::Output;
use crate::redis_conf::values::GUIDE_SAVE_RULES;
use crate::redis_conf::{SaveRules, Size, Tuning};

use file::FilePlan;
use live::{LivePlan, Persisted};
use report::{LiveReport, TuneReport};

pub fn run(conn: &ConnArgs, args: &TuneArgs, out: &Output) -> Result<Status> {
    let tuning = tuning(args)?;
    let file = match &args.config {
        Some(path) => Some(FilePlan::read(path, &tuning)?),
        None => None,
    };
    let mut live = match args.live {
        true => Some(LivePlan::gather(conn, &tuning)?),
        false => None,
    };
    let warnings = warnings::collect(&tuning, file.as_ref(), live.as_ref());
    for warning in &warnings {
        out.warn(warning);
    }
    let mut report = plan_report(
        &tuning,
        file.as_ref(),
        live.as_ref(),
        warnings,
        args.dry_run,
    );
    let pending = file.as_ref().is_some_and(FilePlan::changes)
        || live.as_ref().is_some_and(|l| !l.changes.is_empty());
    if !pending || args.dry_run {
        out.emit(&report)?;
        return Ok(Status::Success);
    }

    let ask = !args.yes;
    if ask && !out.can_ask() {
        return Err(Error::usage(format!(
            "tune would change {}, and there is no terminal to ask on: --yes is needed",
            targets(&report)
        ))
        .with_hint("review the change with --dry-run, then run again with --yes"));
    }
    if !out.json && !out.quiet {
        out.print(&report.plan_text(&out.stdout, ask))?;
        report.diff_shown = true;
    }
    if ask && !out.confirm(&format!("Apply these changes to {}?", targets(&report)))? {
        return Err(Error::usage("not confirmed: nothing was changed"));
    }
    let status = commit(file.as_ref(), live.as_mut(), &tuning, &mut report)?;
    out.emit(&report)?;
    Ok(status)
}

/// The values to write: the profile's, overridden by each flag given, all checked here.
fn tuning(args: &TuneArgs) -> Result<Tuning> {
    if args.config.is_none() && !args.live {
        return Err(Error::usage(
            "tune needs a target: --config PATH (a redis.conf to edit) and/or --live (the running server)",
        )
        .with_hint("e.g. `imcache tune --config /etc/redis/redis.conf --live`; --dry-run shows the change first"));
    }
    let maxmemory = Size::parse(args.maxmemory.as_deref().unwrap_or("256mb"))
        .map_err(|err| Error::usage(format!("--maxmemory: {err}")))?;
    let save = match (&args.save, args.no_save, args.profile) {
        (_, true, _) => SaveRules::default(),
        (Some(rules), false, _) => {
            SaveRules::parse(rules).map_err(|err| Error::usage(format!("--save: {err}")))?
        }
        (None, false, Profile::Prod) => SaveRules(GUIDE_SAVE_RULES.to_vec()),
        (None, false, Profile::Dev) => SaveRules::default(),
    };
    Ok(Tuning {
        maxmemory,
        policy: args.policy.unwrap_or(Policy::AllkeysLru),
        save,
    })
}

fn plan_report(
    tuning: &Tuning,
    file: Option<&FilePlan>,
    live: Option<&LivePlan>,
    warnings: Vec<String>,
    dry_run: bool,
) -> TuneReport {
    let live_report = live.map(|l| LiveReport::of(l, tuning));
    let changes = match (file, live) {
        (Some(f), _) => f.edit.changes.clone(),
        (None, Some(l)) => l.changes.clone(),
        (None, None) => Vec::new(),
    };
    TuneReport {
        ok: true,
        file: file.map(|f| f.path.display().to_string()),
        backup: None,
        live: live_report,
        changes,
        dry_run,
        diff: file.filter(|f| f.changes()).map(FilePlan::diff),
        warnings,
        wanted: report::describe(tuning),
        diff_shown: false,
    }
}

/// What would change, for the question: the file, the server, or both.
fn targets(report: &TuneReport) -> String {
    match (&report.file, &report.live) {
        (Some(file), Some(live)) => format!("{file} and {}", live.target),
        (Some(file), None) => file.clone(),
        (None, Some(live)) => live.target.clone(),
        (None, None) => String::new(),
    }
}

/// File first, then the server; a failure or Ctrl-C after the file was written restores it.
fn commit(
    file: Option<&FilePlan>,
    live: Option<&mut LivePlan>,
    tuning: &Tuning,
    report: &mut TuneReport,
) -> Result<Status> {
    interrupt::catch()?;
    let mut backup = None;
    if let Some(file) = file.filter(|f| f.changes()) {
        backup = Some(file.commit().map_err(stopped)?);
    }
    // Undoes the file edit; an interrupted run ends as interrupted, whatever failed with it.
    let roll_back = |why: Error| -> Error {
        let why = stopped(why);
        match (file, &backup) {
            (Some(file), Some(backup)) => match file.restore(backup) {
                Ok(()) => Error {
                    hint: Some(format!(
                        "{} was restored; nothing was changed",
                        file.path.display()
                    )),
                    ..why
                },
                Err(failed) => Error {
                    hint: Some(failed.message),
                    ..why
                },
            },
            _ => why,
        }
    };
    if interrupt::interrupted() {
        return Err(roll_back(interrupt::interrupted_error(
            "nothing was changed",
        )));
    }
    report.backup = backup.as_ref().map(|b| b.display().to_string());
    let mut status = Status::Success;
    if let Some(live) = live.filter(|l| !l.changes.is_empty()) {
        if let Err(err) = live.apply(tuning) {
            if interrupt::interrupted() {
                live.undo();
            }
            return Err(roll_back(err));
        }
        if interrupt::interrupted() {
            live.undo();
            return Err(roll_back(interrupt::interrupted_error(
                "nothing was changed",
            )));
        }
        let edited = file.map(|f| f.path.as_path());
        let (persisted, rewrite_error) = live.persist(edited);
        if persisted == Persisted::RewriteFailed {
            status = Status::Reported(Kind::Check);
            report.ok = false;
        }
        if let Some(shown) = report.live.as_mut() {
            shown.applied = true;
            shown.persisted = Some(persisted);
            shown.rewrite_error = rewrite_error;
            cluster::record(shown, live);
        }
    }
    Ok(status)
}

/// A step that failed because Ctrl-C cut it short is reported as the interruption it was.
fn stopped(err: Error) -> Error {
    if interrupt::interrupted() && err.kind != Kind::Interrupted {
        interrupt::interrupted_error("nothing was changed")
    } else {
        err
    }
}
