//! Files with the lines redis-server refuses: tune names each one with its line and reason (the
//! file was already broken that way), never writes such a line itself, moves an inline comment
//! off a line it replaces, and does not touch a file that is not text. A real redis-server shows
//! the warnings are true.

use super::*;

#[test]
fn each_kind_of_line_redis_refuses_is_named_with_its_line() {
    let text = "port 6379\nmaxmemroy 100mb\nappendonly maybe\nbind 127.0.0.1 # loopback\nfoo bar\nrequirepass \"unbalanced\n";
    let (_dir, path) = config_with(text.as_bytes());
    assert!(redis_refuses(&redis_server_bin(), &path).contains("FATAL CONFIG FILE ERROR"));
    let doc: Doc = tune(&path)
        .args(["--maxmemory", "2gb", "--yes", "--json"])
        .run()
        .success()
        .json();
    let shown = path.display().to_string();
    let expect = [
        (
            2,
            "`maxmemroy` is not a directive",
            "did you mean `maxmemory`?",
        ),
        (3, "`appendonly` takes yes or no, not `maybe`", ""),
        (4, "an inline comment", "`bind`"),
        (5, "`foo` is not a directive", ""),
        (6, "unbalanced quotes", ""),
    ];
    assert_eq!(doc.warnings.len(), expect.len(), "{:?}", doc.warnings);
    for ((line, reason, more), warning) in expect.iter().zip(&doc.warnings) {
        assert!(
            warning.starts_with(&format!("{shown}:{line}: {reason}")),
            "{warning}"
        );
        assert!(
            warning.contains(more) && warning.contains("redis-server refuses to start"),
            "{warning}"
        );
    }
    // tune changed only its own line; the refused lines are still there, as the warnings say.
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("{text}maxmemory 2gb\n")
    );
    let refused = redis_refuses(&redis_server_bin(), &path);
    assert!(
        refused.contains("maxmemroy 100mb") && refused.contains("Bad directive"),
        "{refused}"
    );
}

#[test]
fn an_inline_comment_on_a_tuned_line_moves_above_it_and_the_file_then_loads() {
    let (_dir, path) = config_with(b"port 6379\n  maxmemory 1gb # the cache limit\n");
    let refused = redis_refuses(&redis_server_bin(), &path);
    assert!(
        refused.contains("maxmemory 1gb # the cache limit"),
        "{refused}"
    );
    let run = tune(&path)
        .args(["--maxmemory", "2gb", "--yes"])
        .run()
        .success()
        .stderr_has(":2: its inline comment `# the cache limit` is now on its own line above");
    assert!(
        run.stdout
            .contains("+  # the cache limit\n+  maxmemory 2gb\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "port 6379\n  # the cache limit\n  maxmemory 2gb\n"
    );
    assert_loads(&path, &[("maxmemory", "2147483648")]);
}

#[test]
fn a_file_that_is_not_text_is_refused_and_left_alone() {
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    fastrand::shuffle(&mut bytes);
    let (dir, path) = config_with(&bytes);
    tune(&path)
        .arg("--yes")
        .run()
        .code(2)
        .stderr_has("not a text file");
    let (_dir2, nul) = config_with(b"port 6379\nmaxmemory 1gb\0\n");
    tune(&nul)
        .arg("--yes")
        .run()
        .code(2)
        .stderr_has(":2: not a text file");
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
}

#[test]
fn a_server_names_what_its_own_version_refuses() {
    // Redis 7.2's example file, given to the Redis 7.0 server: 7.2's new directives are named.
    let (_dir, path) = config_with(&fs::read(fixture("redis-7.2.conf")).unwrap());
    let server = RedisServer::start();
    let doc: Doc = Imcache::new()
        .server(&server)
        .args([
            "tune",
            "--live",
            "--maxmemory",
            "100mb",
            "--dry-run",
            "--json",
            "--config",
        ])
        .arg(&path)
        .run()
        .success()
        .json();
    let version: String = server
        .query::<String>(&["INFO", "server"])
        .lines()
        .find_map(|l| {
            l.strip_prefix("redis_version:")
                .map(|v| v.trim().to_string())
        })
        .unwrap();
    let locale = doc
        .warnings
        .iter()
        .find(|w| w.contains("`locale-collate`"))
        .expect("locale-collate is named");
    assert!(
        locale.contains(&format!("is not a directive of Redis {version}")),
        "{locale}"
    );
    assert!(redis_refuses(&redis_server_bin(), &path).contains("locale-collate"));
}
