//! The editing rules of tune, over a whole include tree. Only the directives asked for change,
//! and only when their value (the one Redis takes, the last line it reads) differs from the one
//! wanted. The new value goes where it wins: into the file whose line Redis reads last, after the
//! last `include` there that sets it again. In that file the first active line of the directive
//! (after that include) is replaced in place, indentation and line ending kept, and the later ones
//! removed; all its `save` lines become one block where the first stood. A directive set nowhere
//! goes after its commented example in the main file (`# maxmemory <bytes>`) or at its end.
//! Every other byte stays. Never an inline comment: Redis refuses them, so one found on a replaced
//! line moves to its own line above. Identical `save` rules that are scattered may be gathered into
//! one block: that is reported as moved, not as a change.

use std::collections::BTreeMap;

use crate::cli::Policy;

use super::Config;
#[cfg(test)]
use super::hunk::render;
use super::hunk::{Hunk, Slot, hunks};
use super::tree::Tree;
use super::values::{SaveRules, Size, parse_policy, parse_size};

/// The values tune writes; None leaves a directive as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tuning {
    pub maxmemory: Option<Size>,
    pub policy: Option<Policy>,
    pub save: Option<SaveRules>,
}

/// One directive whose value changes: the value Redis took (None: not set, Redis's default
/// applies) and the value written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub directive: &'static str,
    pub old: Option<String>,
    pub new: String,
}

/// Lines gathered into one block without changing what they mean.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Moved {
    pub directive: &'static str,
    pub file: String,
    /// 1-based lines they were on, and the line the block starts on.
    pub lines: Vec<usize>,
    pub line: usize,
}

/// Where the value that wins is set, in a file tune may not edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub directive: &'static str,
    /// The step of the tree that sets it last.
    pub step: usize,
    /// The file is read more than once (included twice): no single place wins.
    pub read_twice: bool,
}

/// A line of a file tune changes on the way, said in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub file: usize,
    pub line: usize,
    pub text: String,
}

/// The hunks of one file of the tree, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    pub file: usize,
    pub hunks: Vec<Hunk>,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub edits: Vec<FileEdit>,
    pub changes: Vec<Change>,
    pub moved: Vec<Moved>,
    pub refused: Vec<Refusal>,
    pub notes: Vec<Note>,
}

/// The edited file and what changed, for one file on its own.
#[cfg(test)]
#[derive(Clone, Debug)]
pub struct Edit {
    pub bytes: Vec<u8>,
    pub changes: Vec<Change>,
    pub moved: Vec<Moved>,
}

struct Wanted {
    name: &'static str,
    shown: String,
    lines: Vec<String>,
}

impl Tuning {
    pub fn is_empty(&self) -> bool {
        self.maxmemory.is_none() && self.policy.is_none() && self.save.is_none()
    }

    fn wanted(&self) -> Vec<Wanted> {
        let mut wanted = Vec::new();
        if let Some(size) = &self.maxmemory {
            wanted.push(Wanted {
                name: "maxmemory",
                shown: size.text.clone(),
                lines: vec![format!("maxmemory {}", size.text)],
            });
        }
        if let Some(policy) = self.policy {
            wanted.push(Wanted {
                name: "maxmemory-policy",
                shown: policy.as_str().into(),
                lines: vec![format!("maxmemory-policy {}", policy.as_str())],
            });
        }
        if let Some(save) = &self.save {
            wanted.push(Wanted {
                name: "save",
                shown: save.to_string(),
                lines: save.lines(),
            });
        }
        wanted
    }

