//! Include trees, resolved as redis-server resolves them: the value that wins is edited where it
//! lives (with `--config` naming that file too), or tune refuses and names it; `--live` says the
//! change survives a restart only when the whole tree holds it.

use super::*;

/// Debian's redis.conf with `include DIR/tuning.conf` at the end, and that file, in a temp dir.
fn debian_with_tuning_include(tuning: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, main) = debian_copy();
    let include = dir.path().join("tuning.conf");
    fs::write(&include, tuning).unwrap();
    let mut text = fs::read_to_string(&main).unwrap();
    text.push_str(&format!("include {}\n", include.display()));
    fs::write(&main, text).unwrap();
    (dir, main, include)
}

#[test]
fn a_later_include_that_sets_the_value_is_named_and_nothing_changes() {
    let (dir, main, include) =
        debian_with_tuning_include("maxmemory 1gb\nmaxmemory-policy volatile-ttl\n");
    let before = (fs::read(&main).unwrap(), fs::read(&include).unwrap());
    let lines = fs::read_to_string(&main).unwrap().lines().count();
    let run = tune(&main).arg("--yes").run().code(1);
    let expected = format!(
        "{}:1 (included at {}:{lines}) sets maxmemory 1gb",
        include.display(),
        main.display()
    );
    let run = run
        .stderr_has(&expected)
        .stderr_has("nothing was changed")
        .stderr_has(&format!("add --config {}", include.display()));
    assert!(!run.stdout.contains("wrote"), "{}", run.stdout);
    assert_eq!(
        (fs::read(&main).unwrap(), fs::read(&include).unwrap()),
        before
    );
    assert_eq!(names_in(dir.path()), ["redis.conf", "tuning.conf"]);
}

#[test]
fn naming_the_include_edits_it_with_its_own_backup_and_diff() {
    let (dir, main, include) =
        debian_with_tuning_include("maxmemory 1gb\nmaxmemory-policy volatile-ttl\n");
    let doc: Doc = tune(&main)
        .arg("--config")
        .arg(&include)
        .args(["--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        doc.changes,
        [
            ChangeDoc {
                directive: "maxmemory".into(),
                old: Some("1gb".into()),
                new: "256mb".into()
            },
            ChangeDoc {
                directive: "maxmemory-policy".into(),
                old: Some("volatile-ttl".into()),
                new: "allkeys-lru".into()
            },
            ChangeDoc {
                directive: "save".into(),
                old: None,
                new: GUIDE_SAVE.into()
            },
        ]
    );
    let paths: Vec<&str> = doc.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, [main.to_str().unwrap(), include.to_str().unwrap()]);
    let include_doc = &doc.files[1];
    assert_eq!(
        fs::read_to_string(include_doc.backup.as_deref().unwrap()).unwrap(),
        "maxmemory 1gb\nmaxmemory-policy volatile-ttl\n"
    );
    assert!(include_doc.diff.contains("-maxmemory 1gb\n-maxmemory-policy volatile-ttl\n+maxmemory 256mb\n+maxmemory-policy allkeys-lru\n"), "{}", include_doc.diff);
    assert!(
        !doc.files[0].diff.contains("maxmemory"),
        "the main file only gets the save rules"
    );
    assert_eq!(
        fs::read_to_string(&include).unwrap(),
        "maxmemory 256mb\nmaxmemory-policy allkeys-lru\n"
    );
    assert_loads(
        &main,
        &[
            ("maxmemory", "268435456"),
            ("maxmemory-policy", "allkeys-lru"),
            ("save", GUIDE_SAVE),
        ],
    );
    assert_eq!(
        names_in(dir.path()),
        [
            "redis.conf",
            "redis.conf.bak",
            "tuning.conf",
            "tuning.conf.bak"
        ]
    );
}

