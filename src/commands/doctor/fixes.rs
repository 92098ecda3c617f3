//! The fix for a setting that doctor found wrong, in the form that can work on this server:
//! `imcache tune --live ...` where CONFIG SET is allowed, the provider's own setting where a
//! managed service refuses CONFIG, or what to ask of whoever runs the server. A fix is never a
//! command that will fail.

use crate::capability::Refusal;
use crate::provider::Provider;

pub struct TuneFix {
    /// Why CONFIG cannot be used here, if it cannot.
    pub config_refused: Option<Refusal>,
    pub provider: Option<Provider>,
}

impl TuneFix {
    /// The fix that sets these directives to these values.
    pub fn set(&self, changes: &[(&str, &str)]) -> String {
        if self.config_refused.is_none() {
            let flags: Vec<String> = changes
                .iter()
                .map(|(directive, value)| format!("{} {value}", flag(directive)))
                .collect();
            return format!("imcache tune --live {}", flags.join(" "));
        }
        let wanted: Vec<String> = changes.iter().map(|(d, v)| format!("{d} {v}")).collect();
        match self.provider {
            Some(provider) => changes
                .iter()
                .map(|(directive, value)| provider.set(directive, value))
                .collect::<Vec<_>>()
                .join("; "),
            None => format!(
                "CONFIG is refused here, so imcache cannot set it: put {} in the server's \
                 redis.conf (or the provider's settings) and restart it",
                wanted.join(", ")
            ),
        }
    }

    /// The fix that applies a whole profile (`dev`: no persistence, `prod`: the guide's save
    /// rules); `what` says what it means.
    pub fn profile(&self, profile: &str, what: &str) -> String {
        match (&self.config_refused, self.provider) {
            (None, _) => format!("imcache tune --live --profile {profile} ({what})"),
            (Some(_), Some(provider)) => provider.set("save", what),
            (Some(_), None) => format!(
                "CONFIG is refused here: set {what} in the server's redis.conf (or the \
                 provider's settings) and restart it"
            ),
        }
    }
}

fn flag(directive: &str) -> &str {
    match directive {
        "maxmemory" => "--maxmemory",
        "maxmemory-policy" => "--policy",
        "save" => "--save",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConnArgs;
    use crate::settings::Settings;

    fn refused(host: &str) -> TuneFix {
        let args = ConnArgs {
            host: Some(host.into()),
            ..ConnArgs::default()
        };
        let settings = Settings::resolve(&args, &|_| None).unwrap();
        TuneFix {
            config_refused: Some(Refusal::from_reply(
                "CONFIG GET",
                "ERR",
                "unknown command 'CONFIG'",
                &settings,
            )),
            provider: Provider::recognise(&settings),
        }
    }

    #[test]
    fn tune_only_where_config_works() {
        let open = TuneFix {
            config_refused: None,
            provider: None,
        };
        assert_eq!(
            open.set(&[("maxmemory", "256mb"), ("maxmemory-policy", "allkeys-lru")]),
            "imcache tune --live --maxmemory 256mb --policy allkeys-lru"
        );
        let local = refused("127.0.0.1");
        assert!(
            !local
                .set(&[("maxmemory", "256mb")])
                .contains("imcache tune")
        );
        assert!(local.set(&[("maxmemory", "256mb")]).contains("redis.conf"));
        let aws = refused("x.cache.amazonaws.com");
        let fix = aws.set(&[("maxmemory-policy", "allkeys-lru")]);
        assert!(
            fix.contains("parameter group") && !fix.contains("imcache tune"),
            "{fix}"
        );
    }
}
