//! The app's health endpoint (`--health-url`), for verify and doctor alike: one GET, and a
//! `health` check that passes only when the JSON says `"cache": "connected"`. Each way it can
//! fail says what was seen: a timeout names `--timeout` (an app whose Redis hangs waits on its
//! own socket timeout, often longer than ours), an HTTP error names the status and the path, a
//! body that is not JSON shows how it starts, and a `"cache"` of another value shows that value.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::output::Check;
use crate::redact;
use crate::trace;

/// How much of a body that is not JSON the message quotes.
const SHOWN_BYTES: usize = 60;

/// GETs the app's health endpoint; passes when its JSON says `"cache": "connected"`.
pub fn check(url: &str, timeout: Duration) -> Check {
    let started = Instant::now();
    let shown = redact::url(url);
    let check = judge(&shown, get(url, timeout), timeout);
    trace::round_trip(&format!("GET {shown}"), started.elapsed());
    check.took(started.elapsed())
}

/// What the endpoint answered, or why there was no answer.
enum Answer {
    Body {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    TimedOut,
    Failed(String),
}

fn get(url: &str, timeout: Duration) -> Answer {
    let agent = crate::http::agent(url, timeout);
    let failed = |err: ureq::Error| match err {
        ureq::Error::Timeout(_) => Answer::TimedOut,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => Answer::TimedOut,
        other => Answer::Failed(redact::scrub(&other.to_string(), url)),
    };
    let response = match agent.get(url).call() {
        Ok(response) => response,
        Err(err) => return failed(err),
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // The headers can come at once and the body only after the app's own Redis timeout.
    match response.into_body().read_to_vec() {
        Ok(body) => Answer::Body {
            status,
            content_type,
            body,
        },
        Err(err) => failed(err),
    }
}

fn judge(shown: &str, answer: Answer, timeout: Duration) -> Check {
    let (status, content_type, body) = match answer {
        Answer::TimedOut => {
            return Check::fail(
                "health",
                format!(
                    "{shown} did not answer within {}s (--timeout)",
                    timeout.as_secs_f64()
                ),
            )
            .hint(
                "an app waiting on a Redis that hangs answers late: run `imcache doctor`, or give \
                 it longer with --timeout 10s",
            );
        }
        Answer::Failed(why) => {
            return Check::fail("health", format!("cannot GET {shown}: {why}"))
                .hint("is the app running, and is --health-url its address?");
        }
        Answer::Body {
            status,
            content_type,
            body,
        } => (status, content_type, body),
    };
    let json = serde_json::from_slice::<Value>(&body).ok();
    let cache = json.as_ref().and_then(find_cache_field);
    let path_hint = "the path may be wrong: --health-url must be the app's JSON health endpoint \
                     (e.g. http://localhost:8000/health)";
    match (status, cache) {
        (_, Some(Value::String(s))) if s == "connected" && status < 400 => Check::pass(
            "health",
            format!("app reports \"cache\": \"connected\" (HTTP {status})"),
        ),
        (_, Some(Value::String(s))) if s == "connected" => Check::fail(
            "health",
            format!(
                "app reports \"cache\": \"connected\" but answered HTTP {status}{}",
                status_word(status)
            ),
        )
        .hint("the app says its cache works, yet fails the request: see the app's log"),
        // An app may answer 503 with a document that says why: the document counts.
        (_, Some(value)) => Check::fail(
            "health",
            format!("app reports \"cache\": {value} (HTTP {status}), not \"connected\""),
        )
        .hint(match value.as_str() {
            Some(_) => {
                "the app cannot reach Redis: compare its REDIS_* settings with `imcache env`, \
                 then restart it"
            }
            None => "imcache needs \"cache\": \"connected\" in the health JSON",
        }),
        (400.., None) => Check::fail(
            "health",
            format!("{shown} answered HTTP {status}{}", status_word(status)),
        )
        .hint(path_hint),
        (_, None) if json.is_none() => Check::fail(
            "health",
            format!(
                "{shown} answered HTTP {status}{}, not JSON: {}",
                match content_type.is_empty() {
                    true => String::new(),
                    false => format!(" with {content_type}"),
                },
                first_bytes(&body)
            ),
        )
        .hint(path_hint),
        (_, None) => Check::fail(
            "health",
            format!("{shown} answered JSON without a \"cache\" field (HTTP {status})"),
        )
        .hint("the health JSON must carry \"cache\": \"connected\""),
    }
}

/// `"cache"` at the top level, else in a nested object (`{"services": {"cache": ...}}`); an
/// object value stands for its `status`.
fn find_cache_field(json: &Value) -> Option<&Value> {
    let object = json.as_object()?;
    if let Some(value) = object.get("cache") {
        return Some(value.get("status").unwrap_or(value));
    }
    object.values().find_map(find_cache_field)
}

fn status_word(status: u16) -> &'static str {
    match status {
        404 => " (Not Found)",
        401 | 403 => " (not allowed)",
        405 => " (Method Not Allowed)",
        500..=599 => " (the app failed: see its log)",
        _ => "",
    }
}

/// The start of a body, quoted, so that an HTML page or a proxy's error shows what it is.
fn first_bytes(body: &[u8]) -> String {
    if body.is_empty() {
        return String::from("an empty body");
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(SHOWN_BYTES)]);
    let more = if body.len() > SHOWN_BYTES { "..." } else { "" };
    format!("{:?}{more}", text.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::CheckStatus;

    fn body(status: u16, content_type: &str, text: &str) -> Check {
        let answer = Answer::Body {
            status,
            content_type: content_type.into(),
            body: text.as_bytes().to_vec(),
        };
        judge("http://app/health", answer, Duration::from_secs(5))
    }

    #[test]
    fn each_failure_says_what_was_seen() {
        let ok = body(200, "application/json", r#"{"cache": "connected"}"#);
        assert_eq!(ok.status, CheckStatus::Pass);
        let nested = body(
            200,
            "application/json",
            r#"{"deps": {"cache": {"status": "connected"}}}"#,
        );
        assert_eq!(nested.status, CheckStatus::Pass);

        let timed_out = judge(
            "http://app/health",
            Answer::TimedOut,
            Duration::from_secs(5),
        );
        assert!(
            timed_out.detail.contains("within 5s (--timeout)"),
            "{}",
            timed_out.detail
        );

        let missing = body(404, "text/html", "<h1>Not Found</h1>");
        assert!(missing.detail.contains("HTTP 404"), "{}", missing.detail);
        assert!(missing.hint.unwrap().contains("path may be wrong"));

        let html = body(
            200,
            "text/html",
            "<!DOCTYPE html><html><head><title>App</title>",
        );
        assert!(
            html.detail.contains("not JSON: \"<!DOCTYPE html>"),
            "{}",
            html.detail
        );
        assert!(html.detail.contains("with text/html"), "{}", html.detail);

        let boolean = body(200, "application/json", r#"{"cache": true}"#);
        assert_eq!(boolean.status, CheckStatus::Fail);
        assert!(
            boolean.detail.contains("\"cache\": true"),
            "{}",
            boolean.detail
        );

        let down = body(503, "application/json", r#"{"cache": "disconnected"}"#);
        assert!(
            down.detail
                .contains("\"cache\": \"disconnected\" (HTTP 503)"),
            "{}",
            down.detail
        );

        let no_field = body(200, "application/json", r#"{"status": "ok"}"#);
        assert!(
            no_field.detail.contains("without a \"cache\" field"),
            "{}",
            no_field.detail
        );
    }
}
