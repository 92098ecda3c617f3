//! Nothing is touched on bad input; read-only files and folders are refused; mode, owner and
//! symlinks are kept; Ctrl-C leaves the original; the temp file of a killed tune is cleaned up;
//! identical scattered save lines are moved, not changed.

use super::*;

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
fn ctrl_c_exits_130_with_the_file_intact_and_no_temp_file() {
    let (dir, path) = debian_copy();
    let original = fs::read(&path).unwrap();
    let mut server = RedisServer::start();
    server.pause();
    let running = crate::harness::Imcache::new()
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
        .kill_after(Duration::from_secs(10))
        .spawn();
    running.wait_for_handler();
    running.signal(libc::SIGINT);
    let run = running.wait();
    let stderr = run.stderr;
    assert_eq!(run.code, 130, "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
    server.resume();
}

#[test]
fn the_temp_file_of_a_killed_tune_is_removed_by_the_next_tune_and_said_so() {
    let (dir, path) = config_with(b"port 6379\n");
    let pid = dead_pid();
    let stale = dir
        .path()
        .join(format!(".redis.conf.imcache-{pid}-1a2b3c4d.tmp"));
    fs::write(&stale, "port 63").unwrap();
    let doc: Doc = tune(&path)
        .args(["--dry-run", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.stale_temp_files.len(), 1);
    let found = &doc.stale_temp_files[0];
    assert_eq!(
        (found.path.as_str(), found.pid),
        (stale.to_str().unwrap(), pid)
    );
    assert!(
        !found.removed && stale.exists(),
        "a dry run changes nothing"
    );
    let run = tune(&path)
        .arg("--yes")
        .env("NO_COLOR", "1")
        .run()
        .success();
    run.stdout_has(&format!(
        "removed {}, left by a tune (pid {pid}) that was killed",
        stale.display()
    ));
    assert!(!stale.exists());
    assert_eq!(names_in(dir.path()), ["redis.conf", "redis.conf.bak"]);
    // A live writer's temp file is left alone, and so is a run with nothing to change.
    let live = dir.path().join(format!(
        ".redis.conf.imcache-{}-1a2b3c4d.tmp",
        std::process::id()
    ));
    fs::write(&live, "x").unwrap();
    let doc: Doc = tune(&path).args(["--yes", "--json"]).run().success().json();
    assert!(doc.stale_temp_files.is_empty() && live.exists());
}

#[test]
fn identical_scattered_save_lines_are_moved_not_changed() {
    let (_dir, path) = config_with(b"save 900 1\nport 6379\nsave 300 10\nsave 60 10000\n");
    let run = tune(&path)
        .args(["--save", GUIDE_SAVE, "--yes"])
        .env("NO_COLOR", "1")
        .run()
        .success()
        .stdout_has("save  unchanged; its lines (1, 3, 4) moved into one block at line 1");
    assert!(
        !run.stdout
            .contains(&format!("{GUIDE_SAVE} -> {GUIDE_SAVE}")),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "save 900 1\nsave 300 10\nsave 60 10000\nport 6379\n"
    );
    let (_dir, path) = config_with(b"save 900 1\nport 6379\nsave 300 10\nsave 60 10000\n");
    let doc: Doc = tune(&path)
        .args(["--save", GUIDE_SAVE, "--yes", "--json"])
        .run()
        .success()
        .json();
    assert!(doc.changes.is_empty(), "{:?}", doc.changes);
    assert_eq!(
        doc.moved,
        [MovedDoc {
            directive: "save".into(),
            file: path.display().to_string(),
            lines: vec![1, 3, 4],
            line: 1
        }]
    );
    assert_loads(&path, &[("save", GUIDE_SAVE)]);
}
