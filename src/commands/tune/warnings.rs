//! What tune warns about before it changes anything: values Redis accepts but that hurt a cache
//! (no memory limit, a limit above the machine's memory, a policy that cannot evict keys without
//! a TTL, snapshots into a folder the server cannot write: MISCONF); lines of the files that
//! redis-server already refuses (tune leaves them, and says where and why); lines tune changes on
//! the way (an inline comment moved); and a server whose file says something else than it runs
//! with, which a restart would bring back.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::cli::Policy;
use crate::procfs;
use crate::redis_conf::check::Dialect;
use crate::redis_conf::{SaveRules, TUNED, Tuning, parse_policy, parse_size};

use super::file::FilePlan;
use super::live::LivePlan;

pub fn collect(
    tuning: &Tuning,
    files: &[FilePlan],
    server: Option<usize>,
    live: Option<&LivePlan>,
    dialect: &Dialect,
) -> Vec<String> {
    let mut warnings = Vec::new();
    memory(tuning, !files.is_empty(), live, &mut warnings);
    policy(tuning, live, &mut warnings);
    if tuning.save.as_ref().is_some_and(|s| !s.is_off()) {
        persistence(files, live, &mut warnings);
    }
    for plan in files {
        refused_lines(plan, dialect, &mut warnings);
        for note in &plan.plan.notes {
            let path = plan.tree.files[note.file].path.display();
            warnings.push(format!("{path}:{}: {}", note.line, note.text));
        }
    }
    if let (Some(live), Some(plan)) = (live, server.map(|i| &files[i])) {
        restart_brings_back(tuning, plan, live, &mut warnings);
    }
    warnings
}

/// The lines of the tree redis-server refuses that tune leaves as they are (the lines it
/// replaces or removes are fixed by the edit), and includes it cannot see.
fn refused_lines(plan: &FilePlan, dialect: &Dialect, warnings: &mut Vec<String>) {
    let touched = |file: usize, line: usize| {
        plan.plan.edits.iter().filter(|e| e.file == file).any(|e| {
            e.hunks
                .iter()
                .any(|h| (h.line + 1..=h.line + h.old_lines).contains(&line))
        })
    };
    for problem in plan.tree.problems(dialect) {
        let path = plan.tree.files[problem.file].path.display();
        let place = match problem.line {
            Some(line) if touched(problem.file, line) => continue,
            Some(line) => format!("{path}:{line}"),
            None => path.to_string(),
        };
        warnings.push(match problem.fatal {
            true => format!(
                "{place}: {}: redis-server refuses to start on this (it is already in the file; tune leaves it)",
                problem.reason
            ),
            false => format!("{place}: {}", problem.reason),
        });
    }
}

/// A directive tune does not change whose value in the server's file tree differs from the one
/// the server runs with: a restart would bring the file's value back.
fn restart_brings_back(
    tuning: &Tuning,
    plan: &FilePlan,
    live: &LivePlan,
    warnings: &mut Vec<String>,
) {
    for name in TUNED {
        let asked = match name {
            "maxmemory" => tuning.maxmemory.is_some(),
            "maxmemory-policy" => tuning.policy.is_some(),
            _ => tuning.save.is_some(),
        };
        let (Some(running), Some(&step)) = (live.value(name), plan.tree.setters(name).last())
        else {
            continue;
        };
        if asked {
            continue;
        }
        let in_file = match name {
            "save" => match plan.tree.save_rules() {
                Some(Ok(rules)) => rules.to_string(),
                _ => continue,
            },
            _ => crate::redis_conf::join_args(&plan.tree.directive(step).args),
        };
        let same = match name {
            "maxmemory" => parse_size(&in_file).ok() == running.trim().parse().ok(),
            "maxmemory-policy" => parse_policy(&in_file) == parse_policy(running),
            _ => {
                let parsed = |t: &str| {
                    let mut args: Vec<Vec<u8>> = t
                        .split_whitespace()
                        .map(|w| w.as_bytes().to_vec())
                        .collect();
                    if args.is_empty() {
                        args.push(Vec::new());
                    }
                    SaveRules::from_args(&args)
                };
                matches!((parsed(&in_file), parsed(running)), (Some(a), Some(b)) if a.same_as(&b))
            }
        };
        if !same {
            let shown = |v: &str| {
                if v.is_empty() {
                    "\"\"".to_string()
                } else {
                    v.to_string()
                }
            };
            warnings.push(format!(
                "the server runs with {name} {}, but {} sets {}: a restart brings that back \
                 (tune changes only what it was asked)",
                shown(running),
                plan.tree.place(step),
                shown(&in_file)
            ));
        }
    }
}

fn memory(tuning: &Tuning, file: bool, live: Option<&LivePlan>, warnings: &mut Vec<String>) {
    let Some(maxmemory) = &tuning.maxmemory else {
        return;
    };
    let bytes = maxmemory.bytes;
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
        None if file => procfs::memory_total(),
        None => None,
    };
    if let Some(total) = total.filter(|t| bytes > *t) {
        warnings.push(format!(
            "maxmemory {} ({}) is more than the machine's memory ({}): the system kills Redis \
             before it starts evicting",
            maxmemory,
            gib(bytes),
            gib(total)
        ));
    }
}

fn policy(tuning: &Tuning, live: Option<&LivePlan>, warnings: &mut Vec<String>) {
    let Some(wanted) = tuning.policy else {
        return;
    };
    let keys = live.map(|l| l.info.total_keys());
    let name = wanted.as_str();
    match wanted {
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

fn persistence(files: &[FilePlan], live: Option<&LivePlan>, warnings: &mut Vec<String>) {
    const THEN: &str = "snapshots will fail and Redis then refuses every write (MISCONF); make it \
                        writable for the server's user, or use --profile dev for a cache without persistence";
    if let Some(live) = live {
        if live.info.get("rdb_last_bgsave_status") == Some("err") {
            warnings.push(format!(
                "the server's last snapshot failed (rdb_last_bgsave_status:err) in {}; {THEN}",
                live.value("dir").unwrap_or("its dir")
            ));
        } else if let (Some(dir), true) = (live.value("dir"), live.settings.is_local()) {
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
    for file in files {
        let Some(dir) = file.tree.value("dir").filter(|d| d.starts_with('/')) else {
            continue;
        };
        // The file's owner is the best guess at the user the server runs as (Debian: redis).
        let Ok(meta) = fs::metadata(file.path()) else {
            continue;
        };
        if let Some(problem) = dir_problem(Path::new(&dir), meta.uid(), meta.gid()) {
            warnings.push(format!(
                "{}: dir {problem} (the file's owner, uid {}, is taken as the server's user); {THEN}",
                file.path().display(),
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
