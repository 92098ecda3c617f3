//! The last step: the proven connection goes into `.env` as the app reads it (REDIS_HOST,
//! REDIS_PORT, REDIS_DB, REDIS_PASSWORD, and REDIS_USERNAME / REDIS_TLS / REDIS_CACERT /
//! REDIS_CLUSTER when used). A REDIS_URL there would override these parts, so it goes; so do the
//! optional keys this connection does not use. Through a Sentinel set it is the other way round:
//! REDIS_URL holds `redis+sentinel://` (every sentinel, the master's name, the db; the form
//! celery, kombu and RedisVL read), and REDIS_HOST/REDIS_PORT go, since they could only name one
//! node, which a failover leaves behind. Worked out before anything runs (is there a change to
//! ask about?), committed only after the verify checks passed.

use crate::dotenv_file::{GitExposure, PendingWrite, SECRET_MODE, Update, git_exposure};
use crate::error::{Error, Kind, Result};
use crate::output::CheckStatus;
use crate::settings::Settings;

use super::report::{Halt, Journal, Step};

/// The keys written, in the order they are appended to a new file.
pub fn updates(settings: &Settings) -> Result<Vec<Update>> {
    let optional = |key: &str, value: Option<String>| match value {
        Some(value) => Update::set(key, value),
        None => Update::remove(key),
    };
    let cacert = match &settings.cacert.value {
        Some(path) if settings.tls.value => Some(
            std::path::absolute(path)
                .map_err(|err| Error::usage(format!("--cacert {}: {err}", path.display())))?
                .to_str()
                .ok_or_else(|| Error::usage(format!("--cacert {}: not UTF-8", path.display())))?
                .to_string(),
        ),
        _ => None,
    };
    let password = Update::set(
        "REDIS_PASSWORD",
        settings
            .password
            .value
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default(),
    );
    let (place, sentinel) = match &settings.sentinel {
        None => (
            vec![
                Update::set("REDIS_HOST", settings.host.value.clone()),
                Update::set("REDIS_PORT", settings.port.value.to_string()),
                Update::set("REDIS_DB", settings.db.value.to_string()),
                password,
            ],
            vec![
                Update::remove("REDIS_URL"),
                Update::remove("REDIS_SENTINEL_MASTER"),
                Update::remove("REDIS_SENTINEL_USERNAME"),
                Update::remove("REDIS_SENTINEL_PASSWORD"),
            ],
        ),
        Some(sentinel) => (
            vec![Update::set("REDIS_URL", settings.target()), password],
            vec![
                optional("REDIS_SENTINEL_USERNAME", sentinel.user.value.clone()),
                optional(
                    "REDIS_SENTINEL_PASSWORD",
                    sentinel
                        .password
                        .value
                        .as_ref()
                        .map(|p| p.expose().to_string()),
                ),
                Update::remove("REDIS_SENTINEL_MASTER"),
                Update::remove("REDIS_HOST"),
                Update::remove("REDIS_PORT"),
                Update::remove("REDIS_DB"),
            ],
        ),
    };
    let mut updates = place;
    updates.extend([
        optional("REDIS_USERNAME", settings.user.value.clone()),
        optional("REDIS_TLS", settings.tls.value.then(|| "true".to_string())),
        optional("REDIS_CACERT", cacert),
        optional(
            "REDIS_CLUSTER",
            settings.cluster.value.then(|| "true".to_string()),
        ),
    ]);
    updates.extend(sentinel);
    Ok(updates)
}

/// Works out the new .env for these settings (a bad file or value is exit 2, nothing touched).
pub fn prepare(settings: &Settings) -> Result<PendingWrite> {
    PendingWrite::prepare(&settings.env_file, &updates(settings)?)
}

/// What the env step will say it is going to do (for --dry-run and the question).
pub fn intent(pending: &PendingWrite) -> String {
    let path = pending.path.display();
    if pending.changes_text() {
        format!("{path} would get the REDIS_* settings of this Redis")
    } else if pending.tightens_mode() {
        format!("{path} holds them already; its mode would become 0600")
    } else {
        format!("{path} holds these settings already: unchanged")
    }
}

/// Writes .env (unless Ctrl-C came first) and records the step.
pub fn commit(journal: &mut Journal, pending: &PendingWrite) -> Result<(), Halt> {
    let path = pending.path.display().to_string();
    if crate::interrupt::interrupted() {
        journal.note(Step::new(
            "env",
            CheckStatus::Skip,
            format!("interrupted: {path} was left as it was"),
        ));
        return Err(Halt::Reported(Kind::Interrupted));
    }
    let progress = journal.start(&format!("recording the settings in {path}"));
    let text_changed = pending.changes_text();
    let written = match pending.commit() {
        Ok(written) => written,
        Err(err) => return Err(journal.fail(progress, "env", &err)),
    };
    let mode = if pending.holds_password {
        format!(" (mode {SECRET_MODE:o}: it holds a password)")
    } else {
        String::new()
    };
    let detail = match (written, text_changed) {
        (false, _) => format!("{path} unchanged: it already holds these settings"),
        (true, true) if pending.existed => format!("{path} updated{mode}"),
        (true, true) => format!("{path} written{mode}"),
        (true, false) => format!("{path} unchanged; its mode is now {SECRET_MODE:o}"),
    };
    let exposure = pending
        .holds_password
        .then(|| git_exposure(&pending.path))
        .flatten();
    let step = match exposure {
        None => Step::new("env", CheckStatus::Pass, detail),
        Some(GitExposure::Tracked) => Step::new(
            "env",
            CheckStatus::Warn,
            format!("{detail}; git tracks this file, so the password would be committed"),
        )
        .hint(format!(
            "stop tracking it: `git rm --cached {path}` and add it to .gitignore"
        )),
        Some(GitExposure::NotIgnored) => Step::new(
            "env",
            CheckStatus::Warn,
            format!(
                "{detail}; git does not ignore this file, so `git add .` would commit the password"
            ),
        )
        .hint(format!("add {} to .gitignore", file_name(&pending.path))),
    };
    if crate::interrupt::interrupted() {
        // Ctrl-C came while the file was written (the write itself is never left half-done)
        // or checked: it holds the new settings, and the run ends as interrupted, saying so.
        let what = match written {
            true => format!("interrupted after {path} was written: it holds the new settings"),
            false => format!("interrupted: {path} was left as it was"),
        };
        journal.finish(progress, Step::new("env", CheckStatus::Warn, what));
        return Err(Halt::Reported(Kind::Interrupted));
    }
    journal.finish(progress, step);
    Ok(())
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".env".into())
}
