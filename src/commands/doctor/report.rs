//! The doctor's report: for `--json` the `{"ok", "target", "checks"}` document of
//! ARCHITECTURE.md, "JSON shapes"; for people a checklist like `flutter doctor`: one line per
//! check, the fix indented under each warning and problem, a summary line at the end.

use serde::Serialize;

use crate::output::{self, Check, CheckStatus, Paint, Report, render_checklist};

/// How the detail of a check begins when the server refused what the check needed.
pub const COULD_NOT_RUN: &str = "could not run: ";

#[derive(Serialize)]
pub struct DoctorReport {
    /// True when no check failed (warnings allowed).
    pub ok: bool,
    pub target: String,
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn new(target: String, checks: Vec<Check>) -> Self {
        DoctorReport {
            ok: !checks.iter().any(|c| c.status == CheckStatus::Fail),
            target,
            checks,
        }
    }

    fn count(&self, status: CheckStatus) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// `1 problem, 2 warnings (3 checks skipped)`, or `no problems, no warnings`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| match n {
            1 => format!("1 {word}"),
            _ => format!("{n} {word}s"),
        };
        let (problems, warnings, skipped) = (
            self.count(CheckStatus::Fail),
            self.count(CheckStatus::Warn),
            self.count(CheckStatus::Skip),
        );
        let mut text = match (problems, warnings) {
            (0, 0) => String::from("no problems, no warnings"),
            (0, w) => format!("{}, no problems", plural(w, "warning")),
            (p, 0) => plural(p, "problem"),
            (p, w) => format!("{}, {}", plural(p, "problem"), plural(w, "warning")),
        };
        if skipped > 0 {
            text.push_str(&format!(" ({} skipped)", plural(skipped, "check")));
        }
        // Why checks could not run, each reason once, without the server's own words.
        let mut reasons: Vec<&str> = Vec::new();
        let mut unread = 0;
        for check in &self.checks {
            if let Some(why) = check.detail.strip_prefix(COULD_NOT_RUN) {
                unread += 1;
                let why = why.split(" (").next().unwrap_or(why);
                if !reasons.contains(&why) {
                    reasons.push(why);
                }
            }
        }
        if unread > 0 {
            text.push_str(&format!(
                "; {} could not run: {}",
                plural(unread, "check"),
                reasons.join("; ")
            ));
        }
        text
    }
}

impl DoctorReport {
    /// One line for stderr when doctor found a problem: the count and the first problem.
    pub fn failure_line(&self) -> Option<String> {
        let first = self.checks.iter().find(|c| c.status == CheckStatus::Fail)?;
        Some(format!(
            "doctor found {} for {}; first: {}: {}",
            self.summary(),
            self.target,
            first.name,
            first.detail
        ))
    }

    fn final_line(&self, paint: &Paint) -> String {
        let summary = self.summary();
        let line = if !self.ok {
            format!(
                "{} {}",
                paint.symbol(CheckStatus::Fail),
                paint.red(&paint.bold(&summary))
            )
        } else if self.count(CheckStatus::Warn) > 0 {
            format!(
                "{} {}",
                paint.symbol(CheckStatus::Warn),
                paint.yellow(&summary)
            )
        } else {
            format!(
                "{} {}",
                paint.symbol(CheckStatus::Pass),
                paint.green(&summary)
            )
        };
        line + "\n"
    }
}

impl Report for DoctorReport {
    fn text(&self, paint: &Paint) -> String {
        let mut text = format!("{} {}\n", paint.bold("imcache doctor:"), self.target);
        text.push_str(&render_checklist(&self.checks, paint));
        text.push('\n');
        text + &self.final_line(paint)
    }

    fn quiet_text(&self, paint: &Paint) -> String {
        render_checklist(&output::problems(&self.checks), paint) + &self.final_line(paint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_problems_warnings_and_skips() {
        let report = DoctorReport::new(
            "redis://localhost:6379/0".into(),
            vec![
                Check::fail("tcp", "refused").hint("docker start interviewmaster-redis"),
                Check::warn("maxmemory", "no limit"),
                Check::warn("thp", "always"),
                Check::skip("role", "not run"),
            ],
        );
        assert!(!report.ok);
        assert_eq!(report.summary(), "1 problem, 2 warnings (1 check skipped)");
        let text = report.text(&Paint { on: false });
        assert!(text.starts_with("imcache doctor: redis://localhost:6379/0\n✗ tcp"));
        assert!(
            text.contains("\n             fix: docker start interviewmaster-redis\n"),
            "{text}"
        );
        assert!(text.ends_with("\n✗ 1 problem, 2 warnings (1 check skipped)\n"));
        let fine = DoctorReport::new("t".into(), vec![Check::pass("tcp", "ok")]);
        assert!(fine.ok);
        assert_eq!(fine.summary(), "no problems, no warnings");
    }
}
