//! What tune shows: the profile (or that only the flags given apply), the diffs, old and new value
//! per directive for the files and for the server, where the change was kept and whether it
//! survives a restart, and the warnings. The JSON is the shape of ARCHITECTURE.md, "JSON shapes":
//! `{"ok", "file", "backup", "live", "changes"}` plus `moved`, `profile`, `files`,
//! `stale_temp_files`, `dry_run`, `diff` and `warnings`.

use serde::Serialize;

use crate::output::{CheckStatus, Paint, Report};
use crate::redis_conf::{Change, Moved, Tuning};
use crate::settings::Source;

use super::live::{LivePlan, Persisted};

#[derive(Serialize)]
pub struct TuneReport {
    pub ok: bool,
    /// The redis.conf given with --config.
    pub file: Option<String>,
    /// The first backup this run wrote (each file's is in `files`).
    pub backup: Option<String>,
    pub live: Option<LiveReport>,
    /// The file tree's changes with --config, else the server's.
    pub changes: Vec<Change>,
    /// Lines gathered into one block without a change of value.
    pub moved: Vec<Moved>,
    /// The profile applied, and where it was chosen; None when only the flags given apply.
    pub profile: Option<ProfileReport>,
    /// Each file that changes: its path, backup and diff.
    pub files: Vec<FileReport>,
    /// Temp files left by a tune that was killed; removed by a run that is not a dry run.
    pub stale_temp_files: Vec<StaleReport>,
    pub dry_run: bool,
    /// The unified diffs of all files (None when no file changes).
    pub diff: Option<String>,
    pub warnings: Vec<String>,
    /// The values asked for, for the "already tuned" line.
    #[serde(skip)]
    pub wanted: String,
    /// The plan was already printed before the question; the text report leaves it out.
    #[serde(skip)]
    pub diff_shown: bool,
}

#[derive(Serialize)]
pub struct ProfileReport {
    pub name: &'static str,
    /// `flag`, `env`, `.env:LINE` or `default`.
    pub source: Source,
}

#[derive(Serialize)]
pub struct FileReport {
    pub path: String,
    pub backup: Option<String>,
    pub diff: String,
}

#[derive(Serialize)]
pub struct StaleReport {
    pub path: String,
    pub pid: u32,
    pub removed: bool,
}

/// The server side of `--live`.
#[derive(Serialize)]
pub struct LiveReport {
    /// The server, never with a password.
    pub target: String,
    /// Its config file (INFO server `config_file`); None when started without one.
    pub config_file: Option<String>,
    /// True when CONFIG SET ran and the values were read back.
    pub applied: bool,
    /// Where the change is kept; None when nothing was applied.
    pub persisted: Option<Persisted>,
    /// Why CONFIG REWRITE failed, when it did.
    pub rewrite_error: Option<String>,
    /// Why tune cannot edit the config file itself (then CONFIG REWRITE keeps the change).
    pub rewrite_because: Option<String>,
    /// The copy of the config file made before CONFIG REWRITE, and what the rewrite changed.
    pub backup: Option<String>,
    pub diff: Option<String>,
    /// The server's config file and what it includes hold the new values (None: not known).
    pub survives_restart: Option<bool>,
    pub changes: Vec<Change>,
    /// The node of a cluster this part is about (`host:port`); absent for a single server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// On a cluster, every node's own part (the fields above then sum them up).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<LiveReport>,
    /// The redis-server arguments that give the same values (for a server without a file).
    #[serde(skip)]
    pub server_args: String,
}

impl LiveReport {
    /// The plan's part, before anything is applied (`survives_restart` as far as the plan knows).
    pub fn of(plan: &LivePlan, tuning: &Tuning, survives_restart: Option<bool>) -> Self {
        LiveReport {
            target: plan.settings.target(),
            config_file: plan.config_file.clone(),
            applied: false,
            persisted: None,
            rewrite_error: None,
            rewrite_because: match &plan.file_access {
                Some(Err(why)) => Some(why.clone()),
                _ => None,
            },
            backup: None,
            diff: None,
            survives_restart,
            changes: plan.changes.clone(),
            node: None,
            nodes: plan
                .nodes
                .iter()
                .map(|node| LiveReport {
                    node: Some(node.settings.address()),
                    ..LiveReport::of(node, tuning, None)
                })
                .collect(),
            server_args: server_args(tuning),
        }
    }
}

/// `maxmemory 256mb, maxmemory-policy allkeys-lru, save 900 1 ...`: the values asked for.
pub fn describe(tuning: &Tuning) -> String {
    let mut parts = Vec::new();
    if let Some(size) = &tuning.maxmemory {
        parts.push(format!("maxmemory {size}"));
    }
    if let Some(policy) = tuning.policy {
        parts.push(format!("maxmemory-policy {}", policy.as_str()));
    }
    if let Some(save) = &tuning.save {
        match save.is_off() {
            true => parts.push("save \"\"".into()),
            false => parts.push(format!("save {save}")),
        }
    }
    parts.join(", ")
}

