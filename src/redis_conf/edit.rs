//! The editing rules of `tune --config`: the first active line of a directive is replaced in
//! place (indentation and line ending kept), later active duplicates are removed, all `save`
//! lines become one block where the first stood, and a directive that is absent goes after its
//! commented example (`# maxmemory <bytes>`) or at the end. Every other byte stays. A directive
//! that already says what we want, on one line (or one block), is left alone, which makes a
//! second identical tune a no-op. Never an inline comment: Redis refuses them.

use crate::cli::Policy;

use super::values::{SaveRules, Size, parse_policy, parse_size};
use super::{Config, join_args};

/// The three values tune writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tuning {
    pub maxmemory: Size,
    pub policy: Policy,
    pub save: SaveRules,
}

/// One directive whose lines change: the value the file had for Redis (None: not set, Redis's
/// default applies) and the value written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub directive: &'static str,
    pub old: Option<String>,
    pub new: String,
}

/// An `include` after a tuned directive: the included file is read later and could set it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub directive: &'static str,
    /// 1-based line numbers in the edited file.
    pub line: usize,
    pub include_line: usize,
    pub include: String,
}

/// The edited file and what changed.
#[derive(Clone, Debug)]
pub struct Edit {
    pub bytes: Vec<u8>,
    pub changes: Vec<Change>,
    pub overrides: Vec<Override>,
}

impl Tuning {
    /// Each directive: its name, its value as shown, its lines, and whether a line's value is
    /// the wanted one (Redis's way of comparing: sizes by bytes, policies in any case).
    fn wanted(&self) -> [Wanted; 3] {
        [
            Wanted {
                name: "maxmemory",
                shown: self.maxmemory.text.clone(),
                lines: vec![format!("maxmemory {}", self.maxmemory.text)],
            },
            Wanted {
                name: "maxmemory-policy",
                shown: self.policy.as_str().into(),
                lines: vec![format!("maxmemory-policy {}", self.policy.as_str())],
            },
            Wanted {
                name: "save",
                shown: self.save.to_string(),
                lines: self.save.lines(),
            },
        ]
    }

    fn is_set(&self, name: &str, config: &Config, active: &[usize]) -> bool {
        let single = |check: &dyn Fn(&str) -> bool| {
            active.len() == 1
                && config.lines[active[0]].directive(name).is_some_and(|args| {
                    args.len() == 1 && check(&String::from_utf8_lossy(&args[0]))
                })
        };
        match name {
            "maxmemory" => single(&|v| parse_size(v) == Ok(self.maxmemory.bytes)),
            "maxmemory-policy" => single(&|v| parse_policy(v) == Some(self.policy)),
            _ => {
                let contiguous = active.windows(2).all(|w| w[1] == w[0] + 1);
                contiguous && !active.is_empty() && save_rules(config) == Some(self.save.clone())
            }
        }
    }
}

struct Wanted {
    name: &'static str,
    shown: String,
    lines: Vec<String>,
}

/// What happens to one original line.
#[derive(Clone, Default)]
struct Slot {
    replace: Option<Vec<String>>,
    remove: bool,
    after: Vec<String>,
}

/// Applies the tuning to a redis.conf's bytes.
pub fn apply(original: &[u8], tuning: &Tuning) -> Edit {
    let config = Config::parse(original);
    let mut slots = vec![Slot::default(); config.lines.len()];
    let mut at_end = Vec::new();
    let mut changes = Vec::new();
    for wanted in tuning.wanted() {
        let active = config.active(wanted.name);
        if tuning.is_set(wanted.name, &config, &active) {
            continue;
        }
        changes.push(Change {
            directive: wanted.name,
            old: old_value(&config, wanted.name),
            new: wanted.shown,
        });
        match active.split_first() {
            Some((&first, rest)) => {
                slots[first].replace = Some(wanted.lines);
                for &i in rest {
                    slots[i].remove = true;
                }
            }
            None => match last_example(&config, wanted.name) {
                Some(i) => slots[i].after.extend(wanted.lines),
                None => at_end.extend(wanted.lines),
            },
        }
    }
    let bytes = render(&config, &slots, &at_end);
    let overrides = overrides(&Config::parse(&bytes));
    Edit {
        bytes,
        changes,
        overrides,
    }
}

