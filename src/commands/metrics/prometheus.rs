//! `--format prometheus`: the snapshot in the Prometheus text exposition format, valid for a
//! node_exporter textfile collector: one HELP and one TYPE line per family before its samples,
//! counters named `_total`, label values escaped, no timestamps (the textfile collector refuses
//! them), a newline at the end. Names are redis_exporter's where they mean the same, so existing
//! dashboards and alerts work; what it has no name for is in the `imcache_` namespace.

use super::app::AppView;
use super::snapshot::Snapshot;

#[derive(Clone, Copy)]
pub(crate) enum Type {
    Counter,
    Gauge,
}

/// The exposition being written, one family at a time.
#[derive(Default)]
pub(crate) struct Exposition {
    pub(crate) text: String,
}

impl Exposition {
    /// One family: HELP, TYPE, then each sample (`labels` already rendered, may be empty).
    pub(crate) fn family(
        &mut self,
        name: &str,
        kind: Type,
        help: &str,
        samples: &[(String, String)],
    ) {
        if samples.is_empty() {
            return;
        }
        let kind = match kind {
            Type::Counter => "counter",
            Type::Gauge => "gauge",
        };
        self.text.push_str(&format!(
            "# HELP {name} {}\n# TYPE {name} {kind}\n",
            escape_help(help)
        ));
        for (labels, value) in samples {
            self.text.push_str(&format!("{name}{labels} {value}\n"));
        }
    }

    /// A family of one sample without labels.
    pub(crate) fn single(&mut self, name: &str, kind: Type, help: &str, value: String) {
        self.family(name, kind, help, &[(String::new(), value)]);
    }
}

/// The whole exposition: `redis_up` always; the server's families when it answered; the app's
/// when `--app-url` was given.
pub fn render(snapshot: &Snapshot, app: Option<&AppView>) -> String {
    use Type::{Counter, Gauge};
    let mut out = Exposition::default();
    out.single(
        "redis_up",
        Gauge,
        "1 when the Redis server answered INFO, 0 when it could not be read",
        flag(snapshot.available),
    );
    if snapshot.available {
        if let Some(server) = &snapshot.server {
            let policy = snapshot.memory.as_ref().map_or("unknown", |m| &m.policy);
            let labels = labels(&[
                ("redis_version", &server.version),
                ("role", &server.role),
                ("redis_mode", &server.mode),
                ("maxmemory_policy", policy),
            ]);
            out.family(
                "redis_instance_info",
                Gauge,
                "Information about the Redis instance",
                &[(labels, "1".into())],
            );
            out.single(
                "redis_uptime_in_seconds",
                Gauge,
                "Seconds since the server started",
                server.uptime_seconds.to_string(),
            );
        }
        out.single(
            "redis_keyspace_hits_total",
            Counter,
            "Reads that found their key (keyspace_hits)",
            snapshot.hits.to_string(),
        );
        out.single(
            "redis_keyspace_misses_total",
            Counter,
            "Reads that did not find their key (keyspace_misses)",
            snapshot.misses.to_string(),
        );
        out.single(
            "imcache_cache_requests_total",
            Counter,
            "Cache reads: keyspace hits plus misses (the app's total_requests)",
            snapshot.total_requests.to_string(),
        );
        out.single(
            "imcache_cache_hit_rate_percent",
            Gauge,
            "Percent of cache reads that hit since the counters started, 0 with no reads",
            number(snapshot.hit_rate),
        );
        if let Some(memory) = &snapshot.memory {
            out.single(
                "redis_memory_used_bytes",
                Gauge,
                "Memory used by Redis (used_memory)",
                memory.used_bytes.to_string(),
            );
            out.single(
                "redis_memory_used_peak_bytes",
                Gauge,
                "Peak memory used by Redis (used_memory_peak)",
                memory.peak_bytes.to_string(),
            );
            if let Some(max) = memory.max_bytes {
                out.single(
                    "redis_memory_max_bytes",
                    Gauge,
                    "maxmemory; 0 means no limit",
                    max.to_string(),
                );
            }
            if let Some(percent) = memory.used_percent {
                out.single(
                    "imcache_memory_used_percent",
                    Gauge,
                    "used_memory as a percentage of maxmemory (absent when there is no limit)",
                    number(percent),
                );
            }
            if let Some(ratio) = memory.fragmentation_ratio {
                out.single(
                    "redis_mem_fragmentation_ratio",
                    Gauge,
                    "Resident memory divided by used memory",
                    number(ratio),
                );
            }
        }
        if let Some(keys) = &snapshot.keys {
            out.single(
                "redis_evicted_keys_total",
                Counter,
                "Keys evicted because of maxmemory",
                keys.evicted.to_string(),
            );
            out.single(
                "redis_expired_keys_total",
                Counter,
                "Keys removed because their TTL ran out",
                keys.expired.to_string(),
            );
        }
        if let Some(clients) = &snapshot.clients {
            out.single(
                "redis_connected_clients",
                Gauge,
                "Client connections",
                clients.connected.to_string(),
            );
            out.single(
                "redis_blocked_clients",
                Gauge,
                "Clients waiting in a blocking command",
                clients.blocked.to_string(),
            );
        }
        if let Some(ops) = snapshot.ops_per_sec {
            out.single(
                "redis_instantaneous_ops_per_sec",
                Gauge,
                "Commands per second, as the server measures it",
                ops.to_string(),
            );
        }
        if let Some(commands) = snapshot.commands_processed {
            out.single(
                "redis_commands_processed_total",
                Counter,
                "Commands processed by the server",
                commands.to_string(),
            );
        }
        let per_db = |value: fn(&crate::info::DbKeys) -> u64| -> Vec<(String, String)> {
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
        };
        out.family(
            "redis_db_keys",
            Gauge,
            "Keys per database",
            &per_db(|db| db.keys),
        );
        out.family(
            "redis_db_keys_expiring",
            Gauge,
            "Keys with a TTL per database",
            &per_db(|db| db.expires),
        );
    }
    if let Some(app) = app {
        app_families(&mut out, app);
    }
    out.text
}

