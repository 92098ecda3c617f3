//! The app's `.env`, as the app reads it: what `setup` writes is read back exactly by every
//! loader the app may use (python-dotenv old and new, dotenvy, Node's dotenv, docker compose),
//! run for real on the file (harness/loaders.rs), and the app's own client logs in with it; a
//! password no form carries is refused before anything changes, and the refusal is earned
//! (every way of writing it is misread by some loader). imcache reads a hand-written file as
//! the app does; an edit made while setup runs is merged or stops the write; a symlink to
//! nowhere is refused.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde::Deserialize;

use crate::harness::loaders::{APP_HOME, Reading, app_logs_in, read_everywhere};
use crate::harness::{Imcache, RedisServer, Run};
use crate::setup::fakes::FakeDocker;

/// The passwords with which the app got another password than imcache verified (an earlier
/// imcache wrote them), and more of their kind.
const HARD: [&str; 30] = [
    "dollar${HOME}x",
    "Pa$$w0rd${x}!",
    "two\\\\back",
    "it's$ecret",
    "pa$word",
    "p@ss w0rd",
    "#hash",
    "a #b",
    " lead and trail ",
    "quo\"te",
    "it's",
    "it's \"both\"",
    "back\\slash",
    "ends\\",
    "{braces}",
    "$",
    "${",
    "${x",
    "$$",
    "`tick`",
    "ünï cödé ✓",
    "tab\there",
    "=eq=",
    "!bang&amp;|<>",
    "a'b\\c",
    "%41%",
    "colon:-dash}",
    "${HOME:-x}",
    "'single'",
    "\"double\"",
];

#[derive(Debug, Deserialize)]
struct ErrorDoc {
    ok: bool,
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    kind: String,
    message: String,
}

fn env_file(dir: &Path) -> PathBuf {
    dir.join(".env")
}

/// The test user's password, for the hard list; `nopass` (any password) for the random ones.
fn set_app_password(server: &RedisServer, password: Option<&str>) {
    let rule = match password {
        Some(password) => format!(">{password}"),
        None => "nopass".to_string(),
    };
    server.query::<()>(&[
        "ACL", "SETUSER", "app", "reset", "on", &rule, "~*", "&*", "+@all",
    ]);
}

/// `setup cloud` for the server's `app` user with `password`, writing `dir/.env`.
fn setup_with(server: &RedisServer, dir: &Path, password: &str) -> Run {
    Imcache::new()
        .dir(dir)
        .env("REDIS_PASSWORD", password)
        .env("HOME", APP_HOME)
        .args([
            "setup",
            "cloud",
            "-H",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
        ])
        .args(["--user", "app", "--yes", "--json"])
        .run()
}

/// The forms a refused password could be written in: as is, in each quote, with each
/// loader's escapes.
fn candidate_forms(password: &str) -> Vec<String> {
    let escaped_double = password
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$");
    let escaped_single = password.replace('\\', "\\\\").replace('\'', "\\'");
    let compose_dollars = password.replace('$', "$$");
    vec![
        password.to_string(),
        format!("'{password}'"),
        format!("\"{password}\""),
        format!("\"{escaped_double}\""),
        format!("'{escaped_single}'"),
        compose_dollars.clone(),
        format!("\"{compose_dollars}\""),
    ]
}

