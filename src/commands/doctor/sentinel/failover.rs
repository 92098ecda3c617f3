//! After a failover: `failover` says that the master moved (and from where, when that can be
//! told: an address the app was given, or the down replica the sentinels made of the old
//! master), and `env_address` looks at the addresses `.env` and the environment give besides the
//! sentinels (REDIS_HOST/REDIS_PORT, a plain REDIS_URL): one that names a replica, the old master
//! or a sentinel is where an app that reads it goes wrong, and the fix says what to write.

use std::time::Duration;

use super::replicas::is_former_master;
use super::{Survey, same_node};
use crate::commands::metrics::units::uptime;
use crate::dotenv_file::DotEnv;
use crate::output::Check;
use crate::settings::{DEFAULT_HOST, DEFAULT_PORT, host_port, process_env};

/// A failover younger than this is a warning: apps given the old address break now.
const RECENT: Duration = Duration::from_secs(3600);

pub fn failover(survey: &Survey) -> Check {
    let (Some(master), Some((addr, _))) = (survey.master_address(), &survey.master) else {
        return Check::skip("failover", "not run: no sentinel named a master");
    };
    let naming: Vec<_> = survey
        .views()
        .filter(|(_, v)| v.master.addr().is_some_and(|a| same_node(&a, addr)))
        .map(|(_, v)| v)
        .collect();
    let epoch = naming
        .iter()
        .filter_map(|v| v.master.number("config-epoch"))
        .max()
        .unwrap_or(0);
    if epoch == 0 {
        return Check::pass(
            "failover",
            format!(
                "no failover since the sentinels began to watch {} (config-epoch 0)",
                survey.name()
            ),
        );
    }
    let age = naming
        .iter()
        .filter_map(|v| v.master.number("role-reported-time"))
        .max()
        .map(|ms| Duration::from_millis(ms.max(0).unsigned_abs()));
    let from = old_master(survey, epoch)
        .map(|old| format!(" from {old}"))
        .unwrap_or_default();
    let detail = format!(
        "the master of {} moved{from} to {master} (config-epoch {epoch}){}",
        survey.name(),
        age.map(|age| format!(
            "; it has been the master for {} as far as the sentinels know",
            uptime(age.as_secs())
        ))
        .unwrap_or_default()
    );
    match age {
        Some(age) if age >= RECENT => Check::pass("failover", detail),
        _ => Check::warn("failover", detail).hint(format!(
            "apps given the old master's address still go there: connect through the sentinels \
             (REDIS_URL={}); the old master rejoins as a replica when it is started again",
            survey.set_url()
        )),
    }
}

/// Where the master was before: an address the app was given that is now a replica, else the
/// down replica that never reported as one.
fn old_master(survey: &Survey, epoch: i64) -> Option<String> {
    let view = survey.master_view()?;
    let named = named_addresses(survey);
    named
        .iter()
        .find(|n| {
            view.replicas
                .iter()
                .any(|r| r.addr().is_some_and(|a| same_node(&a, &n.addr)))
        })
        .map(|n| host_port(&n.addr.0, n.addr.1))
        .or_else(|| {
            view.replicas
                .iter()
                .find(|r| is_former_master(r, epoch))
                .map(|r| r.address())
        })
}

/// A key's value and where it is (`environment`, `.env:3`).
type Layer<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

/// An address the app is given besides the sentinels.
struct Named {
    /// `REDIS_HOST/REDIS_PORT (.env:2)`, `REDIS_URL (environment)`.
    label: String,
    addr: (String, u16),
}

