//! redis.conf read the way redis-server reads it, so `tune` can edit a real file (Debian's, a
//! hand-written one, one with CRLF endings) without changing a byte it was not asked to change.
//!
//! The file is kept as its lines, each with its own terminator, exactly as read: writing an
//! unchanged `Config` back gives the same bytes for any input, valid or not. Each line is also
//! classified as Redis would: trimmed of " \t\r\n", blank, a `#` comment, or a directive split
//! into arguments with Redis's own quoting rules (`sdssplitargs`). The values (sizes, policies,
//! save rules) live in `values`, the editing rules in `edit`.

pub mod edit;
pub mod values;

pub use edit::{Change, Edit, Tuning, apply};
pub use values::{SaveRules, Size, parse_policy};

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

/// One line as read, terminator included, and what it means.
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

    /// `\r\n`, `\n`, or nothing (the last line of a file without a final newline).
    pub fn terminator(&self) -> &[u8] {
        if self.raw.ends_with(b"\r\n") {
            b"\r\n"
        } else if self.raw.ends_with(b"\n") {
            b"\n"
        } else {
            b""
        }
    }

    /// The spaces and tabs before the text, kept when the line is replaced.
    pub fn indent(&self) -> &[u8] {
        let end = self
            .raw
            .iter()
            .position(|b| *b != b' ' && *b != b'\t')
            .unwrap_or(self.raw.len());
        &self.raw[..end]
    }

    /// The arguments when this is an active `name` line.
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
        let text = trim(content(&self.raw));
        let rest = text.strip_prefix(b"#")?;
        let mut args = split_args(trim(rest))?;
        if args.is_empty() {
            return None;
        }
        let name = lower(&args.remove(0));
        Some((name, args))
    }
}

/// A redis.conf as lines.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub lines: Vec<Line>,
}

impl Config {
    pub fn parse(bytes: &[u8]) -> Config {
        let lines = bytes
            .split_inclusive(|b| *b == b'\n')
            .map(|raw| Line::parse(raw.to_vec()))
            .collect();
        Config { lines }
    }

    #[cfg(test)]
    fn to_bytes(&self) -> Vec<u8> {
        self.lines
            .iter()
            .flat_map(|l| l.raw.iter().copied())
            .collect()
    }

    /// Indexes of the active lines of a directive (name lower-case), in file order.
    pub fn active(&self, name: &str) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| self.lines[i].directive(name).is_some())
            .collect()
    }

    /// The value Redis ends up with for a single-valued directive: the last active line wins.
    pub fn last_value(&self, name: &str) -> Option<String> {
        self.lines
            .iter()
            .rev()
            .find_map(|l| l.directive(name))
            .map(join_args)
    }

    /// The line ending new lines get: CRLF when the file's first line ends so, else LF.
    pub fn eol(&self) -> &'static [u8] {
        match self.lines.iter().find(|l| !l.terminator().is_empty()) {
            Some(line) if line.terminator() == b"\r\n" => b"\r\n",
            _ => b"\n",
        }
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

fn lower(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes.to_ascii_lowercase()).into_owned()
}

/// Redis's `sdstrim(line, " \t\r\n")`.
fn trim(mut text: &[u8]) -> &[u8] {
    let set = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    while text.first().is_some_and(set) {
        text = &text[1..];
    }
    while text.last().is_some_and(set) {
        text = &text[..text.len() - 1];
    }
    text
}

/// Redis's `sdssplitargs`: words split on blanks, "double quotes" with \n \r \t \b \a \xHH and
/// \-escapes, 'single quotes' with only \' escaped; a closing quote must be followed by a blank.
/// None for unbalanced quotes. A NUL ends the line, as it ends a C string.
pub fn split_args(text: &[u8]) -> Option<Vec<Vec<u8>>> {
    let text = match text.iter().position(|b| *b == 0) {
        Some(nul) => &text[..nul],
        None => text,
    };
    let at = |i: usize| text.get(i).copied().unwrap_or(0);
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < text.len() && is_space(text[p]) {
            p += 1;
        }
        if p >= text.len() {
            return Some(args);
        }
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
        args.push(current);
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
        let config = Config::parse(b"# c\r\n\r\n  MAXMEMORY  \"1gb\"\r\nsave 'x\nport 1");
        let kinds: Vec<_> = config.lines.iter().map(|l| &l.kind).collect();
        assert_eq!(kinds[0], &LineKind::Comment);
        assert_eq!(kinds[1], &LineKind::Blank);
        assert_eq!(
            kinds[2],
            &LineKind::Directive {
                name: "maxmemory".into(),
                args: vec![b"1gb".to_vec()]
            }
        );
        assert_eq!(kinds[3], &LineKind::Unparsable);
        assert_eq!(config.lines[2].terminator(), b"\r\n");
        assert_eq!(config.lines[2].indent(), b"  ");
        assert_eq!(config.lines[4].terminator(), b"");
        assert_eq!(config.eol(), b"\r\n");
        assert_eq!(config.last_value("maxmemory").as_deref(), Some("1gb"));
    }

    #[test]
    fn commented_examples_are_recognised() {
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
            prop_assert_eq!(Config::parse(&bytes).to_bytes(), bytes);
        }

        #[test]
        fn parse_then_write_is_byte_identical_for_config_like_text(
            text in "([ \t]{0,2}(#|save|maxmemory|include|\"|'|[a-z]{1,5}| |\\\\|\r){0,6}(\r\n|\n)){0,12}"
        ) {
            prop_assert_eq!(Config::parse(text.as_bytes()).to_bytes(), text.as_bytes());
        }
    }
}
