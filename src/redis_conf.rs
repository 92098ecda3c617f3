//! redis.conf read the way redis-server reads it, so `tune` can edit a real file (Debian's, a
//! hand-written one, one with CRLF endings) without changing a byte it was not asked to change.
//!
//! A file is read once, in one pass: each line is trimmed of " \t\r\n" as Redis trims it, then is
//! blank, a `#` comment, or a directive split into arguments with Redis's own quoting rules
//! (`sdssplitargs`). Only what tune needs is kept beside the bytes: the directive lines (few, in
//! a file that is mostly comments), the commented examples of the directives tune writes, and the
//! lines Redis cannot split. Writing an unchanged file back gives the same bytes for any input.
//! The values (sizes, policies, save rules) live in `values`, what Redis accepts in `check`, the
//! include tree in `tree`, the editing rules in `edit`.

pub mod check;
pub mod edit;
mod hunk;
#[rustfmt::skip]
pub mod known;
pub mod tree;
pub mod values;

pub use edit::{Change, Moved, Tuning};
pub use hunk::{between as diff_between, render_to, unified_diff};
pub use values::{SaveRules, Size, parse_policy, parse_size};

/// The directives tune writes.
pub const TUNED: [&str; 3] = ["maxmemory", "maxmemory-policy", "save"];

/// What a line is to redis-server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind {
    Blank,
    Comment,
    /// `name args...`; the name lower-cased (Redis compares names case-insensitively).
    Directive {
        name: String,
        args: Vec<Vec<u8>>,
    },
    /// Unbalanced quotes: redis-server refuses to start on such a line.
    Unparsable,
}

/// One line on its own, terminator included, and what it means (for showing a line, as the
/// diff does; a whole file is a `Config`).
#[derive(Clone, Debug)]
pub struct Line {
    pub raw: Vec<u8>,
    pub kind: LineKind,
}

impl Line {
    pub fn parse(raw: Vec<u8>) -> Line {
        let kind = classify(content(&raw));
        Line { raw, kind }
    }

    /// The arguments when this is an active `name` line.
    #[cfg(test)]
    pub fn directive(&self, name: &str) -> Option<&[Vec<u8>]> {
        match &self.kind {
            LineKind::Directive { name: n, args } if n == name => Some(args),
            _ => None,
        }
    }

    /// A commented-out line that reads as a directive (`# maxmemory <bytes>`): its name and
    /// arguments. Prose (`# Save the DB to disk.`) also looks like this; callers check the values.
    pub fn commented_directive(&self) -> Option<(String, Vec<Vec<u8>>)> {
        if self.kind != LineKind::Comment {
            return None;
        }
        commented_directive(content(&self.raw))
    }
}

/// An active directive line of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// 0-based line index.
    pub line: usize,
    /// The line's bytes in the file, terminator included.
    pub start: usize,
    pub end: usize,
    /// Lower-cased.
    pub name: String,
    pub args: Vec<Vec<u8>>,
    /// Where an inline comment starts (an unquoted `#` word after the first argument), as an
    /// offset in the file: Redis reads it as more arguments, not as a comment.
    pub comment_at: Option<usize>,
}

/// A commented example of a directive tune writes (`# maxmemory <bytes>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub name: &'static str,
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// A redis.conf: its bytes, and what Redis reads in them.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub bytes: Vec<u8>,
    /// Every active directive line, in file order.
    pub directives: Vec<Directive>,
    /// Commented examples of the tuned directives whose value reads as one, in file order.
    pub examples: Vec<Example>,
    /// 0-based indexes of the lines with unbalanced quotes.
    pub unparsable: Vec<usize>,
    /// Lines in the file (a last line without a terminator counts).
    pub line_count: usize,
    /// The first line (0-based) holding a byte no text file has (NUL, other control bytes).
    pub binary_at: Option<usize>,
    crlf: bool,
}

