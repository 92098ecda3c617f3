//! `--format prometheus`: the snapshot in the Prometheus text exposition format, valid for a
//! node_exporter textfile collector: one HELP and one TYPE line per family before its samples,
//! counters named `_total`, label values escaped, no timestamps (the textfile collector refuses
//! them), a newline at the end. Names are redis_exporter's where they mean the same, so existing
//! dashboards and alerts work; what it has no name for is in the `imcache_` namespace.

use super::app::AppView;
use super::cluster::{ClusterSnapshot, ClusterState};
use super::snapshot::Snapshot;

#[derive(Clone, Copy)]
pub(crate) enum Type {
    Counter,
    Gauge,
}

/// One metric family: its name, type and help, and how its samples are read from `T` (a
/// snapshot of the server, or the app's view). No samples: the family is left out. Adding a
/// metric is adding a row to `SERVER` or `APP`.
pub(crate) struct Family<T> {
    pub(crate) name: &'static str,
    pub(crate) kind: Type,
    pub(crate) help: &'static str,
    pub(crate) read: fn(&T) -> Samples,
}

/// Samples of a family: rendered labels (may be empty) and value.
pub(crate) type Samples = Vec<(String, String)>;

/// A single unlabelled sample when there is a value.
pub(crate) fn one(value: Option<impl ToString>) -> Samples {
    value
        .map(|v| vec![(String::new(), v.to_string())])
        .unwrap_or_default()
}

use Type::{Counter, Gauge};

/// The server's families, written when it answered INFO.
const SERVER: &[Family<Snapshot>] = &[
    Family {
        name: "redis_instance_info",
        kind: Gauge,
        help: "Information about the Redis instance",
        read: |s| {
            let Some(server) = &s.server else {
                return Vec::new();
            };
            let policy = s.memory.as_ref().map_or("unknown", |m| &m.policy);
            let labels = labels(&[
                ("redis_version", &server.version),
                ("role", &server.role),
                ("redis_mode", &server.mode),
                ("maxmemory_policy", policy),
            ]);
            vec![(labels, "1".into())]
        },
    },
    Family {
        name: "redis_uptime_in_seconds",
        kind: Gauge,
        help: "Seconds since the server started",
        read: |s| one(s.server.as_ref().map(|v| v.uptime_seconds)),
    },
    Family {
        name: "redis_keyspace_hits_total",
        kind: Counter,
        help: "Reads that found their key (keyspace_hits)",
        read: |s| one(Some(s.hits)),
    },
    Family {
        name: "redis_keyspace_misses_total",
        kind: Counter,
        help: "Reads that did not find their key (keyspace_misses)",
        read: |s| one(Some(s.misses)),
    },
    Family {
        name: "imcache_cache_requests_total",
        kind: Counter,
        help: "Cache reads: keyspace hits plus misses (the app's total_requests)",
        read: |s| one(Some(s.total_requests)),
    },
    Family {
        name: "imcache_cache_hit_rate_percent",
        kind: Gauge,
        help: "Percent of cache reads that hit since the counters started, 0 with no reads",
        read: |s| one(Some(number(s.hit_rate))),
    },
    Family {
        name: "redis_memory_used_bytes",
        kind: Gauge,
        help: "Memory used by Redis (used_memory)",
        read: |s| one(s.memory.as_ref().map(|m| m.used_bytes)),
    },
    Family {
        name: "redis_memory_used_peak_bytes",
        kind: Gauge,
        help: "Peak memory used by Redis (used_memory_peak)",
        read: |s| one(s.memory.as_ref().map(|m| m.peak_bytes)),
    },
    Family {
        name: "redis_memory_max_bytes",
        kind: Gauge,
        help: "maxmemory; 0 means no limit",
        read: |s| one(s.memory.as_ref().and_then(|m| m.max_bytes)),
    },
    Family {
        name: "imcache_memory_used_percent",
        kind: Gauge,
        help: "used_memory as a percentage of maxmemory (absent when there is no limit)",
        read: |s| one(s.memory.as_ref().and_then(|m| m.used_percent).map(number)),
    },
    Family {
        name: "redis_mem_fragmentation_ratio",
        kind: Gauge,
        help: "Resident memory divided by used memory",
        read: |s| {
            one(s
                .memory
                .as_ref()
                .and_then(|m| m.fragmentation_ratio)
                .map(number))
        },
    },
    Family {
        name: "redis_evicted_keys_total",
        kind: Counter,
        help: "Keys evicted because of maxmemory",
        read: |s| one(s.keys.as_ref().map(|k| k.evicted)),
    },
    Family {
        name: "redis_expired_keys_total",
        kind: Counter,
        help: "Keys removed because their TTL ran out",
        read: |s| one(s.keys.as_ref().map(|k| k.expired)),
    },
    Family {
        name: "redis_connected_clients",
        kind: Gauge,
        help: "Client connections",
        read: |s| one(s.clients.as_ref().map(|c| c.connected)),
    },
    Family {
        name: "redis_blocked_clients",
        kind: Gauge,
        help: "Clients waiting in a blocking command",
        read: |s| one(s.clients.as_ref().map(|c| c.blocked)),
    },
    Family {
        name: "redis_instantaneous_ops_per_sec",
        kind: Gauge,
        help: "Commands per second, as the server measures it",
        read: |s| one(s.ops_per_sec),
    },
    Family {
        name: "redis_commands_processed_total",
        kind: Counter,
        help: "Commands processed by the server",
        read: |s| one(s.commands_processed),
    },
    Family {
        name: "redis_db_keys",
        kind: Gauge,
        help: "Keys per database",
        read: |s| per_db(s, |db| db.keys),
    },
    Family {
        name: "redis_db_keys_expiring",
        kind: Gauge,
        help: "Keys with a TTL per database",
        read: |s| per_db(s, |db| db.expires),
    },
];

