//! `imcache tune` on real files and real servers: Debian's own redis.conf (then a redis-server
//! started on the result), small configs for each editing rule, bad input for every flag,
//! read-only files and folders, symlinks, `--live` with and without a server config file, and
//! Ctrl-C. JSON is read back with serde.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::harness::{Imcache, RedisServer, free_port};

const DEBIAN_CONF: &str = "/etc/redis/redis.conf";
const GUIDE_SAVE: &str = "900 1 300 10 60 10000";

#[derive(Debug, Deserialize)]
struct Doc {
    ok: bool,
    file: Option<String>,
    backup: Option<String>,
    live: Option<LiveDoc>,
    changes: Vec<ChangeDoc>,
    dry_run: bool,
    diff: Option<String>,
    warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LiveDoc {
    target: String,
    config_file: Option<String>,
    applied: bool,
    persisted: Option<String>,
    changes: Vec<ChangeDoc>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct ChangeDoc {
    directive: String,
    old: Option<String>,
    new: String,
}

impl Doc {
    fn directives(&self) -> Vec<&str> {
        self.changes.iter().map(|c| c.directive.as_str()).collect()
    }
}

/// A folder holding `redis.conf` with these contents.
fn config_with(contents: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redis.conf");
    fs::write(&path, contents).unwrap();
    (dir, path)
}

fn debian_copy() -> (tempfile::TempDir, PathBuf) {
    config_with(&fs::read(DEBIAN_CONF).expect("redis-server is installed (.ci/run installs it)"))
}

fn tune(config: &Path) -> Imcache {
    Imcache::new().args(["tune", "--config"]).arg(config)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn config_get(server: &RedisServer, name: &str) -> String {
    let reply: Vec<String> = server.query(&["CONFIG", "GET", name]);
    reply[1].clone()
}

/// The lines a unified diff adds and removes (headers left out).
fn diff_lines(diff: &str) -> (Vec<&str>, Vec<&str>) {
    let added = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .map(|l| &l[1..])
        .collect();
    let removed = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .map(|l| &l[1..])
        .collect();
    (added, removed)
}

fn tune_debian_and_run_it(profile: &str, expect_save: &str) {
    let (dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    let run = tune(&path)
        .args(["--profile", profile, "--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert!(doc.ok);
    assert_eq!(doc.directives(), ["maxmemory", "maxmemory-policy", "save"]);
    assert!(doc.changes.iter().all(|c| c.old.is_none()), "{doc:?}");
    let backup = PathBuf::from(doc.backup.as_deref().unwrap());
    assert_eq!(
        fs::read(&backup).unwrap(),
        original,
        "the backup is the original"
    );

    let new_save: Vec<String> = if expect_save.is_empty() {
        vec!["save \"\"".into()]
    } else {
        ["save 900 1", "save 300 10", "save 60 10000"]
            .map(String::from)
            .to_vec()
    };
    let (added, removed) = diff_lines(doc.diff.as_deref().unwrap());
    assert!(removed.is_empty(), "nothing removed: {removed:?}");
    let mut expected = vec![
        "maxmemory 256mb".to_string(),
        "maxmemory-policy allkeys-lru".into(),
    ];
    expected.splice(0..0, new_save.clone());
    assert_eq!(added, expected, "only the three directives are added");

    // Every original line is still there, in order, once the added lines are taken out.
    let tuned = fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = tuned
        .lines()
        .filter(|l| !expected.iter().any(|e| e == l))
        .collect();
    assert_eq!(
        kept,
        String::from_utf8(original)
            .unwrap()
            .lines()
            .collect::<Vec<_>>()
    );
    let after = |example: &str, line: &str| {
        let at = tuned.find(&format!("{example}\n")).unwrap() + example.len() + 1;
        assert!(tuned[at..].starts_with(line), "{line} follows {example}");
    };
    after("# maxmemory <bytes>", "maxmemory 256mb\n");
    after(
        "# maxmemory-policy noeviction",
        "maxmemory-policy allkeys-lru\n",
    );
    after(
        "# save 3600 1 300 100 60 10000",
        &format!("{}\n", new_save[0]),
    );

    let server = RedisServer::builder().existing_config(&path).start();
    assert_eq!(config_get(&server, "maxmemory"), "268435456");
    assert_eq!(config_get(&server, "maxmemory-policy"), "allkeys-lru");
    assert_eq!(config_get(&server, "save"), expect_save);
    drop(server);

    let again: Doc = tune(&path)
        .args(["--profile", profile, "--yes", "--json"])
        .run()
        .success()
        .json();
    assert!(again.changes.is_empty() && again.backup.is_none() && again.diff.is_none());
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        tuned,
        "a second run is a no-op"
    );
    assert_eq!(names_in(dir.path()), ["redis.conf", "redis.conf.bak"]);
}

#[test]
fn debian_redis_conf_prod_runs_with_the_guide_values() {
    tune_debian_and_run_it("prod", GUIDE_SAVE);
}

#[test]
fn debian_redis_conf_dev_runs_without_persistence() {
    tune_debian_and_run_it("dev", "");
}

#[test]
fn a_second_run_says_nothing_changed() {
    let (_dir, path) = debian_copy();
    tune(&path).arg("--yes").run().success();
    tune(&path)
        .arg("--yes")
        .run()
        .success()
        .stdout_has("already has maxmemory 256mb, maxmemory-policy allkeys-lru, save 900 1")
        .stdout_has("nothing to change");
}

#[test]
fn missing_directives_are_appended_and_flags_override_the_profile() {
    let (_dir, path) = config_with(b"port 6379\nbind 127.0.0.1");
    let doc: Doc = tune(&path)
        .args([
            "--profile",
            "dev",
            "--maxmemory",
            "64MB",
            "--policy",
            "ALLKEYS-LFU",
        ])
        .args(["--save", "60 100", "--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.changes[0].new, "64mb");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "port 6379\nbind 127.0.0.1\nmaxmemory 64mb\nmaxmemory-policy allkeys-lfu\nsave 60 100\n"
    );
}

#[test]
fn duplicates_and_upper_case_names_become_one_line_in_place() {
    let (_dir, path) = config_with(
        b"MAXMEMORY 1gb\nsave 3600 1\nport 1\nmaxmemory 2gb\nSave 300 100\nMaxmemory-Policy noeviction\n",
    );
    let doc: Doc = tune(&path).args(["--yes", "--json"]).run().success().json();
    assert_eq!(
        doc.changes,
        [
            ChangeDoc {
                directive: "maxmemory".into(),
                old: Some("2gb".into()),
                new: "256mb".into()
            },
            ChangeDoc {
                directive: "maxmemory-policy".into(),
                old: Some("noeviction".into()),
                new: "allkeys-lru".into()
            },
            ChangeDoc {
                directive: "save".into(),
                old: Some("3600 1 300 100".into()),
                new: GUIDE_SAVE.into()
            },
        ]
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "maxmemory 256mb\nsave 900 1\nsave 300 10\nsave 60 10000\nport 1\nmaxmemory-policy allkeys-lru\n"
    );
}

#[test]
fn crlf_quotes_and_comments_are_kept_byte_for_byte() {
    let text = b"# my cache\r\nrequirepass \"s3 cr#t\"\r\nmaxmemory '1gb'\r\n\r\n# maxmemory-policy noeviction\r\nlogfile \"\"\r\n";
    let (_dir, path) = config_with(text);
    tune(&path)
        .args(["--profile", "dev", "--yes"])
        .run()
        .success();
    assert_eq!(
        fs::read(&path).unwrap(),
        b"# my cache\r\nrequirepass \"s3 cr#t\"\r\nmaxmemory 256mb\r\n\r\n# maxmemory-policy noeviction\r\n\
          maxmemory-policy allkeys-lru\r\nlogfile \"\"\r\nsave \"\"\r\n"
    );
}

#[test]
fn a_password_next_to_a_tuned_line_never_shows_in_the_diff() {
    let (_dir, path) =
        config_with(b"requirepass hunter2-horse\nmaxmemory 1gb\nmasterauth hunter2-horse\n");
    tune(&path)
        .arg("--dry-run")
        .run()
        .success()
        .stdout_has("requirepass ****")
        .never_shows("hunter2");
    tune(&path)
        .args(["--dry-run", "--json"])
        .run()
        .success()
        .never_shows("hunter2");
    tune(&path)
        .arg("--yes")
        .run()
        .success()
        .never_shows("hunter2");
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .starts_with("requirepass hunter2-horse\n")
    );
}

#[test]
fn an_include_after_a_tuned_line_is_warned_about() {
    let (_dir, path) = config_with(b"maxmemory 1gb\ninclude /etc/redis/local.conf\n");
    let run = tune(&path).args(["--yes", "--json"]).run().success();
    let doc: Doc = run.json();
    assert!(
        doc.warnings.iter().any(
            |w| w.contains("include /etc/redis/local.conf") && w.contains("maxmemory (line 1)")
        ),
        "{:?}",
        doc.warnings
    );
    let run = run.stderr_has("can set it again");
    assert!(
        !run.stderr.contains("maxmemory-policy (line"),
        "appended lines come after the include"
    );
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("include /etc/redis/local.conf\n")
    );
}

#[test]
fn bad_input_for_every_flag_exits_2_and_leaves_the_file_alone() {
    let (dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--maxmemory", "1.5gb"], "--maxmemory"),
        (&["--maxmemory", "-1mb"], "--maxmemory"),
        (&["--maxmemory", "256 mb"], "--maxmemory"),
        (&["--maxmemory", ""], "--maxmemory"),
        (&["--maxmemory", "1tb"], "--maxmemory"),
        (&["--maxmemory", "99999999999gb"], "--maxmemory"),
        (&["--policy", "lru"], "--policy"),
        (&["--save", "900"], "--save"),
        (&["--save", "0 1"], "--save"),
        (&["--save", "900 1.5"], "--save"),
        (&["--save", ""], "--save"),
        (&["--save", "900 1", "--no-save"], "--save"),
        (&["--profile", "staging"], "--profile"),
    ];
    for (flags, named) in cases {
        let run = tune(&path).args(*flags).arg("--yes").run().code(2);
        assert!(
            run.stderr.contains(named),
            "{flags:?}: stderr does not name {named}: {}",
            run.stderr
        );
        assert_eq!(
            fs::read(&path).unwrap(),
            original,
            "{flags:?} changed the file"
        );
    }
    let doc: serde_json::Value = tune(&path)
        .args(["--maxmemory", "lots", "--yes", "--json"])
        .run()
        .code(2)
        .json();
    assert_eq!(doc["ok"], false);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--maxmemory")
    );
    assert_eq!(
        names_in(dir.path()),
        ["redis.conf"],
        "no backup, no temp file"
    );
}

#[test]
fn a_target_is_required_and_must_be_a_file() {
    Imcache::new()
        .args(["tune", "--yes"])
        .run()
        .code(2)
        .stderr_has("--config")
        .stderr_has("--live");
    let dir = tempfile::tempdir().unwrap();
    tune(&dir.path().join("nope.conf"))
        .arg("--yes")
        .run()
        .code(2)
        .stderr_has("no such file");
    tune(dir.path())
        .arg("--yes")
        .run()
        .code(2)
        .stderr_has("not a file");
}

#[test]
fn dry_run_shows_the_diff_and_changes_nothing() {
    let (dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    let run = tune(&path)
        .arg("--dry-run")
        .env("NO_COLOR", "1")
        .run()
        .success();
    let run = run
        .stdout_has("+maxmemory 256mb")
        .stdout_has("dry run: nothing was changed");
    assert!(!run.stdout.contains('\u{1b}'));
    let doc: Doc = tune(&path)
        .args(["--dry-run", "--json"])
        .run()
        .success()
        .json();
    assert!(doc.dry_run && doc.backup.is_none() && doc.changes.len() == 3);
    assert!(doc.diff.unwrap().contains("+maxmemory-policy allkeys-lru"));
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
}

#[test]
fn without_a_terminal_yes_is_needed() {
    let (_dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    let run = tune(&path).run().code(2).stderr_has("--yes is needed");
    assert!(
        run.stdout.is_empty(),
        "nothing is shown before the refusal: {}",
        run.stdout
    );
    assert_eq!(fs::read(&path).unwrap(), original);
}

#[test]
fn a_read_only_file_or_folder_is_refused_and_left_as_it_was() {
    let (dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    tune(&path)
        .arg("--yes")
        .run()
        .code(1)
        .stderr_has("read-only");
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(names_in(dir.path()), ["redis.conf"]);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let run = tune(&path).arg("--yes").run();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    run.code(1).stderr_has("folder").stderr_has("read-only");
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
}

#[test]
fn mode_owner_and_symlink_are_kept() {
    let (dir, real) = config_with(b"port 6379\n");
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&real, Some(65534), Some(65534)).unwrap();
    let link = dir.path().join("link.conf");
    std::os::unix::fs::symlink("redis.conf", &link).unwrap();
    let doc: Doc = tune(&link).args(["--yes", "--json"]).run().success().json();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&real)
            .unwrap()
            .contains("maxmemory 256mb")
    );
    let meta = fs::metadata(&real).unwrap();
    assert_eq!(
        (meta.mode() & 0o777, meta.uid(), meta.gid()),
        (0o640, 65534, 65534)
    );
    assert_eq!(
        doc.backup.as_deref(),
        Some(dir.path().join("redis.conf.bak").to_str().unwrap())
    );
    assert_eq!(
        fs::read(dir.path().join("redis.conf.bak")).unwrap(),
        b"port 6379\n"
    );
}

#[test]
fn a_policy_that_cannot_evict_and_an_unwritable_dir_are_warned_about() {
    let snapshots = tempfile::tempdir().unwrap();
    fs::set_permissions(snapshots.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let text = format!("dir {}\n", snapshots.path().display());
    let (_dir, path) = config_with(text.as_bytes());
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    let doc: Doc = tune(&path)
        .args(["--policy", "noeviction", "--dry-run", "--json"])
        .run()
        .success()
        .json();
    let all = doc.warnings.join("\n");
    assert!(all.contains("noeviction") && all.contains("OOM"), "{all}");
    assert!(
        all.contains("not writable by uid 65534") && all.contains("MISCONF"),
        "{all}"
    );
    let doc: Doc = tune(&path)
        .args(["--profile", "dev", "--dry-run", "--json"])
        .run()
        .success()
        .json();
    assert!(
        doc.warnings.is_empty(),
        "no snapshots, a policy that evicts: {:?}",
        doc.warnings
    );
}

fn live(server: &RedisServer) -> Imcache {
    Imcache::new().server(server).args(["tune", "--live"])
}

#[test]
fn live_sets_reads_back_and_rewrites_the_servers_config_file() {
    let server = RedisServer::start();
    let doc: Doc = live(&server)
        .args(["--yes", "--json"])
        .run()
        .success()
        .json();
    let shown = doc.live.unwrap();
    assert!(shown.applied && doc.file.is_none());
    assert_eq!(shown.persisted.as_deref(), Some("config_rewrite"));
    assert_eq!(
        shown.config_file.as_deref(),
        server.config.as_ref().unwrap().to_str()
    );
    assert_eq!(shown.target, format!("redis://127.0.0.1:{}/0", server.port));
    assert_eq!(shown.changes[0].old.as_deref(), Some("0"));
    assert_eq!(
        doc.changes, shown.changes,
        "without --config the changes are the server's"
    );
    assert_eq!(config_get(&server, "maxmemory"), "268435456");
    assert_eq!(config_get(&server, "maxmemory-policy"), "allkeys-lru");
    assert_eq!(config_get(&server, "save"), GUIDE_SAVE);
    let rewritten = fs::read_to_string(server.config.as_ref().unwrap()).unwrap();
    assert!(
        rewritten.contains("maxmemory 256mb") && rewritten.contains("maxmemory-policy allkeys-lru")
    );

    let again: Doc = live(&server)
        .args(["--yes", "--json"])
        .run()
        .success()
        .json();
    let shown = again.live.unwrap();
    assert!(shown.changes.is_empty() && !shown.applied && shown.persisted.is_none());
}

#[test]
fn live_without_a_config_file_says_the_change_lasts_until_restart() {
    let server = RedisServer::builder().without_config_file().start();
    let run = live(&server)
        .args(["--profile", "dev", "--maxmemory", "10mb", "--yes"])
        .env("NO_COLOR", "1")
        .run()
        .success()
        .stdout_has("lasts until it restarts")
        .stdout_has("--maxmemory 10mb --maxmemory-policy allkeys-lru --save ''")
        .stdout_has("imcache tune --config");
    assert!(!run.stdout.contains('\u{1b}'));
    assert_eq!(config_get(&server, "maxmemory"), "10485760");
    assert_eq!(config_get(&server, "save"), "");
    let doc: Doc = live(&server)
        .args(["--maxmemory", "20mb", "--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        doc.live.unwrap().persisted.as_deref(),
        Some("until_restart")
    );
}

#[test]
fn config_and_live_on_the_servers_own_file_edit_it_once() {
    let (_dir, path) = debian_copy();
    let server = RedisServer::builder().existing_config(&path).start();
    let doc: Doc = live(&server)
        .arg("--config")
        .arg(&path)
        .args(["--profile", "dev", "--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        doc.live.unwrap().persisted.as_deref(),
        Some("config_file_edited")
    );
    assert!(doc.backup.is_some());
    assert_eq!(config_get(&server, "maxmemory-policy"), "allkeys-lru");
    assert_eq!(config_get(&server, "save"), "");
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("Generated by CONFIG REWRITE"),
        "no CONFIG REWRITE on our own edit"
    );
    assert!(text.contains("\nsave \"\"\n"));
}

#[test]
fn live_dry_run_changes_nothing_on_the_server() {
    let server = RedisServer::start();
    let doc: Doc = live(&server)
        .args(["--dry-run", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.live.unwrap().changes.len(), 3);
    assert_eq!(config_get(&server, "maxmemory"), "0");
}

#[test]
fn an_unreachable_server_or_a_wrong_password_changes_nothing() {
    let (dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    let port = free_port().to_string();
    Imcache::new()
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "tune",
            "--live",
            "--yes",
            "--config",
        ])
        .arg(&path)
        .run()
        .code(3);
    let server = RedisServer::builder().password("right-horse").start();
    live(&server)
        .arg("--config")
        .arg(&path)
        .arg("--yes")
        .env("REDIS_PASSWORD", "wrong-battery")
        .run()
        .code(4)
        .never_shows("wrong-battery");
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
}

#[test]
fn ctrl_c_exits_130_with_the_file_intact_and_no_temp_file() {
    let (dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    let mut server = RedisServer::start();
    server.pause();
    let mut child = std::process::Command::new(crate::harness::cmd::BIN)
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "--timeout",
            "30s",
        ])
        .args(["tune", "--live", "--yes", "--config"])
        .arg(&path)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill with our own child's pid and a valid signal number.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "tune did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
    server.resume();
}
