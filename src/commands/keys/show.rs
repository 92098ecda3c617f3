//! Key names and counts as people read them. A key name is binary: bytes that are not UTF-8,
//! and control characters (which could drive a terminal), are shown as `\xNN`, in the text and
//! the JSON alike, so both name a key the same way.

use serde::Serialize;

use super::census::{Group, Unmatched};
use super::generalise;

/// A key name (or a pattern made of one) for display.
pub fn key(name: &[u8]) -> String {
    let mut out = String::with_capacity(name.len());
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{byte:02x}"));
                }
            } else {
                out.push(c);
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

/// `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One group of keys that no pattern claims.
#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
    pub pattern: String,
    pub keys: u64,
    pub memory_bytes: u64,
    pub with_ttl: u64,
    pub example: String,
}

/// The unmatched keys' groups, siblings collapsed, the most keys first.
pub fn groups(unmatched: &Unmatched) -> Vec<GroupView> {
    let merged = generalise::collapse(unmatched.groups.clone(), Group::absorb);
    let mut views: Vec<GroupView> = merged
        .into_iter()
        .map(|(pattern, group)| GroupView {
            pattern: key(&pattern),
            keys: group.keys,
            memory_bytes: group.memory,
            with_ttl: group.with_ttl,
            example: key(&group.example),
        })
        .collect();
    views.sort_by(|a, b| {
        (b.keys, b.memory_bytes)
            .cmp(&(a.keys, a.memory_bytes))
            .then_with(|| a.pattern.cmp(&b.pattern))
    });
    views
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_control_bytes_are_escaped() {
        assert_eq!(key(b"user:1"), "user:1");
        assert_eq!(key(b"caf\xc3\xa9"), "café");
        assert_eq!(key(b"a\xffb"), "a\\xffb");
        assert_eq!(key(b"x\x1b[31m"), "x\\x1b[31m");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }
}
