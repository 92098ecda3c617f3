//! The host checks, only for a server on this machine (a container shares this kernel too):
//! `overcommit` (vm.overcommit_memory other than 1 lets a background save's fork fail) and `thp`
//! (transparent huge pages `always`: latency spikes and copy-on-write bloat after a fork, unless
//! Redis turns them off for itself with `disable-thp`).

use std::path::Path;

use crate::output::Check;

const OVERCOMMIT: &str = "/proc/sys/vm/overcommit_memory";
const THP: &str = "/sys/kernel/mm/transparent_hugepage/enabled";

pub fn overcommit(local: bool) -> Check {
    overcommit_from(local, Path::new(OVERCOMMIT))
}

fn overcommit_from(local: bool, path: &Path) -> Check {
    if !local {
        return Check::skip("overcommit", "not run: the server is not on this machine");
    }
    let value = match std::fs::read_to_string(path) {
        Ok(text) => text.trim().to_string(),
        Err(err) => {
            return Check::skip(
                "overcommit",
                format!("not run: cannot read {}: {err}", path.display()),
            );
        }
    };
    if value == "1" {
        Check::pass("overcommit", "vm.overcommit_memory = 1")
    } else {
        Check::warn(
            "overcommit",
            format!("vm.overcommit_memory = {value}: a background save can fail to fork (\"Cannot allocate memory\")"),
        )
        .hint("sysctl vm.overcommit_memory=1, and add `vm.overcommit_memory = 1` to /etc/sysctl.conf to keep it")
    }
}

/// `disable_thp`: the server's `disable-thp` setting when it could be read.
pub fn thp(local: bool, disable_thp: Option<&str>) -> Check {
    thp_from(local, Path::new(THP), disable_thp)
}

fn thp_from(local: bool, path: &Path, disable_thp: Option<&str>) -> Check {
    if !local {
        return Check::skip("thp", "not run: the server is not on this machine");
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            return Check::skip(
                "thp",
                format!("not run: cannot read {}: {err}", path.display()),
            );
        }
    };
    // The file lists the choices with the active one in brackets: `always [madvise] never`.
    let active = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix('[')?.strip_suffix(']'))
        .unwrap_or("unknown")
        .to_string();
    match (active.as_str(), disable_thp) {
        ("always", Some("yes")) => Check::pass(
            "thp",
            "transparent huge pages: always, but Redis turns them off for itself (disable-thp yes)",
        ),
        ("always", _) => Check::warn(
            "thp",
            "transparent huge pages: always: latency spikes and memory bloat after each fork",
        )
        .hint(format!(
            "echo madvise > {THP} (as root; add it to a boot script to keep it)"
        )),
        (other, _) => Check::pass("thp", format!("transparent huge pages: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::CheckStatus;

    #[test]
    fn thp_always_warns_unless_redis_disables_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("enabled");
        std::fs::write(&path, "[always] madvise never\n").unwrap();
        assert_eq!(thp_from(true, &path, None).status, CheckStatus::Warn);
        assert_eq!(thp_from(true, &path, Some("yes")).status, CheckStatus::Pass);
        std::fs::write(&path, "always [madvise] never\n").unwrap();
        assert_eq!(thp_from(true, &path, None).status, CheckStatus::Pass);
        assert_eq!(thp_from(false, &path, None).status, CheckStatus::Skip);
    }

    #[test]
    fn overcommit_other_than_1_warns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overcommit_memory");
        std::fs::write(&path, "0\n").unwrap();
        let check = overcommit_from(true, &path);
        assert_eq!(check.status, CheckStatus::Warn);
        assert!(
            check
                .hint
                .unwrap()
                .starts_with("sysctl vm.overcommit_memory=1")
        );
        std::fs::write(&path, "1\n").unwrap();
        assert_eq!(overcommit_from(true, &path).status, CheckStatus::Pass);
    }
}
