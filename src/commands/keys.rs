//! `imcache keys`: the cache policy (L1-L4 tiers, imcache.toml) checked against what is really
//! in Redis. Gather: walk the keyspace with SCAN, at a pace the server can bear (walk.rs,
//! measure.rs, pacer.rs). Check: tally per tier and pattern (census.rs), extrapolate a partial walk
//! (estimate.rs), judge (findings.rs). Report: one document (report.rs) shown as a table
//! (text.rs), JSON, or Prometheus gauges. `--init-policy` drafts the policy file instead.
//!
//! Exit codes: 0 when the policy holds (or `--fail-on none`), 1 when a finding violates it,
//! 130 on Ctrl-C after the report of what was seen so far, and the connection's own codes.

mod census;
mod estimate;
mod findings;
mod generalise;
mod init_policy;
mod measure;
mod pacer;
mod prometheus;
mod report;
pub(crate) mod show;
mod text;
mod walk;

use std::time::Instant;

use crate::cli::{ConnArgs, FailOn, KeysArgs, MetricsFormat};
use crate::cluster;
use crate::connect;
use crate::error::{Kind, Result, Status};
use crate::interrupt;
use crate::output::{self, Output};
use crate::policy::Policy;
use crate::settings::{Settings, env_file_path};
use census::Census;
use estimate::Scale;
use report::{KeysReport, Parts};
use walk::{NodeWalk, Plan, Stop};

pub fn run(conn: &ConnArgs, args: &KeysArgs, out: &Output) -> Result<Status> {
    let format = output::chosen_format(
        out.json,
        args.format,
        MetricsFormat::Json,
        MetricsFormat::Table,
    )?;
    let out = &out.json_too(format == MetricsFormat::Json);
    if args.init_policy {
        return init_policy::run(conn, args, format, out);
    }
    let policy = Policy::load(args.policy.as_deref(), &env_file_path(conn))?;
    let settings = super::connection_settings(conn, out)?;
    let plan = Plan {
        pattern: args.pattern.as_deref(),
        sample: args.sample,
        deadline: args.max_time.map(|d| Instant::now() + d),
        rate: args.rate,
    };
    let walks = walk_nodes(&settings, &policy, &plan, out)?;
    // The first walk that did not end on its own says how the audit ended.
    let stop = walks
        .iter()
        .map(|w| w.stop.clone())
        .find(|s| !matches!(s, Stop::End))
        .unwrap_or(Stop::End);
    let stats = walks
        .iter()
        .skip(1)
        .fold(walks[0].stats.clone(), |all, w| all.merge(&w.stats));
    let census = walks
        .into_iter()
        .map(|n| n.census)
        .reduce(Census::merge)
        .unwrap_or_else(|| Census::new(&policy));
    let scale = scale_of(&stats, &stop, &plan);
    let findings = findings::find(&policy, &census, &scale);
    let report = KeysReport::new(Parts {
        target: settings.target(),
        policy: &policy,
        census: &census,
        stats: &stats,
        stop: &stop,
        pattern: plan.pattern,
        rate: plan.rate,
        scale,
        findings,
    });
    match format {
        MetricsFormat::Prometheus => out.print(&prometheus::render(&report))?,
        _ => out.emit(&report)?,
    }
    Ok(match &stop {
        Stop::Interrupted => {
            out.warn("interrupted: the report covers the keys seen before Ctrl-C");
            Status::Reported(Kind::Interrupted)
        }
        Stop::Failed(err) => {
            out.error(err);
            Status::Reported(err.kind)
        }
        _ if report.violations > 0 && args.fail_on == FailOn::Violations => {
            Status::Reported(Kind::Check)
        }
        _ => Status::Success,
    })
}

/// Connects and walks the keyspace: one server's, or on a Redis Cluster every master's, one
/// after another (a replica holds copies of its master's keys), each within the same
/// `--rate`, back-off and `--sample`/`--max-time` budget. Ctrl-C before the walk ends imcache at
/// once (nothing was seen yet); during it, it ends the walk with what was seen. A walk that
/// failed before it saw a key is just the error.
fn walk_nodes(
    settings: &Settings,
    policy: &Policy,
    plan: &Plan,
    out: &Output,
) -> Result<Vec<NodeWalk>> {
    let mut conn = connect::open(settings)?;
    if conn.mode != connect::Mode::Cluster {
        interrupt::catch()?;
        return Ok(vec![walk_node(conn, settings, policy, plan, out)?]);
    }
    let survey = cluster::survey(
        settings,
        &mut conn,
        cluster::Ask::Topology,
        |_| Vec::new(),
        |_, _, _, _| (),
    )?;
    let masters: Vec<Settings> = survey
        .masters()
        .filter(|m| !m.node.slots.is_empty())
        .map(|m| m.settings.clone())
        .collect();
    drop(conn);
    interrupt::catch()?;
    // --sample is shared out among the masters; --max-time is one deadline for all of them.
    let share = Plan {
        sample: plan
            .sample
            .map(|n| n.div_ceil(masters.len().max(1) as u64).max(1)),
        ..plan.clone()
    };
    let mut walks = Vec::new();
    for (i, master) in masters.iter().enumerate() {
        out.info(&format!(
            "==> master {} of {}: {}",
            i + 1,
            masters.len(),
            master.address()
        ));
        let node = walk_node(connect::open(master)?, master, policy, &share, out)?;
        let ended = matches!(node.stop, Stop::Interrupted | Stop::Failed(_));
        walks.push(node);
        // Ctrl-C or a failure ends the audit; a sample or the deadline only this master's walk
        // (the next one then reads at least its DBSIZE, for the estimate).
        if ended {
            break;
        }
    }
    if walks.is_empty() {
        return Err(crate::error::Error::check(format!(
            "the cluster of {} has no master serving slots",
            settings.address()
        )));
    }
    Ok(walks)
}

/// Walks one node, with a progress meter.
fn walk_node(
    mut conn: connect::Conn,
    settings: &Settings,
    policy: &Policy,
    plan: &Plan,
    out: &Output,
) -> Result<NodeWalk> {
    let mut meter = out.meter("scanning keys");
    let started = Instant::now();
    let open = || connect::open(settings);
    let node = walk::walk(&mut conn, &open, settings, policy, plan, &mut |progress| {
        let rate = progress.keys as f64 / started.elapsed().as_secs_f64().max(1e-3);
        meter.update(
            progress.done,
            &format!(
                "{} of ~{} keys, {} keys/s",
                show::count(progress.keys),
                show::count(progress.dbsize),
                show::count(rate as u64)
            ),
        );
    });
    meter.finish();
    match node.stop {
        Stop::Failed(err) if node.stats.keys == 0 => Err(err),
        _ => Ok(node),
    }
}

/// How the keys seen relate to the database: all of it after a complete walk; otherwise the
/// keys passed (seen, or with --match the cursor's share of DBSIZE) against DBSIZE.
fn scale_of(stats: &walk::Stats, stop: &Stop, plan: &Plan) -> Scale {
    let seen = (stats.keys + stats.vanished) as f64;
    let total = (stats.dbsize as f64).max(seen);
    let visited = match (stop, plan.pattern) {
        (Stop::End, _) => total,
        (_, None) => seen,
        (_, Some(_)) => (stats.dbsize as f64 * stats.progress).clamp(seen.min(total), total),
    };
    Scale { visited, total }
}