    /// The tree already means what is wanted for `name` (sizes by bytes, policies in any case,
    /// save rules as a set).
    fn holds(&self, tree: &Tree, name: &str) -> bool {
        let last = tree
            .setters(name)
            .last()
            .map(|&s| tree.directive(s).args.clone());
        let single = |ok: &dyn Fn(&str) -> bool| match last.as_deref() {
            Some([arg]) => ok(&String::from_utf8_lossy(arg)),
            _ => false,
        };
        match name {
            "maxmemory" => single(&|v| {
                self.maxmemory
                    .as_ref()
                    .is_some_and(|m| parse_size(v) == Ok(m.bytes))
            }),
            "maxmemory-policy" => {
                single(&|v| parse_policy(v).is_some() && parse_policy(v) == self.policy)
            }
            _ => match (tree.save_rules(), &self.save) {
                (Some(Ok(rules)), Some(wanted)) => rules.same_as(wanted),
                _ => false,
            },
        }
    }
}

/// Plans the tuning over a tree; `editable` says which files (by index) tune may change.
pub fn plan(tree: &Tree, tuning: &Tuning, editable: &dyn Fn(usize) -> bool) -> Plan {
    let mut plan = Plan::default();
    let mut slots: BTreeMap<usize, BTreeMap<usize, Slot>> = BTreeMap::new();
    let mut at_end: Vec<String> = Vec::new();
    for wanted in tuning.wanted() {
        let setters = tree.setters(wanted.name);
        let line_of = |s: usize| {
            let d = tree.directive(s);
            (d.line, d.start, d.end)
        };
        if tuning.holds(tree, wanted.name) {
            if wanted.name == "save" {
                if let Some(moved) = scattered(tree, &setters, editable) {
                    let first = setters[0];
                    let file = tree.steps[first].file;
                    slot_at(&mut slots, file, line_of(first)).replace = Some(wanted.lines.clone());
                    for &s in &setters[1..] {
                        slot_at(&mut slots, file, line_of(s)).remove = true;
                    }
                    plan.moved.push(moved);
                }
            }
            continue;
        }
        plan.changes.push(Change {
            directive: wanted.name,
            old: old_value(tree, wanted.name),
            new: wanted.shown.clone(),
        });
        let Some(&last) = setters.last() else {
            let main = &tree.files[0].config;
            match main.examples.iter().rev().find(|e| e.name == wanted.name) {
                Some(e) => slot_at(&mut slots, 0, (e.line, e.start, e.end))
                    .after
                    .extend(wanted.lines),
                None => at_end.extend(wanted.lines),
            }
            continue;
        };
        let file = tree.steps[last].file;
        if !editable(file) || tree.files[file].reads > 1 {
            plan.refused.push(Refusal {
                directive: wanted.name,
                step: last,
                read_twice: tree.files[file].reads > 1,
            });
            continue;
        }
        let region = region(tree, file, &setters);
        let mut lines = wanted.lines;
        let off = tuning.save.as_ref().is_some_and(SaveRules::is_off);
        if wanted.name == "save" && !off && region.len() < setters.len() {
            // Rules read before the block would add to it: clear them first.
            lines.insert(0, "save \"\"".into());
        }
        let first = slot_at(&mut slots, file, line_of(region[0]));
        first.replace = Some(lines);
        first.comment_at = tree.directive(region[0]).comment_at;
        for &s in &region[1..] {
            let removed = slot_at(&mut slots, file, line_of(s));
            removed.remove = true;
            removed.comment_at = tree.directive(s).comment_at;
        }
    }
    for (file, slots) in slots {
        let config = &tree.files[file].config;
        let end = if file == 0 {
            std::mem::take(&mut at_end)
        } else {
            Vec::new()
        };
        let hunks = hunks(config, &slots, &end);
        for (line, slot) in &slots {
            if let Some(note) = comment_note(config, slot) {
                plan.notes.push(Note {
                    file,
                    line: line + 1,
                    text: note,
                });
            }
        }
        plan.edits.push(FileEdit { file, hunks });
    }
    if !at_end.is_empty() {
        let hunks = hunks(&tree.files[0].config, &BTreeMap::new(), &at_end);
        plan.edits.insert(0, FileEdit { file: 0, hunks });
    }
    plan
}

