//! `imcache env`: the resolved connection settings and where each came from, so "which Redis
//! does this talk to, and why" has a one-command answer. The password is `****` or `(none)`.

use serde_json::json;

use crate::cli::{ConnArgs, EnvArgs, EnvFormat};
use crate::error::{Result, Status};
use crate::output::{self, Output, Paint, Report};
use crate::settings::{Layer, Setting, Settings, Source, process_env};

pub fn run(conn: &ConnArgs, args: &EnvArgs, out: &Output) -> Result<Status> {
    let format = output::chosen_format(out.json, args.format, EnvFormat::Json, EnvFormat::Text)?;
    let out = &out.json_too(format == EnvFormat::Json);
    let settings = Settings::resolve(conn, &process_env)?;
    let report = EnvReport { settings };
    match format {
        EnvFormat::Json => out.emit_json(&report)?,
        EnvFormat::Env => out.print(&report.env_lines())?,
        EnvFormat::Text => out.emit(&report)?,
    }
    Ok(Status::Success)
}

fn shown_path(path: &Option<std::path::PathBuf>) -> String {
    path.as_ref()
        .map_or_else(|| String::from("(none)"), |p| p.display().to_string())
}

struct EnvReport {
    settings: Settings,
}

/// A row: name, shown value, source.
type Row = (&'static str, String, Source);

impl EnvReport {
    fn rows(&self) -> Vec<Row> {
        let s = &self.settings;
        let none = || String::from("(none)");
        fn row<T>(name: &'static str, setting: &Setting<T>, shown: String) -> Row {
            (name, shown, setting.source.clone())
        }
        let mut rows = vec![
            row("url", &s.url, s.url.value.clone().unwrap_or_else(none)),
            row("host", &s.host, s.host.value.clone()),
            row("port", &s.port, s.port.value.to_string()),
            row("db", &s.db, s.db.value.to_string()),
            row("user", &s.user, s.user.value.clone().unwrap_or_else(none)),
            row(
                "password",
                &s.password,
                if s.password.value.is_some() {
                    "****".into()
                } else {
                    none()
                },
            ),
            row("tls", &s.tls, s.tls.value.to_string()),
            row("cacert", &s.cacert, shown_path(&s.cacert.value)),
            row("cert", &s.cert, shown_path(&s.cert.value)),
            row("key", &s.key, shown_path(&s.key.value)),
            row("socket", &s.socket, shown_path(&s.socket.value)),
            row("cluster", &s.cluster, s.cluster.value.to_string()),
        ];
        if let Some(sentinel) = &s.sentinel {
            rows.extend([
                row("sentinels", &sentinel.nodes, sentinel.node_list()),
                row(
                    "sentinel master",
                    &sentinel.master,
                    sentinel.master.value.clone(),
                ),
                row(
                    "sentinel user",
                    &sentinel.user,
                    sentinel.user.value.clone().unwrap_or_else(none),
                ),
                row(
                    "sentinel password",
                    &sentinel.password,
                    match sentinel.password.value {
                        Some(_) => "****".into(),
                        None => none(),
                    },
                ),
            ]);
        }
        rows
    }

    fn json(&self) -> serde_json::Value {
        let s = &self.settings;
        let entry = |value: serde_json::Value, source: &Source| {
            json!({
                "value": value,
                "source": source.label(),
                "from": (!source.name.is_empty()).then(|| source.name.clone()),
            })
        };
        // Without a Sentinel set the sentinel settings are there too, null with a default source.
        let sentinel = s.sentinel.as_ref();
        let none = Source {
            layer: Layer::Default,
            name: String::new(),
        };
        json!({
            "ok": true,
            "target": s.target(),
            "env_file": { "path": s.env_file, "found": s.env_file_found },
            "settings": {
                "url": entry(json!(s.url.value), &s.url.source),
                "host": entry(json!(s.host.value), &s.host.source),
                "port": entry(json!(s.port.value), &s.port.source),
                "db": entry(json!(s.db.value), &s.db.source),
                "user": entry(json!(s.user.value), &s.user.source),
                "password": entry(
                    json!(s.password.value.as_ref().map(|_| "****")),
                    &s.password.source,
                ),
                "tls": entry(json!(s.tls.value), &s.tls.source),
                "cacert": entry(json!(s.cacert.value), &s.cacert.source),
                "cert": entry(json!(s.cert.value), &s.cert.source),
                "key": entry(json!(s.key.value), &s.key.source),
                "socket": entry(json!(s.socket.value), &s.socket.source),
                "sentinels": sentinel.map_or_else(
                    || entry(json!(null), &none),
                    |x| entry(json!(x.node_list()), &x.nodes.source),
                ),
                "sentinel_master": sentinel.map_or_else(
                    || entry(json!(null), &none),
                    |x| entry(json!(x.master.value), &x.master.source),
                ),
                "sentinel_user": sentinel.map_or_else(
                    || entry(json!(null), &none),
                    |x| entry(json!(x.user.value), &x.user.source),
                ),
                "sentinel_password": sentinel.map_or_else(
                    || entry(json!(null), &none),
                    |x| entry(json!(x.password.value.as_ref().map(|_| "****")), &x.password.source),
                ),
                "cluster": entry(json!(s.cluster.value), &s.cluster.source),
            },
            "notices": s.notices,
            "insecure": s.insecure,
            "timeout_ms": s.timeout.as_millis() as u64,
        })
    }

    /// KEY=value lines a .env file could hold; the password is never printed, only noted.
    fn env_lines(&self) -> String {
        let s = &self.settings;
        let mut text = String::from("# resolved by imcache env\n");
        match &s.sentinel {
            // One URL names every sentinel; host and port would name only the first.
            Some(_) => text.push_str(&line("REDIS_URL", &s.target())),
            None => {
                text.push_str(&line("REDIS_HOST", &s.host.value));
                text.push_str(&format!("REDIS_PORT={}\n", s.port.value));
                text.push_str(&format!("REDIS_DB={}\n", s.db.value));
            }
        }
        if let Some(user) = &s.user.value {
            text.push_str(&line("REDIS_USERNAME", user));
        }
        if s.tls.value {
            text.push_str("REDIS_TLS=true\n");
        }
        if s.cluster.value {
            text.push_str("REDIS_CLUSTER=true\n");
        }
        let paths = [
            ("REDIS_CACERT", &s.cacert.value),
            ("REDIS_TLS_CERT", &s.cert.value),
            ("REDIS_TLS_KEY", &s.key.value),
            ("REDIS_SOCKET", &s.socket.value),
        ];
        for (name, path) in paths {
            if let Some(path) = path {
                text.push_str(&line(name, &path.display().to_string()));
            }
        }
        if s.password.value.is_some() {
            text.push_str(&format!(
                "# REDIS_PASSWORD is set (from {}); imcache never prints it\n",
                s.password.source
            ));
        }
        if let Some(sentinel) = &s.sentinel {
            if let Some(user) = &sentinel.user.value {
                text.push_str(&line("REDIS_SENTINEL_USERNAME", user));
            }
            if sentinel.password.value.is_some() {
                text.push_str(&format!(
                    "# REDIS_SENTINEL_PASSWORD is set (from {}); imcache never prints it\n",
                    sentinel.password.source
                ));
            }
        }
        text
    }
}

/// `KEY=value`, quoted exactly as `setup` writes .env values so that it reads back the same; a
/// value no form carries becomes a comment saying so (setup would refuse it too).
fn line(key: &str, value: &str) -> String {
    match crate::dotenv_file::quote_value(value) {
        Ok(quoted) => format!("{key}={quoted}\n"),
        Err(refusal) => format!("# {key} is left out: it holds {}\n", refusal.what),
    }
}

impl serde::Serialize for EnvReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.json().serialize(s)
    }
}

impl Report for EnvReport {
    fn text(&self, paint: &Paint) -> String {
        let rows = self.rows();
        let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        let name_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(9);
        let mut text = String::new();
        for (name, value, source) in rows {
            let pad = value_width - value.chars().count();
            let source = if source.is_default() {
                paint.dim(&source.to_string())
            } else {
                source.to_string()
            };
            text.push_str(&format!(
                "{} {value}{:pad$}  {source}\n",
                paint.bold(&format!("{name:name_width$}")),
                ""
            ));
        }
        let s = &self.settings;
        let found = if s.env_file_found {
            "read"
        } else {
            "not found"
        };
        let env_file = paint.bold(&format!("{:name_width$}", "env file"));
        text.push_str(&format!("{env_file} {} ({found})\n", s.env_file.display()));
        let target = paint.bold(&format!("{:name_width$}", "target"));
        text.push_str(&format!("{target} {}\n", s.target()));
        for notice in &s.notices {
            text.push_str(&format!("{} {notice}\n", paint.yellow("notice:")));
        }
        text
    }
}
