//! Replies read with a bound. A server (or something posing as one) decides how much it sends; a
//! client that believes it can be made to allocate without end (`*99999999999` followed by `+a`
//! forever, a 1 GB bulk string). This reader parses RESP2, the protocol imcache speaks (it never
//! sends HELLO 3), into the redis crate's `Value`, and stops with `TooLarge` as soon as a reply
//! would pass `Limits`: bytes on the wire, values in it, nesting. Memory stays within a small
//! multiple of `max_bytes` whatever arrives. Anything that is not RESP2 is `NotResp`.

use std::io::{self, BufRead};

use redis::Value;

/// How big one reply may get. INFO is a few kB, CONFIG GET * some 400 pairs, a SCAN page is what
/// COUNT asked for: these are far beyond any real reply and far below what hurts a machine.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_values: usize,
    pub max_depth: usize,
}

pub const LIMITS: Limits = Limits {
    max_bytes: 64 << 20,
    max_values: 1 << 20,
    max_depth: 8,
};

#[derive(Debug)]
pub enum ReplyError {
    Io(io::Error),
    /// The reply passed a limit; the text says which.
    TooLarge(String),
    /// Not the Redis protocol; the text says what was wrong.
    NotResp(String),
}

impl From<io::Error> for ReplyError {
    fn from(err: io::Error) -> Self {
        ReplyError::Io(err)
    }
}

/// Reads one whole reply.
pub fn read_reply(reader: &mut impl BufRead, limits: Limits) -> Result<Value, ReplyError> {
    let mut budget = Budget {
        limits,
        bytes: 0,
        values: 0,
    };
    read_value(reader, &mut budget, 0)
}

struct Budget {
    limits: Limits,
    bytes: usize,
    values: usize,
}

impl Budget {
    fn take_bytes(&mut self, n: usize) -> Result<(), ReplyError> {
        self.bytes = self.bytes.saturating_add(n);
        match self.bytes > self.limits.max_bytes {
            true => Err(ReplyError::TooLarge(format!(
                "more than {} MiB",
                self.limits.max_bytes >> 20
            ))),
            false => Ok(()),
        }
    }

    fn take_values(&mut self, n: usize) -> Result<(), ReplyError> {
        self.values = self.values.saturating_add(n);
        match self.values > self.limits.max_values {
            true => Err(ReplyError::TooLarge(format!(
                "more than {} values",
                self.limits.max_values
            ))),
            false => Ok(()),
        }
    }
}

fn read_value(
    r: &mut impl BufRead,
    budget: &mut Budget,
    depth: usize,
) -> Result<Value, ReplyError> {
    budget.take_values(1)?;
    let line = read_line(r, budget)?;
    let (kind, rest) = match line.split_first() {
        Some((kind, rest)) => (*kind, rest),
        None => return Err(ReplyError::NotResp("an empty line".into())),
    };
    match kind {
        b'+' => Ok(match rest {
            b"OK" => Value::Okay,
            _ => Value::SimpleString(String::from_utf8_lossy(rest).into_owned()),
        }),
        b'-' => server_error(rest),
        b':' => Ok(Value::Int(number(rest)?)),
        b'$' => {
            let len = number(rest)?;
            if len == -1 {
                return Ok(Value::Nil);
            }
            let len = usize::try_from(len)
                .map_err(|_| ReplyError::NotResp(format!("bulk length {len}")))?;
            budget.take_bytes(len.saturating_add(2))?;
            let data = read_exact_growing(r, len + 2)?;
            match data.ends_with(b"\r\n") {
                true => Ok(Value::BulkString(data[..len].to_vec())),
                false => Err(ReplyError::NotResp("a bulk string without CRLF".into())),
            }
        }
        b'*' => {
            let count = number(rest)?;
            if count == -1 {
                return Ok(Value::Nil);
            }
            let count = usize::try_from(count)
                .map_err(|_| ReplyError::NotResp(format!("array length {count}")))?;
            if depth + 1 > budget.limits.max_depth {
                return Err(ReplyError::TooLarge(format!(
                    "nested deeper than {}",
                    budget.limits.max_depth
                )));
            }
            // Counted before any element arrives, so a huge header fails at once.
            budget.take_values(count)?;
            budget.values -= count;
            let mut items = Vec::with_capacity(count.min(1024));
            for _ in 0..count {
                items.push(read_value(r, budget, depth + 1)?);
            }
            Ok(Value::Array(items))
        }
        other => Err(ReplyError::NotResp(format!(
            "a reply starting with {:?}",
            char::from(other)
        ))),
    }
}

/// An error reply as the redis crate's own `ServerError` (its code and detail), which only its
/// parser can make.
fn server_error(text: &[u8]) -> Result<Value, ReplyError> {
    let mut line = Vec::with_capacity(text.len() + 3);
    line.push(b'-');
    line.extend(text.iter().map(|b| if b.is_ascii() { *b } else { b'?' }));
    line.extend_from_slice(b"\r\n");
    redis::parse_redis_value(&line)
        .map_err(|_| ReplyError::NotResp("an unreadable error reply".into()))
}

