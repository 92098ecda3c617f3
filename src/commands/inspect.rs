//! `imcache inspect KEY...`: the guide's `GET`/`TTL` step, done safely. For each key: type,
//! TTL and whether it fits its tier, the tier and pattern it belongs to, memory, encoding,
//! length, and a bounded preview of the value. Nothing is written: no key, no TTL changes.
//! TYPE, PTTL, OBJECT and MEMORY USAGE do not count as an access; reading the value does, so
//! where the server has CLIENT NO-TOUCH (7.2+) it is turned on first and the key's LRU/LFU
//! clock stays as it was. Where it has not, the report says so, with the idle time or LFU
//! counter from before the look.
//!
//! Exit codes: 0 when every key exists, 1 when one does not, and the connection's own codes.

mod value;

use redis::Value;
use serde::Serialize;

use crate::capability::Refusal;
use crate::cli::{ConnArgs, InspectArgs};
use crate::commands::keys::show;
use crate::commands::metrics::units::{bytes, uptime};
use crate::connect::{self, Conn};
use crate::error::{Kind, Result, Status};
use crate::output::{Output, Paint, Report};
use crate::policy::{Fit, Policy};
use crate::settings::{Settings, env_file_path};
use value::Preview;

#[derive(Serialize)]
struct InspectReport {
    /// True when every key exists.
    ok: bool,
    target: String,
    policy: String,
    /// True when CLIENT NO-TOUCH kept the look from counting as an access.
    no_touch: bool,
    /// Why it could not, when it could not.
    touch_note: Option<String>,
    keys: Vec<KeyView>,
}

#[derive(Serialize)]
struct KeyView {
    key: String,
    exists: bool,
    #[serde(rename = "type")]
    kind: Option<String>,
    encoding: Option<String>,
    /// Seconds left; null without a TTL (or without the key).
    ttl_s: Option<f64>,
    tier: Option<String>,
    pattern: Option<String>,
    /// How the TTL compares with the tier's range; null when no pattern matches.
    fit: Option<Fit>,
    fit_detail: String,
    memory_bytes: Option<u64>,
    /// OBJECT IDLETIME (LRU policies) or OBJECT FREQ (LFU policies) before the look.
    idle_s: Option<u64>,
    lfu_counter: Option<u64>,
    preview: Option<Preview>,
}

pub fn run(conn: &ConnArgs, args: &InspectArgs, out: &Output) -> Result<Status> {
    let policy = Policy::load(args.policy.as_deref(), &env_file_path(conn))?;
    let settings = super::connection_settings(conn, out)?;
    let mut conn = connect::open(&settings)?;
    let touch_note = match redis::cmd("CLIENT")
        .arg("NO-TOUCH")
        .arg("ON")
        .query::<Value>(&mut conn.con)
    {
        Ok(Value::Okay) => None,
        Ok(other) => Some(format!("CLIENT NO-TOUCH answered {other:?}")),
        Err(err) if err.code().is_some() => Some(format!(
            "the server has no CLIENT NO-TOUCH (Redis 7.2+): reading each value made its key look \
             recently used to LRU/LFU eviction ({})",
            err.detail().unwrap_or("").trim()
        )),
        Err(err) => return Err(connect::classify(&err, &settings)),
    };
    let mut keys = Vec::new();
    for key in &args.keys {
        keys.push(inspect(&mut conn, &settings, &policy, key.as_bytes())?);
    }
    let report = InspectReport {
        ok: keys.iter().all(|k| k.exists),
        target: settings.target(),
        policy: policy.describe(),
        no_touch: touch_note.is_none(),
        touch_note,
        keys,
    };
    out.emit(&report)?;
    Ok(match report.ok {
        true => Status::Success,
        false => Status::Reported(Kind::Check),
    })
}

fn inspect(conn: &mut Conn, settings: &Settings, policy: &Policy, key: &[u8]) -> Result<KeyView> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors()
        .cmd("TYPE")
        .arg(key)
        .cmd("PTTL")
        .arg(key)
        .cmd("OBJECT")
        .arg("ENCODING")
        .arg(key)
        .cmd("MEMORY")
        .arg("USAGE")
        .arg(key)
        .arg("SAMPLES")
        .arg(5)
        .cmd("OBJECT")
        .arg("IDLETIME")
        .arg(key)
        .cmd("OBJECT")
        .arg("FREQ")
        .arg(key);
    conn.con.renew();
    let replies: Vec<Value> = pipe
        .query(&mut conn.con)
        .map_err(|err| connect::classify(&err, settings))?;
    let [kind, pttl, encoding, memory, idle, freq] = <[Value; 6]>::try_from(replies)
        .map_err(|_| crate::error::Error::check("the server answered too few replies"))?;
    if let Some(refusal) = Refusal::in_reply("TYPE", &kind, settings) {
        return Err(refusal.error());
    }
    let kind = match kind {
        Value::SimpleString(kind) => kind,
        _ => String::from("none"),
    };
    let place = policy.place(key);
    let mut view = KeyView {
        key: show::key(key),
        exists: kind != "none",
        kind: None,
        encoding: None,
        ttl_s: None,
        tier: place.map(|p| policy.tiers[p.tier].name.clone()),
        pattern: place.map(|p| policy.pattern(p).to_string()),
        fit: None,
        fit_detail: String::from("no such key"),
        memory_bytes: None,
        idle_s: None,
        lfu_counter: None,
        preview: None,
    };
    if !view.exists {
        return Ok(view);
    }
    let pttl_ms = match pttl {
        Value::Int(ms) => ms,
        _ => -1,
    };
    view.ttl_s = (pttl_ms >= 0).then(|| pttl_ms as f64 / 1000.0);
    view.fit = place.map(|p| policy.fit(p.tier, pttl_ms));
    view.fit_detail = fit_detail(policy, place, view.fit, pttl_ms);
    view.encoding = text(encoding);
    view.memory_bytes = number(memory);
    view.idle_s = number(idle);
    view.lfu_counter = number(freq);
    if let Some(pipe) = value::commands(&kind, key) {
        conn.con.renew();
        let replies: Vec<Value> = pipe
            .query(&mut conn.con)
            .map_err(|err| connect::classify(&err, settings))?;
        view.preview = Some(value::preview(&kind, replies));
    }
    view.kind = Some(kind);
    Ok(view)
}

