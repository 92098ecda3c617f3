//! A bounded look at a key's value: its length, and a preview that cannot grow with the key (the
//! first 64 KiB of a string, the first 10 elements of a hash, list, set or sorted set, the first 3
//! entries of a stream). A string that holds JSON is shown as JSON; other bytes as text, with
//! what is not printable as `\xNN`. These commands are the ones that count as an access.

use redis::Value;
use serde::Serialize;
use serde_json::json;

use crate::commands::keys::show;

/// Bytes of a string read for the preview.
const STRING_BYTES: usize = 65_536;
/// Elements of a collection shown.
const ELEMENTS: usize = 10;
const STREAM_ENTRIES: usize = 3;
/// Characters of one element shown.
const ELEMENT_CHARS: usize = 200;

#[derive(Debug, Serialize)]
pub struct Preview {
    /// What `length` counts: bytes, fields, elements, members or entries.
    pub unit: &'static str,
    pub length: Option<u64>,
    /// The value shown: JSON when the string is JSON, else text; a list for collections.
    pub value: serde_json::Value,
    /// True when `value` holds JSON parsed from the string.
    pub json: bool,
    /// True when the preview is not the whole value.
    pub truncated: bool,
}

/// The commands that read the length and the preview of a key of this type, or None for a type
/// without a preview (a module's).
pub fn commands(kind: &str, key: &[u8]) -> Option<redis::Pipeline> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    let count = ELEMENTS.to_string();
    match kind {
        "string" => pipe
            .cmd("STRLEN")
            .arg(key)
            .cmd("GETRANGE")
            .arg(key)
            .arg(0)
            .arg(STRING_BYTES - 1),
        "hash" => pipe
            .cmd("HLEN")
            .arg(key)
            .cmd("HSCAN")
            .arg(key)
            .arg(0)
            .arg("COUNT")
            .arg(&count),
        "list" => pipe
            .cmd("LLEN")
            .arg(key)
            .cmd("LRANGE")
            .arg(key)
            .arg(0)
            .arg(ELEMENTS - 1),
        "set" => pipe
            .cmd("SCARD")
            .arg(key)
            .cmd("SSCAN")
            .arg(key)
            .arg(0)
            .arg("COUNT")
            .arg(&count),
        "zset" => pipe
            .cmd("ZCARD")
            .arg(key)
            .cmd("ZRANGE")
            .arg(key)
            .arg(0)
            .arg(ELEMENTS - 1)
            .arg("WITHSCORES"),
        "stream" => pipe
            .cmd("XLEN")
            .arg(key)
            .cmd("XRANGE")
            .arg(key)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(STREAM_ENTRIES),
        _ => return None,
    };
    Some(pipe)
}

/// The preview from the replies of `commands`.
pub fn preview(kind: &str, replies: Vec<Value>) -> Preview {
    let mut replies = replies.into_iter();
    let length = match replies.next() {
        Some(Value::Int(n)) => u64::try_from(n).ok(),
        _ => None,
    };
    let body = replies.next().unwrap_or(Value::Nil);
    let (unit, items): (&'static str, Vec<serde_json::Value>) = match kind {
        "string" => return string(length, body),
        "hash" => (
            "fields",
            pairs(scan_items(body), |f, v| json!({"field": f, "value": v})),
        ),
        "list" => (
            "elements",
            flat(body).into_iter().map(|v| json!(text(&v))).collect(),
        ),
        "set" => (
            "members",
            scan_items(body)
                .into_iter()
                .map(|v| json!(text(&v)))
                .collect(),
        ),
        "zset" => (
            "members",
            pairs(flat_values(body), |m, s| json!({"member": m, "score": s})),
        ),
        "stream" => ("entries", stream(body)),
        _ => ("elements", Vec::new()),
    };
    let mut items = items;
    items.truncate(if kind == "stream" {
        STREAM_ENTRIES
    } else {
        ELEMENTS
    });
    Preview {
        unit,
        length,
        truncated: length.is_none_or(|n| n > items.len() as u64),
        value: serde_json::Value::Array(items),
        json: false,
    }
}

