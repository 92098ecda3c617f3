//! The audit for people: how the walk went, one table of tiers and their patterns with the TTL
//! histogram, the groups of keys no pattern claims, the biggest keys, and the findings as a
//! checklist with a fix under each. Every figure comes from the JSON document.

use super::report::{BigView, KeysReport, TtlView};
use super::show::count;
use crate::commands::metrics::units::{bytes, uptime};
use crate::output::{Check, Paint, Report, format_ms, render_checklist};

use super::findings::Severity;

impl Report for KeysReport {
    fn text(&self, paint: &Paint) -> String {
        let mut text = format!("{} {}\n", paint.bold("imcache keys:"), self.target);
        text.push_str(&format!("policy: {}\n", self.policy.description));
        text.push_str(&self.scan_line());
        text.push('\n');
        text.push_str(&self.table(paint));
        text.push_str(&self.biggest());
        text.push('\n');
        text.push_str(&self.findings_text(paint));
        text
    }

    /// `--quiet`: the findings and the verdict.
    fn quiet_text(&self, paint: &Paint) -> String {
        self.findings_text(paint)
    }
}

impl KeysReport {
    fn scan_line(&self) -> String {
        let scan = &self.scan;
        let took = format_ms(scan.elapsed_ms);
        let narrowed = scan
            .pattern
            .as_deref()
            .map_or(String::new(), |p| format!(" matching {p}"));
        let what = match scan.stopped_by {
            "end" => format!(
                "scanned all {} keys{narrowed} in {took}",
                count(scan.keys_scanned)
            ),
            stopped => format!(
                "stopped by {} after {} keys{narrowed} of {} in the database, in {took}",
                match stopped {
                    "sample" => "--sample",
                    "max_time" => "--max-time",
                    "interrupted" => "Ctrl-C",
                    _ => "an error",
                },
                count(scan.keys_scanned),
                count(scan.dbsize)
            ),
        };
        let ping = match (scan.ping_ms.p50, scan.ping_ms.p99) {
            (Some(p50), Some(p99)) => format!(
                "; PING between batches p50 {}, p99 {}",
                format_ms(p50),
                format_ms(p99)
            ),
            _ => String::new(),
        };
        let backoffs = match scan.backoffs {
            0 => String::new(),
            1 => String::from("; backed off once (PING rose)"),
            n => format!("; backed off {n} times (PING rose)"),
        };
        let rate = scan
            .rate_limit
            .map_or(String::new(), |r| format!(", at most {r}/s"));
        let mut line = format!(
            "{what} ({} keys/s, {} commands{rate}){ping}{backoffs}\n",
            count(scan.keys_per_sec),
            count(scan.commands)
        );
        if scan.extrapolated {
            line.push_str(&format!(
                "≈ columns extrapolate the {} keys seen to the whole database (x{}), with a 95% margin\n",
                count(scan.keys_scanned),
                scan.scale
            ));
        }
        line
    }