#[test]
fn live_says_the_change_survives_a_restart_only_when_the_tree_holds_it() {
    let (_dir, main, include) =
        debian_with_tuning_include("maxmemory 1gb\nmaxmemory-policy volatile-ttl\n");
    let server = RedisServer::builder().existing_config(&main).start();
    assert_eq!(config_get(&server, "maxmemory"), "1073741824");
    let run = Imcache::new()
        .server(&server)
        .args(["tune", "--live", "--maxmemory", "512mb", "--yes"])
        .run()
        .code(1)
        .stderr_has("the value the server takes from its config file");
    assert!(
        run.stderr.contains(&format!(
            "--config {} --config {}",
            main.display(),
            include.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        config_get(&server, "maxmemory"),
        "1073741824",
        "nothing was changed"
    );

    // The running policy differs from the file's: a restart brings the file's back.
    server.query::<()>(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    let run = Imcache::new()
        .server(&server)
        .args([
            "tune",
            "--live",
            "--maxmemory",
            "512mb",
            "--yes",
            "--json",
            "--config",
        ])
        .arg(&main)
        .arg("--config")
        .arg(&include)
        .run()
        .success();
    let doc: Doc = run.json();
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.contains("runs with maxmemory-policy allkeys-lru")
                && w.contains(&format!("{}:2 sets volatile-ttl", include.display()))),
        "{:?}",
        doc.warnings
    );
    let shown = doc.live.unwrap();
    assert_eq!(shown.persisted.as_deref(), Some("config_file_edited"));
    assert_eq!(shown.survives_restart, Some(true));
    assert_eq!(
        fs::read_to_string(&include).unwrap(),
        "maxmemory 512mb\nmaxmemory-policy volatile-ttl\n"
    );
    drop(server);
    assert_loads(
        &main,
        &[
            ("maxmemory", "536870912"),
            ("maxmemory-policy", "volatile-ttl"),
        ],
    );
}

#[test]
fn globs_and_relative_paths_after_dir_are_resolved_as_redis_resolves_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("conf.d")).unwrap();
    fs::write(d.join("conf.d/10-base.conf"), "maxmemory 1gb\n").unwrap();
    fs::write(d.join("conf.d/20-local.conf"), "maxmemory 2gb\n").unwrap();
    fs::write(d.join("conf.d/.hidden.conf"), "maxmemory 3gb\n").unwrap();
    let main = d.join("redis.conf");
    fs::write(
        &main,
        format!(
            "port 6379\ndir {}\ninclude conf.d/*.conf\ninclude {}/none.d/*.conf\n",
            d.display(),
            d.display()
        ),
    )
    .unwrap();
    let run = tune(&main)
        .args(["--maxmemory", "256mb", "--yes"])
        .run()
        .code(1);
    run.stderr_has("20-local.conf:1 (included at")
        .stderr_has("sets maxmemory 2gb");
    let local = d.join("conf.d/20-local.conf");
    let doc: Doc = tune(&main)
        .args(["--maxmemory", "256mb", "--yes", "--json", "--config"])
        .arg(&local)
        .run()
        .success()
        .json();
    assert_eq!(doc.changes[0].old.as_deref(), Some("2gb"));
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    assert_eq!(fs::read_to_string(&local).unwrap(), "maxmemory 256mb\n");
    assert_eq!(
        fs::read_to_string(d.join("conf.d/10-base.conf")).unwrap(),
        "maxmemory 1gb\n"
    );
    assert_loads(&main, &[("maxmemory", "268435456")]);
}

#[test]
fn a_directive_set_nowhere_goes_into_the_main_file_and_later_includes_are_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let include = dir.path().join("extra.conf");
    fs::write(&include, "maxclients 100\n").unwrap();
    let (_keep, main) =
        config_with(format!("port 6379\ninclude {}\n", include.display()).as_bytes());
    let doc: Doc = tune(&main)
        .args(["--profile", "dev", "--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.files.len(), 1);
    assert_eq!(fs::read_to_string(&include).unwrap(), "maxclients 100\n");
    assert_loads(
        &main,
        &[
            ("maxmemory", "268435456"),
            ("save", ""),
            ("maxclients", "100"),
        ],
    );
}

#[test]
fn a_second_config_the_first_does_not_include_is_bad_input() {
    let (dir, main) = config_with(b"port 6379\n");
    let other = dir.path().join("other.conf");
    fs::write(&other, "maxmemory 1gb\n").unwrap();
    tune(&main)
        .arg("--config")
        .arg(&other)
        .arg("--yes")
        .run()
        .code(2)
        .stderr_has(&format!(
            "--config {}: {} does not include it",
            other.display(),
            main.display()
        ));
    assert_eq!(fs::read(&main).unwrap(), b"port 6379\n");
    assert_eq!(names_in(dir.path()), ["other.conf", "redis.conf"]);
}
