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
mod tests {
    // The editing rules, one small config each, and the properties: a tuned file says what was
    // asked, and tuning it again changes nothing.

    use proptest::prelude::*;

    use super::*;
    use crate::redis_conf::Line;
    use crate::redis_conf::values::GUIDE_SAVE_RULES;

    fn prod() -> Tuning {
        Tuning {
            maxmemory: Size::parse("256mb").unwrap(),
            policy: Policy::AllkeysLru,
            save: SaveRules(GUIDE_SAVE_RULES.to_vec()),
        }
    }

    fn dev() -> Tuning {
        Tuning {
            save: SaveRules::default(),
            ..prod()
        }
    }

    fn tune(text: &str, tuning: &Tuning) -> String {
        String::from_utf8(apply(text.as_bytes(), tuning).bytes).unwrap()
    }

    #[test]
    fn missing_directives_go_after_their_commented_examples() {
        let text = "# Save the DB to disk.\n#\n# save 3600 1 300 100 60 10000\n\nport 6379\n\
                    # maxmemory <bytes>\n\n# maxmemory-policy noeviction\n# maxmemory-samples 5\n";
        assert_eq!(
            tune(text, &prod()),
            "# Save the DB to disk.\n#\n# save 3600 1 300 100 60 10000\nsave 900 1\nsave 300 10\n\
             save 60 10000\n\nport 6379\n# maxmemory <bytes>\nmaxmemory 256mb\n\n\
             # maxmemory-policy noeviction\nmaxmemory-policy allkeys-lru\n# maxmemory-samples 5\n"
        );
    }

    #[test]
    fn without_examples_directives_are_appended() {
        assert_eq!(
            tune("port 6379", &dev()),
            "port 6379\nmaxmemory 256mb\nmaxmemory-policy allkeys-lru\nsave \"\"\n"
        );
        assert_eq!(
            tune("", &dev()),
            "maxmemory 256mb\nmaxmemory-policy allkeys-lru\nsave \"\"\n"
        );
    }

    #[test]
    fn first_line_replaced_in_place_duplicates_removed_names_in_any_case() {
        let text = "MAXMEMORY 1gb\nport 1\n  maxmemory 2gb\nMaxMemory-Policy noeviction\n";
        assert_eq!(
            tune(text, &dev()),
            "maxmemory 256mb\nport 1\nmaxmemory-policy allkeys-lru\nsave \"\"\n"
        );
    }

    #[test]
    fn save_lines_become_one_block_where_the_first_stood() {
        let text = "a 1\n  save 10 1\nb 2\nsave 20 2\nsave \"\"\nc 3\n";
        assert_eq!(
            tune(text, &prod()),
            "a 1\n  save 900 1\n  save 300 10\n  save 60 10000\nb 2\nc 3\n\
             maxmemory 256mb\nmaxmemory-policy allkeys-lru\n"
        );
        let edit = apply(text.as_bytes(), &prod());
        let save = edit.changes.iter().find(|c| c.directive == "save").unwrap();
        assert_eq!(
            save.old.as_deref(),
            Some(""),
            "save \"\" last clears the earlier rules"
        );
        assert_eq!(save.new, "900 1 300 10 60 10000");
    }

    #[test]
    fn crlf_quotes_and_other_bytes_are_kept() {
        let text = "bind 127.0.0.1\r\nrequirepass \"p a$s\"\r\n# maxmemory <bytes>\r\nmaxmemory-policy 'noeviction'\r\n";
        let out = tune(text, &prod());
        assert_eq!(
            out,
            "bind 127.0.0.1\r\nrequirepass \"p a$s\"\r\n# maxmemory <bytes>\r\nmaxmemory 256mb\r\n\
             maxmemory-policy allkeys-lru\r\nsave 900 1\r\nsave 300 10\r\nsave 60 10000\r\n"
        );
    }

    #[test]
    fn values_that_already_match_are_left_as_written() {
        let text = "maxmemory \"268435456\"\nmaxmemory-policy ALLKEYS-LRU\nsave 900 1 300 10\nsave 60 10000\n";
        let edit = apply(text.as_bytes(), &prod());
        assert!(edit.changes.is_empty(), "{:?}", edit.changes);
        assert_eq!(edit.bytes, text.as_bytes());
    }

    #[test]
    fn old_values_are_what_redis_would_use() {
        let text = "maxmemory 1gb\nmaxmemory 2gb\nsave 60 1\nsave 30 2\n";
        let edit = apply(text.as_bytes(), &prod());
        let old: Vec<_> = edit.changes.iter().map(|c| c.old.clone()).collect();
        assert_eq!(old, [Some("2gb".into()), None, Some("60 1 30 2".into())]);
    }

