//! Debian's own redis.conf, tuned, then run by a real redis-server.

use super::*;

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