/// The app's own counters, beside the server's (`--app-url`).
const APP: &[Family<AppView>] = &[
    Family {
        name: "imcache_app_up",
        kind: Gauge,
        help: "1 when the app's /cache/metrics answered with the five fields",
        read: |a| one(Some(flag(a.ok))),
    },
    Family {
        name: "imcache_app_cache_available",
        kind: Gauge,
        help: "1 when the app reports its cache available",
        read: |a| one(a.available.map(flag)),
    },
    Family {
        name: "imcache_app_hits_total",
        kind: Counter,
        help: "Cache hits the app counted",
        read: |a| one(a.hits),
    },
    Family {
        name: "imcache_app_misses_total",
        kind: Counter,
        help: "Cache misses the app counted",
        read: |a| one(a.misses),
    },
    Family {
        name: "imcache_app_requests_total",
        kind: Counter,
        help: "Cache reads the app counted",
        read: |a| one(a.total_requests),
    },
    Family {
        name: "imcache_app_hit_rate_percent",
        kind: Gauge,
        help: "The hit rate the app reports, in percent",
        read: |a| one(a.hit_rate.map(number)),
    },
];

/// A cluster's own families, with redis_exporter's names (from CLUSTER INFO), and imcache's
/// verdict beside them.
const CLUSTER: &[Family<ClusterSnapshot>] = &[
    Family {
        name: "redis_cluster_state",
        kind: Gauge,
        help: "1 when the cluster's state is ok (cluster_state)",
        read: |c| one(Some(flag(c.cluster.state == "ok"))),
    },
    Family {
        name: "redis_cluster_slots_assigned",
        kind: Gauge,
        help: "Slots assigned to a master (cluster_slots_assigned)",
        read: |c| cluster_count(c, |s| s.slots_assigned),
    },
    Family {
        name: "redis_cluster_slots_ok",
        kind: Gauge,
        help: "Slots whose master is neither failing nor suspected (cluster_slots_ok)",
        read: |c| cluster_count(c, |s| s.slots_ok),
    },
    Family {
        name: "redis_cluster_slots_pfail",
        kind: Gauge,
        help: "Slots whose master is suspected to fail (cluster_slots_pfail)",
        read: |c| cluster_count(c, |s| s.slots_pfail),
    },
    Family {
        name: "redis_cluster_slots_fail",
        kind: Gauge,
        help: "Slots whose master failed (cluster_slots_fail)",
        read: |c| cluster_count(c, |s| s.slots_fail),
    },
    Family {
        name: "redis_cluster_known_nodes",
        kind: Gauge,
        help: "Nodes in the cluster's node table (cluster_known_nodes)",
        read: |c| cluster_count(c, |s| s.known_nodes),
    },
    Family {
        name: "redis_cluster_size",
        kind: Gauge,
        help: "Masters that serve at least one slot (cluster_size)",
        read: |c| cluster_count(c, |s| s.size),
    },
    Family {
        name: "imcache_cluster_slots_served",
        kind: Gauge,
        help: "Slots whose master answered imcache",
        read: |c| cluster_count(c, |s| u64::from(s.slots_served)),
    },
    Family {
        name: "imcache_cluster_available",
        kind: Gauge,
        help: "1 when the cluster can serve every slot (the app's available)",
        read: |c| one(Some(flag(c.totals.available))),
    },
    Family {
        name: "imcache_cluster_hit_rate_percent",
        kind: Gauge,
        help: "Percent of cache reads that hit, over every node, since the counters started",
        read: |c| one(Some(number(c.totals.hit_rate))),
    },
];

fn cluster_count(cluster: &ClusterSnapshot, read: fn(&ClusterState) -> u64) -> Samples {
    match cluster.cluster.via.is_empty() {
        true => Vec::new(),
        false => one(Some(read(&cluster.cluster))),
    }
}

