//! What a server would not run for us, as a finding. Managed services rename or disable commands
//! (CONFIG, INFO), ACLs forbid them (NOPERM), a server can be too slow to answer: every command
//! that needs one of these says which command was refused, why that matters, and a fix that can
//! work there (the exact ACL grant, or the provider's own setting), never silence and never "no
//! problems".

use redis::{RedisError, Value};

use crate::connect::{self, Failure};
use crate::error::{Error, Kind};
use crate::provider::Provider;
use crate::settings::Settings;

/// Why a command did not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// The ACL user may not run it (NOPERM).
    NoPerm,
    /// Unknown to the server: renamed away (`rename-command`) or disabled by a provider.
    Unknown,
    /// Explicitly disallowed (some providers answer so).
    Disallowed,
    /// The server did not answer within the budget.
    TimedOut,
    /// Anything else the server or the connection said.
    Failed,
}

/// A command the server did not run, and what it said.
#[derive(Clone, Debug)]
pub struct Refusal {
    /// The command as the user would type it (`INFO`, `CONFIG GET`).
    pub command: &'static str,
    pub why: Why,
    /// The server's reply or the failure, one line, never a secret (no command we refuse-check
    /// carries one).
    pub said: String,
    /// The budget, for "did not answer within 2s".
    timeout: std::time::Duration,
    user: Option<String>,
    provider: Option<Provider>,
}

impl Refusal {
    /// The refusal an error reply (`-NOPERM ...`, `-ERR unknown command ...`) stands for.
    pub fn from_reply(
        command: &'static str,
        code: &str,
        detail: &str,
        settings: &Settings,
    ) -> Self {
        let lower = detail.to_ascii_lowercase();
        let why = match code {
            "NOPERM" => Why::NoPerm,
            _ if lower.contains("unknown command") || lower.contains("unknown subcommand") => {
                Why::Unknown
            }
            _ if lower.contains("disallowed")
                || lower.contains("not allowed")
                || lower.contains("not available")
                || lower.contains("not supported") =>
            {
                Why::Disallowed
            }
            _ => Why::Failed,
        };
        Refusal::new(
            command,
            why,
            format!("{code} {detail}").trim().to_string(),
            settings,
        )
    }

    /// The refusal a failed query stands for: an error reply, or a transport failure.
    pub fn from_error(command: &'static str, err: &RedisError, settings: &Settings) -> Self {
        if let Some(code) = err.code() {
            return Refusal::from_reply(command, code, err.detail().unwrap_or(""), settings);
        }
        let why = match Failure::of(err) {
            Some(Failure::TimedOut) => Why::TimedOut,
            _ => Why::Failed,
        };
        Refusal::new(
            command,
            why,
            connect::classify(err, settings).message,
            settings,
        )
    }

    /// The refusal in a pipelined reply, if the reply is an error.
    pub fn in_reply(command: &'static str, reply: &Value, settings: &Settings) -> Option<Self> {
        match reply {
            Value::ServerError(err) => Some(Refusal::from_reply(
                command,
                err.code(),
                err.details().unwrap_or(""),
                settings,
            )),
            _ => None,
        }
    }

    fn new(command: &'static str, why: Why, said: String, settings: &Settings) -> Self {
        // Redis 7 appends the arguments it saw ("..., with args beginning with: 'GET' 'bind'"):
        // noise here, and never needed to understand the refusal.
        let said = match said.find(", with args beginning with") {
            Some(at) => said[..at].to_string(),
            None => said,
        };
        Refusal {
            command,
            why,
            said,
            timeout: settings.timeout,
            user: settings.user.value.clone(),
            provider: Provider::recognise(settings),
        }
    }

