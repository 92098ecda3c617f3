//! The editing rules on small configs: missing directives, duplicates, upper-case names, CRLF, quotes, a missing include.

use super::*;

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
    assert_loads(
        &path,
        &[
            ("maxmemory", "67108864"),
            ("maxmemory-policy", "allkeys-lfu"),
            ("save", "60 100"),
        ],
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
    assert_loads(
        &path,
        &[
            ("maxmemory", "268435456"),
            ("maxmemory-policy", "allkeys-lru"),
            ("save", GUIDE_SAVE),
        ],
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
fn a_missing_include_is_named_as_the_fatal_line_it_is() {
    let (_dir, path) = config_with(b"maxmemory 1gb\ninclude /etc/redis/local.conf\n");
    let run = tune(&path).args(["--yes", "--json"]).run().success();
    let doc: Doc = run.json();
    assert!(
        doc.warnings.iter().any(|w| w
            .contains(":2: `include /etc/redis/local.conf`: no such file")
            && w.contains("redis-server refuses to start")),
        "{:?}",
        doc.warnings
    );
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("include /etc/redis/local.conf\n")
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
        .args([
            "--profile",
            "prod",
            "--policy",
            "noeviction",
            "--dry-run",
            "--json",
        ])
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
