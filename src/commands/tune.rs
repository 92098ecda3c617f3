//! `imcache tune`: write maxmemory, maxmemory-policy and the save rules into a redis.conf and the
//! files it includes (`--config`), the running server (`--live`, which keeps the change in the
//! server's own config file), or both, safely. Only the values asked for change; a profile gives
//! all three. Top-down: check every value before anything is touched (exit 2), read the server,
//! plan every file edit (refusing where the value that wins lives in a file tune may not edit),
//! check what Redis would read, warn, show the diffs, ask (unless --yes), then commit: files first
//! (backup, atomic write), then one CONFIG SET, then CONFIG REWRITE only for a server file tune
//! cannot reach. A failure or Ctrl-C after a file was written puts the original back.

mod cluster;
mod file;
mod live;
mod report;
mod targets;
mod warnings;

use std::path::PathBuf;

use crate::cli::{ConnArgs, Policy, Profile, TuneArgs};
use crate::error::{Error, Kind, Result, Status};
use crate::interrupt;
use crate::output::Output;
use crate::profile::{self, Chosen};
use crate::redis_conf::check::Dialect;
use crate::redis_conf::tree::{Options, Tree};
use crate::redis_conf::values::GUIDE_SAVE_RULES;
use crate::redis_conf::{Config, SaveRules, Size, Tuning};
use crate::settings::{self, Layer, Source};

use file::{FilePlan, Written};
use live::{LivePlan, Persisted};
use report::{FileReport, LiveReport, ProfileReport, StaleReport, TuneReport};
use targets::{Files, check_written_lines, plan_files, refuse_unreachable_winners};