impl Config {
    pub fn parse(bytes: Vec<u8>) -> Config {
        let mut config = Config::default();
        let mut first_terminator = None;
        let mut start = 0;
        while start < bytes.len() {
            let end = bytes[start..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |i| start + i + 1);
            let line = config.line_count;
            let raw = &bytes[start..end];
            if first_terminator.is_none() && raw.ends_with(b"\n") {
                first_terminator = Some(raw.ends_with(b"\r\n"));
            }
            if config.binary_at.is_none() && raw.iter().any(|b| is_binary(*b)) {
                config.binary_at = Some(line);
            }
            config.read_line(line, start, end, raw);
            config.line_count += 1;
            start = end;
        }
        config.crlf = first_terminator.unwrap_or(false);
        config.bytes = bytes;
        config
    }

    fn read_line(&mut self, line: usize, start: usize, end: usize, raw: &[u8]) {
        let (lead, text) = trim_at(content(raw));
        if text.is_empty() {
            return;
        }
        if text[0] == b'#' {
            if let Some(name) = example_of(text) {
                self.examples.push(Example {
                    name,
                    line,
                    start,
                    end,
                });
            }
            return;
        }
        match split_words(text) {
            None => self.unparsable.push(line),
            Some(words) if words.is_empty() => {}
            Some(mut words) => {
                let name = lower(&words.remove(0).bytes);
                let comment_at = (name != "user")
                    .then(|| words.iter().skip(1).find(|w| w.comment))
                    .flatten()
                    .map(|w| start + lead + w.at);
                self.directives.push(Directive {
                    line,
                    start,
                    end,
                    name,
                    args: words.into_iter().map(|w| w.bytes).collect(),
                    comment_at,
                });
            }
        }
    }

    #[cfg(test)]
    fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The value Redis ends up with for a single-valued directive: the last active line wins.
    pub fn last_value(&self, name: &str) -> Option<String> {
        self.directives
            .iter()
            .rev()
            .find(|d| d.name == name)
            .map(|d| join_args(&d.args))
    }

    /// The line ending new lines get: CRLF when the file's first line ends so, else LF.
    pub fn eol(&self) -> &'static [u8] {
        if self.crlf { b"\r\n" } else { b"\n" }
    }

    /// A line's text without its terminator (`start..end` of a line).
    pub fn text(&self, start: usize, end: usize) -> &[u8] {
        let raw = &self.bytes[start..end];
        let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        raw.strip_suffix(b"\r").unwrap_or(raw)
    }

    /// `\r\n`, `\n`, or nothing (the last line of a file without a final newline).
    pub fn terminator(&self, end: usize) -> &'static [u8] {
        if self.bytes[..end].ends_with(b"\r\n") {
            b"\r\n"
        } else if self.bytes[..end].ends_with(b"\n") {
            b"\n"
        } else {
            b""
        }
    }

    /// The spaces and tabs a line starts with, kept when the line is replaced.
    pub fn indent(&self, start: usize) -> &[u8] {
        let rest = &self.bytes[start..];
        let n = rest
            .iter()
            .position(|b| *b != b' ' && *b != b'\t')
            .unwrap_or(rest.len());
        &rest[..n]
    }

    /// True when the file's last line has no line ending.
    pub fn lacks_final_newline(&self) -> bool {
        !self.bytes.is_empty() && !self.bytes.ends_with(b"\n")
    }
}