fn fit_detail(
    policy: &Policy,
    place: Option<crate::policy::Place>,
    fit: Option<Fit>,
    pttl_ms: i64,
) -> String {
    let (Some(place), Some(fit)) = (place, fit) else {
        return String::from("matches no pattern of the policy");
    };
    let tier = &policy.tiers[place.tier];
    let within = format!(
        "{} ({}, pattern {})",
        tier.name,
        tier.range(),
        policy.pattern(place)
    );
    let left = uptime(pttl_ms.max(0) as u64 / 1000);
    match fit {
        Fit::NoTtl => format!("no TTL, but {within} wants one"),
        Fit::Below => format!(
            "{left} left, below {within}: written with a shorter TTL, or simply old (PTTL shows what is left)"
        ),
        Fit::InRange => format!("{left} left, fits {within}"),
        Fit::Above => format!("{left} left, above {within}"),
    }
}

fn text(value: Value) -> Option<String> {
    match value {
        Value::SimpleString(s) => Some(s),
        Value::BulkString(b) => Some(show::key(&b)),
        _ => None,
    }
}

fn number(value: Value) -> Option<u64> {
    match value {
        Value::Int(n) => u64::try_from(n).ok(),
        _ => None,
    }
}

impl Report for InspectReport {
    fn text(&self, paint: &Paint) -> String {
        let mut text = String::new();
        for key in &self.keys {
            text.push_str(&format!("{}\n", paint.bold(&key.key)));
            if !key.exists {
                text.push_str(&format!("  {}\n\n", paint.red("no such key")));
                continue;
            }
            let kind = key.kind.as_deref().unwrap_or("?");
            let encoding = key
                .encoding
                .as_deref()
                .map_or(String::new(), |e| format!(" ({e})"));
            let length = key
                .preview
                .as_ref()
                .and_then(|p| Some(format!(", {}", counted(p.length?, p.unit))));
            let memory = key
                .memory_bytes
                .map_or(String::new(), |m| format!(", {} in memory", bytes(m)));
            text.push_str(&format!(
                "  type    {kind}{encoding}{}{memory}\n",
                length.unwrap_or_default()
            ));
            let fit = match key.fit {
                Some(Fit::InRange) => paint.green(&key.fit_detail),
                Some(_) => paint.yellow(&key.fit_detail),
                None => key.fit_detail.clone(),
            };
            text.push_str(&format!("  ttl     {fit}\n"));
            match (key.idle_s, key.lfu_counter) {
                (Some(idle), _) => {
                    text.push_str(&format!("  idle    {} before this look\n", uptime(idle)))
                }
                (None, Some(counter)) => {
                    text.push_str(&format!("  lfu     counter {counter} before this look\n"))
                }
                _ => {}
            }
            if let Some(preview) = &key.preview {
                text.push_str(&preview_text(preview, paint));
            }
            text.push('\n');
        }
        if let Some(note) = &self.touch_note {
            text.push_str(&format!("{} {note}\n", paint.yellow("note:")));
        }
        text
    }
}

/// The value, indented: pretty JSON cut at 40 lines, or one line per element.
fn preview_text(preview: &Preview, paint: &Paint) -> String {
    let lines: Vec<String> = match &preview.value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) if !preview.json => items
            .iter()
            .map(|item| match item {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Object(o) if o.contains_key("field") => {
                    format!("{} = {}", plain(&o["field"]), plain(&o["value"]))
                }
                serde_json::Value::Object(o) if o.contains_key("member") => {
                    format!("{} (score {})", plain(&o["member"]), plain(&o["score"]))
                }
                other => other.to_string(),
            })
            .collect(),
        json => serde_json::to_string_pretty(json)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect(),
    };
    let mut text = String::new();
    for (i, line) in lines.iter().take(40).enumerate() {
        let label = if i == 0 { "value" } else { "" };
        text.push_str(&format!("  {label:<6}  {line}\n"));
    }
    if lines.len() > 40 || preview.truncated {
        text.push_str(&format!(
            "          {}\n",
            paint.dim("… (preview cut; the value is longer)")
        ));
    }
    text
}

/// `1 field`, `25 elements`, `1 entry`.
fn counted(n: u64, unit: &str) -> String {
    match (n, unit) {
        (1, "entries") => String::from("1 entry"),
        (1, unit) => format!("1 {}", unit.strip_suffix('s').unwrap_or(unit)),
        (n, unit) => format!("{n} {unit}"),
    }
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