/// The loaders that read `key` from a file as something other than `expected`.
fn misreaders(
    readings: &[(&'static str, Vec<Reading>)],
    index: usize,
    key: &str,
    expected: &str,
) -> Vec<&'static str> {
    readings
        .iter()
        .filter(|(_, per_file)| {
            per_file[index]
                .as_ref()
                .and_then(|values| values.get(key))
                .map(String::as_str)
                != Some(expected)
        })
        .map(|(name, _)| *name)
        .collect()
}

/// A refused password: exit 2 with its reason, nothing written, the password not shown, and
/// every way of writing it misread by at least one loader (the refusal is earned).
fn assert_refusal_is_earned(run: &Run, dir: &Path, password: &str) {
    let doc: ErrorDoc = run.json();
    assert!(!doc.ok && doc.error.kind == "usage", "{doc:?}");
    assert!(
        doc.error
            .message
            .starts_with("REDIS_PASSWORD: the value holds"),
        "{}",
        doc.error.message
    );
    if password.len() >= 4 {
        assert!(!run.stdout.contains(password) && !run.stderr.contains(password));
    }
    assert!(!env_file(dir).exists(), "a refused password writes nothing");
    let forms = candidate_forms(password);
    let files: Vec<PathBuf> = forms
        .iter()
        .enumerate()
        .map(|(i, form)| {
            let path = dir.join(format!("candidate{i}.env"));
            std::fs::write(&path, format!("REDIS_PASSWORD={form}\n")).unwrap();
            path
        })
        .collect();
    let readings = read_everywhere(&files);
    for (i, form) in forms.iter().enumerate() {
        let wrong = misreaders(&readings, i, "REDIS_PASSWORD", password);
        assert!(
            !wrong.is_empty(),
            "{password:?} written as {form} reads back right everywhere: the refusal is not earned"
        );
        if password.contains("${") && password.contains('}') {
            assert!(
                wrong.contains(&"python-dotenv 1.2.4"),
                "{password:?} as {form}: python-dotenv reads it right, so `${{` is not the reason"
            );
        }
    }
}

#[test]
fn setup_writes_the_hard_passwords_so_every_loader_reads_them_and_the_app_logs_in() {
    let server = RedisServer::start();
    let mut refused = Vec::new();
    for password in HARD {
        let dir = tempfile::tempdir().unwrap();
        set_app_password(&server, Some(password));
        let run = setup_with(&server, dir.path(), password);
        if run.code == 2 {
            assert_refusal_is_earned(&run, dir.path(), password);
            refused.push(password);
            continue;
        }
        let run = run.success();
        if password.len() >= 4 {
            run.never_shows(password);
        }
        let file = env_file(dir.path());
        let readings = read_everywhere(std::slice::from_ref(&file));
        let wrong = misreaders(&readings, 0, "REDIS_PASSWORD", password);
        assert!(
            wrong.is_empty(),
            "{password:?}: {wrong:?} read another password from\n{}",
            std::fs::read_to_string(&file).unwrap()
        );
        assert!(app_logs_in(&file), "{password:?}: the app cannot log in");
    }
    // The four first seen in the field, and the other kinds no form carries.
    for expected in [
        "dollar${HOME}x",
        "Pa$$w0rd${x}!",
        "two\\\\back",
        "it's$ecret",
        "ends\\",
        "${HOME:-x}",
    ] {
        assert!(refused.contains(&expected), "{expected:?} was not refused");
    }
    assert!(refused.len() <= 10, "too much refused: {refused:?}");
}

fn hostile_password() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9]",
            3 => prop::sample::select(vec![
                "$", "{", "}", "\\", "'", "\"", "#", " ", "\t", "`", ":-", "=", "!", "%", "é",
                "✓", "\u{a0}", "@", ";", "&", "\u{1}", "\u{7f}", "\u{85}", "\u{2028}", "\u{b}",
                "\u{c}", "\u{feff}", "\u{1f}",
            ])
            .prop_map(str::to_string),
        ],
        1..16,
    )
    .prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]
    /// Random hostile passwords through the real setup: each is either read back exactly by
    /// every loader or refused with a refusal every loader's misreading earns.
    #[test]
    fn random_passwords_are_read_back_by_every_loader_or_refused(
        passwords in prop::collection::vec(hostile_password(), 16),
    ) {
        let server = RedisServer::start();
        set_app_password(&server, None);
        let root = tempfile::tempdir().unwrap();
        let mut written = Vec::new();
        for (i, password) in passwords.iter().enumerate() {
            let dir = root.path().join(i.to_string());
            std::fs::create_dir(&dir).unwrap();
            let run = setup_with(&server, &dir, password);
            if run.code == 2 {
                assert_refusal_is_earned(&run, &dir, password);
            } else {
                run.success();
                written.push((env_file(&dir), password.clone()));
            }
        }
        let files: Vec<PathBuf> = written.iter().map(|(f, _)| f.clone()).collect();
        let readings = read_everywhere(&files);
        for (i, (file, password)) in written.iter().enumerate() {
            let wrong = misreaders(&readings, i, "REDIS_PASSWORD", password);
            prop_assert!(
                wrong.is_empty(),
                "{:?}: {:?} misread\n{}",
                password,
                wrong,
                std::fs::read_to_string(file).unwrap()
            );
        }
    }
}

