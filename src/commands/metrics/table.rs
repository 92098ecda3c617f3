//! The text views: the aligned table of one snapshot (with the app's column beside the server's
//! when `--app-url` is given), the rates of the last interval with a sparkline, and the one-line
//! form a watch appends when stdout is not a terminal. Colour comes only from Paint.

use super::app::AppView;
use super::snapshot::{Interval, Snapshot};
use super::units;
use crate::output::Paint;

/// Rows of cells, aligned on the plain text (colour codes take no room on screen).
#[derive(Default)]
pub(super) struct Table {
    rows: Vec<Vec<Cell>>,
}

pub(super) struct Cell {
    plain: String,
    painted: String,
}

pub(super) fn cell(text: impl Into<String>) -> Cell {
    let plain = text.into();
    Cell {
        painted: plain.clone(),
        plain,
    }
}

pub(super) fn painted(plain: impl Into<String>, paint: impl Fn(&str) -> String) -> Cell {
    let plain = plain.into();
    Cell {
        painted: paint(&plain),
        plain,
    }
}

impl Table {
    pub(super) fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    fn pair(&mut self, label: &str, value: Cell) {
        self.row(vec![cell(label), value]);
    }

    pub(super) fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                self.rows
                    .iter()
                    .filter(|row| row.len() > i + 1)
                    .map(|row| row[i].plain.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut text = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(&cell.painted);
                if i + 1 < row.len() {
                    let pad = widths[i].saturating_sub(cell.plain.chars().count()) + 2;
                    line.push_str(&" ".repeat(pad));
                }
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

/// The first line: where, which server, since when.
pub fn header(snapshot: &Snapshot, paint: &Paint) -> String {
    match &snapshot.server {
        Some(server) => format!(
            "{}  Redis {}, {}, up {}",
            paint.bold(&snapshot.target),
            server.version,
            server.role,
            units::uptime(server.uptime_seconds)
        ),
        None if snapshot.available => format!(
            "{}  {}",
            paint.bold(&snapshot.target),
            paint.yellow("answers, but its figures cannot be read")
        ),
        None => format!(
            "{}  {}",
            paint.bold(&snapshot.target),
            paint.red("unavailable")
        ),
    }
}

/// The rates column of a watch: the last interval beside the lifetime figures.
pub struct Rates<'a> {
    pub interval: Option<&'a Interval>,
    /// Why there is no interval (first sample, restart ...), shown in its place.
    pub why_none: &'a str,
    /// Interval hit rates, oldest first, for the sparkline.
    pub history: &'a [Option<f64>],
}

/// The table of one snapshot: the five fields (the app's and the interval's columns beside the
/// server's when given), then the server's memory, keys, clients and load.
pub fn snapshot(
    snapshot: &Snapshot,
    app: Option<&AppView>,
    rates: Option<&Rates>,
    paint: &Paint,
) -> String {
    let mut table = Table::default();
    five_fields(&mut table, snapshot, app, rates, paint);
    if snapshot.server.is_some() {
        table.row(Vec::new());
        server_rows(&mut table, snapshot, app.is_some(), rates, paint);
    }
    table.render()
}

fn five_fields(
    table: &mut Table,
    snapshot: &Snapshot,
    app: Option<&AppView>,
    rates: Option<&Rates>,
    paint: &Paint,
) {
    let labels = ["available", "hits", "misses", "total requests", "hit rate"];
    // A server that answers but refuses INFO has no figures: "-", not zeros.
    let read = !snapshot.available || snapshot.server.is_some();
    let figure = |value: u64| {
        cell(if read {
            value.to_string()
        } else {
            String::from("-")
        })
    };
    let mut columns: Vec<(Cell, [Cell; 5])> = vec![(
        painted("server", |t| paint.dim(t)),
        [
            yes_no(snapshot.available, paint),
            figure(snapshot.hits),
            figure(snapshot.misses),
            figure(snapshot.total_requests),
            match read {
                true => hit_rate(snapshot.hit_rate, snapshot.total_requests, paint),
                false => cell(String::from("-")),
            },
        ],
    )];
    if let Some(app) = app {
        let number = |value: Option<u64>| cell(value.map_or("-".into(), |v| v.to_string()));
        let title = if app.ok { "app" } else { "app (unusable)" };
        columns.push((
            painted(title, |t| paint.dim(t)),
            [
                app.available
                    .map_or_else(|| cell("-"), |available| yes_no(available, paint)),
                number(app.hits),
                number(app.misses),
                number(app.total_requests),
                match (app.hit_rate, app.total_requests) {
                    (Some(rate), Some(total)) => hit_rate(rate, total, paint),
                    _ => cell("-"),
                },
            ],
        ));
    }
    if let Some(rates) = rates {
        let title = rates.interval.map_or("last interval".into(), |i| {
            format!("last {:.1} s", i.seconds)
        });
        let per_sec = |value: Option<f64>| cell(value.map_or("-".into(), |v| format!("{v:.2}/s")));
        let interval = rates.interval;
        columns.push((
            painted(title, |t| paint.dim(t)),
            [
                cell(""),
                per_sec(interval.map(|i| i.hits_per_sec)),
                per_sec(interval.map(|i| i.misses_per_sec)),
                per_sec(interval.map(|i| i.requests_per_sec)),
                interval.map_or_else(|| cell("-"), |i| hit_rate(i.hit_rate, i.requests, paint)),
            ],
        ));
    }
    if columns.len() == 1 {
        let (_, server) = columns.remove(0);
        for (label, value) in labels.into_iter().zip(server) {
            table.pair(label, value);
        }
        return;
    }
    let mut title = vec![cell("")];
    let mut rows: Vec<Vec<Cell>> = labels.iter().map(|label| vec![cell(*label)]).collect();
    for (head, values) in columns {
        title.push(head);
        for (row, value) in rows.iter_mut().zip(values) {
            row.push(value);
        }
    }
    table.row(title);
    for row in rows {
        table.row(row);
    }
    if let Some(rates) = rates {
        let mut trend = vec![cell("hit rate trend"), cell(sparkline(rates.history))];
        if rates.interval.is_none() {
            trend.push(painted(rates.why_none, |t| paint.dim(t)));
        }
        table.row(trend);
    }
}

fn server_rows(
    table: &mut Table,
    snapshot: &Snapshot,
    app_column: bool,
    rates: Option<&Rates>,
    paint: &Paint,
) {
    // A value with the interval's rate in the rates column (past the app's, when shown).
    let with_rate = |table: &mut Table, label: &str, value: Cell, rate: Option<Cell>| {
        let mut row = vec![cell(label), value];
        if let Some(rate) = rate {
            if app_column {
                row.push(cell(""));
            }
            row.push(rate);
        }
        table.row(row);
    };
    let rate_of = |pick: fn(&Interval) -> f64, warn: bool| {
        rates.map(|r| match r.interval.map(pick) {
            Some(rate) if warn && rate > 0.0 => {
                painted(format!("{rate:.2}/s"), |t| paint.yellow(t))
            }
            Some(rate) => cell(format!("{rate:.2}/s")),
            None => cell("-"),
        })
    };
    if let Some(memory) = &snapshot.memory {
        table.pair("used memory", cell(units::bytes(memory.used_bytes)));
        table.pair("peak memory", cell(units::bytes(memory.peak_bytes)));
        let limit = match memory.used_percent {
            Some(percent) => {
                let text = format!("{} ({percent:.1} % used)", memory.limit);
                match percent {
                    p if p >= 90.0 => painted(text, |t| paint.red(t)),
                    p if p >= 75.0 => painted(text, |t| paint.yellow(t)),
                    _ => cell(text),
                }
            }
            None => cell(memory.limit.clone()),
        };
        table.pair("maxmemory", limit);
        table.pair("policy", cell(memory.policy.clone()));
        let ratio = memory
            .fragmentation_ratio
            .map_or("-".into(), |r| format!("{r:.2}"));
        table.pair("fragmentation", cell(ratio));
    }
    if let Some(keys) = &snapshot.keys {
        let evicted = keys.evicted.to_string();
        let evicted = if keys.evicted > 0 {
            painted(evicted, |t| paint.yellow(t))
        } else {
            cell(evicted)
        };
        with_rate(
            table,
            "evicted keys",
            evicted,
            rate_of(|i| i.evictions_per_sec, true),
        );
        table.pair("expired keys", cell(keys.expired.to_string()));
    }
    if let Some(clients) = &snapshot.clients {
        table.pair(
            "clients",
            cell(format!(
                "{} connected, {} blocked",
                clients.connected, clients.blocked
            )),
        );
    }
    if let Some(ops) = snapshot.ops_per_sec {
        with_rate(
            table,
            "ops/s",
            cell(ops.to_string()),
            rate_of(|i| i.ops_per_sec, false),
        );
    }
    if snapshot.keyspace.is_empty() {
        table.pair("keys", cell("none"));
    }
    for db in &snapshot.keyspace {
        table.pair(
            &format!("db{}", db.db),
            cell(format!("{} keys, {} expiring", db.keys, db.expires)),
        );
    }
}

/// Interval hit rates as bars, oldest first; `·` for an interval without reads or readings.
pub fn sparkline(history: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    history
        .iter()
        .map(|rate| match rate {
            Some(rate) => BARS[((rate.clamp(0.0, 100.0) / 100.0) * 7.0).round() as usize],
            None => '·',
        })
        .collect()
}

/// The column titles of the appended lines (with the app's three when `--app-url` is given).
pub fn line_header(app: bool) -> String {
    let app = match app {
        true => format!("  {:>10}  {:>10}  {:>6}", "app hits", "app misses", "app%"),
        false => String::new(),
    };
    format!(
        "{:<8}  {:<5}  {:>10}  {:>10}  {:>6}  {:>8}  {:>8}  {:>8}  {:>8}  {:>9}  {:>10}{app}\n",
        "time",
        "avail",
        "hits",
        "misses",
        "hit%",
        "hits/s",
        "misses/s",
        "int.hit%",
        "evict/s",
        "ops/s",
        "memory"
    )
}

/// One sample as one line under `line_header` (plain: logs and pipes have no colour).
pub fn line(
    time: &str,
    snapshot: &Snapshot,
    interval: Option<&Interval>,
    app: Option<&AppView>,
) -> String {
    let app = app.map_or_else(String::new, |app| {
        let number = |value: Option<u64>| value.map_or("-".into(), |v| v.to_string());
        format!(
            "  {:>10}  {:>10}  {:>6}",
            number(app.hits),
            number(app.misses),
            app.hit_rate.map_or("-".into(), |r| format!("{r:.1}"))
        )
    });
    if let Some(err) = &snapshot.error {
        return format!("{time:<8}  {:<5}  unavailable: {}\n", "no", err.message);
    }
    let rate = |value: Option<f64>| value.map_or("-".into(), |v| format!("{v:.2}"));
    let memory = snapshot
        .memory
        .as_ref()
        .map_or("-".into(), |m| units::bytes(m.used_bytes));
    format!(
        "{time:<8}  {:<5}  {:>10}  {:>10}  {:>6.1}  {:>8}  {:>8}  {:>8}  {:>8}  {:>9}  {:>10}{app}\n",
        "yes",
        snapshot.hits,
        snapshot.misses,
        snapshot.hit_rate,
        rate(interval.map(|i| i.hits_per_sec)),
        rate(interval.map(|i| i.misses_per_sec)),
        interval.map_or("-".into(), |i| format!("{:.1}", i.hit_rate)),
        rate(interval.map(|i| i.evictions_per_sec)),
        rate(interval.map(|i| i.ops_per_sec)),
        memory
    )
}

fn yes_no(available: bool, paint: &Paint) -> Cell {
    if available {
        painted("yes", |t| paint.green(t))
    } else {
        painted("no", |t| paint.red(t))
    }
}

/// `70.0 %`, green from 80, yellow from 50, red below; plain when there were no requests.
pub(super) fn hit_rate(rate: f64, requests: u64, paint: &Paint) -> Cell {
    let text = format!("{rate:.1} %");
    match rate {
        _ if requests == 0 => cell(text),
        r if r >= 80.0 => painted(text, |t| paint.green(t)),
        r if r >= 50.0 => painted(text, |t| paint.yellow(t)),
        _ => painted(text, |t| paint.red(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_align_on_plain_text_even_when_coloured() {
        let paint = Paint { on: true };
        let mut table = Table::default();
        table.pair("a", painted("yes", |t| paint.green(t)));
        table.row(vec![
            cell("longer"),
            painted("x", |t| paint.red(t)),
            cell("y"),
        ]);
        let text = table.render();
        assert_eq!(strip_ansi(&text), "a       yes\nlonger  x  y\n");
    }

    #[test]
    fn the_sparkline_scales_from_empty_to_full_bar() {
        assert_eq!(
            sparkline(&[Some(0.0), Some(50.0), None, Some(100.0), Some(250.0)]),
            "▁▅·██"
        );
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