pub fn run(conn: &ConnArgs, args: &TuneArgs, out: &Output) -> Result<Status> {
    let (tuning, chosen) = tuning(conn, args)?;
    for path in &args.config {
        file::check_path(path)?;
    }
    let mut live = match args.live {
        true => Some(LivePlan::gather(conn, &tuning)?),
        false => None,
    };
    let dialect = live
        .as_ref()
        .map_or_else(Dialect::any, |l| l.dialect.clone());
    let files = plan_files(args, live.as_ref(), &tuning, &dialect)?;
    refuse_unreachable_winners(&files, live.as_ref())?;
    check_written_lines(&files, &dialect)?;
    let warnings = warnings::collect(&tuning, &files.plans, files.server, live.as_ref(), &dialect);
    for warning in &warnings {
        out.warn(warning);
    }
    let config_path = args.config.first().map(PathBuf::as_path);
    let mut report = plan_report(
        config_path,
        &tuning,
        chosen,
        &files,
        live.as_ref(),
        warnings,
        args.dry_run,
    );
    let pending = files.plans.iter().any(FilePlan::changes)
        || live.as_ref().is_some_and(|l| !l.changes.is_empty());
    if !pending || args.dry_run {
        if !args.dry_run {
            remove_stale(&mut report);
        }
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
    remove_stale(&mut report);
    let status = commit(&files, live.as_mut(), &tuning, &mut report)?;
    out.emit(&report)?;
    Ok(status)
}

/// The values to write: with a profile (`--profile`, else IMCACHE_PROFILE) all of its values,
/// overridden by each flag given; without one only the flags given; with neither, the prod
/// profile. All checked here.
fn tuning(conn: &ConnArgs, args: &TuneArgs) -> Result<(Tuning, Option<Chosen>)> {
    if args.config.is_empty() && !args.live {
        return Err(Error::usage(
            "tune needs a target: --config PATH (a redis.conf to edit) and/or --live (the running server)",
        )
        .with_hint("e.g. `imcache tune --config /etc/redis/redis.conf --live`; --dry-run shows the change first"));
    }
    let maxmemory = args
        .maxmemory
        .as_deref()
        .map(|size| Size::parse(size).map_err(|err| Error::usage(format!("--maxmemory: {err}"))))
        .transpose()?;
    let save = match (&args.save, args.no_save) {
        (_, true) => Some(SaveRules::default()),
        (Some(rules), false) => {
            Some(SaveRules::parse(rules).map_err(|err| Error::usage(format!("--save: {err}")))?)
        }
        (None, false) => None,
    };
    let asked = Tuning {
        maxmemory,
        policy: args.policy,
        save,
    };
    let chosen = match profile::resolve(args.profile, &settings::env_file_path(conn))? {
        Some(chosen) => Some(chosen),
        None if asked.is_empty() => Some(Chosen {
            profile: Profile::Prod,
            source: Source {
                layer: Layer::Default,
                name: String::new(),
            },
        }),
        None => None,
    };
    let Some(chosen) = chosen else {
        return Ok((asked, None));
    };
    let tuning = Tuning {
        maxmemory: asked
            .maxmemory
            .or_else(|| Some(Size::parse("256mb").expect("a valid size"))),
        policy: asked.policy.or(Some(Policy::AllkeysLru)),
        save: asked.save.or(Some(match chosen.profile {
            Profile::Prod => SaveRules(GUIDE_SAVE_RULES.to_vec()),
            Profile::Dev => SaveRules::default(),
        })),
    };
    Ok((tuning, Some(chosen)))
}

fn plan_report(
    config_path: Option<&std::path::Path>,
    tuning: &Tuning,
    chosen: Option<Chosen>,
    files: &Files,
    live: Option<&LivePlan>,
    warnings: Vec<String>,
    dry_run: bool,
) -> TuneReport {
    let server_plan = files.server.map(|i| &files.plans[i]);
    let live_report = live.map(|l| {
        LiveReport::of(
            l,
            tuning,
            server_plan.and_then(|p| p.tree.complete.then_some(true)),
        )
    });
    let changes = match (files.config.map(|i| &files.plans[i]), live) {
        (Some(f), _) => f.plan.changes.clone(),
        (None, Some(l)) => l.changes.clone(),
        (None, None) => Vec::new(),
    };
    let file_reports: Vec<FileReport> = files
        .plans
        .iter()
        .flat_map(|p| p.diffs())
        .map(|(path, diff)| FileReport {
            path,
            backup: None,
            diff,
        })
        .collect();
    let mut stale: Vec<StaleReport> = Vec::new();
    for temp in files.plans.iter().flat_map(|p| &p.stale) {
        if !stale
            .iter()
            .any(|s| s.path == temp.path.display().to_string())
        {
            stale.push(StaleReport {
                path: temp.path.display().to_string(),
                pid: temp.pid,
                removed: false,
            });
        }
    }
    let diff: String = file_reports.iter().map(|f| f.diff.as_str()).collect();
    TuneReport {
        ok: true,
        file: config_path.map(|p| p.display().to_string()),
        backup: None,
        live: live_report,
        changes,
        moved: files
            .plans
            .iter()
            .flat_map(|p| p.plan.moved.clone())
            .collect(),
        profile: chosen.map(|c| ProfileReport {
            name: c.profile.name(),
            source: c.source,
        }),
        files: file_reports,
        stale_temp_files: stale,
        dry_run,
        diff: (!diff.is_empty()).then_some(diff),
        warnings,
        wanted: report::describe(tuning),
        diff_shown: false,
    }
}

/// What would change, for the question: the files, the server, or both.
fn targets(report: &TuneReport) -> String {
    let mut parts: Vec<String> = report.files.iter().map(|f| f.path.clone()).collect();
    if let Some(live) = report.live.as_ref().filter(|l| !l.changes.is_empty()) {
        parts.push(live.target.clone());
    }
    parts.join(" and ")
}

/// Removes the temp files left by a tune that was killed (their process is gone).
fn remove_stale(report: &mut TuneReport) {
    for stale in &mut report.stale_temp_files {
        stale.removed = std::fs::remove_file(&stale.path).is_ok();
    }
}

/// Files first, then the server; a failure or Ctrl-C after a file was written restores it.
fn commit(
    files: &Files,
    live: Option<&mut LivePlan>,
    tuning: &Tuning,
    report: &mut TuneReport,
) -> Result<Status> {
    interrupt::catch()?;
    let mut done: Vec<Vec<Written>> = Vec::new();
    // Undoes the file edits; an interrupted run ends as interrupted, whatever failed with it.
    let roll_back = |why: Error, done: &[Vec<Written>]| -> Error {
        let why = stopped(why);
        let mut restored = Vec::new();
        for (plan, written) in files.plans.iter().zip(done) {
            if let Err(failed) = plan.restore(written) {
                return Error {
                    hint: Some(failed.message),
                    ..why
                };
            }
            restored.extend(
                written
                    .iter()
                    .map(|w| plan.tree.files[w.file].path.display().to_string()),
            );
        }
        match restored.is_empty() {
            true => why,
            false => Error {
                hint: Some(format!(
                    "{} restored; nothing was changed",
                    restored.join(", ")
                )),
                ..why
            },
        }
    };
    for plan in &files.plans {
        let mut written = Vec::new();
        let result = plan.commit(&mut written);
        done.push(written);
        if let Err(err) = result {
            return Err(roll_back(err, &done));
        }
    }
    if interrupt::interrupted() {
        return Err(roll_back(
            interrupt::interrupted_error("nothing was changed"),
            &done,
        ));
    }
    let mut reports = report.files.iter_mut();
    for (plan, written) in files.plans.iter().zip(&done) {
        for w in written {
            let path = plan.tree.files[w.file].path.display().to_string();
            if let Some(shown) = reports.find(|f| f.path == path) {
                shown.backup = Some(w.backup.display().to_string());
            }
        }
    }
    report.backup = report.files.iter().find_map(|f| f.backup.clone());
    let mut status = Status::Success;
    if let Some(live) = live.filter(|l| !l.changes.is_empty()) {
        if let Err(err) = live.apply(tuning) {
            if interrupt::interrupted() {
                live.undo();
            }
            return Err(roll_back(err, &done));
        }
        if interrupt::interrupted() {
            live.undo();
            return Err(roll_back(
                interrupt::interrupted_error("nothing was changed"),
                &done,
            ));
        }
        let shown = report.live.as_mut().expect("a live report with --live");
        shown.applied = true;
        if !live.nodes.is_empty() {
            // A cluster: each node keeps its change the way it can (CONFIG REWRITE into its
            // own file, or until it restarts); the report says it node by node.
            let (persisted, error) = cluster::persist(&mut live.nodes);
            if persisted == Persisted::RewriteFailed {
                status = Status::Reported(Kind::Check);
                report.ok = false;
            }
            let shown = report.live.as_mut().expect("a live report with --live");
            shown.persisted = Some(persisted);
            shown.rewrite_error = error;
            cluster::record(shown, live);
            return Ok(status);
        }
        shown.persisted = Some(if files.server.is_some() {
            Persisted::ConfigFileEdited
        } else if live.config_file.is_some() {
            let rewrite = live.rewrite();
            shown.backup = rewrite.backup.map(|b| b.display().to_string());
            shown.diff = rewrite.diff;
            shown.survives_restart = rewrite.after.map(|bytes| holds(live, bytes, tuning));
            match rewrite.error {
                None => Persisted::ConfigRewrite,
                Some(error) => {
                    shown.rewrite_error = Some(error);
                    shown.survives_restart = Some(false);
                    status = Status::Reported(Kind::Check);
                    report.ok = false;
                    Persisted::RewriteFailed
                }
            }
        } else {
            shown.survives_restart = Some(false);
            Persisted::UntilRestart
        });
    }
    Ok(status)
}

/// Whether the server's file, as CONFIG REWRITE left it, and what it includes give the values.
fn holds(live: &LivePlan, bytes: Vec<u8>, tuning: &Tuning) -> bool {
    let Some(file) = &live.config_file else {
        return false;
    };
    let options = Options {
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        follow: true,
        globs: live.dialect.globs,
    };
    let tree = Tree::load(std::path::Path::new(file), Config::parse(bytes), &options);
    tree.complete
        && crate::redis_conf::edit::plan(&tree, tuning, &|_| true)
            .changes
            .is_empty()
}

/// A step that failed because Ctrl-C cut it short is reported as the interruption it was.
fn stopped(err: Error) -> Error {
    if interrupt::interrupted() && err.kind != Kind::Interrupted {
        interrupt::interrupted_error("nothing was changed")
    } else {
        err
    }
}