fn string(length: Option<u64>, body: Value) -> Preview {
    let bytes = match body {
        Value::BulkString(bytes) => bytes,
        _ => Vec::new(),
    };
    let whole = length.is_some_and(|n| n as usize == bytes.len());
    let parsed = whole
        .then(|| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .flatten()
        .filter(|v| v.is_object() || v.is_array());
    match parsed {
        Some(value) => Preview {
            unit: "bytes",
            length,
            value,
            json: true,
            truncated: false,
        },
        None => Preview {
            unit: "bytes",
            length,
            value: json!(show::key(&bytes[..bytes.len().min(1024)])),
            json: false,
            truncated: length.is_none_or(|n| n > bytes.len().min(1024) as u64),
        },
    }
}

/// The elements of an HSCAN/SSCAN reply (`[cursor, [items...]]`).
fn scan_items(body: Value) -> Vec<Value> {
    match body {
        Value::Array(mut parts) if parts.len() == 2 => flat(parts.pop().unwrap_or(Value::Nil)),
        _ => Vec::new(),
    }
}

fn flat(body: Value) -> Vec<Value> {
    match body {
        Value::Array(items) | Value::Set(items) => items,
        Value::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => Vec::new(),
    }
}

/// ZRANGE WITHSCORES: flat pairs on RESP2, [member, score] arrays on RESP3.
fn flat_values(body: Value) -> Vec<Value> {
    flat(body)
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(pair) => pair,
            other => vec![other],
        })
        .collect()
}

fn pairs(
    items: Vec<Value>,
    make: impl Fn(String, String) -> serde_json::Value,
) -> Vec<serde_json::Value> {
    items
        .chunks(2)
        .filter(|pair| pair.len() == 2)
        .map(|pair| make(text(&pair[0]), text(&pair[1])))
        .collect()
}

/// XRANGE: `[[id, [field, value, ...]], ...]`.
fn stream(body: Value) -> Vec<serde_json::Value> {
    flat(body)
        .into_iter()
        .map(|entry| {
            let mut parts = flat(entry).into_iter();
            let id = parts.next().map(|v| text(&v)).unwrap_or_default();
            let fields = parts.next().map(flat).unwrap_or_default();
            let fields: serde_json::Map<String, serde_json::Value> = fields
                .chunks(2)
                .filter(|pair| pair.len() == 2)
                .map(|pair| (text(&pair[0]), json!(text(&pair[1]))))
                .collect();
            json!({"id": id, "fields": fields})
        })
        .collect()
}

/// One element as text, cut at `ELEMENT_CHARS`.
fn text(value: &Value) -> String {
    let shown = match value {
        Value::BulkString(bytes) => show::key(bytes),
        Value::SimpleString(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        Value::Double(d) => d.to_string(),
        Value::VerbatimString { text, .. } => text.clone(),
        other => format!("{other:?}"),
    };
    match shown.char_indices().nth(ELEMENT_CHARS) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn a_json_string_is_shown_as_json_and_a_cut_one_as_text() {
        let p = preview("string", vec![Value::Int(13), bulk("{\"data\":\"v\"}")]);
        assert!(!p.json, "12 bytes read of 13 is not the whole value");
        let p = preview("string", vec![Value::Int(12), bulk("{\"data\":\"v\"}")]);
        assert!(p.json);
        assert_eq!(p.value["data"], "v");
        let p = preview(
            "string",
            vec![Value::Int(3), Value::BulkString(vec![b'a', 0xff, b'b'])],
        );
        assert_eq!(p.value, "a\\xffb");
    }

    #[test]
    fn collections_show_their_first_elements() {
        let scan = Value::Array(vec![
            bulk("0"),
            Value::Array(vec![bulk("name"), bulk("Ada")]),
        ]);
        let p = preview("hash", vec![Value::Int(1), scan]);
        assert_eq!(p.value, json!([{"field": "name", "value": "Ada"}]));
        assert!(!p.truncated);
        let z = Value::Array(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]);
        let p = preview("zset", vec![Value::Int(40), z]);
        assert_eq!(p.value[1], json!({"member": "b", "score": "2"}));
        assert!(p.truncated);
    }
}