/// The app's own counters, beside the server's.
fn app_families(out: &mut Exposition, app: &AppView) {
    use Type::{Counter, Gauge};
    out.single(
        "imcache_app_up",
        Gauge,
        "1 when the app's /cache/metrics answered with the five fields",
        flag(app.ok),
    );
    if let Some(available) = app.available {
        out.single(
            "imcache_app_cache_available",
            Gauge,
            "1 when the app reports its cache available",
            flag(available),
        );
    }
    let counters = [
        (
            "imcache_app_hits_total",
            "Cache hits the app counted",
            app.hits,
        ),
        (
            "imcache_app_misses_total",
            "Cache misses the app counted",
            app.misses,
        ),
        (
            "imcache_app_requests_total",
            "Cache reads the app counted",
            app.total_requests,
        ),
    ];
    for (name, help, value) in counters {
        if let Some(value) = value {
            out.single(name, Counter, help, value.to_string());
        }
    }
    if let Some(rate) = app.hit_rate {
        out.single(
            "imcache_app_hit_rate_percent",
            Gauge,
            "The hit rate the app reports, in percent",
            number(rate),
        );
    }
}

fn flag(on: bool) -> String {
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
    fn numbers_are_go_floats() {
        assert_eq!(number(70.0), "70");
        assert_eq!(number(66.7), "66.7");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn a_family_has_help_and_type_before_its_samples_and_nothing_when_empty() {
        let mut out = Exposition::default();
        out.family("x_total", Type::Counter, "a\\b\nc", &[]);
        assert_eq!(out.text, "");
        out.single("x_total", Type::Counter, "a\\b\nc", "1".into());
        assert_eq!(
            out.text,
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
