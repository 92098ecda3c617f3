//! Health of the cache that does not depend on memory: the `role` (a replica refuses the app's
//! writes), the `rdb_save` (a failed snapshot makes Redis refuse writes: MISCONF; on a local
//! server, why the `dir` cannot take the file), the `save_rules` against the profile in use, and
//! the `version`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::fixes::TuneFix;
use super::server::Server;
use super::sources::{self, Profile};
use crate::capability::Refusal;
use crate::output::Check;
use crate::procfs::{self, Machine};
use crate::settings::Settings;

pub fn role(server: &Server, settings: &Settings) -> Check {
    let info = &server.info;
    match info.get("role") {
        Some("master") => Check::pass(
            "role",
            format!(
                "primary ({} replicas connected)",
                info.u64("connected_slaves").unwrap_or(0)
            ),
        ),
        Some("slave") => {
            let host = info.get("master_host").unwrap_or("?");
            let port = info.get("master_port").unwrap_or("?");
            let link = info.get("master_link_status").unwrap_or("unknown");
            let fix = format!(
                "point the app at the primary: REDIS_HOST={host} REDIS_PORT={port} (the port now \
                 comes from {})",
                settings.port.source
            );
            if info.get("slave_read_only") == Some("0") {
                Check::warn(
                    "role",
                    format!("a writable replica of {host}:{port} (link {link}): its writes are lost at the next resync"),
                )
                .hint(fix)
            } else {
                Check::fail(
                    "role",
                    format!("a read-only replica of {host}:{port} (link {link}): the app's writes fail with READONLY"),
                )
                .hint(fix)
            }
        }
        Some(other) => Check::pass("role", other.to_string()),
        None => Check::skip("role", "not run: INFO has no role"),
    }
}

pub fn version(server: &Server) -> Check {
    let Some(version) = server.info.get("redis_version") else {
        return Check::skip("version", "not run: INFO has no redis_version");
    };
    let mut parts = version
        .trim()
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (6, 2) {
        Check::warn("version", format!("Redis {version} is older than 6.2"))
            .hint("upgrade to Redis 7 (`imcache setup` installs it): older versions lack GETEX/GETDEL and security fixes")
    } else {
        Check::pass("version", format!("Redis {version}"))
    }
}

/// The last snapshot (and AOF write): when it failed, Redis refuses writes while
/// stop-writes-on-bgsave-error is on and save rules exist.
pub fn rdb_save(server: &Server, machine: &Machine, tune: &TuneFix) -> Check {
    let info = &server.info;
    let aof_failed = info.get("aof_enabled") == Some("1")
        && info.get("aof_last_write_status").is_some_and(|s| s != "ok");
    match info.get("rdb_last_bgsave_status") {
        None => Check::skip("rdb_save", "not run: INFO has no rdb_last_bgsave_status"),
        Some("ok") if aof_failed => {
            let (why, fix) = dir_problem(server, machine, tune);
            Check::fail(
                "rdb_save",
                format!("the last AOF write failed: writes are refused (MISCONF); {why}"),
            )
            .hint(fix)
        }
        Some("ok") => Check::pass("rdb_save", "the last RDB snapshot succeeded"),
        Some(_) => {
            let rules_on = server
                .config("save")
                .map_or(true, |s| s.is_some_and(|s| !s.trim().is_empty()));
            let stop_writes =
                server.config("stop-writes-on-bgsave-error").ok().flatten() != Some("no");
            let (why, fix) = dir_problem(server, machine, tune);
            if rules_on && stop_writes {
                Check::fail(
                    "rdb_save",
                    format!("the last RDB snapshot failed, so writes are refused (MISCONF); {why}"),
                )
                .hint(fix)
            } else {
                Check::warn(
                    "rdb_save",
                    format!("the last RDB snapshot failed (writes are still accepted); {why}"),
                )
                .hint(fix)
            }
        }
    }
}

