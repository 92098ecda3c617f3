//! An edit as hunks of whole lines: lines `line..line + old_lines` of a file become new lines.
//! The write and the diff are both made from them, so the diff shows exactly what is written and
//! neither needs a second copy of the file or a line-by-line comparison of all of it.

use std::collections::BTreeMap;

use super::Config;

/// Lines `line..line + old_lines` (bytes `start..end`) become `new` (whole lines, terminators
/// included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    pub line: usize,
    pub old_lines: usize,
    pub start: usize,
    pub end: usize,
    pub new: Vec<Vec<u8>>,
}

/// What happens to one line of a file.
#[derive(Clone, Default)]
pub(super) struct Slot {
    pub start: usize,
    pub end: usize,
    pub replace: Option<Vec<String>>,
    pub remove: bool,
    pub after: Vec<String>,
    pub comment_at: Option<usize>,
}

/// The hunks of one file: a slot per line that changes, and lines added at the end.
pub(super) fn hunks(
    config: &Config,
    slots: &BTreeMap<usize, Slot>,
    at_end: &[String],
) -> Vec<Hunk> {
    let eol = config.eol();
    let line_of = |text: &str| [text.as_bytes(), eol].concat();
    let mut hunks: Vec<Hunk> = Vec::new();
    for (&line, slot) in slots {
        let terminator = config.terminator(slot.end);
        let mut new: Vec<Vec<u8>> = Vec::new();
        let mut hunk = Hunk {
            line,
            old_lines: 1,
            start: slot.start,
            end: slot.end,
            new: Vec::new(),
        };
        let indent = config.indent(slot.start).to_vec();
        if let Some(lines) = &slot.replace {
            if let Some(at) = slot.comment_at {
                new.push([&indent, config.text(at, slot.end), eol].concat());
            }
            for (k, text) in lines.iter().enumerate() {
                let end = if k + 1 < lines.len() { eol } else { terminator };
                new.push([&indent, text.as_bytes(), end].concat());
            }
        } else if !slot.remove {
            hunk = Hunk {
                line: line + 1,
                old_lines: 0,
                start: slot.end,
                end: slot.end,
                new: Vec::new(),
            };
        }
        let after: Vec<Vec<u8>> = slot.after.iter().map(|t| line_of(t)).collect();
        if !after.is_empty() && terminator.is_empty() {
            // The file's last line lacks an ending: it gets one before the new lines.
            if new.is_empty() && !slot.remove {
                hunk = Hunk {
                    line,
                    old_lines: 1,
                    start: slot.start,
                    end: slot.end,
                    new: Vec::new(),
                };
                new.push(config.bytes[slot.start..slot.end].to_vec());
            }
            if let Some(last) = new.last_mut() {
                last.extend_from_slice(eol);
            }
        }
        new.extend(after);
        hunk.new = new;
        hunks.push(hunk);
    }
    if !at_end.is_empty() {
        let lines: Vec<Vec<u8>> = at_end.iter().map(|t| line_of(t)).collect();
        let len = config.bytes.len();
        match hunks.last_mut() {
            Some(last) if last.end == len && config.lacks_final_newline() => {
                if let Some(line) = last.new.last_mut().filter(|l| !l.ends_with(b"\n")) {
                    line.extend_from_slice(eol);
                }
                last.new.extend(lines);
            }
            _ if config.lacks_final_newline() => {
                let start = config
                    .bytes
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                let mut new = vec![[&config.bytes[start..], eol].concat()];
                new.extend(lines);
                hunks.push(Hunk {
                    line: config.line_count - 1,
                    old_lines: 1,
                    start,
                    end: len,
                    new,
                });
            }
            _ => hunks.push(Hunk {
                line: config.line_count,
                old_lines: 0,
                start: len,
                end: len,
                new: lines,
            }),
        }
    }
    hunks
}

/// The file with its hunks applied.
#[cfg(test)]
pub fn render(config: &Config, hunks: &[Hunk]) -> Vec<u8> {
    let added: usize = hunks.iter().flat_map(|h| &h.new).map(Vec::len).sum();
    let mut out = Vec::with_capacity(config.bytes.len() + added);
    render_to(config, hunks, &mut out).expect("writing to memory");
    out
}

