//! No secret is shown, on any path, in text or JSON: a malformed `.env` line is named by file,
//! line, column and key, never quoted; every URL shown (REDIS_URL in `env`, the health URL of
//! verify and doctor, metrics' `--app-url`) has its password and secret-looking parameters
//! masked; tune's diff masks every secret-bearing directive however it is quoted, also on lines
//! Redis itself would refuse.

use crate::harness::{Imcache, RedisServer, free_port};

const CANARY: &str = "CANARYstaple";

#[test]
fn a_malformed_env_line_is_named_never_shown_by_any_command() {
    let dir = tempfile::tempdir().unwrap();
    for (text, line, what) in [
        (
            format!("A=1\ncorrect horse {CANARY}\n"),
            2,
            "column 9, no KEY= at its start",
        ),
        (
            format!("OPENAI_API_KEY=\"sk-{CANARY}\nB=2\n"),
            1,
            "column 16, key OPENAI_API_KEY",
        ),
    ] {
        std::fs::write(dir.path().join("pw.env"), &text).unwrap();
        for command in [
            &["verify"][..],
            &["env"],
            &["metrics"],
            &["setup", "cloud", "-H", "127.0.0.1"],
        ] {
            for json in [false, true] {
                let mut imcache = Imcache::new()
                    .dir(dir.path())
                    .args(command)
                    .args(["--env-file", "pw.env"]);
                if json {
                    imcache = imcache.arg("--json");
                }
                let run = imcache
                    .run()
                    .code(2)
                    .never_shows(CANARY)
                    .never_shows("horse");
                let shown = if json { &run.stdout } else { &run.stderr };
                assert!(
                    shown.contains(&format!(
                        "pw.env:{line}: python-dotenv cannot read this line"
                    )),
                    "{command:?}: {shown}"
                );
                assert!(shown.contains(what), "{command:?}: {shown}");
            }
        }
        // doctor reports it as a finding, and shows it no more than the others.
        let run = Imcache::new()
            .dir(dir.path())
            .args([
                "doctor",
                "--env-file",
                "pw.env",
                "-p",
                &free_port().to_string(),
                "--json",
            ])
            .run()
            .never_shows(CANARY);
        assert!(
            run.stdout.contains(&format!("pw.env:{line}:")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn env_masks_the_password_and_secret_parameters_of_redis_url() {
    let url = format!("redis://app:{CANARY}@cache.example:6390/2?password={CANARY}x&db=1");
    for format in ["text", "json"] {
        let run = Imcache::new()
            .env("REDIS_URL", &url)
            .args(["env", "--format", format])
            .run()
            .success()
            .never_shows(CANARY);
        assert!(
            run.stdout
                .contains("redis://app:****@cache.example:6390/2?password=****&db=1"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn health_and_app_urls_are_shown_masked_in_every_output() {
    let server = RedisServer::start();
    let closed = free_port();
    let health = format!("http://u:{CANARY}@127.0.0.1:{closed}/health?token={CANARY}&x=1");
    let app = format!("http://127.0.0.1:{closed}/cache/metrics?api_key={CANARY}");
    for json in [false, true] {
        let flag = if json { "--json" } else { "--color=never" };
        for command in [
            &["verify", "--health-url", &health][..],
            &["doctor", "--health-url", &health],
        ] {
            let run = Imcache::new()
                .server(&server)
                .args(command)
                .arg(flag)
                .run()
                .code(1)
                .never_shows(CANARY);
            let all = format!("{}{}", run.stdout, run.stderr);
            assert!(all.contains("token=****&x=1"), "{command:?}: {all}");
        }
        let run = Imcache::new()
            .server(&server)
            .args(["metrics", "--app-url", &app, flag])
            .run()
            .success()
            .never_shows(CANARY);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("api_key=****"), "{all}");
    }
}

#[test]
fn tune_dry_run_masks_every_secret_bearing_directive_however_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redis.conf");
    let secrets = [
        format!("requirepass \"{CANARY}"),
        format!("requirepass \"\"{CANARY}"),
        format!("masterauth '{CANARY}'"),
        format!("sentinel auth-pass mymaster {CANARY}"),
        format!("user app on >{CANARY} #5e884898da{CANARY} ~* +@all"),
        format!("tls-key-file-pass \"{CANARY} x\""),
        format!("tls-client-key-file-pass {CANARY}"),
        format!("# requirepass {CANARY}"),
    ];
    // Every secret line sits beside a line tune changes, so the diff shows it as context.
    let mut text = String::new();
    for secret in &secrets {
        text.push_str(&format!("{secret}\nmaxmemory 1mb\n"));
    }
    std::fs::write(&path, &text).unwrap();
    for flag in ["--color=never", "--json"] {
        let run = Imcache::new()
            .args([
                "tune",
                "--config",
                path.to_str().unwrap(),
                "--dry-run",
                flag,
            ])
            .args(["--maxmemory", "2mb"])
            .run()
            .never_shows(CANARY);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("requirepass ****"), "{all}");
        assert!(all.contains("sentinel auth-pass mymaster ****"), "{all}");
        assert!(all.contains("user app on **** **** ~* +@all"), "{all}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}
