//! What tune warns about before it changes anything: values Redis accepts but that hurt a cache
//! (no memory limit, a limit above the machine's memory, a policy that cannot evict keys without
//! a TTL, snapshots into a folder the server cannot write: MISCONF), and an `include` that could
//! set a tuned directive again after our line.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::cli::Policy;
use crate::procfs;
use crate::redis_conf::{Config, Tuning};

use super::file::FilePlan;
use super::live::LivePlan;

pub fn collect(tuning: &Tuning, file: Option<&FilePlan>, live: Option<&LivePlan>) -> Vec<String> {
    let mut warnings = Vec::new();
    memory(tuning, file, live, &mut warnings);
    policy(tuning, live, &mut warnings);
    if !tuning.save.is_off() {
        persistence(file, live, &mut warnings);
    }
    if let Some(file) = file {
        for o in &file.edit.overrides {
            warnings.push(format!(
                "{}:{}: `include {}` comes after {} (line {}) and can set it again; check that \
                 file or move the include above",
                file.path.display(),
                o.include_line,
                o.include,
                o.directive,
                o.line
            ));
        }
    }
    warnings
}

fn memory(
    tuning: &Tuning,
    file: Option<&FilePlan>,
    live: Option<&LivePlan>,
    warnings: &mut Vec<String>,
) {
    let bytes = tuning.maxmemory.bytes;
    if bytes == 0 {
        warnings.push(
            "maxmemory 0 means no limit: the cache grows until the machine runs out of memory \
             and nothing is ever evicted"
                .into(),
        );
        return;
    }
    // The server's own machine when we talk to it; this machine for a local file.
    let total = match live {
        Some(live) => live.info.u64("total_system_memory").filter(|t| *t > 0),
        None if file.is_some() => procfs::memory_total(),
        None => None,
    };
    if let Some(total) = total.filter(|t| bytes > *t) {
        warnings.push(format!(
            "maxmemory {} ({}) is more than the machine's memory ({}): the system kills Redis \
             before it starts evicting",
            tuning.maxmemory,
            gib(bytes),
            gib(total)
        ));
    }
}

fn policy(tuning: &Tuning, live: Option<&LivePlan>, warnings: &mut Vec<String>) {
    let keys = live.map(|l| l.info.total_keys());
    let name = tuning.policy.as_str();
    match tuning.policy {
        Policy::Noeviction => warnings.push(format!(
            "maxmemory-policy {name}: once the cache is full every write fails with OOM instead \
             of evicting old keys; a cache wants allkeys-lru or allkeys-lfu"
        )),
        Policy::VolatileLru
        | Policy::VolatileLfu
        | Policy::VolatileRandom
        | Policy::VolatileTtl => {
            let counted = match keys {
                Some((keys, expires)) if keys > 0 => {
                    format!(" ({expires} of {keys} keys have one now)")
                }
                _ => String::new(),
            };
            warnings.push(format!(
                "maxmemory-policy {name} evicts only keys with a TTL{counted}: when memory fills \
                 with keys that have none, writes fail with OOM; a cache wants allkeys-lru"
            ));
        }
        _ => {}
    }
}

fn persistence(file: Option<&FilePlan>, live: Option<&LivePlan>, warnings: &mut Vec<String>) {
    const THEN: &str = "snapshots will fail and Redis then refuses every write (MISCONF); make it \
                        writable for the server's user, or use --profile dev for a cache without persistence";
    if let Some(live) = live {
        if live.info.get("rdb_last_bgsave_status") == Some("err") {
            warnings.push(format!(
                "the server's last snapshot failed (rdb_last_bgsave_status:err) in {}; {THEN}",
                live.dir.as_deref().unwrap_or("its dir")
            ));
        } else if let (Some(dir), true) = (&live.dir, live.settings.is_local()) {
            let pid = live
                .info
                .u64("process_id")
                .and_then(|p| u32::try_from(p).ok());
            if let Some((uid, gid)) = pid.and_then(procfs::process_owner) {
                if let Some(problem) = dir_problem(Path::new(dir), uid, gid) {
                    warnings.push(format!("the server's dir {problem}; {THEN}"));
                }
            }
        }
    }
    if let Some(file) = file {
        let config = Config::parse(&file.edit.bytes);
        let Some(dir) = config.last_value("dir").filter(|d| d.starts_with('/')) else {
            return;
        };
        // The file's owner is the best guess at the user the server runs as (Debian: redis).
        let Ok(meta) = fs::metadata(&file.path) else {
            return;
        };
        if let Some(problem) = dir_problem(Path::new(&dir), meta.uid(), meta.gid()) {
            warnings.push(format!(
                "{}: dir {problem} (the file's owner, uid {}, is taken as the server's user); {THEN}",
                file.path.display(),
                meta.uid()
            ));
        }
    }
}

/// Why `uid` cannot write snapshots into `dir`, if it cannot.
fn dir_problem(dir: &Path, uid: u32, gid: u32) -> Option<String> {
    let shown = dir.display();
    let meta = match fs::metadata(dir) {
        Ok(meta) => meta,
        Err(_) => return Some(format!("{shown} does not exist")),
    };
    if !meta.is_dir() {
        return Some(format!("{shown} is not a folder"));
    }
    let mode = meta.mode();
    (!procfs::may_write(&meta, uid, gid)).then(|| {
        format!(
            "{shown} (owner uid {}, mode {:o}) is not writable by uid {uid}",
            meta.uid(),
            mode & 0o7777
        )
    })
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_folder_the_server_user_cannot_write_is_named() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let owner = fs::metadata(dir.path()).unwrap().uid();
        assert_eq!(dir_problem(dir.path(), owner, 0), None);
        let other = if owner == 65534 { 65533 } else { 65534 };
        let problem = dir_problem(dir.path(), other, 65534).unwrap();
        assert!(problem.contains("not writable by uid"), "{problem}");
        assert!(
            dir_problem(&dir.path().join("gone"), 0, 0)
                .unwrap()
                .contains("does not exist")
        );
    }
}