/// The slot of a line (`(line, start, end)`), made on first use.
fn slot_at(
    slots: &mut BTreeMap<usize, BTreeMap<usize, Slot>>,
    file: usize,
    at: (usize, usize, usize),
) -> &mut Slot {
    let (line, start, end) = at;
    slots.entry(file).or_default().entry(line).or_insert(Slot {
        start,
        end,
        ..Slot::default()
    })
}

/// The setters of `name` in `file` that come after the last include there which sets it again.
fn region(tree: &Tree, file: usize, setters: &[usize]) -> Vec<usize> {
    let barrier = tree
        .includes
        .iter()
        .filter(|i| i.file == file && setters.iter().any(|s| i.steps.contains(s)))
        .map(|i| i.directive)
        .max();
    setters
        .iter()
        .copied()
        .filter(|&s| {
            tree.steps[s].file == file && barrier.is_none_or(|b| tree.steps[s].directive > b)
        })
        .collect()
}

/// Save lines that mean the wanted rules but are not one block, all in one file tune may edit.
fn scattered(tree: &Tree, setters: &[usize], editable: &dyn Fn(usize) -> bool) -> Option<Moved> {
    let file = tree.steps[*setters.first()?].file;
    let lines: Vec<usize> = setters
        .iter()
        .map(|&s| tree.directive(s).line + 1)
        .collect();
    let one_file = setters.iter().all(|&s| tree.steps[s].file == file);
    let block = lines.windows(2).all(|w| w[1] == w[0] + 1);
    (one_file && !block && editable(file) && tree.files[file].reads == 1).then(|| Moved {
        directive: "save",
        file: tree.files[file].path.display().to_string(),
        line: lines[0],
        lines,
    })
}

/// The value Redis takes from the tree, as text; None when no line sets it.
fn old_value(tree: &Tree, name: &str) -> Option<String> {
    if name == "save" {
        return tree.save_rules().map(|rules| match rules {
            Ok(rules) => rules.to_string(),
            Err(text) => text,
        });
    }
    tree.value(name)
}

fn comment_note(config: &Config, slot: &Slot) -> Option<String> {
    let at = slot.comment_at?;
    let comment = String::from_utf8_lossy(config.text(at, slot.end)).into_owned();
    Some(match slot.remove {
        true => format!("removed with its inline comment `{comment}`"),
        false => format!(
            "its inline comment `{comment}` is now on its own line above (Redis read it as arguments)"
        ),
    })
}

/// Applies the tuning to one redis.conf's bytes on their own (includes not followed).
#[cfg(test)]
pub fn apply(original: &[u8], tuning: &Tuning) -> Edit {
    let tree = Tree::single(Config::parse(original.to_vec()));
    let plan = plan(&tree, tuning, &|_| true);
    let bytes = match plan.edits.first() {
        Some(edit) => render(&tree.files[0].config, &edit.hunks),
        None => original.to_vec(),
    };
    Edit {
        bytes,
        changes: plan.changes,
        moved: plan.moved,
    }
}

#[cfg(test)]
mod tests {
    // The editing rules, one small config each, include trees, and the properties: a tuned file
    // says what was asked, and tuning it again changes nothing.

    use proptest::prelude::*;

    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::redis_conf::Line;
    use crate::redis_conf::tree::Options;
    use crate::redis_conf::values::GUIDE_SAVE_RULES;

    fn prod() -> Tuning {
        Tuning {
            maxmemory: Some(Size::parse("256mb").unwrap()),
            policy: Some(Policy::AllkeysLru),
            save: Some(SaveRules(GUIDE_SAVE_RULES.to_vec())),
        }
    }

