//! The app's reading of `.env`: python-dotenv 1.2.4's parser (`dotenv/parser.py`) and its
//! `${VAR}` interpolation (`dotenv/variables.py`, `resolve_variables` in `main.py`), ported rule
//! by rule so that imcache reads the value the app gets. The quirks are python-dotenv's own and
//! kept on purpose: `${NAME}` is replaced even inside single quotes, `\\` becomes `\` inside
//! single quotes, double quotes know `\\ \' \" \a \b \f \n \r \t \v` and no `\$`, a quote
//! followed by anything but a comment makes the whole line unreadable, `KEY= # note` is empty,
//! and a key that repeats keeps its last value. The tests compare this port with the real
//! python-dotenv on random files. (1.2.2 and older differ on `\'` before a closing quote and on
//! `KEY= #x`; what setup writes reads the same in both.)
//!
//! Positions are byte offsets in the text as given; python reads the file with universal
//! newlines, so `\r\n` and `\r` count as line breaks here and become `\n` inside values.

/// One `KEY=value` (or a bare `KEY`) as python-dotenv reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub key: String,
    /// The value after quotes and escapes, before `${VAR}` interpolation; None for a bare `KEY`.
    pub value: Option<String>,
    /// 1-based line of the key.
    pub line: usize,
    /// Start of the key's physical line, and the end of the binding (its line ending included).
    pub start: usize,
    pub end: usize,
    /// Where the key ends and the value as written (quotes included, comment excluded).
    pub key_end: usize,
    pub value_span: Option<(usize, usize)>,
}

/// A statement python-dotenv cannot parse: it warns and skips it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub line: usize,
    /// 1-based column (in characters) where reading stopped.
    pub column: usize,
    /// The key, when the line got as far as `KEY=`.
    pub key: Option<String>,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Binding(Binding),
    Unreadable(Unreadable),
}

/// Python's `\s` (and `str.isspace`): Unicode White_Space plus the four ASCII separators.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `[^\S\r\n]`: whitespace that does not end a line.
fn is_blank(c: char) -> bool {
    is_py_space(c) && c != '\r' && c != '\n'
}

