//! `imcache metrics`: the cache's hit rate and memory from one INFO round trip, shown once
//! (a table, the app's JSON shape, or Prometheus text) or live (`--watch`). The five fields of
//! the app's `/cache/metrics` come first and keep its names, so what reads the app's endpoint
//! reads this command's JSON unchanged.
//!
//! Exit codes: 0 when the server was read (a broken `--app-url` endpoint is only a warning: the
//! server's figures are still right); 3 unreachable and 4 authentication failed, each with a
//! document that says `available: false`; a watch ends with 0 on Ctrl-C, and with `--count`
//! with the code of its last sample.

mod app;
mod clock;
mod cluster;
mod compare;
pub(crate) mod prometheus;
mod snapshot;
mod table;
pub(crate) mod units;
mod watch;

use serde::Serialize;

use crate::cli::{ConnArgs, MetricsArgs, MetricsFormat};
use crate::error::{Error, Result, Status};
use crate::output::{self, Output, Paint, Report};
use crate::settings::Settings;
use app::{AppEndpoint, AppView};
use cluster::{Reader, Reading};
use snapshot::Snapshot;

pub fn run(conn: &ConnArgs, args: &MetricsArgs, out: &Output) -> Result<Status> {
    let format = output::chosen_format(
        out.json,
        args.format,
        MetricsFormat::Json,
        MetricsFormat::Table,
    )?;
    if args.watch.is_some() && format == MetricsFormat::Prometheus {
        return Err(
            Error::usage("--watch cannot be used with --format prometheus").with_hint(
                "Prometheus scrapes on its own schedule: run `imcache metrics --format prometheus` \
                 from cron into the textfile collector's folder",
            ),
        );
    }
    let out = &out.json_too(format == MetricsFormat::Json);
    let settings = super::connection_settings(conn, out)?;
    let app = match &args.app_url {
        Some(url) => Some(AppEndpoint::new(url, settings.timeout)?),
        None => None,
    };
    match args.watch {
        Some(every) => watch::run(&settings, every, args.count, format, app.as_ref(), out),
        None => once(&settings, format, app.as_ref(), out),
    }
}

/// One snapshot, one report, and the exit code of the reading.
fn once(
    settings: &Settings,
    format: MetricsFormat,
    app: Option<&AppEndpoint>,
    out: &Output,
) -> Result<Status> {
    let reading = Reader::new(settings).read();
    let snapshot = reading.snapshot();
    let app_view = app.map(AppEndpoint::read);
    let notes = warnings(snapshot, app_view.as_ref());
    for note in &notes {
        out.warn(note);
    }
    match (format, &reading) {
        (MetricsFormat::Prometheus, Reading::Server(snapshot)) => {
            out.print(&prometheus::render(snapshot, app_view.as_ref()))?
        }
        (MetricsFormat::Prometheus, Reading::Cluster(cluster)) => {
            out.print(&prometheus::render_cluster(cluster, app_view.as_ref()))?
        }
        _ => out.emit(&MetricsReport {
            ok: snapshot.error.is_none(),
            reading: &reading,
            app: app_view.as_ref(),
            comparison: app_view
                .as_ref()
                .and_then(|a| compare::compare(snapshot, a)),
            warnings: &notes,
        })?,
    }
    Ok(match &snapshot.error {
        Some(err) => {
            out.error(err);
            Status::Reported(err.kind)
        }
        None => Status::Success,
    })
}

/// The document of one reading: the snapshot's fields at the top level.
#[derive(Serialize)]
struct MetricsReport<'a> {
    #[serde(flatten)]
    reading: &'a Reading,
    /// True when the server was read (the exit code is 0).
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    app: Option<&'a AppView>,
    /// With `--app-url`: the server's counts minus the app's, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    comparison: Option<compare::Comparison>,
    warnings: &'a [String],
}

impl Report for MetricsReport<'_> {
    fn text(&self, paint: &Paint) -> String {
        let comparison = self
            .comparison
            .as_ref()
            .map_or_else(String::new, |c| format!("\n{}", c.text(paint)));
        view(self.reading, self.app, None, paint) + &comparison
    }
}

/// The header and the tables of a reading (a cluster's adds a row per node).
fn view(
    reading: &Reading,
    app: Option<&AppView>,
    rates: Option<&table::Rates>,
    paint: &Paint,
) -> String {
    format!(
        "{}\n\n{}",
        header(reading, paint),
        tables(reading, app, rates, paint)
    )
}

/// The first line: where, which server (or cluster), since when.
fn header(reading: &Reading, paint: &Paint) -> String {
    match reading {
        Reading::Server(snapshot) => table::header(snapshot, paint),
        Reading::Cluster(cluster) => cluster::header(cluster, paint),
    }
}

/// The tables of a reading: the five fields and the server's side (a cluster's totals and then a
/// row per node).
fn tables(
    reading: &Reading,
    app: Option<&AppView>,
    rates: Option<&table::Rates>,
    paint: &Paint,
) -> String {
    match reading {
        Reading::Server(snapshot) => table::snapshot(snapshot, app, rates, paint),
        Reading::Cluster(cluster) => format!(
            "{}\n{}",
            table::snapshot(&cluster.totals, app, rates, paint),
            cluster::nodes_table(cluster, paint)
        ),
    }
}

/// What deserves a warning beside the figures: counters too large to add up, an app endpoint
/// that cannot be used, or an app whose view contradicts the server's.
fn warnings(snapshot: &Snapshot, app: Option<&AppView>) -> Vec<String> {
    let mut notes = Vec::new();
    if snapshot.hits.checked_add(snapshot.misses).is_none() {
        notes.push(format!(
            "the server's keyspace_hits ({}) and keyspace_misses ({}) add up to more than a \
             64-bit counter holds: total_requests is capped at {}; the hit rate is exact",
            snapshot.hits,
            snapshot.misses,
            u64::MAX
        ));
    }
    let Some(app) = app else {
        return notes;
    };
    if let Some(problem) = &app.problem {
        notes.push(format!(
            "the app's metrics at {} cannot be used: {problem}",
            app.url
        ));
    }
    if app.available == Some(false) && snapshot.available {
        notes.push(String::from(
            "the app reports its cache unavailable while Redis answers: the app cannot reach \
             it; compare the app's REDIS_* settings with `imcache env`",
        ));
    }
    if let (Some(hits), Some(misses), Some(total)) = (app.hits, app.misses, app.total_requests) {
        if hits.checked_add(misses) != Some(total) {
            notes.push(format!(
                "the app's total_requests ({total}) is not hits + misses ({hits} + {misses})"
            ));
        }
    }
    notes
}