    fn dev() -> Tuning {
        Tuning {
            save: Some(SaveRules::default()),
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
    fn only_the_directives_asked_change() {
        let text = "maxmemory 1gb\nmaxmemory-policy noeviction\nsave 60 1\n";
        let only = Tuning {
            maxmemory: Some(Size::parse("512mb").unwrap()),
            ..Tuning::default()
        };
        let edit = apply(text.as_bytes(), &only);
        assert_eq!(
            String::from_utf8(edit.bytes).unwrap(),
            "maxmemory 512mb\nmaxmemory-policy noeviction\nsave 60 1\n"
        );
        assert_eq!(edit.changes.len(), 1);
        assert!(
            apply(text.as_bytes(), &Tuning::default())
                .changes
                .is_empty()
        );
    }

    #[test]
    fn identical_scattered_save_rules_are_moved_not_changed() {
        let text = "save 900 1\nport 1\nsave 300 10\nsave 60 10000\n";
        let edit = apply(
            text.as_bytes(),
            &Tuning {
                save: prod().save,
                ..Tuning::default()
            },
        );
        assert!(edit.changes.is_empty(), "{:?}", edit.changes);
        assert_eq!(edit.moved.len(), 1);
        assert_eq!(
            (edit.moved[0].lines.clone(), edit.moved[0].line),
            (vec![1, 3, 4], 1)
        );
        let out = String::from_utf8(edit.bytes).unwrap();
        assert_eq!(out, "save 900 1\nsave 300 10\nsave 60 10000\nport 1\n");
        let again = apply(
            out.as_bytes(),
            &Tuning {
                save: prod().save,
                ..Tuning::default()
            },
        );
        assert!(again.moved.is_empty() && again.bytes == out.as_bytes());
        let reordered = apply(b"save 60 10000\nsave 900 1\nsave 300 10\n", &prod());
        assert!(
            reordered.changes.iter().all(|c| c.directive != "save"),
            "rules are a set"
        );
    }

    #[test]
    fn an_inline_comment_on_a_replaced_line_moves_above_it() {
        let text = "  maxmemory 1gb # the limit\n";
        let only = Tuning {
            maxmemory: Some(Size::parse("2gb").unwrap()),
            ..Tuning::default()
        };
        let tree = Tree::single(Config::parse(text.as_bytes().to_vec()));
        let plan = plan(&tree, &only, &|_| true);
        assert_eq!(
            render(&tree.files[0].config, &plan.edits[0].hunks),
            b"  # the limit\n  maxmemory 2gb\n"
        );
        assert_eq!(plan.notes.len(), 1);
        assert!(plan.notes[0].text.contains("own line above"));
    }

    /// A tree of files in a temp dir: `redis.conf` first.
    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, Tree) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let text = text.replace("DIR", &dir.path().display().to_string());
            fs::write(dir.path().join(name), text).unwrap();
        }
        let main = dir.path().join(files[0].0);
        let options = Options {
            cwd: dir.path().to_path_buf(),
            follow: true,
            globs: true,
        };
        let config = Config::parse(fs::read(&main).unwrap());
        let tree = Tree::load(&main, config, &options);
        (dir, tree)
    }

    /// The tree's files after the plan, written back, read again as Redis would.
    fn after(dir: &Path, tree: &Tree, plan: &Plan) -> Tree {
        for edit in &plan.edits {
            let file = &tree.files[edit.file];
            fs::write(&file.path, render(&file.config, &edit.hunks)).unwrap();
        }
        let main = &tree.files[0].path;
        let options = Options {
            cwd: dir.to_path_buf(),
            follow: true,
            globs: true,
        };
        Tree::load(main, Config::parse(fs::read(main).unwrap()), &options)
    }

    #[test]
    fn the_value_goes_where_it_wins_in_the_include_tree() {
        let (dir, tree) = tree(&[
            (
                "redis.conf",
                "maxmemory 1gb\nsave 10 1\ninclude DIR/tuning.conf\nport 1\n",
            ),
            (
                "tuning.conf",
                "maxmemory 2gb\nmaxmemory-policy volatile-ttl\nsave 20 2\n",
            ),
        ]);
        let refused = plan(&tree, &prod(), &|f| f == 0);
        let names: Vec<_> = refused.refused.iter().map(|r| r.directive).collect();
        assert_eq!(names, ["maxmemory", "maxmemory-policy", "save"]);
        assert_eq!(
            tree.place(refused.refused[0].step),
            format!("{}/tuning.conf:1", dir.path().display())
        );
        assert!(
            refused.edits.is_empty(),
            "nothing is planned in the main file"
        );

        let both = plan(&tree, &prod(), &|_| true);
        assert!(both.refused.is_empty());
        let changed: Vec<_> = both.edits.iter().map(|e| e.file).collect();
        assert_eq!(changed, [1], "only the include holds the winning lines");
        let now = after(dir.path(), &tree, &both);
        assert_eq!(now.value("maxmemory").as_deref(), Some("256mb"));
        assert_eq!(
            now.value("maxmemory-policy").as_deref(),
            Some("allkeys-lru")
        );
        assert_eq!(
            now.save_rules(),
            Some(Ok(SaveRules(GUIDE_SAVE_RULES.to_vec()))),
            "earlier rules cleared"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("tuning.conf")).unwrap(),
            "maxmemory 256mb\nmaxmemory-policy allkeys-lru\nsave \"\"\nsave 900 1\nsave 300 10\nsave 60 10000\n"
        );
    }

    #[test]
    fn a_line_after_the_last_include_that_sets_it_is_the_one_replaced() {
        let (dir, tree) = tree(&[
            (
                "redis.conf",
                "maxmemory 1gb\ninclude DIR/a.conf\nmaxmemory 3gb\ninclude DIR/b.conf\n",
            ),
            ("a.conf", "maxmemory 2gb\n"),
            ("b.conf", "port 1\n"),
        ]);
        let only = Tuning {
            maxmemory: Some(Size::parse("256mb").unwrap()),
            ..Tuning::default()
        };
        let plan = plan(&tree, &only, &|f| f == 0);
        assert!(plan.refused.is_empty());
        let now = after(dir.path(), &tree, &plan);
        assert_eq!(now.value("maxmemory").as_deref(), Some("256mb"));
        assert_eq!(
            fs::read_to_string(dir.path().join("redis.conf")).unwrap(),
            format!(
                "maxmemory 1gb\ninclude {0}/a.conf\nmaxmemory 256mb\ninclude {0}/b.conf\n",
                dir.path().display()
            )
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
                maxmemory: Some(Size::parse(size).unwrap()),
                policy: Some(policy),
                save: Some(SaveRules(rules)),
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
        let config = Config::parse(once.bytes.clone());
        let last = |name: &str| config.last_value(name).unwrap_or_default();
        prop_assert_eq!(
            parse_size(&last("maxmemory")),
            Ok(tuning.maxmemory.as_ref().unwrap().bytes)
        );
        prop_assert_eq!(parse_policy(&last("maxmemory-policy")), tuning.policy);
        let rules = Tree::single(config).save_rules();
        prop_assert!(
            matches!(&rules, Some(Ok(r)) if r.same_as(tuning.save.as_ref().unwrap())),
            "save rules {:?}",
            rules
        );
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
            // An inline comment on a tuned line becomes a line of its own (a test above).
            let config = Config::parse(bytes.clone());
            prop_assume!(config.directives.iter().all(|d| d.comment_at.is_none()));
            let edit = apply(&bytes, &tuning);
            let kept = |text: &[u8]| -> Vec<Vec<u8>> {
                let tuned = |l: &Line| ["maxmemory", "maxmemory-policy", "save"].iter().any(|n| l.directive(n).is_some());
                text.split_inclusive(|b| *b == b'\n').map(|l| Line::parse(l.to_vec())).collect::<Vec<_>>().iter()
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