    #[test]
    fn an_include_after_a_tuned_line_is_reported() {
        let text = "include /etc/redis/base.conf\nmaxmemory 1gb\ninclude /etc/redis/local.conf\n";
        let edit = apply(text.as_bytes(), &dev());
        assert_eq!(
            edit.overrides,
            [Override {
                directive: "maxmemory",
                line: 2,
                include_line: 3,
                include: "/etc/redis/local.conf".into(),
            }]
        );
    }

    #[test]
    fn no_final_newline_gets_one_before_new_lines_only() {
        assert_eq!(
            tune("maxmemory 1mb", &dev()).lines().next(),
            Some("maxmemory 256mb")
        );
        assert_eq!(
            tune("# maxmemory <bytes>", &dev()),
            "# maxmemory <bytes>\nmaxmemory 256mb\nmaxmemory-policy allkeys-lru\nsave \"\"\n"
        );
    }

    fn tuning() -> impl Strategy<Value = Tuning> {
        (
            prop_oneof![Just("256mb"), Just("1gb"), Just("100m"), Just("0")],
            prop_oneof![
                Just(Policy::AllkeysLru),
                Just(Policy::VolatileTtl),
                Just(Policy::Noeviction)
            ],
            prop_oneof![
                Just(vec![]),
                Just(GUIDE_SAVE_RULES.to_vec()),
                Just(vec![(60, 5)])
            ],
        )
            .prop_map(|(size, policy, rules)| Tuning {
                maxmemory: Size::parse(size).unwrap(),
                policy,
                save: SaveRules(rules),
            })
    }

    /// Lines a real redis.conf has, and some it should not, in any order and line ending.
    fn config_text() -> impl Strategy<Value = Vec<u8>> {
        let line = prop_oneof![
            Just("maxmemory 100mb"),
            Just("MAXMEMORY 268435456"),
            Just("  maxmemory-policy volatile-lru"),
            Just("maxmemory-policy allkeys-lru"),
            Just("save 900 1"),
            Just("save \"\""),
            Just("save 60"),
            Just("# maxmemory <bytes>"),
            Just("# save 3600 1 300 100 60 10000"),
            Just("# Save the DB"),
            Just("include /x.conf"),
            Just("maxmemory \"2gb"),
            Just("port 6379"),
            Just(""),
            Just("\t"),
            Just("#"),
        ];
        let eol = prop_oneof![Just("\n"), Just("\r\n"), Just("")];
        proptest::collection::vec((line, eol), 0..14).prop_map(|lines| {
            lines
                .into_iter()
                .flat_map(|(l, e)| format!("{l}{e}").into_bytes())
                .collect()
        })
    }

    fn check_tuned(bytes: &[u8], tuning: &Tuning) -> Result<(), TestCaseError> {
        let once = apply(bytes, tuning);
        let twice = apply(&once.bytes, tuning);
        prop_assert!(
            twice.changes.is_empty(),
            "second run changed {:?}",
            twice.changes
        );
        prop_assert_eq!(&twice.bytes, &once.bytes);
        let config = Config::parse(&once.bytes);
        let last = |name: &str| config.last_value(name).unwrap_or_default();
        prop_assert_eq!(parse_size(&last("maxmemory")), Ok(tuning.maxmemory.bytes));
        prop_assert_eq!(parse_policy(&last("maxmemory-policy")), Some(tuning.policy));
        prop_assert_eq!(save_rules(&config), Some(tuning.save.clone()));
        Ok(())
    }

    proptest! {
        #[test]
        fn tune_is_idempotent_on_config_like_files(bytes in config_text(), tuning in tuning()) {
            check_tuned(&bytes, &tuning)?;
        }

        #[test]
        fn tune_is_idempotent_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300), tuning in tuning()) {
            check_tuned(&bytes, &tuning)?;
        }

        #[test]
        fn only_tuned_lines_change(bytes in config_text(), tuning in tuning()) {
            let edit = apply(&bytes, &tuning);
            let kept = |text: &[u8]| -> Vec<Vec<u8>> {
                let tuned = |l: &Line| ["maxmemory", "maxmemory-policy", "save"].iter().any(|n| l.directive(n).is_some());
                Config::parse(text).lines.iter()
                    .filter(|l| !tuned(l))
                    .map(|l| {
                        let body = l.raw.strip_suffix(b"\n").unwrap_or(&l.raw);
                        body.strip_suffix(b"\r").unwrap_or(body).to_vec()
                    })
                    .collect()
            };
            prop_assert_eq!(kept(&edit.bytes), kept(&bytes));
        }
    }
}
