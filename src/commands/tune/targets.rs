//! Which files one tune reads and may edit: the `--config` file and, with `--live`, the server's
//! own config file (each with its include tree, and maybe the same tree); where the value that
//! wins lives in a file no `--config` names, the refusal that names it; and the check of every
//! line tune would write, as the server reads it.

use std::path::PathBuf;

use crate::atomic_write::{self, Identity};
use crate::cli::TuneArgs;
use crate::error::{Error, Result};
use crate::redis_conf::check::Dialect;
use crate::redis_conf::{Config, LineKind, Tuning};

use super::file::FilePlan;
use super::live::LivePlan;

/// The file plans of one run: the `--config` tree and the server's own, which may be the same.
pub struct Files {
    pub plans: Vec<FilePlan>,
    pub config: Option<usize>,
    pub server: Option<usize>,
}

/// The server's own file (when tune can edit it) and the `--config` file, each with its include
/// tree; a further `--config` must be a file of one of those trees.
pub fn plan_files(
    args: &TuneArgs,
    live: Option<&LivePlan>,
    tuning: &Tuning,
    dialect: &Dialect,
) -> Result<Files> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let identity = |path: &std::path::Path| {
        atomic_write::resolve_symlink(path)
            .ok()
            .and_then(|t| Identity::of(&t))
    };
    let named: Vec<Option<Identity>> = args.config.iter().map(|p| identity(p)).collect();
    let server_file = live.and_then(LivePlan::editable_file);
    let server_id = server_file.and_then(identity);
    let editable = |id: Option<Identity>| id.is_some() && (named.contains(&id) || id == server_id);
    let mut files = Files {
        plans: Vec::new(),
        config: None,
        server: None,
    };
    if let Some(path) = server_file {
        files
            .plans
            .push(FilePlan::read(path, tuning, dialect, &cwd, &editable)?);
        files.server = Some(0);
    }
    for (i, path) in args.config.iter().enumerate() {
        if let Some(at) = files.plans.iter().position(|p| p.holds(named[i])) {
            if i == 0 {
                files.config = Some(at);
            }
            continue;
        }
        if i > 0 {
            let main = &args.config[0];
            return Err(Error::usage(format!(
                "--config {}: {} does not include it",
                path.display(),
                main.display()
            ))
            .with_hint("the first --config is the redis.conf; each further --config must be a file it includes"));
        }
        files
            .plans
            .push(FilePlan::read(path, tuning, dialect, &cwd, &editable)?);
        files.config = Some(files.plans.len() - 1);
    }
    Ok(files)
}

/// Where the value that wins lives in a file tune may not edit, nothing is done (exit 1).
pub fn refuse_unreachable_winners(files: &Files, live: Option<&LivePlan>) -> Result<()> {
    for (i, plan) in files.plans.iter().enumerate() {
        let Some(refusal) = plan.plan.refused.first() else {
            continue;
        };
        let tree = &plan.tree;
        let step = tree.steps[refusal.step];
        let holder = tree.files[step.file].path.display().to_string();
        let main = plan.path().display().to_string();
        let value = crate::redis_conf::join_args(&tree.directive(refusal.step).args);
        if refusal.read_twice {
            return Err(Error::check(format!(
                "{} sets {} {value}, and {main} reads {holder} more than once: tune does not edit a \
                 file read twice; nothing was changed",
                tree.place(refusal.step),
                refusal.directive
            ))
            .with_hint(format!("include {holder} once, then run tune again")));
        }
        let mut names = format!("--config {holder}");
        if Some(i) == files.server && files.config != Some(i) {
            names = format!("--config {main} {names}");
        }
        let whose = match Some(i) == files.server && live.is_some() {
            true => format!("the server takes from its config file {main}"),
            false => format!("Redis takes from {main}"),
        };
        let via = tree
            .included_at(refusal.step)
            .map(|at| format!(" (included at {at})"))
            .unwrap_or_default();
        return Err(Error::check(format!(
            "{}{via} sets {} {value}, the value {whose} (it reads that line last): tune would \
             have to edit {holder}, which no --config names; nothing was changed",
            tree.place(refusal.step),
            refusal.directive
        ))
        .with_hint(format!(
            "add {names} to let tune edit it too (it gets its own backup and diff), or change that line yourself"
        )));
    }
    Ok(())
}

/// Every line tune would write, checked as the server reads it; a line it would refuse is never
/// written (exit 2), and a file that is not text is never edited.
pub fn check_written_lines(files: &Files, dialect: &Dialect) -> Result<()> {
    for plan in &files.plans {
        for edit in &plan.plan.edits {
            let file = &plan.tree.files[edit.file];
            if let Some(line) = file.config.binary_at {
                return Err(Error::usage(format!(
                    "{}:{}: not a text file (it holds control bytes); tune does not edit it",
                    file.path.display(),
                    line + 1
                )));
            }
        }
        for (path, line) in plan.new_lines() {
            let config = Config::parse(line.raw.clone());
            let refused = match &line.kind {
                LineKind::Directive { .. } => {
                    config.directives.first().and_then(|d| dialect.refuses(d))
                }
                LineKind::Unparsable => Some("unbalanced quotes".into()),
                _ => None,
            };
            if let Some(why) = refused {
                return Err(Error::usage(format!(
                    "tune would write `{}` into {}, which {} refuses: {why}; nothing was changed",
                    String::from_utf8_lossy(&line.raw).trim_end(),
                    path.display(),
                    dialect.label
                )));
            }
        }
    }
    Ok(())
}
