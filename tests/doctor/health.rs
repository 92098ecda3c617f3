//! Health of the cache, each finding on a server started with the setting that causes it:
//! a replica, a failed snapshot, save rules against the profile, memory limits and use,
//! evictions, fragmentation, eviction policies, exposure; the host's kernel settings; latency.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Doc, doctor};
use crate::harness::RedisServer;

#[test]
fn a_read_only_replica_fails_role_and_names_the_primary() {
    let primary = RedisServer::start();
    let replica = RedisServer::builder().replica_of(&primary).start();
    let doc: Doc = doctor(&replica).run().code(1).json();
    let role = doc.expect("role", "fail");
    assert!(role.detail.contains("read-only replica"), "{role:?}");
    assert!(role.detail.contains("READONLY"), "{role:?}");
    assert!(
        doc.hint("role")
            .contains(&format!("REDIS_HOST=127.0.0.1 REDIS_PORT={}", primary.port)),
        "{role:?}"
    );
}

#[test]
fn no_memory_limit_and_noeviction_are_warnings() {
    let server = RedisServer::builder()
        .maxmemory("0")
        .directive("maxmemory-policy", "noeviction")
        .start();
    let doc: Doc = doctor(&server).run().success().json();
    assert!(doc.ok);
    assert!(
        doc.expect("maxmemory", "warn")
            .detail
            .contains("maxmemory 0")
    );
    assert!(
        doc.hint("maxmemory")
            .starts_with("imcache tune --live --maxmemory")
    );
    doc.expect("memory_use", "skip");
    let policy = doc.expect("eviction_policy", "warn");
    assert!(policy.detail.contains("OOM"), "{policy:?}");
    assert!(doc.hint("eviction_policy").contains("--policy allkeys-lru"));
}