fn number(text: &[u8]) -> Result<i64, ReplyError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| ReplyError::NotResp("a malformed number".into()))
}

/// One CRLF-terminated line without its CRLF, counted against the budget as it arrives.
fn read_line(r: &mut impl BufRead, budget: &mut Budget) -> Result<Vec<u8>, ReplyError> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(ReplyError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(at) => (&buf[..=at], true),
            None => (buf, false),
        };
        let taken = chunk.len();
        budget.take_bytes(taken)?;
        line.extend_from_slice(chunk);
        r.consume(taken);
        if done {
            break;
        }
    }
    match line.strip_suffix(b"\r\n") {
        Some(_) => {
            line.truncate(line.len() - 2);
            Ok(line)
        }
        None => Err(ReplyError::NotResp("a line without CR".into())),
    }
}

/// Exactly `len` bytes; the buffer grows with what arrives rather than trusting the length.
fn read_exact_growing(r: &mut impl BufRead, len: usize) -> Result<Vec<u8>, ReplyError> {
    let mut data = Vec::with_capacity(len.min(1 << 20));
    while data.len() < len {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(ReplyError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let take = buf.len().min(len - data.len());
        data.extend_from_slice(&buf[..take]);
        r.consume(take);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(bytes: &[u8]) -> Result<Value, ReplyError> {
        read_reply(&mut &bytes[..], LIMITS)
    }

    #[test]
    fn every_resp2_type() {
        assert_eq!(parse(b"+OK\r\n").unwrap(), Value::Okay);
        assert_eq!(
            parse(b"+PONG\r\n").unwrap(),
            Value::SimpleString("PONG".into())
        );
        assert_eq!(parse(b":-42\r\n").unwrap(), Value::Int(-42));
        assert_eq!(
            parse(b"$5\r\nhe\r\no\r\n").unwrap(),
            Value::BulkString(b"he\r\no".to_vec())
        );
        assert_eq!(parse(b"$-1\r\n").unwrap(), Value::Nil);
        assert_eq!(parse(b"*-1\r\n").unwrap(), Value::Nil);
        assert_eq!(
            parse(b"*2\r\n:1\r\n*1\r\n$0\r\n\r\n").unwrap(),
            Value::Array(vec![
                Value::Int(1),
                Value::Array(vec![Value::BulkString(vec![])])
            ])
        );
        match parse(b"-WRONGPASS invalid username-password pair\r\n").unwrap() {
            Value::ServerError(err) => {
                assert_eq!(err.code(), "WRONGPASS");
                assert_eq!(err.details(), Some("invalid username-password pair"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_huge_array_header_fails_before_any_element() {
        let err = parse(b"*99999999999\r\n+a\r\n").unwrap_err();
        assert!(matches!(err, ReplyError::TooLarge(ref t) if t.contains("values")));
    }

    #[test]
    fn a_bulk_string_beyond_the_byte_limit_fails_from_its_header() {
        let err = parse(b"$1000000000\r\n").unwrap_err();
        assert!(matches!(err, ReplyError::TooLarge(ref t) if t.contains("MiB")));
    }

    #[test]
    fn an_endless_simple_string_stops_at_the_byte_limit() {
        let limits = Limits {
            max_bytes: 1000,
            ..LIMITS
        };
        let mut endless = std::io::BufReader::new(std::io::repeat(b'a'));
        let err = read_reply(&mut endless, limits).unwrap_err();
        assert!(matches!(err, ReplyError::TooLarge(_)));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let err = parse(&b"*1\r\n".repeat(20)).unwrap_err();
        assert!(matches!(err, ReplyError::TooLarge(ref t) if t.contains("nested")));
    }

    #[test]
    fn what_is_not_resp2_says_so() {
        assert!(matches!(
            parse(b"HTTP/1.1 400\r\n"),
            Err(ReplyError::NotResp(_))
        ));
        assert!(matches!(parse(b"%1\r\n"), Err(ReplyError::NotResp(_))));
        assert!(matches!(parse(b":12x\r\n"), Err(ReplyError::NotResp(_))));
        assert!(matches!(parse(b"+OK\n"), Err(ReplyError::NotResp(_))));
        assert!(matches!(parse(b"+OK"), Err(ReplyError::Io(_))));
    }

    proptest! {
        #[test]
        fn never_panics_and_never_reads_past_its_limits(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let limits = Limits { max_bytes: 64, max_values: 8, max_depth: 3 };
            let _ = read_reply(&mut &bytes[..], limits);
        }

        #[test]
        fn bulk_strings_round_trip(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let mut wire = format!("${}\r\n", data.len()).into_bytes();
            wire.extend_from_slice(&data);
            wire.extend_from_slice(b"\r\n");
            prop_assert_eq!(parse(&wire).unwrap(), Value::BulkString(data));
        }
    }
}
