//! Redis glob patterns, matched exactly as the server matches SCAN MATCH and KEYS (util.c's
//! `stringmatchlen`: `*`, `?`, `[abc]`, `[^a-z]`, `\x`), so that a policy pattern classifies the
//! same keys that `--match` with the same text would return. Bytes, not text: key names are
//! binary-safe.

/// True when `key` matches `pattern`. A lone `*` matches every key, the empty name too, as SCAN
/// and KEYS treat it.
pub fn matches(pattern: &[u8], key: &[u8]) -> bool {
    if pattern == b"*" {
        return true;
    }
    let mut give_up = false;
    match_at(pattern, key, &mut give_up, 0)
}

/// The bytes every matching key starts with: the pattern up to its first special character.
/// A cheap test before the full match, since most policy patterns are `prefix:*`.
pub fn literal_prefix(pattern: &[u8]) -> &[u8] {
    let end = pattern
        .iter()
        .position(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
        .unwrap_or(pattern.len());
    &pattern[..end]
}

/// How specific a pattern is: the number of characters that must appear as written. When two
/// patterns match a key, the more specific one classifies it (`user:session:*` over `user:*`).
pub fn specificity(pattern: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = pattern;
    while let Some((&first, tail)) = rest.split_first() {
        match first {
            b'*' | b'?' => rest = tail,
            b'[' => {
                let close = tail
                    .iter()
                    .position(|&b| b == b']')
                    .map_or(tail.len(), |i| i + 1);
                rest = &tail[close..];
            }
            b'\\' if !tail.is_empty() => {
                count += 1;
                rest = &tail[1..];
            }
            _ => {
                count += 1;
                rest = tail;
            }
        }
    }
    count
}

/// `text` as a pattern that matches only itself: the special characters escaped.
pub fn escape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for &byte in text {
        if matches!(byte, b'*' | b'?' | b'[' | b']' | b'\\') {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out
}

/// The server's algorithm, with slices instead of NUL-terminated pointers. `give_up` is its
/// `skipLongerMatches`: once a `*` failed against the whole rest of the key, a longer prefix
/// cannot succeed, which keeps `a*a*a*...b` from taking exponential time.
fn match_at(mut p: &[u8], mut s: &[u8], give_up: &mut bool, nesting: usize) -> bool {
    if nesting > 1000 {
        return false;
    }
    while let (Some(&pc), Some(&sc)) = (p.first(), s.first()) {
        match pc {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if match_at(&p[1..], s, give_up, nesting + 1) {
                        return true;
                    }
                    if *give_up {
                        return false;
                    }
                    s = &s[1..];
                }
                *give_up = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                p = &p[1..];
                let negate = p.first() == Some(&b'^');
                if negate {
                    p = &p[1..];
                }
                let mut found = false;
                // An unterminated class runs to the end of the pattern, as in the server.
                while let Some(&c) = p.first() {
                    if c == b'\\' && p.len() >= 2 {
                        p = &p[1..];
                        found |= p[0] == sc;
                    } else if c == b']' {
                        break;
                    } else if p.len() >= 3 && p[1] == b'-' {
                        let (low, high) = (p[0].min(p[2]), p[0].max(p[2]));
                        p = &p[2..];
                        found |= (low..=high).contains(&sc);
                    } else {
                        found |= c == sc;
                    }
                    p = &p[1..];
                }
                if found == negate {
                    return false;
                }
                s = &s[1..];
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if p[0] != sc {
                    return false;
                }
                s = &s[1..];
            }
            _ => {
                if pc != sc {
                    return false;
                }
                s = &s[1..];
            }
        }
        if !p.is_empty() {
            p = &p[1..];
        }
        if s.is_empty() {
            while p.first() == Some(&b'*') {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(pattern: &str, key: &str) -> bool {
        matches(pattern.as_bytes(), key.as_bytes())
    }

    #[test]
    fn the_server_s_syntax() {
        assert!(m("user:session:*", "user:session:42"));
        assert!(m("user:session:*", "user:session:"));
        assert!(!m("user:session:*", "user:sessions"));
        // As in the server: SCAN and KEYS take a lone star for everything, "**" needs a character.
        assert!(m("*", ""));
        assert!(!m("**", ""));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("*:*:*", "a:b:c"));
        assert!(!m("*:*:*", "a:b"));
        assert!(m("[abc", "a"));
        assert!(!m("[", "a"));
        assert!(!m(&format!("{}b", "a*".repeat(30)), &"a".repeat(60)));
    }

    #[test]
    fn prefixes_and_specificity() {
        assert_eq!(literal_prefix(b"user:session:*"), b"user:session:");
        assert_eq!(literal_prefix(b"a\\*b"), b"a");
        assert_eq!(literal_prefix(b"plain"), b"plain");
        assert!(specificity(b"user:session:*") > specificity(b"user:*"));
        assert_eq!(specificity(b"a[bc]d?\\*"), 3);
    }

    proptest! {
        #[test]
        fn an_escaped_name_matches_itself(key in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert!(matches(&escape(&key), &key));
        }

        #[test]
        fn a_matching_key_starts_with_the_literal_prefix(
            pattern in "[a-c:*?\\[\\]^\\\\-]{0,12}",
            key in "[a-c:*?\\[\\]\\\\-]{0,12}",
        ) {
            if matches(pattern.as_bytes(), key.as_bytes()) {
                prop_assert!(key.as_bytes().starts_with(literal_prefix(pattern.as_bytes())));
            }
        }
    }
}