/// `render`, written out piece by piece (to a file: no copy of the new version in memory).
pub fn render_to(
    config: &Config,
    hunks: &[Hunk],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut at = 0;
    for hunk in hunks {
        out.write_all(&config.bytes[at..hunk.start])?;
        for line in &hunk.new {
            out.write_all(line)?;
        }
        at = hunk.end;
    }
    out.write_all(&config.bytes[at..])
}

/// The hunks that turn `old` into `new`, two versions of a file that nobody gave an edit for
/// (what CONFIG REWRITE made of the server's file): the shortest line edit script (Myers'
/// algorithm), or, past `MAX_EDITS` edits, one hunk over everything between the common first and
/// last lines.
pub fn between(old: &Config, new: &[u8]) -> Vec<Hunk> {
    const MAX_EDITS: usize = 2000;
    let a: Vec<&[u8]> = old.bytes.split_inclusive(|b| *b == b'\n').collect();
    let b: Vec<&[u8]> = new.split_inclusive(|b| *b == b'\n').collect();
    let mut starts = Vec::with_capacity(a.len() + 1);
    let mut at = 0;
    for line in &a {
        starts.push(at);
        at += line.len();
    }
    starts.push(at);
    let runs = edit_runs(&a, &b, MAX_EDITS).unwrap_or_else(|| {
        let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let suffix = a[prefix..]
            .iter()
            .rev()
            .zip(b[prefix..].iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        vec![(
            prefix,
            a.len() - prefix - suffix,
            prefix,
            b.len() - prefix - suffix,
        )]
    });
    runs.into_iter()
        .filter(|&(_, deleted, _, inserted)| deleted + inserted > 0)
        .map(|(i, deleted, j, inserted)| Hunk {
            line: i,
            old_lines: deleted,
            start: starts[i],
            end: starts[i + deleted],
            new: b[j..j + inserted].iter().map(|l| l.to_vec()).collect(),
        })
        .collect()
}

/// Myers' shortest edit script from `a` to `b` as runs (old index, lines deleted, new index,
/// lines inserted); None when it takes more than `max` edits.
fn edit_runs(a: &[&[u8]], b: &[&[u8]], max: usize) -> Option<Vec<(usize, usize, usize, usize)>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let offset = (n + m + 1) as usize;
    let mut v = vec![0isize; 2 * offset + 1];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    'search: for d in 0..=(n + m).min(max as isize) {
        trace.push(v.clone());
        for k in (-d..=d).step_by(2) {
            let index = (k + offset as isize) as usize;
            let mut x = if k == -d || (k != d && v[index - 1] < v[index + 1]) {
                v[index + 1]
            } else {
                v[index - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[index] = x;
            if x >= n && y >= m {
                found = Some(d);
                break 'search;
            }
        }
    }
    let last = found?;
    // Back from (n, m): each step of d is one deletion or insertion after a run of equal lines.
    let (mut x, mut y) = (n, m);
    let mut edits: Vec<(usize, usize, bool)> = Vec::new(); // (old index, new index, is deletion)
    for d in (1..=last).rev() {
        let v = &trace[d as usize];
        let k = x - y;
        let index = |k: isize| (k + offset as isize) as usize;
        let down = k == -d || (k != d && v[index(k - 1)] < v[index(k + 1)]);
        let previous_k = if down { k + 1 } else { k - 1 };
        let previous_x = v[index(previous_k)];
        let previous_y = previous_x - previous_k;
        while x > previous_x && y > previous_y {
            x -= 1;
            y -= 1;
        }
        match down {
            true => edits.push((previous_x as usize, previous_y as usize, false)),
            false => edits.push((previous_x as usize, previous_y as usize, true)),
        }
        x = previous_x;
        y = previous_y;
    }
    edits.reverse();
    // Adjacent edits become one run.
    let mut runs: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (i, j, deletion) in edits {
        match runs.last_mut() {
            Some(run) if run.0 + run.1 == i && run.2 + run.3 == j => match deletion {
                true => run.1 += 1,
                false => run.3 += 1,
            },
            _ => runs.push(match deletion {
                true => (i, 1, j, 0),
                false => (i, 0, j, 1),
            }),
        }
    }
    Some(runs)
}

/// The hunks as a unified diff (GNU's format) with `radius` lines of context; empty when there
/// are none.
pub fn unified_diff(
    config: &Config,
    hunks: &[Hunk],
    old: &str,
    new: &str,
    radius: usize,
) -> String {
    if hunks.is_empty() {
        return String::new();
    }
    let mut out = format!("--- {old}\n+++ {new}\n");
    let mut groups: Vec<&[Hunk]> = Vec::new();
    let mut begin = 0;
    for i in 1..=hunks.len() {
        let apart = i == hunks.len()
            || hunks[i].line - (hunks[i - 1].line + hunks[i - 1].old_lines) > 2 * radius;
        if apart {
            groups.push(&hunks[begin..i]);
            begin = i;
        }
    }
    let mut delta: isize = 0;
    for group in groups {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let before = lines_before(config, first.start, first.line.min(radius));
        let after = lines_after(config, last.end, radius);
        let old_start = first.line - before.len();
        let old_len = last.line + last.old_lines + after.len() - old_start;
        let grown: isize = group
            .iter()
            .map(|h| h.new.len() as isize - h.old_lines as isize)
            .sum();
        let new_start = (old_start as isize + delta) as usize;
        let new_len = (old_len as isize + grown) as usize;
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_len),
            range(new_start, new_len)
        ));
        before.iter().for_each(|l| push_line(&mut out, ' ', l));
        // Hunks that touch are shown as one change: their old lines, then their new ones.
        let mut k = 0;
        while k < group.len() {
            if k > 0 {
                let gap = &config.bytes[group[k - 1].end..group[k].start];
                gap.split_inclusive(|b| *b == b'\n')
                    .for_each(|l| push_line(&mut out, ' ', l));
            }
            let mut run = k + 1;
            while run < group.len() && group[run].start == group[run - 1].end {
                run += 1;
            }
            config.bytes[group[k].start..group[run - 1].end]
                .split_inclusive(|b| *b == b'\n')
                .for_each(|l| push_line(&mut out, '-', l));
            group[k..run]
                .iter()
                .flat_map(|h| &h.new)
                .for_each(|l| push_line(&mut out, '+', l));
            k = run;
        }
        after.iter().for_each(|l| push_line(&mut out, ' ', l));
        delta += grown;
    }
    out
}