/// Every binding and unreadable statement of `text`, in order (comments and blank lines give
/// nothing). A leading BOM is skipped, as python-dotenv does.
pub fn parse(text: &str) -> Vec<Item> {
    let mut reader = Reader {
        text,
        pos: text
            .strip_prefix('\u{feff}')
            .map_or(0, |_| '\u{feff}'.len_utf8()),
    };
    let mut items = Vec::new();
    while reader.pos < text.len() {
        if let Some(item) = reader.statement() {
            items.push(item);
        }
    }
    items
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

/// A failed read: python-dotenv's `Error`, raised where the reader stands.
struct Stop;

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) -> usize {
        let len = self
            .rest()
            .char_indices()
            .find(|&(_, c)| !keep(c))
            .map_or(self.rest().len(), |(i, _)| i);
        self.pos += len;
        len
    }

    /// `parse_binding`: one statement, from the current position.
    fn statement(&mut self) -> Option<Item> {
        self.skip_while(is_py_space);
        if self.pos >= self.text.len() {
            return None;
        }
        let start = line_start(self.text, self.pos);
        let mut key = None;
        match self.binding(start, &mut key) {
            Ok(binding) => binding.map(Item::Binding),
            Err(Stop) => {
                let stopped = self.pos;
                // `_rest_of_line`; a `\r\n` ending is taken whole here.
                self.skip_while(|c| c != '\r' && c != '\n');
                if self.rest().starts_with("\r\n") {
                    self.pos += 2;
                } else if self.rest().starts_with(['\r', '\n']) {
                    self.pos += 1;
                }
                let line_begin = line_start(self.text, stopped);
                Some(Item::Unreadable(Unreadable {
                    line: line_of(self.text, stopped),
                    column: self.text[line_begin..stopped].chars().count() + 1,
                    key,
                    start,
                    end: self.pos,
                }))
            }
        }
    }

    fn binding(
        &mut self,
        start: usize,
        seen_key: &mut Option<String>,
    ) -> Result<Option<Binding>, Stop> {
        // `_export`: "export" and at least one blank, or nothing.
        if let Some(after) = self.rest().strip_prefix("export") {
            let blanks = after.len() - after.trim_start_matches(is_blank).len();
            if blanks > 0 {
                self.pos += "export".len() + blanks;
            }
        }
        let line = line_of(self.text, self.pos);
        let key = match self.rest().chars().next() {
            Some('#') => None,
            Some('\'') => {
                let body = &self.rest()[1..];
                let len = body.find('\'').filter(|&n| n > 0).ok_or(Stop)?;
                let key = newlines_as_python_reads_them(&body[..len]);
                self.pos += len + 2;
                Some(key)
            }
            _ => {
                let len = self.skip_while(|c| c != '=' && c != '#' && !is_py_space(c));
                if len == 0 {
                    return Err(Stop);
                }
                Some(self.text[self.pos - len..self.pos].to_string())
            }
        };
        let key_end = self.pos;
        self.skip_while(is_blank);
        let mut value = None;
        let mut value_span = None;
        if self.rest().starts_with('=') {
            *seen_key = key.clone();
            self.pos += 1;
            let spaced = self.skip_while(is_blank) > 0;
            let value_start = self.pos;
            let (read, written_end) = if spaced && self.rest().starts_with('#') {
                (String::new(), self.pos)
            } else {
                self.value()?
            };
            value = Some(read);
            value_span = Some((value_start, written_end));
        }
        // `_comment`, then `_end_of_line`.
        let before_comment = self.pos;
        self.skip_while(is_blank);
        if self.rest().starts_with('#') {
            self.skip_while(|c| c != '\r' && c != '\n');
        } else {
            self.pos = before_comment;
        }
        self.skip_while(is_blank);
        if self.rest().starts_with("\r\n") {
            self.pos += 2;
        } else if self.rest().starts_with(['\r', '\n']) {
            self.pos += 1;
        } else if self.pos < self.text.len() {
            return Err(Stop);
        }
        Ok(key.map(|key| Binding {
            key,
            value,
            line,
            start,
            end: self.pos,
            key_end,
            value_span,
        }))
    }

    /// `parse_value`: the value read, and where its written form ends (before a comment).
    fn value(&mut self) -> Result<(String, usize), Stop> {
        match self.rest().chars().next() {
            Some(quote @ ('\'' | '"')) => {
                let body_len = quoted_body_len(&self.rest()[1..], quote).ok_or(Stop)?;
                let body = newlines_as_python_reads_them(&self.rest()[1..1 + body_len]);
                self.pos += body_len + 2;
                let value = if quote == '\'' {
                    decode_escapes(&body, "\\'")
                } else {
                    decode_escapes(&body, "\\'\"abfnrtv")
                };
                Ok((value, self.pos))
            }
            None | Some('\r' | '\n') => Ok((String::new(), self.pos)),
            Some(_) => {
                let start = self.pos;
                let len = self.skip_while(|c| c != '\r' && c != '\n');
                let part = &self.text[start..start + len];
                let kept = match comment_start(part) {
                    Some(cut) => &part[..cut],
                    None => part,
                };
                let kept = kept.trim_end_matches(is_py_space);
                Ok((kept.to_string(), start + kept.len()))
            }
        }
    }
}

/// The length of a quoted value's body as python's `'((?:\\.|[^'\\])*)'` finds it (or the same
/// with `"`), `text` starting right after the opening quote: a backslash always takes the next
/// character with it, across lines too, and the first bare quote closes the value.
fn quoted_body_len(text: &str, quote: char) -> Option<usize> {
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next()?;
        } else if c == quote {
            return Some(i);
        }
    }
    None
}

/// Where `re.sub(r"\s+#.*", "", part)` cuts an unquoted value: the first whitespace run that
/// is followed by `#`.
fn comment_start(part: &str) -> Option<usize> {
    let mut run_start = None;
    for (i, c) in part.char_indices() {
        if is_py_space(c) {
            run_start.get_or_insert(i);
        } else if c == '#' && run_start.is_some() {
            return run_start;
        } else {
            run_start = None;
        }
    }
    None
}

/// `decode_escapes`: a backslash followed by one of `known` becomes that escape's character,
/// left to right; every other backslash stays.
fn decode_escapes(body: &str, known: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && known.contains(next) => {
                chars.next();
                out.push(match next {
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\u{b}',
                    other => other,
                });
            }
            _ => out.push(c),
        }
    }
    out
}

fn newlines_as_python_reads_them(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The byte offset where the physical line holding `pos` starts.
fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// The 1-based line of `pos`, counting `\r\n`, `\n` and `\r` as one break each.
pub fn line_of(text: &str, pos: usize) -> usize {
    let before = &text[..pos];
    before.matches('\n').count() + before.matches('\r').count() - before.matches("\r\n").count() + 1
}

/// One `${NAME}` or `${NAME:-default}` as python-dotenv's `_posix_variable` finds it.
#[derive(Debug, PartialEq, Eq)]
pub struct Variable<'a> {
    pub start: usize,
    pub end: usize,
    pub name: &'a str,
    pub default: Option<&'a str>,
}