/// `--maxmemory 256mb --maxmemory-policy allkeys-lru --save ''`: the values asked for.
pub fn server_args(tuning: &Tuning) -> String {
    let mut parts = Vec::new();
    if let Some(size) = &tuning.maxmemory {
        parts.push(format!("--maxmemory {size}"));
    }
    if let Some(policy) = tuning.policy {
        parts.push(format!("--maxmemory-policy {}", policy.as_str()));
    }
    if let Some(save) = &tuning.save {
        let save = save.to_string();
        let quoted = shlex::try_quote(&save)
            .map(|s| s.into_owned())
            .unwrap_or(save.clone());
        parts.push(format!("--save {quoted}"));
    }
    parts.join(" ")
}

/// A unified diff with `-` lines red, `+` lines green, hunk headers cyan.
pub fn colour_diff(diff: &str, paint: &Paint) -> String {
    diff.split_inclusive('\n')
        .map(|line| {
            let (body, end) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            let painted = if body.starts_with("+++") || body.starts_with("---") {
                paint.bold(body)
            } else if body.starts_with("@@") {
                paint.cyan(body)
            } else if body.starts_with('+') {
                paint.green(body)
            } else if body.starts_with('-') {
                paint.red(body)
            } else {
                body.to_string()
            };
            format!("{painted}{end}")
        })
        .collect()
}

/// A directive's value as shown: `(not set)`, `""` for empty, else the value.
pub fn shown_value(value: Option<&str>) -> String {
    match value {
        None => "(not set)".to_string(),
        Some("") => "\"\"".to_string(),
        Some(v) => v.to_string(),
    }
}

fn change_lines(changes: &[Change], moved: &[Moved]) -> String {
    let width = changes
        .iter()
        .map(|c| c.directive.len())
        .chain(moved.iter().map(|m| m.directive.len()))
        .max()
        .unwrap_or(0);
    let mut text: String = changes
        .iter()
        .map(|c| {
            format!(
                "  {:width$}  {} -> {}\n",
                c.directive,
                shown_value(c.old.as_deref()),
                shown_value(Some(&c.new))
            )
        })
        .collect();
    for m in moved {
        let lines: Vec<String> = m.lines.iter().map(usize::to_string).collect();
        text.push_str(&format!(
            "  {:width$}  unchanged; its lines ({}) moved into one block at line {} of {}\n",
            m.directive,
            lines.join(", "),
            m.line,
            m.file
        ));
    }
    text
}

impl TuneReport {
    /// What is about to change: the profile, the diffs, and the server's changes when a question
    /// follows (without one, the final report lists them).
    pub fn plan_text(&self, paint: &Paint, asking: bool) -> String {
        let mut text = self.profile_line();
        text.push_str(
            &self
                .diff
                .as_deref()
                .map(|d| colour_diff(d, paint))
                .unwrap_or_default(),
        );
        if let Some(live) = self.live.as_ref().filter(|l| !l.changes.is_empty()) {
            match asking {
                true => text.push_str(&would_change(live, paint)),
                false => text.push_str(&rewrite_note(live, paint)),
            }
        }
        text
    }

    /// `profile prod (default): ...`, or the values asked for without a profile.
    fn profile_line(&self) -> String {
        match &self.profile {
            Some(p) => format!("profile {} ({}): {}\n", p.name, p.source, self.wanted),
            None => format!("only what was asked (no profile): {}\n", self.wanted),
        }
    }
}

fn would_change(live: &LiveReport, paint: &Paint) -> String {
    if !live.nodes.is_empty() {
        return super::cluster::text(live, true, paint);
    }
    format!(
        "{} {} would change (one CONFIG SET):\n{}{}",
        paint.symbol(CheckStatus::Skip),
        live.target,
        change_lines(&live.changes, &[]),
        rewrite_note(live, paint)
    )
}

/// What CONFIG REWRITE does, said before it runs.
fn rewrite_note(live: &LiveReport, paint: &Paint) -> String {
    let mut text = String::new();
    if let (Some(file), Some(why)) = (&live.config_file, &live.rewrite_because) {
        text.push_str(&format!(
            "{} to keep it, CONFIG REWRITE, since tune cannot edit {file}: {why}. CONFIG REWRITE \
             rewrites that whole file from the server's running state, options given on its command \
             line (port, dir ...) included, not only these values; a backup is made first when the \
             file can be read, and the diff is shown after\n",
            paint.symbol(CheckStatus::Warn)
        ));
    }
    text
}