/// Why the server's `dir` cannot take a snapshot, as far as this machine can tell, and the fix.
fn dir_problem(server: &Server, machine: &Machine, tune: &TuneFix) -> (String, String) {
    let off = format!(
        "or turn snapshots off for a cache: {}",
        tune.profile("dev", "save \"\"")
    );
    let off = off.as_str();
    let dir = server
        .config("dir")
        .ok()
        .flatten()
        .unwrap_or("")
        .to_string();
    let pid = server.pid().filter(|_| machine.local);
    if !machine.local {
        let shown = if dir.is_empty() {
            "its dir"
        } else {
            dir.as_str()
        };
        return (
            format!("dir {shown} is on the server"),
            format!("make {shown} writable for the redis user there (and check free space), {off}"),
        );
    }
    // An empty dir means the server's working folder is gone (getcwd fails): /proc still names it.
    let deleted = pid
        .and_then(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
        .and_then(|cwd| cwd.to_str()?.strip_suffix(" (deleted)").map(PathBuf::from));
    if let Some(gone) = deleted
        .or_else(|| (!dir.is_empty() && !Path::new(&dir).exists()).then(|| PathBuf::from(&dir)))
    {
        let gone = gone.display();
        return (
            format!("its dir {gone} was deleted while it ran"),
            format!(
                "mkdir -p {gone} (owned by the server's user), then `redis-cli CONFIG SET dir {gone}` so the server enters it again"
            ),
        );
    }
    let dir_path = PathBuf::from(&dir);
    let Ok(meta) = std::fs::metadata(&dir_path) else {
        return (
            format!("dir {dir} cannot be inspected"),
            format!("check dir {dir} on the server, {off}"),
        );
    };
    if !meta.is_dir() {
        return (
            format!("dir {dir} is not a folder"),
            format!("CONFIG SET dir to a folder the server can write, {off}"),
        );
    }
    if let Some(name) = server.config("dbfilename").ok().flatten() {
        let file = dir_path.join(name);
        if file.is_dir() {
            let file = file.display();
            return (
                format!("{file} is a folder, so the snapshot cannot be renamed onto it"),
                format!("move the folder {file} away (or CONFIG SET dbfilename dump.rdb), {off}"),
            );
        }
    }
    let owner = pid.and_then(procfs::process_owner);
    let writable = owner.is_none_or(|(uid, gid)| procfs::may_write(&meta, uid, gid));
    if let Some((uid, _)) = owner.filter(|_| !writable) {
        let user = user_name(uid).unwrap_or_else(|| uid.to_string());
        return (
            format!(
                "dir {dir} (owner uid {}, mode {:o}) is not writable by the server's user {user}",
                meta.uid(),
                meta.mode() & 0o7777
            ),
            format!("chown {user} {dir} (or chmod u+w), {off}"),
        );
    }
    if let Some(free) = free_bytes(&dir_path) {
        let needed = server.info.u64("used_memory").unwrap_or(0);
        if free < needed {
            return (
                format!(
                    "the filesystem of {dir} has {} free, the snapshot needs about {}",
                    super::memory::size(free),
                    super::memory::size(needed)
                ),
                format!("free space on the disk of {dir}, {off}"),
            );
        }
    }
    (
        format!("dir {dir} looks writable"),
        format!(
            "see the server's log for why: a failed fork (vm.overcommit_memory) or a full disk are usual; {off}"
        ),
    )
}

/// The user name of a uid, from /etc/passwd.
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.get(2)?.parse::<u32>().ok()? == uid).then(|| fields[0].to_string())
    })
}

/// Bytes free for unprivileged writers on the filesystem of `path`.
fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: c_path is a valid NUL-terminated string and stat points to writable memory of the
    // right type; statvfs only writes into it.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let stat = unsafe { stat.assume_init() };
    // The field types differ between platforms (u32 on some); u64 holds all of them.
    #[allow(clippy::unnecessary_cast)]
    let (blocks, block_size) = (stat.f_bavail as u64, stat.f_frsize as u64);
    Some(blocks.saturating_mul(block_size))
}