/// `5` for one line, `5,3` for more, `4,0` for none (the line before the empty range).
fn range(start: usize, len: usize) -> String {
    match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{len}", start + 1),
    }
}

fn push_line(out: &mut String, mark: char, line: &[u8]) {
    out.push(mark);
    out.push_str(&String::from_utf8_lossy(line));
    if !line.ends_with(b"\n") {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// Up to `n` whole lines that end where `at` (a line start) begins.
fn lines_before(config: &Config, at: usize, n: usize) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut end = at;
    while lines.len() < n && end > 0 {
        let start = config.bytes[..end - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        lines.push(&config.bytes[start..end]);
        end = start;
    }
    lines.reverse();
    lines
}

/// Up to `n` whole lines from `at` on.
fn lines_after(config: &Config, at: usize, n: usize) -> Vec<&[u8]> {
    config.bytes[at..]
        .split_inclusive(|b| *b == b'\n')
        .take(n)
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::cli::Policy;
    use crate::redis_conf::edit::{Tuning, plan};
    use crate::redis_conf::tree::Tree;
    use crate::redis_conf::{SaveRules, Size};

    /// Applies a unified diff to `old` as patch(1) would, checking every context and removed line.
    fn patch(old: &[u8], diff: &str) -> Vec<u8> {
        let old_lines: Vec<&[u8]> = old.split_inclusive(|b| *b == b'\n').collect();
        let mut out: Vec<Vec<u8>> = Vec::new();
        let mut at = 0;
        let mut body = diff.split_inclusive('\n').skip(2).peekable();
        while let Some(header) = body.next() {
            let start: usize = header
                .trim_start_matches("@@ -")
                .split([',', ' '])
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let len_zero = header.split(' ').nth(1).unwrap().ends_with(",0");
            let first = if len_zero { start } else { start - 1 };
            out.extend(old_lines[at..first].iter().map(|l| l.to_vec()));
            at = first;
            while let Some(line) = body.next_if(|l| !l.starts_with("@@")) {
                let (mark, text) = line.split_at(1);
                let mut text = text.as_bytes().to_vec();
                if body.next_if(|l| l.starts_with("\\ No newline")).is_some() {
                    text.pop();
                }
                match mark {
                    " " | "-" => {
                        assert_eq!(
                            old_lines[at],
                            text.as_slice(),
                            "line {} of the original",
                            at + 1
                        );
                        at += 1;
                        if mark == " " {
                            out.push(text);
                        }
                    }
                    _ => out.push(text),
                }
            }
        }
        out.extend(old_lines[at..].iter().map(|l| l.to_vec()));
        out.concat()
    }

    fn config_text() -> impl Strategy<Value = Vec<u8>> {
        let line = prop_oneof![
            Just("maxmemory 100mb"),
            Just("maxmemory-policy volatile-lru"),
            Just("save 900 1"),
            Just("save \"\""),
            Just("# maxmemory <bytes>"),
            Just("# save 3600 1 300 100 60 10000"),
            Just("port 6379"),
            Just("maxmemory 1gb # note"),
            Just(""),
        ];
        let eol = prop_oneof![Just("\n"), Just("\r\n"), Just("")];
        proptest::collection::vec((line, eol), 0..16).prop_map(|lines| {
            lines
                .into_iter()
                .flat_map(|(l, e)| format!("{l}{e}").into_bytes())
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_diff_patches_the_original_into_what_is_written(bytes in config_text(), off in any::<bool>()) {
            let tuning = Tuning {
                maxmemory: Some(Size::parse("256mb").unwrap()),
                policy: Some(Policy::AllkeysLru),
                save: Some(if off { SaveRules::default() } else { SaveRules(vec![(60, 5), (30, 2)]) }),
            };
            let tree = Tree::single(Config::parse(bytes.clone()));
            let plan = plan(&tree, &tuning, &|_| true);
            let config = &tree.files[0].config;
            let hunks = plan.edits.first().map(|e| e.hunks.clone()).unwrap_or_default();
            let written = render(config, &hunks);
            let diff = unified_diff(config, &hunks, "a", "b", 2);
            prop_assert_eq!(diff.is_empty(), written == bytes);
            prop_assert_eq!(patch(&bytes, &diff), written);
        }
    }

    #[test]
    fn the_diff_reads_as_gnu_diff_does() {
        let text = b"a 1\nb 2\nc 3\nd 4\ne 5\nmaxmemory 1gb\nf 6\n# maxmemory-policy x\n";
        let tuning = Tuning {
            maxmemory: Some(Size::parse("2gb").unwrap()),
            policy: Some(Policy::AllkeysLru),
            ..Tuning::default()
        };
        let tree = Tree::single(Config::parse(text.to_vec()));
        let plan = plan(&tree, &tuning, &|_| true);
        let diff = unified_diff(&tree.files[0].config, &plan.edits[0].hunks, "a", "b", 2);
        assert_eq!(
            diff,
            "--- a\n+++ b\n@@ -4,5 +4,6 @@\n d 4\n e 5\n-maxmemory 1gb\n+maxmemory 2gb\n f 6\n \
             # maxmemory-policy x\n+maxmemory-policy allkeys-lru\n"
        );
    }

    #[test]
    fn between_two_versions_is_the_shortest_edit_and_patches_the_old_into_the_new() {
        let old = Config::parse(b"a\nb\nc\nd\ne\nf\n".to_vec());
        let new = b"a\nB\nc\nd\ne\nf\ng\n";
        let hunks = between(&old, new);
        assert_eq!(hunks.len(), 2, "{hunks:?}");
        assert_eq!((hunks[0].line, hunks[0].old_lines), (1, 1));
        assert_eq!(hunks[0].new, vec![b"B\n".to_vec()]);
        assert_eq!((hunks[1].line, hunks[1].old_lines), (6, 0));
        assert_eq!(render(&old, &hunks), new);
        let diff = unified_diff(&old, &hunks, "x", "x (CONFIG REWRITE)", 1);
        assert!(diff.contains("-b\n+B\n") && diff.contains("+g\n"), "{diff}");
        assert_eq!(patch(&old.bytes, &diff), new);
        assert!(between(&old, &old.bytes).is_empty());
    }

    proptest! {
        #[test]
        fn between_any_two_files_renders_and_patches_into_the_second(
            old in proptest::collection::vec("[abc]{0,2}\n", 0..30),
            new in proptest::collection::vec("[abc]{0,2}\n", 0..30),
        ) {
            let (old, new) = (old.concat(), new.concat());
            let config = Config::parse(old.clone().into_bytes());
            let hunks = between(&config, new.as_bytes());
            prop_assert_eq!(render(&config, &hunks), new.as_bytes());
            let diff = unified_diff(&config, &hunks, "a", "b", 2);
            prop_assert_eq!(patch(old.as_bytes(), &diff), new.as_bytes());
        }
    }
}
