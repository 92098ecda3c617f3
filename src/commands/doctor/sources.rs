//! The `settings` check: which host, port, db and password doctor uses and where each came from
//! (a wrong value in the wrong layer is the most common cause of "it works for me"); a malformed
//! `.env` is a finding here, not a crash. Also the cache profile the persistence check judges by.

use crate::error::Error;
use crate::output::Check;
use crate::settings::{Setting, Settings};

pub const NAME: &str = "settings";

/// The settings check for what `Settings::resolve_lenient` returned.
pub fn check(resolved: &Result<Settings, Error>, dotenv_error: Option<&Error>) -> Check {
    let settings = match resolved {
        Ok(settings) => settings,
        Err(err) => {
            return Check::fail(NAME, err.message.clone()).hint(err.hint.clone().unwrap_or_else(
                || {
                    String::from(
                        "fix the value where it comes from (`imcache env` shows each source)",
                    )
                },
            ));
        }
    };
    let summary = summary(settings);
    match dotenv_error {
        Some(err) => Check::fail(NAME, format!("{}; read without it: {summary}", err.message))
            .hint(err.hint.clone().unwrap_or_else(|| {
                format!(
                    "fix that line of {} (KEY=value; quote values holding spaces or #): the app's \
                     dotenv cannot read it either",
                    settings.env_file.display()
                )
            })),
        None if !settings.notices.is_empty() => {
            Check::warn(NAME, format!("{summary}; {}", settings.notices.join("; "))).hint(
                "imcache reads .env as the app's python-dotenv does; if the other reading was \
                 meant, write the value in single quotes (`imcache env --format env` shows how)",
            )
        }
        None => Check::pass(NAME, summary),
    }
}

/// `host 127.0.0.1 (flag), port 6379 (default), db 0 (default), password (.env:2)`.
fn summary(s: &Settings) -> String {
    fn part<T>(name: &str, shown: &str, setting: &Setting<T>) -> String {
        format!("{name} {shown} ({})", setting.source)
    }
    let mut parts = match &s.sentinel {
        None if s.socket.value.is_some() => {
            let path = s
                .socket
                .value
                .as_deref()
                .unwrap_or(std::path::Path::new(""));
            vec![part("socket", &path.display().to_string(), &s.socket)]
        }
        None => vec![
            part("host", &s.host.value, &s.host),
            part("port", &s.port.value.to_string(), &s.port),
        ],
        Some(sentinel) => vec![
            part("sentinels", &sentinel.node_list(), &sentinel.nodes),
            part("master", &sentinel.master.value, &sentinel.master),
        ],
    };
    parts.push(part("db", &s.db.value.to_string(), &s.db));
    if let Some(user) = &s.user.value {
        parts.push(part("user", user, &s.user));
    }
    parts.push(match &s.password.value {
        Some(_) => format!("password **** ({})", s.password.source),
        None if s.password.source.is_default() => String::from("no password"),
        None => format!("no password (blank in {})", s.password.source),
    });
    if s.tls.value {
        parts.push(part("tls", "on", &s.tls));
    }
    if !s.env_file_found {
        parts.push(format!("{} not found", s.env_file.display()));
    }
    parts.join(", ")
}

pub use crate::profile::Profile;

/// The profile from IMCACHE_PROFILE (resolved by `profile`, as tune does); Err carries a value
/// that is neither `dev` nor `prod`; None when it is not set or the .env file is malformed (the
/// settings check reports that).
pub fn profile(settings: &Settings) -> Option<Result<Profile, String>> {
    match crate::profile::from_environment(&settings.env_file) {
        Ok(Some(Ok(chosen))) => Some(Ok(chosen.profile)),
        Ok(Some(Err(invalid))) => Some(Err(invalid.value)),
        Ok(None) | Err(_) => None,
    }
}