/// A check that needed CONFIG, which the server refused: a finding (what could not be seen, and
/// how to allow it), with what INFO alone says about persistence when it can say it.
pub fn could_not_read_config(name: &str, refusal: &Refusal, server: &Server) -> Check {
    let seen = match server.info.u64("rdb_changes_since_last_save") {
        Some(_) if name == "save_rules" => format!(
            "; INFO says: last RDB save {}, AOF {}",
            server
                .info
                .get("rdb_last_bgsave_status")
                .unwrap_or("unknown"),
            match server.info.get("aof_enabled") {
                Some("1") => "on",
                Some(_) => "off",
                None => "unknown",
            }
        ),
        _ => String::new(),
    };
    Check::warn(
        name,
        format!("{}{}{seen}", super::report::COULD_NOT_RUN, refusal.detail()),
    )
    .hint(refusal.fix())
}

/// The guide's prod rules: `save 900 1`, `save 300 10`, `save 60 10000`.
const PROD_RULES: &str = "900 1 300 10 60 10000";

/// Save rules (and AOF) against the profile: IMCACHE_PROFILE when set, else the rules say which
/// profile they are (none: dev; the guide's: prod) and anything else is a warning.
pub fn save_rules(server: &Server, settings: &Settings, tune: &TuneFix) -> Check {
    let save = match server.config("save") {
        Ok(Some(save)) => save.split_whitespace().collect::<Vec<_>>().join(" "),
        Ok(None) => return Check::skip("save_rules", "not run: the server has no save setting"),
        Err(refusal) => return could_not_read_config("save_rules", refusal, server),
    };
    let aof = server.config("appendonly").ok().flatten() == Some("yes");
    let shown = match (save.is_empty(), aof) {
        (true, false) => String::from("no persistence (save \"\", appendonly no)"),
        (true, true) => String::from("AOF only (appendonly yes)"),
        (false, false) => format!("save {save}"),
        (false, true) => format!("save {save}, appendonly yes"),
    };
    let persistent = !save.is_empty() || aof;
    let dev_fix = tune.profile("dev", "save \"\"");
    let prod_fix = tune.profile("prod", "save 900 1, 300 10, 60 10000");
    match sources::profile(settings) {
        Some(Ok(Profile::Dev)) if persistent => Check::warn(
            "save_rules",
            format!("{shown}, but IMCACHE_PROFILE is dev: a cache that may start empty pays for snapshots it does not need"),
        )
        .hint(dev_fix),
        Some(Ok(Profile::Dev)) => Check::pass("save_rules", format!("{shown}, as the dev profile wants (IMCACHE_PROFILE)")),
        Some(Ok(Profile::Prod)) if !persistent => Check::warn(
            "save_rules",
            format!("{shown}, but IMCACHE_PROFILE is prod: a restart starts with an empty cache"),
        )
        .hint(prod_fix),
        Some(Ok(Profile::Prod)) => Check::pass("save_rules", format!("{shown}, as the prod profile wants (IMCACHE_PROFILE)")),
        Some(Err(value)) => Check::warn("save_rules", format!("{shown}; IMCACHE_PROFILE={value} is neither dev nor prod"))
            .hint("set IMCACHE_PROFILE=dev (no persistence) or prod (snapshots) in the environment or .env"),
        None if !persistent => Check::pass("save_rules", format!("{shown}: the dev profile (IMCACHE_PROFILE=prod would want snapshots)")),
        None if save == PROD_RULES => Check::pass("save_rules", format!("{shown}: the guide's prod rules")),
        None if save.is_empty() => Check::pass("save_rules", format!("{shown}: persistence by AOF")),
        None => Check::warn(
            "save_rules",
            format!("{shown} match neither profile (dev: none; prod: save {PROD_RULES})"),
        )
        .hint(format!(
            "pick one ({} or {}), and set IMCACHE_PROFILE to it",
            tune.profile("dev", "save \"\""),
            tune.profile("prod", "save 900 1, 300 10, 60 10000")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(info: &str) -> Server {
        Server::from_info(info)
    }

    #[test]
    fn versions_below_6_2_warn() {
        use crate::output::CheckStatus::*;
        for (v, status) in [
            ("6.0.16", Warn),
            ("5.0.7", Warn),
            ("6.2.0", Pass),
            ("7.0.15", Pass),
            ("10.0.1", Pass),
        ] {
            let check = version(&server(&format!("redis_version:{v}\r\n")));
            assert_eq!(check.status, status, "{v}");
        }
        assert_eq!(version(&server("")).status, Skip);
    }
}