    fn table(&self, paint: &Paint) -> String {
        let estimated = self.scan.extrapolated;
        let mut rows: Vec<Vec<String>> = vec![
            [
                "tier / pattern",
                "range",
                "keys",
                "memory",
                "no ttl",
                "below",
                "in range",
                "above",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ];
        if estimated {
            rows[0].push(String::from("≈ keys"));
        }
        let about = |estimate: &Option<super::report::Estimated>| {
            estimate.as_ref().map_or(String::new(), |e| {
                format!("{} ± {}", count(e.keys.value), count(e.keys.margin))
            })
        };
        for tier in &self.tiers {
            let mut row = vec![tier.name.clone(), tier.range.clone()];
            row.extend(figures(tier.keys, tier.memory_bytes, &tier.ttl));
            if estimated {
                row.push(about(&tier.estimate));
            }
            rows.push(row);
            for pattern in &tier.patterns {
                let mut row = vec![format!("  {}", pattern.pattern), String::new()];
                row.extend(figures(pattern.keys, pattern.memory_bytes, &pattern.ttl));
                rows.push(row);
            }
        }
        let unmatched = &self.unmatched;
        let mut row = vec![String::from("no pattern"), String::new()];
        row.extend(figures(
            unmatched.keys,
            unmatched.memory_bytes,
            &TtlView {
                none: unmatched.keys - unmatched.with_ttl,
                below: 0,
                in_range: unmatched.with_ttl,
                above: 0,
            },
        ));
        // No range to judge by: "in range" counts the keys with any TTL.
        row[5] = String::from("-");
        row[7] = String::from("-");
        if estimated {
            row.push(about(&unmatched.estimate));
        }
        rows.push(row);
        for group in unmatched.groups.iter().take(10) {
            rows.push(vec![
                format!("  {}", group.pattern),
                String::new(),
                count(group.keys),
                bytes(group.memory_bytes),
                count(group.keys - group.with_ttl),
                String::new(),
                count(group.with_ttl),
            ]);
        }
        let more = unmatched.groups.len().saturating_sub(10) + unmatched.more_groups;
        if more > 0 {
            rows.push(vec![format!("  (+{more} more groups)")]);
        }
        columns(&rows, &[2, 3, 4, 5, 6, 7, 8], Some(paint))
    }

    fn biggest(&self) -> String {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut add = |tier: &str, big: &BigView| {
            rows.push(vec![
                format!("  {tier}"),
                big.key.clone(),
                bytes(big.memory_bytes),
                big.kind.clone().unwrap_or_default(),
                big.ttl_s.map_or(String::from("no TTL"), |s| {
                    format!("TTL {}", uptime(s as u64))
                }),
            ]);
        };
        for tier in &self.tiers {
            for big in tier.biggest.iter().take(3) {
                add(&tier.name, big);
            }
        }
        for big in self.unmatched.biggest.iter().take(3) {
            add("no pattern", big);
        }
        match rows.is_empty() {
            true => String::new(),
            false => format!("\nbiggest keys\n{}", columns(&rows, &[2], None)),
        }
    }

    fn findings_text(&self, paint: &Paint) -> String {
        let checks: Vec<Check> = self
            .findings
            .iter()
            .map(|f| {
                let mut detail = f.detail.clone();
                if let Some(estimate) = &f.estimated_keys {
                    detail.push_str(&format!(
                        " (≈ {} ± {} in the database)",
                        count(estimate.value),
                        count(estimate.margin)
                    ));
                }
                if !f.examples.is_empty() && f.kind != "big_keys" {
                    detail.push_str(&format!("; e.g. {}", f.examples.join(", ")));
                }
                match f.severity {
                    Severity::Violation => Check::fail(f.kind, detail),
                    Severity::Warning => Check::warn(f.kind, detail),
                }
                .hint(f.fix.clone())
            })
            .collect();
        let mut text = render_checklist(&checks, paint);
        let plural = |n: usize, word: &str| match n {
            1 => format!("1 {word}"),
            _ => format!("{n} {word}s"),
        };
        let summary = format!(
            "{}, {}",
            plural(self.violations, "violation"),
            plural(self.warnings, "warning")
        );
        text.push_str(&match (self.violations, &self.error) {
            (_, Some(err)) => format!(
                "{} {summary} before: {}\n",
                paint.red("incomplete:"),
                err.message
            ),
            (0, None) => format!("{} {summary}\n", paint.green("policy kept:")),
            _ => format!("{} {summary}\n", paint.red("policy violated:")),
        });
        text
    }
}

/// Keys, memory and the four TTL buckets, as table cells.
fn figures(keys: u64, memory: u64, ttl: &TtlView) -> Vec<String> {
    vec![
        count(keys),
        bytes(memory),
        count(ttl.none),
        count(ttl.below),
        count(ttl.in_range),
        count(ttl.above),
    ]
}

/// Aligned columns, those in `right` right-aligned (figures); with `header`, the first row is
/// bold. A row of one cell is written as it is.
fn columns(rows: &[Vec<String>], right: &[usize], header: Option<&Paint>) -> String {
    let width = |i: usize| {
        rows.iter()
            .filter(|r| r.len() > 1)
            .filter_map(|r| r.get(i))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..rows.iter().map(Vec::len).max().unwrap_or(0))
        .map(width)
        .collect();
    let mut text = String::new();
    for (n, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            match (right.contains(&i), row.len() == 1) {
                (_, true) => line.push_str(cell),
                (false, false) => line.push_str(&format!("{cell}{}  ", " ".repeat(pad))),
                (true, false) => line.push_str(&format!("{}{cell}  ", " ".repeat(pad))),
            }
        }
        let line = line.trim_end();
        text.push_str(&match header {
            Some(paint) if n == 0 => paint.bold(line),
            _ => line.to_string(),
        });
        text.push('\n');
    }
    text
}