/// Arguments shown as text, space-separated (`""` for an empty argument, as the file says).
pub fn join_args(args: &[Vec<u8>]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() {
                "\"\"".to_string()
            } else {
                String::from_utf8_lossy(a).into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Control bytes other than tab, line feed, vertical tab, form feed and carriage return: a file
/// holding them is not a text file.
fn is_binary(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r')) || b == 0x7f
}

fn content(raw: &[u8]) -> &[u8] {
    raw.strip_suffix(b"\n").unwrap_or(raw)
}

fn classify(text: &[u8]) -> LineKind {
    let text = trim(text);
    if text.is_empty() {
        return LineKind::Blank;
    }
    if text[0] == b'#' {
        return LineKind::Comment;
    }
    match split_args(text) {
        None => LineKind::Unparsable,
        Some(args) if args.is_empty() => LineKind::Blank,
        Some(mut args) => {
            let name = lower(&args.remove(0));
            LineKind::Directive { name, args }
        }
    }
}

fn commented_directive(text: &[u8]) -> Option<(String, Vec<Vec<u8>>)> {
    let rest = trim(text).strip_prefix(b"#")?;
    let mut args = split_args(trim(rest))?;
    if args.is_empty() {
        return None;
    }
    let name = lower(&args.remove(0));
    Some((name, args))
}

/// The tuned directive a comment is an example of, when its value reads as one (`# maxmemory
/// <bytes>`, `# save 3600 1 300 100 60 10000`), never prose such as `# Save the DB to disk.`.
fn example_of(text: &[u8]) -> Option<&'static str> {
    let rest = trim(&text[1..]);
    let starts =
        |p: &str| rest.len() > p.len() && rest[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    if !starts("maxmemory") && !starts("save") {
        return None;
    }
    let (found, args) = commented_directive(text)?;
    let name = TUNED.into_iter().find(|n| *n == found)?;
    if args.is_empty() {
        return None;
    }
    let first = String::from_utf8_lossy(&args[0]);
    let reads = args[0].starts_with(b"<")
        || match name {
            "maxmemory" => args.len() == 1 && parse_size(&first).is_ok(),
            "maxmemory-policy" => args.len() == 1 && parse_policy(&first).is_some(),
            _ => SaveRules::from_args(&args).is_some(),
        };
    reads.then_some(name)
}

fn lower(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes.to_ascii_lowercase()).into_owned()
}

/// Redis's `sdstrim(line, " \t\r\n")`.
fn trim(text: &[u8]) -> &[u8] {
    trim_at(text).1
}

/// The trimmed text and how many bytes were trimmed off its start.
fn trim_at(mut text: &[u8]) -> (usize, &[u8]) {
    let set = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut lead = 0;
    while text.first().is_some_and(set) {
        text = &text[1..];
        lead += 1;
    }
    while text.last().is_some_and(set) {
        text = &text[..text.len() - 1];
    }
    (lead, text)
}

/// One argument as `sdssplitargs` makes it, and where it started.
struct Word {
    bytes: Vec<u8>,
    at: usize,
    /// It starts with an unquoted `#`.
    comment: bool,
}

/// Redis's `sdssplitargs`: words split on blanks, "double quotes" with \n \r \t \b \a \xHH and
/// \-escapes, 'single quotes' with only \' escaped; a closing quote must be followed by a blank.
/// None for unbalanced quotes. A NUL ends the line, as it ends a C string.
pub fn split_args(text: &[u8]) -> Option<Vec<Vec<u8>>> {
    split_words(text).map(|words| words.into_iter().map(|w| w.bytes).collect())
}

fn split_words(text: &[u8]) -> Option<Vec<Word>> {
    let text = match text.iter().position(|b| *b == 0) {
        Some(nul) => &text[..nul],
        None => text,
    };
    let at = |i: usize| text.get(i).copied().unwrap_or(0);
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut words = Vec::new();
    let mut p = 0;
    loop {
        while p < text.len() && is_space(text[p]) {
            p += 1;
        }
        if p >= text.len() {
            return Some(words);
        }
        let begin = p;
        let mut current = Vec::new();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let c = at(p);
            if in_double {
                if c == b'\\'
                    && at(p + 1) == b'x'
                    && at(p + 2).is_ascii_hexdigit()
                    && at(p + 3).is_ascii_hexdigit()
                {
                    let hex = [at(p + 2), at(p + 3)];
                    let hex = std::str::from_utf8(&hex).ok()?;
                    current.push(u8::from_str_radix(hex, 16).ok()?);
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        p += 1;
                        break;
                    }
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => current.push(other),
                }
            }
            p += 1;
        }
        words.push(Word {
            comment: text[begin] == b'#',
            bytes: current,
            at: begin,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Option<Vec<String>> {
        split_args(text.as_bytes()).map(|args| {
            args.into_iter()
                .map(|a| String::from_utf8(a).unwrap())
                .collect()
        })
    }

    #[test]
    fn arguments_follow_redis_quoting() {
        assert_eq!(words("save 900 1").unwrap(), ["save", "900", "1"]);
        assert_eq!(words("save \"\"").unwrap(), ["save", ""]);
        assert_eq!(
            words("a 'it\\'s' \"x\\ty\"").unwrap(),
            ["a", "it's", "x\ty"]
        );
        assert_eq!(words("a \"\\x41\"").unwrap(), ["a", "A"]);
        assert_eq!(words("   ").unwrap(), Vec::<String>::new());
        assert!(words("a \"open").is_none());
        assert!(
            words("a \"x\"y").is_none(),
            "a closing quote needs a blank after it"
        );
    }

    #[test]
    fn lines_are_classified_like_redis_does() {
        let config = Config::parse(b"# c\r\n\r\n  MAXMEMORY  \"1gb\"\r\nsave 'x\nport 1".to_vec());
        assert_eq!(config.line_count, 5);
        assert_eq!(config.unparsable, [3]);
        let names: Vec<_> = config.directives.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["maxmemory", "port"]);
        let maxmemory = &config.directives[0];
        assert_eq!(
            (maxmemory.line, maxmemory.args.clone()),
            (2, vec![b"1gb".to_vec()])
        );
        assert_eq!(config.terminator(maxmemory.end), b"\r\n");
        assert_eq!(config.indent(maxmemory.start), b"  ");
        assert_eq!(
            config.text(maxmemory.start, maxmemory.end),
            b"  MAXMEMORY  \"1gb\""
        );
        assert_eq!(config.terminator(config.directives[1].end), b"");
        assert!(config.lacks_final_newline());
        assert_eq!(config.eol(), b"\r\n");
        assert_eq!(config.last_value("maxmemory").as_deref(), Some("1gb"));
        assert_eq!(config.binary_at, None);
        assert_eq!(
            Config::parse(b"port 1\n\x00\x01\n".to_vec()).binary_at,
            Some(1)
        );
    }

    #[test]
    fn inline_comments_are_found_where_redis_reads_arguments() {
        let config = Config::parse(
            b"bind 127.0.0.1 # loopback\nrequirepass #not-a-comment\nuser a on #0123 ~*\nsave 900 1 '#x'\n"
                .to_vec(),
        );
        let at: Vec<_> = config.directives.iter().map(|d| d.comment_at).collect();
        assert_eq!(at, [Some(15), None, None, None]);
    }

    #[test]
    fn commented_examples_are_recognised() {
        let config = Config::parse(
            b"# maxmemory <bytes>\n# Save the DB to disk.\n# save 3600 1 300 100\n#maxmemory-policy noeviction\n# maxmemory-samples 5\n"
                .to_vec(),
        );
        let found: Vec<_> = config.examples.iter().map(|e| (e.name, e.line)).collect();
        assert_eq!(
            found,
            [("maxmemory", 0), ("save", 2), ("maxmemory-policy", 3)]
        );
        let line = Line::parse(b"# maxmemory <bytes>\n".to_vec());
        let (name, args) = line.commented_directive().unwrap();
        assert_eq!(
            (name.as_str(), args),
            ("maxmemory", vec![b"<bytes>".to_vec()])
        );
        assert!(
            Line::parse(b"maxmemory 1\n".to_vec())
                .commented_directive()
                .is_none()
        );
    }

    proptest! {
        #[test]
        fn parse_then_write_is_byte_identical(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            prop_assert_eq!(Config::parse(bytes.clone()).to_bytes(), bytes);
        }

        #[test]
        fn parse_then_write_is_byte_identical_for_config_like_text(
            text in "([ \t]{0,2}(#|save|maxmemory|include|\"|'|[a-z]{1,5}| |\\\\|\r){0,6}(\r\n|\n)){0,12}"
        ) {
            prop_assert_eq!(Config::parse(text.as_bytes().to_vec()).to_bytes(), text.as_bytes());
        }
    }
}