/// A cluster: every server family once per node, labelled `node="host:port"` (`redis_up` for
/// every node of the table), then the cluster's families and the app's.
pub fn render_cluster(cluster: &ClusterSnapshot, app: Option<&AppView>) -> String {
    let mut text = String::new();
    let up: Samples = cluster
        .nodes
        .iter()
        .map(|n| (labels(&[("node", &n.node)]), flag(n.available)))
        .collect();
    let up = match up.is_empty() {
        true => one(Some(flag(false))),
        false => up,
    };
    write_family(
        "redis_up",
        Gauge,
        "1 when the Redis server answered INFO, 0 when it could not be read",
        &up,
        &mut text,
    );
    for family in SERVER {
        let samples: Samples = cluster
            .nodes
            .iter()
            .filter_map(|n| n.snapshot.as_ref().map(|s| (n, s)))
            .flat_map(|(n, s)| {
                (family.read)(s)
                    .into_iter()
                    .map(|(labels, value)| (with_node(&labels, &n.node), value))
            })
            .collect();
        write_family(family.name, family.kind, family.help, &samples, &mut text);
    }
    for family in CLUSTER {
        family.write(cluster, &mut text);
    }
    if let Some(app) = app {
        for family in APP {
            family.write(app, &mut text);
        }
    }
    text
}

/// `{node="...",...}`: a sample's labels with the node first.
fn with_node(rendered: &str, node: &str) -> String {
    let node = labels(&[("node", node)]);
    match rendered.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
        Some(inner) if !inner.is_empty() => format!("{},{inner}}}", &node[..node.len() - 1]),
        _ => node,
    }
}

/// The whole exposition: `redis_up` always; the server's families when it answered; the app's
/// when `--app-url` was given.
pub fn render(snapshot: &Snapshot, app: Option<&AppView>) -> String {
    let mut text = String::new();
    let up = Family::<Snapshot> {
        name: "redis_up",
        kind: Gauge,
        help: "1 when the Redis server answered INFO, 0 when it could not be read",
        read: |s| one(Some(flag(s.available && s.server.is_some()))),
    };
    up.write(snapshot, &mut text);
    // A server that answered but refused INFO has no figures to write (not zeros).
    if snapshot.available && snapshot.server.is_some() {
        for family in SERVER {
            family.write(snapshot, &mut text);
        }
    }
    if let Some(app) = app {
        for family in APP {
            family.write(app, &mut text);
        }
    }
    text
}

impl<T> Family<T> {
    /// HELP, TYPE, then each sample; nothing when there are no samples.
    pub(crate) fn write(&self, from: &T, text: &mut String) {
        write_family(self.name, self.kind, self.help, &(self.read)(from), text);
    }
}

fn write_family(
    name: &str,
    kind: Type,
    help: &str,
    samples: &[(String, String)],
    text: &mut String,
) {
    if samples.is_empty() {
        return;
    }
    let kind = match kind {
        Type::Counter => "counter",
        Type::Gauge => "gauge",
    };
    text.push_str(&format!(
        "# HELP {name} {}\n# TYPE {name} {kind}\n",
        escape_help(help)
    ));
    for (labels, value) in samples {
        text.push_str(&format!("{name}{labels} {value}\n"));
    }
}

/// One sample per database, labelled `db="db0"`.
fn per_db(snapshot: &Snapshot, value: fn(&crate::info::DbKeys) -> u64) -> Samples {
    snapshot
        .keyspace
        .iter()
        .map(|db| {
            (
                labels(&[("db", &format!("db{}", db.db))]),
                value(db).to_string(),
            )
        })
        .collect()
}

pub(crate) fn flag(on: bool) -> String {
    String::from(if on { "1" } else { "0" })
}

/// A float as Prometheus reads it (Go's ParseFloat): `70`, `66.7`, `NaN`, `+Inf`.
pub(crate) fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

/// `{name="value",...}` with each value escaped.
pub(crate) fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", escape_label(value)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// In a label value, backslash, double quote and line feed must be escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// In HELP text, backslash and line feed must be escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The inverse of `escape_label`, as a Prometheus parser reads a label value.
    fn unescape(text: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    'n' => out.push('\n'),
                    _ => return None,
                },
                '"' | '\n' => return None,
                c => out.push(c),
            }
        }
        Some(out)
    }

    #[test]
    fn the_node_label_comes_first() {
        assert_eq!(with_node("", "127.0.0.1:7000"), "{node=\"127.0.0.1:7000\"}");
        assert_eq!(
            with_node("{db=\"db0\"}", "127.0.0.1:7000"),
            "{node=\"127.0.0.1:7000\",db=\"db0\"}"
        );
    }

    #[test]
    fn numbers_are_go_floats() {
        assert_eq!(number(70.0), "70");
        assert_eq!(number(66.7), "66.7");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn a_family_has_help_and_type_before_its_samples_and_nothing_when_empty() {
        let mut text = String::new();
        write_family("x_total", Type::Counter, "a\\b\nc", &[], &mut text);
        assert_eq!(text, "");
        let sample = [(String::new(), "1".to_string())];
        write_family("x_total", Type::Counter, "a\\b\nc", &sample, &mut text);
        assert_eq!(
            text,
            "# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\nx_total 1\n"
        );
    }

    proptest! {
        #[test]
        fn label_values_round_trip_through_escaping(value in "\\PC*|[\\\\\"\n a-z]*") {
            let escaped = escape_label(&value);
            prop_assert!(!escaped.contains('\n'));
            prop_assert_eq!(unescape(&escaped), Some(value));
        }
    }
}
