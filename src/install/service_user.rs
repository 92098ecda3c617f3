//! Whether Debian's redis-server service can start as the user it runs as. Its unit (`User=redis`)
//! and its init script (`--chuid redis:redis`) drop to the `redis` account before the server reads
//! /etc/redis/redis.conf, and redis-server stops at once when it cannot open its `logfile`
//! ("Can't open the log file: Permission denied") or enter its `dir` ("Can't chdir to ..."). The
//! service manager may still say it started it, so nothing listens and `service redis-server
//! start`, the obvious fix, fails again. A log file that root created (a redis-server run by hand
//! as root on that config) is the usual cause. Read-only: files are only looked at.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::redis_conf::Config;

/// The account the Debian package's service runs as.
const SERVICE_USER: &str = "redis";

/// A user account: its uid and every group it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gids: Vec<u32>,
}

/// A file or folder the service cannot use, and how to give it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The directive that names it (`logfile` or `dir`).
    pub directive: &'static str,
    pub path: PathBuf,
    /// What is wrong, in a phrase: "is owned by root and the redis user cannot write it".
    pub why: String,
    /// The shell commands that fix it, in order (without sudo).
    pub fix: Vec<String>,
}

impl Blocked {
    /// `its logfile /var/log/redis/redis-server.log is owned by root and ...`.
    pub fn what(&self) -> String {
        format!(
            "its {} {} {}",
            self.directive,
            self.path.display(),
            self.why
        )
    }
}

/// What stops the Debian service from starting, read from `conf` (Debian's redis.conf) and this
/// machine's account files; None when nothing is seen (or there is no `redis` account).
pub fn start_blocked(conf: &Path) -> Option<Blocked> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let account = account(&passwd, &group, SERVICE_USER)?;
    let config = Config::parse(std::fs::read(conf).ok()?);
    blocked(&config, &account, &|uid| owner_name(&passwd, uid))
}

/// The first of the service's files it cannot use: its log file (or the folder it is created
/// in), then its working folder.
pub fn blocked(
    config: &Config,
    account: &Account,
    name_of: &dyn Fn(u32) -> String,
) -> Option<Blocked> {
    let absolute = |name: &str| {
        config
            .last_value(name)
            .filter(|v| v.starts_with('/'))
            .map(PathBuf::from)
    };
    if let Some(log) = absolute("logfile") {
        match stat(&log) {
            Some(meta) if !meta.dir && !allowed(&meta, account, WRITE) => {
                return Some(refused("logfile", &log, &meta, account, WRITE, name_of));
            }
            Some(_) => {}
            None => {
                // redis-server creates it: the folder must let the account in and write.
                let parent = log.parent()?;
                let meta = stat(parent)?;
                if !allowed(&meta, account, WRITE | SEARCH) {
                    return Some(refused(
                        "logfile",
                        parent,
                        &meta,
                        account,
                        WRITE | SEARCH,
                        name_of,
                    ));
                }
            }
        }
    }
    if let Some(dir) = absolute("dir") {
        if let Some(meta) = stat(&dir) {
            if meta.dir && !allowed(&meta, account, SEARCH) {
                return Some(refused("dir", &dir, &meta, account, SEARCH, name_of));
            }
        }
    }
    None
}

/// What the permission check reads of a file.
#[derive(Clone, Copy, Debug)]
struct Stat {
    mode: u32,
    uid: u32,
    gid: u32,
    dir: bool,
}

fn stat(path: &Path) -> Option<Stat> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stat {
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
        dir: meta.is_dir(),
    })
}

/// Permission bits, as in the owner triple (4 read, 2 write, 1 search/execute).
const WRITE: u32 = 0o2;
const SEARCH: u32 = 0o1;

/// The permission check the kernel makes: the owner's bits for the owner, the group's for a
/// member of the file's group, the others' for the rest; root passes.
fn allowed(meta: &Stat, account: &Account, want: u32) -> bool {
    if account.uid == 0 {
        return true;
    }
    let mode = meta.mode;
    let bits = if meta.uid == account.uid {
        mode >> 6
    } else if account.gids.contains(&meta.gid) {
        mode >> 3
    } else {
        mode
    };
    bits & want == want
}

fn refused(
    directive: &'static str,
    path: &Path,
    meta: &Stat,
    account: &Account,
    want: u32,
    name_of: &dyn Fn(u32) -> String,
) -> Blocked {
    let what = match (meta.dir, want & WRITE != 0) {
        (true, true) => "create files in it",
        (true, false) => "enter it",
        (false, _) => "write it",
    };
    let user = &account.name;
    let shown = path.display().to_string();
    let quoted = shlex::try_quote(&shown).map_or_else(|_| shown.clone(), |q| q.into_owned());
    let mut fix = vec![format!("chown {user} {quoted}")];
    if (meta.mode >> 6) & want != want {
        let bits = match want & WRITE != 0 {
            true if meta.dir => "u+wx",
            true => "u+w",
            false => "u+x",
        };
        fix.push(format!("chmod {bits} {quoted}"));
    }
    Blocked {
        directive,
        path: path.to_path_buf(),
        why: format!(
            "is owned by {} and the {user} user the service runs as cannot {what}",
            name_of(meta.uid)
        ),
        fix,
    }
}

