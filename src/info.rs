//! The reply to INFO, parsed once: `name:value` lines grouped in `# Section`s, and the keyspace
//! lines (`db0:keys=1,expires=0,avg_ttl=0`). metrics and doctor read the server from here. The
//! parser accepts anything: unknown lines are skipped, never a panic.

use std::collections::BTreeMap;

use serde::Serialize;

/// Keys of one database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DbKeys {
    pub db: u32,
    pub keys: u64,
    pub expires: u64,
    pub avg_ttl: u64,
}

/// A parsed INFO reply.
#[derive(Clone, Debug, Default)]
pub struct Info {
    fields: BTreeMap<String, String>,
    pub keyspace: Vec<DbKeys>,
}

impl Info {
    pub fn parse(text: &str) -> Info {
        let mut info = Info::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if let Some(db) = name.strip_prefix("db").and_then(|n| n.parse::<u32>().ok()) {
                if let Some(keys) = parse_keyspace(db, value) {
                    info.keyspace.push(keys);
                    continue;
                }
            }
            info.fields
                .entry(name.to_string())
                .or_insert_with(|| value.to_string());
        }
        info
    }

    /// The raw value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub fn u64(&self, name: &str) -> Option<u64> {
        self.get(name)?.trim().parse().ok()
    }

    pub fn f64(&self, name: &str) -> Option<f64> {
        self.get(name)?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    }

    /// Keys and expiring keys over all databases.
    pub fn total_keys(&self) -> (u64, u64) {
        self.keyspace.iter().fold((0, 0), |(k, e), db| {
            (k.saturating_add(db.keys), e.saturating_add(db.expires))
        })
    }
}

fn parse_keyspace(db: u32, value: &str) -> Option<DbKeys> {
    let mut keys = DbKeys {
        db,
        ..DbKeys::default()
    };
    for pair in value.split(',') {
        let (name, number) = pair.split_once('=')?;
        let number: u64 = number.trim().parse().ok()?;
        match name.trim() {
            "keys" => keys.keys = number,
            "expires" => keys.expires = number,
            "avg_ttl" => keys.avg_ttl = number,
            _ => {}
        }
    }
    Some(keys)
}

/// Sends one INFO for the given sections (Redis 7 takes several; an empty list is the default
/// set) and parses the reply.
pub fn fetch(con: &mut dyn redis::ConnectionLike, sections: &[&str]) -> redis::RedisResult<Info> {
    let mut cmd = redis::cmd("INFO");
    for section in sections {
        cmd.arg(*section);
    }
    // Read as bytes: a value may hold any byte (a config file path in Latin-1, say), and one
    // such byte must not make a healthy server look like something else.
    let bytes: Vec<u8> = crate::trace::timed("INFO", || cmd.query(con))?;
    Ok(Info::parse(&String::from_utf8_lossy(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fields_and_keyspace() {
        let info = Info::parse(
            "# Stats\r\nkeyspace_hits:7\r\nkeyspace_misses:3\r\nmem_fragmentation_ratio:1.25\r\n\
             # Keyspace\r\ndb0:keys=5,expires=2,avg_ttl=100\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n",
        );
        assert_eq!(info.u64("keyspace_hits"), Some(7));
        assert_eq!(info.f64("mem_fragmentation_ratio"), Some(1.25));
        assert_eq!(info.total_keys(), (6, 2));
        assert_eq!(info.keyspace[1].db, 3);
        assert_eq!(info.get("missing"), None);
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let info = Info::parse(&text);
            let _ = info.total_keys();
        }

        #[test]
        fn never_panics_on_info_like_lines(lines in proptest::collection::vec(
            "(db[0-9]{1,12}|[a-z_]{1,12}):[a-z0-9=,.:-]{0,30}", 0..20)) {
            let info = Info::parse(&lines.join("\r\n"));
            let _ = info.total_keys();
        }
    }
}
