//! The transport under every command, against real servers and small hostile ones: `--timeout`
//! is the budget of the whole conversation, Ctrl-C answers at once, no reply can exhaust memory,
//! replies that are not Redis say so, TLS trusts what was given (a self-signed certificate too,
//! a client certificate when the server asks), unix sockets.

use serde::Deserialize;

mod budgets;
mod hostile;
mod socket;
mod tls;

/// verify's and doctor's document.
#[derive(Debug, Deserialize)]
pub struct Checks {
    pub ok: bool,
    pub target: String,
    pub checks: Vec<Check>,
}

#[derive(Debug, Deserialize)]
pub struct Check {
    pub name: String,
    pub status: String,
    pub detail: String,
    pub hint: Option<String>,
    pub ms: f64,
}

impl Checks {
    pub fn check(&self, name: &str) -> &Check {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {self:?}"))
    }
}

/// The document of an error before any report (`{"ok": false, "error": {...}}`).
#[derive(Debug, Deserialize)]
pub struct ErrorDoc {
    pub ok: bool,
    pub error: ErrorBody,
}

#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub kind: String,
    pub exit_code: u8,
}