fn render(config: &Config, slots: &[Slot], at_end: &[String]) -> Vec<u8> {
    let eol = config.eol();
    let mut out = Vec::with_capacity(config.lines.iter().map(|l| l.raw.len()).sum::<usize>() + 128);
    for (line, slot) in config.lines.iter().zip(slots) {
        if slot.remove {
            continue;
        }
        match &slot.replace {
            Some(new) => {
                for (k, text) in new.iter().enumerate() {
                    out.extend_from_slice(line.indent());
                    out.extend_from_slice(text.as_bytes());
                    out.extend_from_slice(if k + 1 < new.len() {
                        eol
                    } else {
                        line.terminator()
                    });
                }
            }
            None => out.extend_from_slice(&line.raw),
        }
        append_lines(&mut out, &slot.after, eol);
    }
    append_lines(&mut out, at_end, eol);
    out
}

/// New lines after what is written so far, which first gets a line ending if it lacks one.
fn append_lines(out: &mut Vec<u8>, lines: &[String], eol: &[u8]) {
    if lines.is_empty() {
        return;
    }
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(eol);
    }
    for text in lines {
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(eol);
    }
}

/// The value Redis takes from this file, as text; None when no active line sets it.
fn old_value(config: &Config, name: &str) -> Option<String> {
    if name == "save" {
        if config.active("save").is_empty() {
            return None;
        }
        return Some(match save_rules(config) {
            Some(rules) => rules.to_string(),
            None => config
                .active("save")
                .iter()
                .filter_map(|&i| config.lines[i].directive("save"))
                .map(join_args)
                .collect::<Vec<_>>()
                .join(" "),
        });
    }
    config.last_value(name)
}

/// The snapshot rules the file's `save` lines add up to (`save ""` clears what came before);
/// None when no line sets them or a line is one Redis refuses.
pub fn save_rules(config: &Config) -> Option<SaveRules> {
    let mut rules: Option<SaveRules> = None;
    for line in &config.lines {
        if let Some(args) = line.directive("save") {
            let more = SaveRules::from_args(args)?;
            rules = Some(match (rules, more.is_off()) {
                (_, true) => more,
                (None, false) => more,
                (Some(mut so_far), false) => {
                    so_far.0.extend(more.0);
                    so_far
                }
            });
        }
    }
    rules
}

/// The last commented example of a directive whose value reads as one (`# maxmemory <bytes>`,
/// `# save 3600 1 300 100 60 10000`), never prose such as `# Save the DB to disk.`.
fn last_example(config: &Config, name: &str) -> Option<usize> {
    (0..config.lines.len()).rev().find(|&i| {
        let Some((n, args)) = config.lines[i].commented_directive() else {
            return false;
        };
        if n != name || args.is_empty() {
            return false;
        }
        let placeholder = args[0].starts_with(b"<");
        let first = String::from_utf8_lossy(&args[0]);
        placeholder
            || match name {
                "maxmemory" => args.len() == 1 && parse_size(&first).is_ok(),
                "maxmemory-policy" => args.len() == 1 && parse_policy(&first).is_some(),
                _ => SaveRules::from_args(&args).is_some(),
            }
    })
}

/// Every tuned directive followed by an active `include` line.
fn overrides(config: &Config) -> Vec<Override> {
    let includes: Vec<usize> = config.active("include");
    let mut found = Vec::new();
    for directive in ["maxmemory", "maxmemory-policy", "save"] {
        let Some(&last) = config.active(directive).last() else {
            continue;
        };
        if let Some(&include) = includes.iter().find(|&&i| i > last) {
            found.push(Override {
                directive,
                line: last + 1,
                include_line: include + 1,
                include: config.lines[include]
                    .directive("include")
                    .map(join_args)
                    .unwrap_or_default(),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests;