/// Every variable python-dotenv replaces in `value`, left to right.
pub fn variables(value: &str) -> Vec<Variable<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = value[from..].find("${").map(|i| from + i) {
        let inner = &value[at + 2..];
        let name_len = inner.find(['}', ':']).unwrap_or(inner.len());
        let name = &inner[..name_len];
        let after = &inner[name_len..];
        let matched = if after.starts_with('}') {
            Some((None, name_len + 1))
        } else if let Some(default) = after.strip_prefix(":-") {
            default
                .find('}')
                .map(|len| (Some(&default[..len]), name_len + 2 + len + 1))
        } else {
            None
        };
        match matched {
            Some((default, len)) => {
                let end = at + 2 + len;
                found.push(Variable {
                    start: at,
                    end,
                    name,
                    default,
                });
                from = end;
            }
            None => from = at + 1,
        }
    }
    found
}

/// `resolve_variables` as `load_dotenv()` runs it (override off): each value's `${NAME}` is
/// looked up in the process environment first, then in the file's earlier values; unknown
/// names give the default or "". Returns (key, value) in file order, repeats included.
pub fn interpolate(
    bindings: &[&Binding],
    environment: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, Option<String>)> {
    let mut resolved: Vec<(String, Option<String>)> = Vec::with_capacity(bindings.len());
    for binding in bindings {
        let value = binding.value.as_ref().map(|value| {
            let mut out = String::with_capacity(value.len());
            let mut cursor = 0;
            for var in variables(value) {
                out.push_str(&value[cursor..var.start]);
                let known = environment(var.name).map(Some).or_else(|| {
                    resolved
                        .iter()
                        .rev()
                        .find(|(k, _)| k == var.name)
                        .map(|(_, v)| v.clone())
                });
                match known {
                    Some(found) => out.push_str(found.as_deref().unwrap_or("")),
                    None => out.push_str(var.default.unwrap_or("")),
                }
                cursor = var.end;
            }
            out.push_str(&value[cursor..]);
            out
        });
        resolved.push((binding.key.clone(), value));
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bindings(text: &str) -> Vec<(String, Option<String>)> {
        parse(text)
            .into_iter()
            .filter_map(|item| match item {
                Item::Binding(b) => Some((b.key, b.value)),
                Item::Unreadable(_) => None,
            })
            .collect()
    }

    fn value(text: &str) -> Option<String> {
        bindings(text).pop().and_then(|(_, v)| v)
    }

    #[test]
    fn quotes_and_escapes_read_as_python_dotenv_reads_them() {
        assert_eq!(value("A='two\\\\back'").as_deref(), Some("two\\back"));
        assert_eq!(value("A='a\\b'").as_deref(), Some("a\\b"));
        assert_eq!(value("A=\"it's\\$ecret\"").as_deref(), Some("it's\\$ecret"));
        assert_eq!(value("A=\"a\\tb\\qc\"").as_deref(), Some("a\tb\\qc"));
        assert_eq!(value("A=pa$word # note").as_deref(), Some("pa$word"));
        assert_eq!(value("A=pa#word").as_deref(), Some("pa#word"));
        assert_eq!(value("export  A = 'x' # c\r\n").as_deref(), Some("x"));
        assert_eq!(value("A=\"x\r\ny\"").as_deref(), Some("x\ny"));
        assert_eq!(bindings("A"), [("A".to_string(), None)]);
    }

    #[test]
    fn a_backslash_takes_the_next_character_even_a_quote_or_a_line_break() {
        assert_eq!(
            bindings("A='x\\'\nB=y'\n"),
            [("A".to_string(), Some("x'\nB=y".to_string()))]
        );
        assert_eq!(bindings("A='x\\'\nB='y'\n"), []);
        assert_eq!(bindings("A='x\\'"), []);
        assert_eq!(value("A='x\\\\'").as_deref(), Some("x\\"));
        assert_eq!(value("A= # note").as_deref(), Some(""));
        assert_eq!(value("A=#x").as_deref(), Some("#x"));
    }

    #[test]
    fn unreadable_lines_give_line_column_and_only_a_real_key() {
        let items = parse("A=1\ncorrect horse staple\nB='x' y\n");
        let bad: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                Item::Unreadable(u) => Some((u.line, u.column, u.key.clone())),
                Item::Binding(_) => None,
            })
            .collect();
        assert_eq!(bad, [(2, 9, None), (3, 7, Some("B".to_string()))]);
    }

    #[test]
    fn interpolation_reads_the_environment_first_then_earlier_values() {
        let items = parse("A=1\nB='${A}-${HOME}-${NONE:-d}-${A:b}'\nA=2\n");
        let list: Vec<&Binding> = items
            .iter()
            .filter_map(|i| match i {
                Item::Binding(b) => Some(b),
                Item::Unreadable(_) => None,
            })
            .collect();
        let env = |name: &str| (name == "HOME").then(|| "/root".to_string());
        let resolved = interpolate(&list, &env);
        assert_eq!(resolved[1].1.as_deref(), Some("1-/root-d-${A:b}"));
    }
}