/// REDIS_HOST/REDIS_PORT and plain redis:// URLs, in the environment and in `.env`.
fn named_addresses(survey: &Survey) -> Vec<Named> {
    let dotenv = DotEnv::load(&survey.settings.env_file, &process_env).unwrap_or_default();
    let from_env = |key: &str| process_env(key).map(|v| (v, String::from("environment")));
    let from_file = |key: &str| {
        dotenv
            .get(key)
            .map(|e| (e.value.clone(), format!(".env:{}", e.line)))
    };
    let layers: [Layer; 2] = [&from_env, &from_file];
    let mut named = Vec::new();
    for get in layers {
        let (host, port) = (get("REDIS_HOST"), get("REDIS_PORT"));
        if host.is_some() || port.is_some() {
            let port_value = port.as_ref().and_then(|(p, _)| p.trim().parse().ok());
            let place = port
                .as_ref()
                .or(host.as_ref())
                .map(|(_, place)| place.clone());
            named.push(Named {
                label: format!("REDIS_HOST/REDIS_PORT ({})", place.unwrap_or_default()),
                addr: (
                    host.map_or_else(|| DEFAULT_HOST.to_string(), |(h, _)| h),
                    port_value.unwrap_or(DEFAULT_PORT),
                ),
            });
        }
        let url = get("REDIS_URL").and_then(|(text, place)| {
            let url = url::Url::parse(text.trim()).ok()?;
            matches!(url.scheme(), "redis" | "rediss").then_some(())?;
            let host = url.host_str()?.trim_matches(['[', ']']).to_string();
            Some((host, url.port().unwrap_or(DEFAULT_PORT), place))
        });
        if let Some((host, port, place)) = url {
            named.push(Named {
                label: format!("REDIS_URL ({place})"),
                addr: (host, port),
            });
        }
    }
    named
}

/// Does `.env` or the environment name the master for the app (REDIS_SENTINEL_MASTER)?
fn app_knows_master_name(survey: &Survey) -> bool {
    let dotenv = DotEnv::load(&survey.settings.env_file, &process_env).unwrap_or_default();
    process_env("REDIS_SENTINEL_MASTER").is_some() || dotenv.get("REDIS_SENTINEL_MASTER").is_some()
}

pub fn env_address(survey: &Survey) -> Check {
    let (Some(view), Some(master), Some((master_addr, _))) = (
        survey.master_view(),
        survey.master_address(),
        &survey.master,
    ) else {
        return Check::skip("env_address", "not run: no sentinel named a master");
    };
    let named = named_addresses(survey);
    let sentinels = survey.all_sentinels();
    let env_file = survey.settings.env_file.display();
    let fix = format!(
        "in {env_file}: REDIS_URL={} for clients that ask the sentinels (celery, kombu, RedisVL; \
         imcache reads it too) and drop REDIS_HOST/REDIS_PORT; or REDIS_HOST={} REDIS_PORT={} \
         until the next failover",
        survey.set_url(),
        master_addr.0,
        master_addr.1
    );
    let epoch = view.master.number("config-epoch").unwrap_or(0);
    let mut at_master = None;
    let mut elsewhere = None;
    for n in &named {
        let shown = host_port(&n.addr.0, n.addr.1);
        if same_node(&n.addr, master_addr) {
            at_master.get_or_insert(n);
            continue;
        }
        if let Some(replica) = view
            .replicas
            .iter()
            .find(|r| r.addr().is_some_and(|a| same_node(&a, &n.addr)))
        {
            let what = match (is_former_master(replica, epoch), replica.is_down()) {
                (true, true) => "the former master, down",
                (true, false) => "the former master, unreachable",
                (false, true) => "a replica, down",
                (false, false) => "a replica: writes there fail with READONLY",
            };
            return Check::fail(
                "env_address",
                format!(
                    "{} names {shown}, which is no longer the master of {} ({what}); the master \
                     is {master}",
                    n.label,
                    survey.name()
                ),
            )
            .hint(fix);
        }
        if sentinels.iter().any(|s| same_node(s, &n.addr)) {
            if app_knows_master_name(survey) {
                continue;
            }
            return Check::fail(
                "env_address",
                format!(
                    "{} names the sentinel {shown}: an app that connects there talks to a \
                     Sentinel, which stores nothing",
                    n.label
                ),
            )
            .hint(fix);
        }
        elsewhere.get_or_insert((n, shown));
    }
    if let Some((n, shown)) = elsewhere {
        return Check::warn(
            "env_address",
            format!(
                "{} names {shown}, which is not a node of {}",
                n.label,
                survey.name()
            ),
        )
        .hint(format!("if the app should use this Sentinel set: {fix}"));
    }
    match at_master {
        Some(n) => Check::pass(
            "env_address",
            format!(
                "{} names the master {master}; an app that connects there directly does not \
                 follow a failover (REDIS_URL={} does)",
                n.label,
                survey.set_url()
            ),
        ),
        None => Check::pass(
            "env_address",
            "neither .env nor the environment names another address (REDIS_HOST, REDIS_PORT, \
             a redis:// REDIS_URL)",
        ),
    }
}