    /// `INFO was refused (NOPERM: ...)`, `INFO did not answer within 2s`.
    pub fn detail(&self) -> String {
        let command = self.command;
        match self.why {
            Why::NoPerm => format!(
                "{command} was refused: the user may not run it ({})",
                self.said
            ),
            Why::Unknown => format!(
                "{command} is not available on this server: renamed or disabled ({})",
                self.said
            ),
            Why::Disallowed => format!("{command} is disallowed on this server ({})", self.said),
            Why::TimedOut => format!(
                "{command} did not answer within {}s",
                self.timeout.as_secs_f64()
            ),
            Why::Failed => format!("{command} failed: {}", self.said),
        }
    }

    /// The fix that can work here: the ACL grant, the provider's console, or what to ask of
    /// whoever runs the server.
    pub fn fix(&self) -> String {
        let command = self.command;
        let category = command
            .split_whitespace()
            .next()
            .unwrap_or(command)
            .to_ascii_lowercase();
        let subcommand = command
            .split_whitespace()
            .nth(1)
            .map(|s| format!("|{}", s.to_ascii_lowercase()))
            .unwrap_or_default();
        match (&self.why, &self.provider) {
            (Why::NoPerm, _) => format!(
                "grant it: ACL SETUSER {} +{category}{subcommand} (as an admin), or use a user that \
                 has it (--user / REDIS_USERNAME)",
                self.user.as_deref().unwrap_or("default")
            ),
            (Why::Unknown | Why::Disallowed, Some(provider)) => format!(
                "{} does not offer {command} to clients: {}",
                provider.name(),
                provider.console()
            ),
            (Why::Unknown | Why::Disallowed, None) => format!(
                "ask whoever runs the server to allow {command} for this user (rename-command or \
                 the provider's settings), or read the figures where the server is configured"
            ),
            (Why::TimedOut, _) => String::from(
                "the server is busy or paused: `imcache doctor --timeout 10s` waits longer; \
                 look for slow commands (SLOWLOG GET 10)",
            ),
            (Why::Failed, _) => String::from("see the server's log"),
        }
    }

    /// As an imcache error: NOPERM is a permission failure (exit 4), a refusal a failed check.
    pub fn error(&self) -> Error {
        let kind = match self.why {
            Why::NoPerm => Kind::Auth,
            Why::TimedOut => Kind::Unreachable,
            _ => Kind::Check,
        };
        Error::new(kind, self.detail()).with_hint(self.fix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConnArgs;

    fn settings(host: &str) -> Settings {
        let args = ConnArgs {
            host: Some(host.into()),
            user: Some("app".into()),
            timeout: std::time::Duration::from_secs(2),
            ..ConnArgs::default()
        };
        Settings::resolve(&args, &|_| None).unwrap()
    }

    #[test]
    fn each_refusal_names_the_command_and_a_fix_that_can_work() {
        let s = settings("127.0.0.1");
        let noperm = Refusal::from_reply(
            "INFO",
            "NOPERM",
            "User app has no permissions to run the 'info' command",
            &s,
        );
        assert_eq!(noperm.why, Why::NoPerm);
        assert!(
            noperm.fix().contains("ACL SETUSER app +info"),
            "{}",
            noperm.fix()
        );
        assert_eq!(noperm.error().kind, Kind::Auth);

        let config = Refusal::from_reply("CONFIG GET", "NOPERM", "no", &s);
        assert!(config.fix().contains("+config|get"), "{}", config.fix());

        let renamed = Refusal::from_reply("CONFIG GET", "ERR", "unknown command 'CONFIG'", &s);
        assert_eq!(renamed.why, Why::Unknown);
        assert!(renamed.detail().contains("renamed or disabled"));
        assert_eq!(renamed.error().kind, Kind::Check);
    }

    #[test]
    fn a_recognised_provider_gets_its_own_console_as_the_fix() {
        let s = settings("my-cache.abc123.ng.0001.use1.cache.amazonaws.com");
        let renamed = Refusal::from_reply("CONFIG GET", "ERR", "unknown command `CONFIG`", &s);
        assert!(
            renamed.fix().contains("parameter group"),
            "{}",
            renamed.fix()
        );
    }
}