#[test]
fn a_hand_written_env_is_read_as_the_app_reads_it_with_a_notice_where_imcache_used_to_differ() {
    let server = RedisServer::builder().password("pa$word").start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(env_file(dir.path()), "REDIS_PASSWORD=pa$word\n").unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .args(["verify", "-p", &server.port.to_string()])
        .run()
        .success()
        .stderr_has(".env:1: REDIS_PASSWORD reads differently in python-dotenv (the app's loader)")
        .stderr_has("imcache uses python-dotenv's reading")
        .never_shows("pa$word");
    assert!(!run.stderr.contains("word"), "{}", run.stderr);
    // doctor's settings check says it too.
    let run = Imcache::new()
        .dir(dir.path())
        .args(["doctor", "-p", &server.port.to_string(), "--json"])
        .run()
        .never_shows("pa$word");
    let doc: serde_json::Value = run.json();
    let settings = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "settings")
        .unwrap();
    assert_eq!(settings["status"], "warn", "{settings}");
    assert!(
        settings["detail"]
            .as_str()
            .unwrap()
            .contains("reads differently")
    );
    // python-dotenv expands ${HOME} even in single quotes: so does imcache now.
    let server = RedisServer::builder().password("dollar/home/appx").start();
    std::fs::write(env_file(dir.path()), "REDIS_PASSWORD='dollar${HOME}x'\n").unwrap();
    Imcache::new()
        .dir(dir.path())
        .env("HOME", APP_HOME)
        .args(["verify", "-p", &server.port.to_string()])
        .run()
        .success();
}

fn docker_setup_with_run_body(body: &str, dir: &Path) -> (FakeDocker, Run) {
    let docker = FakeDocker::with_run_body(body);
    let run = crate::setup::docker_setup(&docker, dir, crate::harness::free_port())
        .args(["--yes", "--json"])
        .run();
    (docker, run)
}

#[test]
fn a_line_added_while_setup_runs_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = env_file(dir.path());
    std::fs::write(&path, "APP_ENV=dev\nREDIS_HOST=old\n").unwrap();
    // Another tool writes the file while the container starts.
    let body = format!("printf 'ADDED_MEANWHILE=1\\n' >> '{}'", path.display());
    let (_docker, run) = docker_setup_with_run_body(&body, dir.path());
    run.success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("APP_ENV=dev\nREDIS_HOST=127.0.0.1\n"),
        "{text}"
    );
    assert!(
        text.contains("ADDED_MEANWHILE=1\n"),
        "the added line was lost:\n{text}"
    );
}

#[test]
fn a_redis_line_changed_while_setup_runs_stops_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = env_file(dir.path());
    std::fs::write(&path, "APP_ENV=dev\nREDIS_HOST=old\n").unwrap();
    let body = format!(
        "printf 'APP_ENV=dev\\nREDIS_HOST=chosen-by-hand\\n' > '{}'",
        path.display()
    );
    let (_docker, run) = docker_setup_with_run_body(&body, dir.path());
    let run = run.code(1);
    assert!(
        run.stdout
            .contains("changed while setup was running: its REDIS_HOST line was edited"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "APP_ENV=dev\nREDIS_HOST=chosen-by-hand\n"
    );
}

#[test]
fn a_symlink_to_nowhere_is_exit_2_and_nothing_is_created_behind_it() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let link = env_file(dir.path());
    std::os::unix::fs::symlink("config/app.env", &link).unwrap();
    let run = setup_with(&server, dir.path(), "").code(2);
    let doc: ErrorDoc = run.json();
    assert!(
        doc.error
            .message
            .contains(".env is a symlink that points at a file that does not exist"),
        "{doc:?}"
    );
    assert!(!dir.path().join("config").exists());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
