//! What tune shows: the diff, old and new value per directive for the file and for the server,
//! where the change was kept, and the warnings. The JSON is the shape of ARCHITECTURE.md,
//! "JSON shapes": `{"ok", "file", "backup", "live", "changes"}` plus `dry_run`, `diff` and
//! `warnings`.

use serde::Serialize;

use crate::output::{CheckStatus, Paint, Report};
use crate::redis_conf::{Change, Tuning};

use super::live::{LivePlan, Persisted};

#[derive(Serialize)]
pub struct TuneReport {
    pub ok: bool,
    /// The redis.conf given with --config.
    pub file: Option<String>,
    /// The copy of the original written before the edit.
    pub backup: Option<String>,
    pub live: Option<LiveReport>,
    /// The file's changes with --config, else the server's.
    pub changes: Vec<Change>,
    pub dry_run: bool,
    /// The unified diff of the file (None without --config or when it does not change).
    pub diff: Option<String>,
    pub warnings: Vec<String>,
    /// The values asked for, for the "already tuned" line.
    #[serde(skip)]
    pub wanted: String,
    /// The plan was already printed before the question; the text report leaves the diff out.
    #[serde(skip)]
    pub diff_shown: bool,
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
    /// The plan's part, before anything is applied.
    pub fn of(plan: &LivePlan, tuning: &Tuning) -> Self {
        LiveReport {
            target: plan.settings.target(),
            config_file: plan.config_file.clone(),
            applied: false,
            persisted: None,
            rewrite_error: None,
            changes: plan.changes.clone(),
            node: None,
            nodes: plan
                .nodes
                .iter()
                .map(|node| LiveReport {
                    node: Some(node.settings.address()),
                    ..LiveReport::of(node, tuning)
                })
                .collect(),
            server_args: server_args(tuning),
        }
    }
}

/// `maxmemory 256mb, maxmemory-policy allkeys-lru, save 900 1 ...`.
pub fn describe(tuning: &Tuning) -> String {
    let save = if tuning.save.is_off() {
        "\"\"".to_string()
    } else {
        tuning.save.to_string()
    };
    format!(
        "maxmemory {}, maxmemory-policy {}, save {save}",
        tuning.maxmemory,
        tuning.policy.as_str()
    )
}

/// `--maxmemory 256mb --maxmemory-policy allkeys-lru --save ''`.
pub fn server_args(tuning: &Tuning) -> String {
    let save = tuning.save.to_string();
    format!(
        "--maxmemory {} --maxmemory-policy {} --save {}",
        tuning.maxmemory,
        tuning.policy.as_str(),
        shlex::try_quote(&save)
            .map(|s| s.into_owned())
            .unwrap_or(save.clone())
    )
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

fn change_lines(changes: &[Change]) -> String {
    let width = changes.iter().map(|c| c.directive.len()).max().unwrap_or(0);
    changes
        .iter()
        .map(|c| {
            format!(
                "  {:width$}  {} -> {}\n",
                c.directive,
                shown_value(c.old.as_deref()),
                shown_value(Some(&c.new))
            )
        })
        .collect()
}

impl TuneReport {
    /// What is about to change: the diff, and the server's changes when a question follows
    /// (without one, the final report lists them).
    pub fn plan_text(&self, paint: &Paint, asking: bool) -> String {
        let mut text = self
            .diff
            .as_deref()
            .map(|d| colour_diff(d, paint))
            .unwrap_or_default();
        if let Some(live) = self
            .live
            .as_ref()
            .filter(|l| asking && !l.changes.is_empty())
        {
            text.push_str(&would_change(live, paint));
        }
        text
    }
}

fn would_change(live: &LiveReport, paint: &Paint) -> String {
    if !live.nodes.is_empty() {
        return super::cluster::text(live, true, paint);
    }
    format!(
        "{} {} would change (one CONFIG SET):\n{}",
        paint.symbol(CheckStatus::Skip),
        live.target,
        change_lines(&live.changes)
    )
}

impl Report for TuneReport {
    fn text(&self, paint: &Paint) -> String {
        let mut text = String::new();
        let ok = paint.symbol(CheckStatus::Pass);
        let todo = paint.symbol(CheckStatus::Skip);
        if let (Some(diff), false) = (&self.diff, self.diff_shown) {
            text.push_str(&colour_diff(diff, paint));
        }
        if let Some(file) = &self.file {
            if self.changes.is_empty() {
                text.push_str(&format!(
                    "{ok} {file} already has {}: nothing to change\n",
                    self.wanted
                ));
            } else if self.dry_run {
                text.push_str(&format!("{todo} {file} would change:\n"));
                text.push_str(&change_lines(&self.changes));
            } else {
                let backup = self.backup.as_deref().unwrap_or("none");
                text.push_str(&format!("{ok} wrote {file} (backup: {backup}):\n"));
                text.push_str(&change_lines(&self.changes));
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
        return super::cluster::text(live, false, paint);
    }
    if live.applied {
        text.push_str(&format!(
            "{} {target}: CONFIG SET applied and read back:\n",
            paint.symbol(CheckStatus::Pass)
        ));
        text.push_str(&change_lines(&live.changes));
    }
    let file = live.config_file.as_deref().unwrap_or("");
    match &live.persisted {
        Some(Persisted::ConfigRewrite) => text.push_str(&format!(
            "{} saved in the server's config file {file} (CONFIG REWRITE)\n",
            paint.symbol(CheckStatus::Pass)
        )),
        Some(Persisted::ConfigFileEdited) => text.push_str(&format!(
            "{} the server reads {file}, which holds these values: the change survives a restart\n",
            paint.symbol(CheckStatus::Pass)
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
