//! Why the server's counters and the app's differ (`--app-url`), and by how much. The server
//! counts the reads of every client since it started (or since CONFIG RESETSTAT): other apps and
//! workers, redis-cli, and imcache's own probes (each `imcache verify` or `setup` adds 2 hits:
//! its GET and its TTL; metrics and doctor read INFO and CONFIG, which count nothing). The app
//! counts only its own reads, since it started. So the server is ahead when others read too, and
//! behind when it restarted while the app ran on.

use serde::Serialize;

use super::app::AppView;
use super::snapshot::Snapshot;
use super::units;
use crate::output::Paint;

/// The server's figures minus the app's, and what explains the difference.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub hits: i64,
    pub misses: i64,
    pub total_requests: i64,
    pub reasons: Vec<String>,
}

/// None unless both the server and the app gave their figures.
pub fn compare(snapshot: &Snapshot, app: &AppView) -> Option<Comparison> {
    let (Some(hits), Some(misses), Some(total)) = (app.hits, app.misses, app.total_requests) else {
        return None;
    };
    if !snapshot.available || !app.ok {
        return None;
    }
    let minus = |server: u64, app: u64| {
        i64::try_from(i128::from(server) - i128::from(app)).unwrap_or(i64::MAX)
    };
    let difference = Comparison {
        hits: minus(snapshot.hits, hits),
        misses: minus(snapshot.misses, misses),
        total_requests: minus(snapshot.total_requests, total),
        reasons: Vec::new(),
    };
    let uptime = snapshot
        .server
        .as_ref()
        .map_or_else(|| String::from("?"), |s| units::uptime(s.uptime_seconds));
    let mut reasons = Vec::new();
    if difference.hits < 0 || difference.misses < 0 {
        reasons.push(format!(
            "the server counts fewer reads than the app: its counters started again since the \
             app began counting (a restart or CONFIG RESETSTAT; Redis is up {uptime}, the app \
             counts since it started)"
        ));
    }
    if difference.hits > 0 || difference.misses > 0 {
        reasons.push(String::from(
            "the server counts every client's reads, the app only its own: other clients, and \
             imcache's own probes (each verify or setup adds 2 hits: its GET and TTL)",
        ));
    }
    if reasons.is_empty() {
        reasons.push(String::from("the server and the app count the same reads"));
    }
    Some(Comparison {
        reasons,
        ..difference
    })
}

impl Comparison {
    /// `server - app   +6 hits, 0 misses, +6 requests` and a line per reason.
    pub fn text(&self, paint: &Paint) -> String {
        let signed = |n: i64| match n {
            n if n > 0 => format!("+{n}"),
            n => n.to_string(),
        };
        let mut text = format!(
            "{}  {} hits, {} misses, {} requests\n",
            paint.dim("server - app"),
            signed(self.hits),
            signed(self.misses),
            signed(self.total_requests)
        );
        for reason in &self.reasons {
            text.push_str(&format!("{} {reason}\n", paint.dim("why:")));
        }
        text
    }
}