/// Writes keys without pause until dropped.
struct Writer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl Writer {
    fn start(server: &RedisServer) -> Self {
        let mut con = server.client();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let value = "x".repeat(1000);
        let thread = std::thread::spawn(move || {
            let mut n = 0u64;
            while !flag.load(Ordering::Relaxed) {
                let mut pipe = redis::pipe();
                for _ in 0..100 {
                    pipe.cmd("SET").arg(format!("k:{n}")).arg(&value).ignore();
                    n += 1;
                }
                let _: redis::RedisResult<()> = pipe.query(&mut con);
            }
            n
        });
        Writer {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn a_full_cache_that_keeps_evicting_warns_twice() {
    let server = RedisServer::builder()
        .maxmemory("4mb")
        .directive("maxmemory-policy", "allkeys-lru")
        .start();
    let writer = Writer::start(&server);
    let started = Instant::now();
    while server
        .query::<String>(&["INFO", "stats"])
        .contains("evicted_keys:0\r")
    {
        assert!(started.elapsed() < Duration::from_secs(10), "no eviction");
        std::thread::sleep(Duration::from_millis(10));
    }
    let doc: Doc = doctor(&server).run().success().json();
    drop(writer);
    let evictions = doc.expect("evictions", "warn");
    assert!(
        evictions.detail.contains("keys evicted in the last"),
        "{evictions:?}"
    );
    // The window the figure covers, as it was: about 25 ms by default, --sample's when given.
    let window = |detail: &str| -> f64 {
        let after = detail.split("in the last ").nth(1).expect("a window");
        let (number, unit) = after.split_once(' ').expect("number and unit");
        match unit.starts_with("ms") {
            true => number.parse::<f64>().unwrap(),
            false => 1000.0 * number.trim_end_matches('s').parse::<f64>().unwrap(),
        }
    };
    let ms = window(&evictions.detail);
    assert!((25.0..250.0).contains(&ms), "{evictions:?}");
    let doc: Doc = doctor(&server)
        .args(["--sample", "300ms"])
        .run()
        .success()
        .json();
    let evictions = doc.check("evictions");
    let ms = window(&evictions.detail);
    assert!((300.0..900.0).contains(&ms), "{evictions:?}");
    let used = doc.expect("memory_use", "warn");
    assert!(used.detail.contains("of 4.0 MiB"), "{used:?}");
    assert!(
        doc.hint("memory_use").contains("allkeys-lru cache evicts"),
        "{used:?}"
    );
    doc.expect("maxmemory", "pass");
    doc.expect("eviction_policy", "pass");
}

#[test]
fn fragmentation_is_judged_above_the_floor() {
    let server = RedisServer::builder()
        .directive("enable-debug-command", "local")
        .start();
    let _: () = server.query(&["DEBUG", "POPULATE", "300000", "key", "400"]);
    // Freeing three keys in four leaves most allocator pages partly used: resident memory stays.
    let _: i64 = server.query(&[
        "EVAL",
        "for i = 0, 299999 do if i % 4 ~= 0 then redis.call('DEL', 'key:' .. i) end end return 1",
        "0",
    ]);
    let info: String = server.query(&["INFO", "memory"]);
    let field = |name: &str| -> f64 {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert!(field("used_memory") >= 32.0 * 1024.0 * 1024.0, "{info}");
    assert!(field("mem_fragmentation_ratio") > 1.5, "{info}");
    let doc: Doc = doctor(&server).run().success().json();
    let fragmentation = doc.expect("fragmentation", "warn");
    assert!(
        fragmentation.detail.contains("resident for"),
        "{fragmentation:?}"
    );
    assert!(doc.hint("fragmentation").contains("activedefrag"));

    // A nearly empty server has a huge ratio and nothing wrong: not judged.
    let empty = RedisServer::start();
    let doc: Doc = doctor(&empty).run().success().json();
    assert!(
        doc.expect("fragmentation", "pass")
            .detail
            .contains("not judged below 32.0 MiB")
    );
}

#[test]
fn a_volatile_policy_with_few_expiring_keys_warns() {
    let server = RedisServer::builder()
        .maxmemory("64mb")
        .directive("maxmemory-policy", "volatile-lru")
        .start();
    for i in 0..10 {
        let _: () = server.query(&["SET", &format!("user:{i}"), "v"]);
    }
    let _: () = server.query(&["EXPIRE", "user:0", "600"]);
    let doc: Doc = doctor(&server).run().success().json();
    let policy = doc.expect("eviction_policy", "warn");
    assert!(
        policy.detail.contains("only 1 of 10 keys carry a TTL"),
        "{policy:?}"
    );
    assert!(doc.hint("eviction_policy").contains("TTL"));
}

#[test]
fn open_on_all_interfaces_without_a_password_fails() {
    // Bound to every interface, but the test only ever connects to 127.0.0.1.
    let server = RedisServer::builder()
        .directive("bind", "0.0.0.0")
        .directive("protected-mode", "no")
        .start();
    let doc: Doc = doctor(&server).run().code(1).json();
    let exposure = doc.expect("exposure", "fail");
    assert!(exposure.detail.contains("0.0.0.0"), "{exposure:?}");
    assert!(
        exposure.detail.contains("protected mode off"),
        "{exposure:?}"
    );
    assert!(doc.hint("exposure").contains("bind 127.0.0.1"));

    let protected = RedisServer::builder().directive("bind", "0.0.0.0").start();
    let doc: Doc = doctor(&protected).run().success().json();
    assert!(
        doc.expect("exposure", "warn")
            .detail
            .contains("protected mode refuses")
    );

    let with_password = RedisServer::builder()
        .directive("bind", "0.0.0.0")
        .password("exposed-pw")
        .start();
    let doc: Doc = doctor(&with_password)
        .env("REDIS_PASSWORD", "exposed-pw")
        .run()
        .never_shows("exposed-pw")
        .json();
    assert!(
        doc.expect("exposure", "pass")
            .detail
            .contains("a password is required")
    );
}

/// Redis runs in the folder `dir` names; once that folder is removed, no file can be created in
/// it, even by root (unlike a chmod, which root ignores).
#[test]
fn a_failed_snapshot_in_a_deleted_dir_is_misconf_with_the_fix() {
    let holder = tempfile::tempdir().unwrap();
    let data = holder.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let server = RedisServer::builder()
        .directive("dir", &data.display().to_string())
        .directive("save", "3600 1")
        .start();
    std::fs::remove_dir(&data).unwrap();
    bgsave_and_wait_for_failure(&server);
    let refused = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut server.client());
    assert!(
        refused.unwrap_err().code() == Some("MISCONF"),
        "the server really refuses writes"
    );

    let doc: Doc = doctor(&server).run().code(1).json();
    let rdb = doc.expect("rdb_save", "fail");
    assert!(
        rdb.detail.contains("writes are refused (MISCONF)"),
        "{rdb:?}"
    );
    assert!(
        rdb.detail
            .contains(&format!("{} was deleted", data.display())),
        "{rdb:?}"
    );
    assert!(doc.hint("rdb_save").contains("CONFIG SET dir"), "{rdb:?}");
}

/// A folder where the snapshot file should go: the final rename fails, whoever runs Redis.
#[test]
fn a_failed_snapshot_onto_a_folder_names_the_folder() {
    let server = RedisServer::builder().directive("save", "3600 1").start();
    let blocker = server.dir.path().join("dump.rdb");
    std::fs::create_dir(&blocker).unwrap();
    bgsave_and_wait_for_failure(&server);
    let doc: Doc = doctor(&server).run().code(1).json();
    let rdb = doc.expect("rdb_save", "fail");
    assert!(
        rdb.detail
            .contains(&format!("{} is a folder", blocker.display())),
        "{rdb:?}"
    );
}

fn bgsave_and_wait_for_failure(server: &RedisServer) {
    let _: String = server.query(&["BGSAVE"]);
    let started = Instant::now();
    loop {
        let info: String = server.query(&["INFO", "persistence"]);
        if info.contains("rdb_bgsave_in_progress:0") && info.contains("rdb_last_bgsave_status:err")
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "BGSAVE did not fail: {info}\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn save_rules_are_judged_against_the_profile() {
    let no_persistence = RedisServer::start();
    let doc: Doc = doctor(&no_persistence)
        .env("IMCACHE_PROFILE", "prod")
        .run()
        .success()
        .json();
    let rules = doc.expect("save_rules", "warn");
    assert!(
        rules.detail.contains("IMCACHE_PROFILE is prod"),
        "{rules:?}"
    );
    assert!(doc.hint("save_rules").contains("--profile prod"));

    let snapshots = RedisServer::builder().directive("save", "900 1").start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "IMCACHE_PROFILE=dev\n").unwrap();
    let doc: Doc = doctor(&snapshots).dir(dir.path()).run().success().json();
    let rules = doc.expect("save_rules", "warn");
    assert!(rules.detail.contains("save 900 1"), "{rules:?}");
    assert!(doc.hint("save_rules").contains("--profile dev"));

    let guide = RedisServer::builder()
        .directive("save", "900 1 300 10 60 10000")
        .start();
    let doc: Doc = doctor(&guide).run().success().json();
    assert!(
        doc.expect("save_rules", "pass")
            .detail
            .contains("the guide's prod rules")
    );

    let defaults = RedisServer::builder()
        .directive("save", "3600 1 300 100 60 10000")
        .start();
    let doc: Doc = doctor(&defaults).run().success().json();
    assert!(
        doc.expect("save_rules", "warn")
            .detail
            .contains("match neither profile")
    );
}

#[test]
fn the_host_checks_read_this_machines_kernel_settings() {
    // disable-thp no: the server leaves THP as the kernel has it, so the kernel's word decides.
    let server = RedisServer::builder()
        .directive("disable-thp", "no")
        .start();
    let doc: Doc = doctor(&server).run().success().json();
    let overcommit = std::fs::read_to_string("/proc/sys/vm/overcommit_memory").unwrap();
    let expected = if overcommit.trim() == "1" {
        "pass"
    } else {
        "warn"
    };
    let check = doc.expect("overcommit", expected);
    assert!(
        check
            .detail
            .contains(&format!("vm.overcommit_memory = {}", overcommit.trim()))
    );
    if expected == "warn" {
        assert!(
            doc.hint("overcommit")
                .starts_with("sysctl vm.overcommit_memory=1")
        );
    }
    let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap();
    if thp.contains("[always]") {
        doc.expect("thp", "warn");
        assert!(
            doc.hint("thp")
                .starts_with("echo madvise > /sys/kernel/mm/transparent_hugepage/enabled")
        );
    } else {
        doc.expect("thp", "pass");
    }
}

#[test]
fn a_busy_server_shows_in_the_latency() {
    let server = RedisServer::builder()
        .directive("enable-debug-command", "local")
        .start();
    let mut con = server.client();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let sleeper = std::thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            let _: redis::RedisResult<()> =
                redis::cmd("DEBUG").arg("SLEEP").arg("0.03").query(&mut con);
        }
    });
    let doc: Doc = doctor(&server).run().success().json();
    stop.store(true, Ordering::Relaxed);
    sleeper.join().unwrap();
    let latency = doc.expect("latency", "warn");
    assert!(latency.detail.contains("slow for loopback"), "{latency:?}");
    assert!(doc.hint("latency").contains("SLOWLOG"));
}