/// `name`'s account from the texts of /etc/passwd and /etc/group: its uid, its primary group
/// and the groups that list it as a member.
pub fn account(passwd: &str, group: &str, name: &str) -> Option<Account> {
    let (uid, gid) = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 4 && fields[0] == name)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })?;
    let mut gids = vec![gid];
    for line in group.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() >= 4 && fields[3].split(',').any(|member| member.trim() == name) {
            if let Ok(id) = fields[2].parse() {
                gids.push(id);
            }
        }
    }
    Some(Account {
        name: name.to_string(),
        uid,
        gids,
    })
}

/// The login name of `uid` in the text of /etc/passwd, else the number.
fn owner_name(passwd: &str, uid: u32) -> String {
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.len() >= 3 && fields[2].parse() == Ok(uid)).then(|| fields[0].to_string())
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        redis:x:101:102::/var/lib/redis:/usr/sbin/nologin\n";
    const GROUP: &str = "root:x:0:\nadm:x:4:syslog,redis\nredis:x:102:\n";

    #[test]
    fn the_account_has_its_primary_and_member_groups() {
        assert_eq!(
            account(PASSWD, GROUP, "redis"),
            Some(Account {
                name: "redis".into(),
                uid: 101,
                gids: vec![102, 4]
            })
        );
        assert_eq!(account(PASSWD, GROUP, "redi"), None);
        assert_eq!(account("redis:x:oops:1::/:/bin/sh\n", "", "redis"), None);
    }

    /// An account that owns nothing on this machine and is in none of its files' groups.
    fn stranger() -> Account {
        Account {
            name: "redis".into(),
            uid: 4_000_000_001,
            gids: vec![4_000_000_002],
        }
    }

    fn conf(text: String) -> Config {
        Config::parse(text.into_bytes())
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_log_file_the_service_user_cannot_write_is_named_with_its_fix() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("redis-server.log");
        std::fs::write(&log, "").unwrap();
        chmod(&log, 0o644);
        chmod(dir.path(), 0o755);
        let config = conf(format!(
            "logfile {}\ndir {}\n",
            log.display(),
            dir.path().display()
        ));
        let name_of = |_| String::from("root");
        let found = blocked(&config, &stranger(), &name_of).expect("blocked");
        assert_eq!(found.directive, "logfile");
        assert_eq!(found.path, log);
        assert_eq!(
            found.why,
            "is owned by root and the redis user the service runs as cannot write it"
        );
        assert_eq!(found.fix, [format!("chown redis {}", log.display())]);
        // Writable by everyone: nothing to say.
        chmod(&log, 0o666);
        assert_eq!(blocked(&config, &stranger(), &name_of), None);
        // The account's own file, but read-only: chown is not enough.
        let own = Stat {
            mode: 0o100444,
            uid: stranger().uid,
            gid: 0,
            dir: false,
        };
        assert!(!allowed(&own, &stranger(), WRITE));
        let found = refused("logfile", &log, &own, &stranger(), WRITE, &name_of);
        assert_eq!(
            found.fix,
            [
                format!("chown redis {}", log.display()),
                format!("chmod u+w {}", log.display())
            ]
        );
        // The owner's bits decide for the owner, the group's for a member, the others' for
        // the rest.
        let group_may = Stat {
            mode: 0o100464,
            uid: 0,
            gid: 4_000_000_002,
            dir: false,
        };
        assert!(allowed(&group_may, &stranger(), WRITE));
        assert!(!allowed(
            &Stat {
                gid: 7,
                ..group_may
            },
            &stranger(),
            WRITE
        ));
        assert!(!allowed(
            &Stat {
                uid: stranger().uid,
                mode: 0o100066,
                ..group_may
            },
            &stranger(),
            WRITE
        ));
        // Root passes every check.
        chmod(&log, 0o400);
        let root = Account {
            uid: 0,
            ..stranger()
        };
        assert_eq!(blocked(&config, &root, &name_of), None);
    }

    #[test]
    fn a_missing_log_needs_a_folder_it_may_create_it_in_and_dir_must_be_enterable() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("log");
        let work = dir.path().join("lib");
        std::fs::create_dir(&logs).unwrap();
        std::fs::create_dir(&work).unwrap();
        chmod(&logs, 0o755);
        chmod(&work, 0o750);
        let config = conf(format!(
            "logfile {}\ndir {}\n",
            logs.join("redis-server.log").display(),
            work.display()
        ));
        let name_of = |_| String::from("root");
        let found = blocked(&config, &stranger(), &name_of).expect("log folder");
        assert_eq!(
            (found.directive, found.path.as_path()),
            ("logfile", logs.as_path())
        );
        assert!(
            found.why.ends_with("cannot create files in it"),
            "{}",
            found.why
        );
        chmod(&logs, 0o777);
        let found = blocked(&config, &stranger(), &name_of).expect("dir");
        assert_eq!(
            (found.directive, found.path.as_path()),
            ("dir", work.as_path())
        );
        assert!(found.why.ends_with("cannot enter it"), "{}", found.why);
        chmod(&work, 0o751);
        assert_eq!(blocked(&config, &stranger(), &name_of), None);
        // An empty logfile (standard output) and relative paths are not looked at.
        let config = conf("logfile \"\"\ndir ./\n".into());
        assert_eq!(blocked(&config, &stranger(), &name_of), None);
    }
}