impl Report for TuneReport {
    fn text(&self, paint: &Paint) -> String {
        let mut text = String::new();
        let ok = paint.symbol(CheckStatus::Pass);
        let todo = paint.symbol(CheckStatus::Skip);
        if !self.diff_shown {
            text.push_str(&self.profile_line());
            if let Some(diff) = &self.diff {
                text.push_str(&colour_diff(diff, paint));
            }
        }
        for stale in &self.stale_temp_files {
            text.push_str(&match stale.removed {
                true => format!(
                    "{ok} removed {}, left by a tune (pid {}) that was killed\n",
                    stale.path, stale.pid
                ),
                false => format!(
                    "{todo} {} was left by a tune (pid {}) that was killed; a run without --dry-run removes it\n",
                    stale.path, stale.pid
                ),
            });
        }
        if let Some(file) = &self.file {
            if self.changes.is_empty() && self.moved.is_empty() {
                text.push_str(&format!(
                    "{ok} {file} already has {}: nothing to change\n",
                    self.wanted
                ));
            } else if self.dry_run {
                let names: Vec<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
                let names = if names.is_empty() {
                    file.clone()
                } else {
                    names.join(", ")
                };
                text.push_str(&format!("{todo} {names} would change:\n"));
                text.push_str(&change_lines(&self.changes, &self.moved));
            } else {
                for written in &self.files {
                    let backup = written.backup.as_deref().unwrap_or("none");
                    text.push_str(&format!("{ok} wrote {} (backup: {backup})\n", written.path));
                }
                text.push_str(&change_lines(&self.changes, &self.moved));
            }
        }
        if let Some(live) = &self.live {
            text.push_str(&live_text(live, self, paint));
        }
        if self.dry_run {
            text.push_str(&format!("{}\n", paint.bold("dry run: nothing was changed")));
        }
        text
    }
}

fn live_text(live: &LiveReport, report: &TuneReport, paint: &Paint) -> String {
    let target = &live.target;
    let mut text = String::new();
    if report.file.is_none() && !report.files.is_empty() {
        for written in &report.files {
            text.push_str(&match (&written.backup, report.dry_run) {
                (Some(backup), _) => format!(
                    "{} wrote the server's config file {} (backup: {backup})\n",
                    paint.symbol(CheckStatus::Pass),
                    written.path
                ),
                (None, _) => format!(
                    "{} the server's config file {} would change (diff above)\n",
                    paint.symbol(CheckStatus::Skip),
                    written.path
                ),
            });
        }
    }
    if live.changes.is_empty() {
        text.push_str(&format!(
            "{} {target} already runs with {}: nothing to change\n",
            paint.symbol(CheckStatus::Pass),
            report.wanted
        ));
        return text;
    }
    if report.dry_run {
        text.push_str(&would_change(live, paint));
        return text;
    }
    if !live.nodes.is_empty() {
        return text + &super::cluster::text(live, false, paint);
    }
    if live.applied {
        text.push_str(&format!(
            "{} {target}: CONFIG SET applied and read back:\n",
            paint.symbol(CheckStatus::Pass)
        ));
        text.push_str(&change_lines(&live.changes, &[]));
    }
    let file = live.config_file.as_deref().unwrap_or("");
    let restart = match live.survives_restart {
        Some(true) => "the change survives a restart".to_string(),
        Some(false) => "but after a restart the server takes other values from it or what it includes".into(),
        None => "whether the change survives a restart is not known (tune could not read all it includes)".into(),
    };
    match &live.persisted {
        Some(Persisted::ConfigRewrite) => {
            text.push_str(&format!(
                "{} saved in the server's config file {file} by CONFIG REWRITE (the whole file rewritten \
                 from the server's running state); {restart}\n",
                paint.symbol(match live.survives_restart {
                    Some(true) => CheckStatus::Pass,
                    _ => CheckStatus::Warn,
                })
            ));
            match (&live.backup, &live.diff) {
                (Some(backup), _) => {
                    text.push_str(&format!("  backup of the file before: {backup}\n"))
                }
                (None, _) => text.push_str("  no backup: tune cannot read the file\n"),
            }
            if let Some(diff) = &live.diff {
                text.push_str(&colour_diff(diff, paint));
            }
        }
        Some(Persisted::ConfigFileEdited) => text.push_str(&format!(
            "{} the server reads {file}, which (with what it includes) holds these values: {restart}\n",
            paint.symbol(match live.survives_restart {
                Some(true) => CheckStatus::Pass,
                _ => CheckStatus::Warn,
            })
        )),
        Some(Persisted::UntilRestart) => text.push_str(&format!(
            "{} the server was started without a config file: this lasts until it restarts\n  \
             {} start redis-server with {} (docker: after the image name), or mount a \
             redis.conf, start redis-server with it and run `imcache tune --config <that file>`\n",
            paint.symbol(CheckStatus::Warn),
            paint.cyan("to keep it:"),
            live.server_args
        )),
        Some(Persisted::RewriteFailed) => text.push_str(&format!(
            "{} CONFIG REWRITE failed ({}): this lasts until the server restarts\n  {} fix the \
             server's config file {file} (permissions), then run tune again\n",
            paint.symbol(CheckStatus::Fail),
            live.rewrite_error.as_deref().unwrap_or("unknown error"),
            paint.cyan("fix:")
        )),
        None => {}
    }
    text
}