/// The port against the real python-dotenv 1.2.4 (the folder `IMCACHE_TEST_PYTHON_DOTENV`, by
/// default `~/.cache/imcache-python-dotenv`, where `.ci/run` installs it), on random files
/// full of the characters the two could disagree about.
#[cfg(test)]
mod against_python_dotenv {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::process::{Command, Stdio};

    type Reading = BTreeMap<String, Option<String>>;

    const SCRIPT: &str = r#"
import json, os, sys, tempfile
from dotenv.main import DotEnv
folder = tempfile.mkdtemp()
out = []
for i, text in enumerate(json.load(sys.stdin)):
    path = os.path.join(folder, "%d.env" % i)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    out.append(DotEnv(path, interpolate=True, override=False).dict())
print(json.dumps(out))
"#;

    fn python_dotenv_folder() -> std::path::PathBuf {
        let folder = std::env::var_os("IMCACHE_TEST_PYTHON_DOTENV")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                    .join(".cache/imcache-python-dotenv")
            });
        assert!(
            folder.join("dotenv/parser.py").exists(),
            "python-dotenv 1.2.4 is not in {}: `python3 -m pip install --target {} \
             python-dotenv==1.2.4` (.ci/run does this)",
            folder.display(),
            folder.display()
        );
        folder
    }

    /// python-dotenv's `load_dotenv` reading of each text; the environment it sees has X=1 and
    /// no A, B or C.
    fn python_readings(texts: &[String]) -> Vec<Reading> {
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT])
            .env("PYTHONPATH", python_dotenv_folder())
            .env("X", "1")
            .env_remove("A")
            .env_remove("B")
            .env_remove("C")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let input = serde_json::to_vec(texts).unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "python-dotenv failed");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn our_reading(text: &str) -> Reading {
        let items = parse(text);
        let bindings: Vec<&Binding> = items
            .iter()
            .filter_map(|i| match i {
                Item::Binding(b) => Some(b),
                Item::Unreadable(_) => None,
            })
            .collect();
        let environment = |name: &str| match name {
            "X" => Some("1".to_string()),
            "A" | "B" | "C" => None,
            other => std::env::var(other).ok(),
        };
        interpolate(&bindings, &environment).into_iter().collect()
    }

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[ABCX]",
            3 => Just("=".to_string()),
            2 => prop::sample::select(vec![
                "'", "\"", "\\", "#", "$", "{", "}", ":-", "${", " ", "\t", "\n", "\r\n", "\r",
                "export ", "\u{a0}", "\u{2028}", "\u{1f}", "\u{feff}", "é", "`", "x", "7",
            ])
            .prop_map(str::to_string),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn the_port_reads_what_python_dotenv_reads(texts in prop::collection::vec(text(), 40)) {
            let theirs = python_readings(&texts);
            for (text, theirs) in texts.iter().zip(theirs) {
                prop_assert_eq!(our_reading(text), theirs, "text: {:?}", text);
            }
        }
    }

    /// The hard cases seen in the field, as written by hand or by the old imcache.
    #[test]
    fn the_hard_lines_read_as_python_dotenv_reads_them() {
        let texts: Vec<String> = [
            "P='dollar${HOME}x'",
            "P='Pa$$w0rd${x}!'",
            "P='two\\\\back'",
            "P=\"it's\\$ecret\"",
            "P=pa$word",
            "P=\"a\\\\\"\nQ=1\n",
            "P='x\\'\nQ='y'\n",
            "\u{feff}P=1",
            "P= # note\nQ=#x",
            "export P=1 # c\r\nQ='a\r\nb'",
            "P=${X:-d}${NONE:-d}${P}",
        ]
        .map(str::to_string)
        .to_vec();
        for (text, theirs) in texts.iter().zip(python_readings(&texts)) {
            assert_eq!(our_reading(text), theirs, "text: {text:?}");
        }
    }
}
