//! Key names turned into the patterns a key builder used: each `:`-separated segment that is an
//! identifier (a number, a UUID, a ULID, long hex, a long random-looking token) becomes `*`, the
//! rest is kept (escaped, so the pattern matches what it says). `user:profile:123` and
//! `user:profile:456` both become `user:profile:*`. Used to group the keys no policy pattern
//! claims, and by `--init-policy` to draft the patterns.

use std::collections::HashMap;

use crate::policy::glob;

/// When more than this many patterns differ only in their last literal segment, they are one
/// pattern with `*` there (`cache:home`, `cache:about`, ... become `cache:*`).
const SIBLINGS: usize = 10;

/// The generalised pattern of one key name.
pub fn key(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for (i, segment) in name.split(|&b| b == b':').enumerate() {
        if i > 0 {
            out.push(b':');
        }
        if is_identifier(segment) {
            out.push(b'*');
        } else {
            out.extend(glob::escape(segment));
        }
    }
    out
}

/// Merges patterns that differ only in a literal last segment when there are many of them;
/// `combine` adds what one pattern carries (its keys) into another's.
pub fn collapse<T: Clone>(
    patterns: HashMap<Vec<u8>, T>,
    combine: impl Fn(&mut T, &T),
) -> HashMap<Vec<u8>, T> {
    let mut families: HashMap<Vec<u8>, Vec<Vec<u8>>> = HashMap::new();
    for pattern in patterns.keys() {
        if let Some(cut) = pattern.iter().rposition(|&b| b == b':') {
            let last = &pattern[cut + 1..];
            if last != b"*" {
                families
                    .entry(pattern[..cut].to_vec())
                    .or_default()
                    .push(pattern.clone());
            }
        }
    }
    let mut merged = patterns;
    for (prefix, members) in families {
        if members.len() <= SIBLINGS {
            continue;
        }
        let mut wide = prefix;
        wide.extend_from_slice(b":*");
        for member in members {
            if let Some(value) = merged.remove(&member) {
                match merged.get_mut(&wide) {
                    Some(existing) => combine(existing, &value),
                    None => {
                        merged.insert(wide.clone(), value);
                    }
                }
            }
        }
    }
    merged
}

fn is_identifier(segment: &[u8]) -> bool {
    is_number(segment)
        || is_uuid(segment)
        || is_ulid(segment)
        || is_hex(segment)
        || is_token(segment)
}

fn is_number(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// 8-4-4-4-12 hex digits.
fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// 26 characters of Crockford's base32, the first at most 7 (a 48-bit timestamp).
fn is_ulid(s: &[u8]) -> bool {
    s.len() == 26
        && s[0] <= b'7'
        && s.iter().all(|b| {
            let b = b.to_ascii_uppercase();
            b.is_ascii_digit()
                || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U'))
        })
}

/// At least 8 hex digits with a digit among them (a hash, an object id), not a word like
/// `deadbeef` or `facade`.
fn is_hex(s: &[u8]) -> bool {
    s.len() >= 8 && s.iter().all(u8::is_ascii_hexdigit) && s.iter().any(u8::is_ascii_digit)
}

/// 20 or more letters, digits, `-` and `_` with both letters and digits: a session token or
/// base64url id, not a name.
fn is_token(s: &[u8]) -> bool {
    s.len() >= 20
        && s.iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        && s.iter().any(u8::is_ascii_digit)
        && s.iter().any(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str) -> String {
        String::from_utf8(key(name.as_bytes())).unwrap()
    }

    #[test]
    fn identifiers_become_stars() {
        assert_eq!(g("user:profile:123"), "user:profile:*");
        assert_eq!(
            g("user:session:3f2b8c1e-4d5a-4b6c-9d7e-8f9a0b1c2d3e"),
            "user:session:*"
        );
        assert_eq!(g("ai:response:01ARZ3NDEKTSV4RRFFQ69G5FAV"), "ai:response:*");
        assert_eq!(
            g("ai:response:9f86d081884c7d659a2feaa0c55ad015"),
            "ai:response:*"
        );
        assert_eq!(g("auth:token:aZ3kP9xQ2mL7vB1nR5tY"), "auth:token:*");
        assert_eq!(g("config:features"), "config:features");
        assert_eq!(g("cache:deadbeef"), "cache:deadbeef");
        assert_eq!(g("tmp:a*b"), "tmp:a\\*b");
        assert_eq!(g("42"), "*");
        assert_eq!(g("a::1"), "a::*");
    }

    #[test]
    fn many_literal_siblings_collapse_into_one_pattern() {
        let mut patterns: HashMap<Vec<u8>, u64> = HashMap::new();
        for page in 0..12 {
            patterns.insert(format!("cache:page{}", "x".repeat(page)).into_bytes(), 2);
        }
        patterns.insert(b"cache:*".to_vec(), 1);
        patterns.insert(b"other:a".to_vec(), 5);
        let merged = collapse(patterns, |a, b| *a += b);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[b"cache:*".as_slice()], 25);
        assert_eq!(merged[b"other:a".as_slice()], 5);
    }
}
