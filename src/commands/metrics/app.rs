//! The app's own view of its cache (`--app-url`): GET its `/cache/metrics` and check that it
//! carries the five fields with the right types. The app counts its own reads and the server
//! counts every client's, so the two can disagree; both are shown. A broken endpoint is a
//! problem in the report (a warning), never a failure of the command.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::redact;

/// The app's endpoint, with one HTTP agent reused across the ticks of a watch.
pub struct AppEndpoint {
    agent: ureq::Agent,
    url: String,
    shown: String,
}

/// What the app's endpoint answered; the five fields are null when it could not be used.
#[derive(Clone, Debug, Serialize)]
pub struct AppView {
    /// The URL, its password and secret-looking parameters replaced by `****`.
    pub url: String,
    pub ok: bool,
    pub http_status: Option<u16>,
    pub available: Option<bool>,
    pub hits: Option<u64>,
    pub misses: Option<u64>,
    pub total_requests: Option<u64>,
    pub hit_rate: Option<f64>,
    /// Why the answer could not be used (not reachable, not JSON, a field missing ...).
    pub problem: Option<String>,
}

/// The five fields of the app's document.
#[derive(Clone, Debug, PartialEq)]
pub struct AppFields {
    pub available: bool,
    pub hits: u64,
    pub misses: u64,
    pub total_requests: u64,
    pub hit_rate: f64,
}

impl AppEndpoint {
    /// Checks the URL before anything runs: a bad one is a usage error naming the flag.
    pub fn new(url: &str, timeout: Duration) -> Result<Self> {
        let shown = redact::url(url);
        match url::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
            _ => {
                return Err(Error::usage(format!(
                    "--app-url: '{shown}' is not an http:// or https:// URL"
                ))
                .with_hint(
                    "give the app's metrics endpoint, e.g. http://localhost:8000/cache/metrics",
                ));
            }
        }
        let agent = crate::http::agent(url, timeout);
        Ok(AppEndpoint {
            agent,
            url: url.to_string(),
            shown,
        })
    }

    /// One GET; whatever goes wrong becomes the view's `problem`.
    pub fn read(&self) -> AppView {
        let mut view = AppView {
            url: self.shown.clone(),
            ok: false,
            http_status: None,
            available: None,
            hits: None,
            misses: None,
            total_requests: None,
            hit_rate: None,
            problem: None,
        };
        let label = format!("GET {}", self.shown);
        let response = match crate::trace::timed(&label, || self.agent.get(&self.url).call()) {
            Ok(response) => response,
            Err(err) => {
                let message = redact::scrub(&err.to_string(), &self.url);
                view.problem = Some(format!("cannot GET {}: {message}", self.shown));
                return view;
            }
        };
        let status = response.status().as_u16();
        view.http_status = Some(status);
        let body = match response.into_body().read_to_string() {
            Ok(body) => body,
            Err(err) => {
                view.problem = Some(format!("cannot read the answer (HTTP {status}): {err}"));
                return view;
            }
        };
        // An app may answer 503 with a valid document while its cache is down: the document
        // counts, whatever the status.
        match parse_fields(&body) {
            Ok(fields) => {
                view.ok = true;
                view.available = Some(fields.available);
                view.hits = Some(fields.hits);
                view.misses = Some(fields.misses);
                view.total_requests = Some(fields.total_requests);
                view.hit_rate = Some(fields.hit_rate);
            }
            Err(problem) => view.problem = Some(format!("HTTP {status}: {problem}")),
        }
        view
    }
}

/// The five fields of an app metrics document, or what is wrong with it.
pub fn parse_fields(body: &str) -> Result<AppFields, String> {
    let json: Value = serde_json::from_str(body)
        .map_err(|_| String::from("the answer is not JSON (is this the /cache/metrics URL?)"))?;
    let Some(object) = json.as_object() else {
        return Err(String::from("the answer is not a JSON object"));
    };
    let missing: Vec<&str> = ["available", "hits", "misses", "total_requests", "hit_rate"]
        .into_iter()
        .filter(|name| !object.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        return Err(format!("no {} field", missing.join(", no ")));
    }
    let available = object["available"]
        .as_bool()
        .ok_or("`available` is not true or false")?;
    let hit_rate = object["hit_rate"]
        .as_f64()
        .filter(|rate| rate.is_finite())
        .ok_or("`hit_rate` is not a number")?;
    Ok(AppFields {
        available,
        hits: count(object, "hits")?,
        misses: count(object, "misses")?,
        total_requests: count(object, "total_requests")?,
        hit_rate,
    })
}

/// A counter: a whole number, not negative (`7` or `7.0`).
fn count(object: &Map<String, Value>, name: &str) -> Result<u64, String> {
    let value = &object[name];
    value
        .as_u64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0 && v.fract() == 0.0 && *v < 2e19)
                .map(|v| v as u64)
        })
        .ok_or_else(|| format!("`{name}` is not a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_five_fields_are_read_and_checked() {
        let fields = parse_fields(
            r#"{"available": true, "hits": 7, "misses": 3.0, "total_requests": 10,
                "hit_rate": 70.0, "extra": [1]}"#,
        )
        .unwrap();
        assert_eq!(
            fields,
            AppFields {
                available: true,
                hits: 7,
                misses: 3,
                total_requests: 10,
                hit_rate: 70.0
            }
        );
        assert_eq!(
            parse_fields(r#"{"available": true, "hits": 1}"#).unwrap_err(),
            "no misses, no total_requests, no hit_rate field"
        );
        assert!(parse_fields("<html>").unwrap_err().contains("not JSON"));
        assert!(
            parse_fields("[1]")
                .unwrap_err()
                .contains("not a JSON object")
        );
        let negative = r#"{"available":true,"hits":-1,"misses":0,"total_requests":0,"hit_rate":0}"#;
        assert_eq!(
            parse_fields(negative).unwrap_err(),
            "`hits` is not a whole number"
        );
        let text = r#"{"available":"yes","hits":0,"misses":0,"total_requests":0,"hit_rate":0}"#;
        assert!(parse_fields(text).unwrap_err().contains("`available`"));
    }

    #[test]
    fn a_url_that_is_not_http_is_a_usage_error_without_its_password() {
        let err = AppEndpoint::new("ftp://u:secret@host/x", Duration::from_secs(1))
            .err()
            .unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.message.contains("--app-url"));
        assert!(!err.message.contains("secret"));
        assert!(
            AppEndpoint::new("http://127.0.0.1:1/cache/metrics", Duration::from_secs(1)).is_ok()
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_answer(body in "\\PC*") {
            let _ = parse_fields(&body);
        }

        #[test]
        fn never_panics_on_documents_with_odd_values(
            values in proptest::collection::vec(
                prop_oneof![
                    Just(String::from("null")),
                    Just(String::from("true")),
                    any::<i64>().prop_map(|n| n.to_string()),
                    any::<f64>().prop_map(|n| format!("{n:e}")),
                    "\"[a-z]{0,5}\"",
                    Just(String::from("1e400")),
                    Just(String::from("[]")),
                ],
                5,
            )
        ) {
            let body = format!(
                r#"{{"available":{},"hits":{},"misses":{},"total_requests":{},"hit_rate":{}}}"#,
                values[0], values[1], values[2], values[3], values[4]
            );
            let _ = parse_fields(&body);
        }
    }
}
