//! What this machine's /proc says about listening sockets and the processes behind them, for a
//! server on this machine. doctor asks which redis-server runs and on which port (when the port
//! is refused), whether the process holding the port is stopped (when it does not answer),
//! whether the port is open on all interfaces; setup names what holds a port it wanted; tune and
//! doctor ask which user the server runs as and whether it may write its `dir`. The sockets come from /proc/net/tcp{,6} (LISTEN entries), their
//! owners from the `socket:[inode]` links in /proc/PID/fd; `ss` or `netstat` are asked only when
//! /proc/net/tcp cannot be read. Everything here is read-only and never fails: what cannot be read
//! is simply not known.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::{self, Cmd};

/// A listening TCP socket on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socket {
    pub addr: IpAddr,
    pub port: u16,
    /// The process holding it, when we may see it.
    pub owner: Option<Owner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub comm: String,
}

/// What doctor knows about the machine the server runs on; read on first use, and only as much
/// as the question needs: the listening sockets come from /proc/net/tcp{,6} (two small files);
/// their owners from the fds of as few processes as it takes (the redis-server processes, or a
/// search that stops once the port's sockets are found), not from every process of the machine.
pub struct Machine {
    /// The server is on this machine (loopback host): /proc describes it.
    pub local: bool,
    /// LISTEN entries of /proc/net/tcp{,6}: address, port, inode; None when /proc cannot be
    /// read (then `ss` or `netstat`, which name the owners themselves).
    listening: OnceCell<Option<Vec<(IpAddr, u16, u64)>>>,
    from_tools: OnceCell<Vec<Socket>>,
}

impl Machine {
    pub fn new(local: bool) -> Self {
        Machine {
            local,
            listening: OnceCell::new(),
            from_tools: OnceCell::new(),
        }
    }

    fn listening(&self) -> Option<&[(IpAddr, u16, u64)]> {
        self.listening
            .get_or_init(|| self.local.then(proc_net_tcp).flatten())
            .as_deref()
    }

    fn tools(&self) -> &[Socket] {
        self.from_tools.get_or_init(|| match self.local {
            true => listening_sockets_from_tools(),
            false => Vec::new(),
        })
    }

    /// The sockets listening on `port` (none for a remote server: this machine's sockets say
    /// nothing about it), with their owners when we may see them.
    pub fn listeners_on(&self, port: u16) -> Vec<Socket> {
        let Some(listening) = self.listening() else {
            return self
                .tools()
                .iter()
                .filter(|s| s.port == port)
                .cloned()
                .collect();
        };
        let on_port: Vec<&(IpAddr, u16, u64)> =
            listening.iter().filter(|(_, p, _)| *p == port).collect();
        let wanted: Vec<u64> = on_port.iter().map(|(_, _, inode)| *inode).collect();
        let owners = socket_owners(pids(), &wanted);
        let mut sockets: Vec<Socket> = on_port
            .iter()
            .map(|(addr, port, inode)| Socket {
                addr: *addr,
                port: *port,
                owner: owners.get(inode).cloned(),
            })
            .collect();
        sockets.dedup();
        sockets
    }

    /// The addresses listening on `port`, without their owners: no process's fds are read.
    pub fn addresses_on(&self, port: u16) -> Vec<IpAddr> {
        let mut addrs: Vec<IpAddr> = match self.listening() {
            Some(listening) => listening
                .iter()
                .filter(|(_, p, _)| *p == port)
                .map(|(addr, _, _)| *addr)
                .collect(),
            None => self
                .tools()
                .iter()
                .filter(|s| s.port == port)
                .map(|s| s.addr)
                .collect(),
        };
        addrs.dedup();
        addrs
    }

    /// The process listening on `port`, when one can be seen.
    pub fn owner_of(&self, port: u16) -> Option<Owner> {
        self.listeners_on(port).into_iter().find_map(|s| s.owner)
    }

    /// Every socket a redis-server process of this machine listens on: only those processes'
    /// fds are read.
    pub fn redis_listeners(&self) -> Vec<Socket> {
        const REDIS: &str = "redis-server";
        let Some(listening) = self.listening() else {
            return self
                .tools()
                .iter()
                .filter(|s| s.owner.as_ref().is_some_and(|o| o.comm == REDIS))
                .cloned()
                .collect();
        };
        let wanted: Vec<u64> = listening.iter().map(|(_, _, inode)| *inode).collect();
        let owners = socket_owners(pids_named(REDIS), &wanted);
        let mut sockets: Vec<Socket> = listening
            .iter()
            .filter_map(|(addr, port, inode)| {
                Some(Socket {
                    addr: *addr,
                    port: *port,
                    owner: Some(owners.get(inode)?.clone()),
                })
            })
            .collect();
        sockets.dedup();
        sockets
    }
}

/// The LISTEN entries of /proc/net/tcp and tcp6; None when neither can be read.
fn proc_net_tcp() -> Option<Vec<(IpAddr, u16, u64)>> {
    let mut found = Vec::new();
    let mut readable = false;
    for (path, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        if let Ok(text) = std::fs::read_to_string(path) {
            readable = true;
            found.extend(parse_proc_net_tcp(&text, v6));
        }
    }
    readable.then_some(found)
}

/// Listening sockets from `ss`, else from `netstat`.
fn listening_sockets_from_tools() -> Vec<Socket> {
    for (program, args) in [("ss", ["-ltnpH"]), ("netstat", ["-ltnp"])] {
        if process::find(program).is_none() {
            continue;
        }
        match Cmd::new(program).args(args).run(Duration::from_secs(5)) {
            Ok(out) if out.success() => {
                return out.stdout.lines().filter_map(parse_tool_line).collect();
            }
            _ => continue,
        }
    }
    Vec::new()
}

/// The LISTEN entries of /proc/net/tcp or tcp6: address, port, socket inode.
fn parse_proc_net_tcp(text: &str, v6: bool) -> Vec<(IpAddr, u16, u64)> {
    const LISTEN: &str = "0A";
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.get(3) != Some(&LISTEN) {
                return None;
            }
            let (addr, port) = fields.get(1)?.split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let addr = if v6 {
                parse_hex_v6(addr)?
            } else {
                parse_hex_v4(addr)?
            };
            let inode = fields.get(9)?.parse().ok()?;
            Some((addr, port, inode))
        })
        .collect()
}

/// The kernel prints the address bytes as one 32-bit word read in host byte order.
fn parse_hex_v4(hex: &str) -> Option<IpAddr> {
    let word = u32::from_str_radix(hex, 16).ok()?;
    Some(IpAddr::V4(Ipv4Addr::from(word.to_ne_bytes())))
}

/// An IPv6 address is four such words.
fn parse_hex_v6(hex: &str) -> Option<IpAddr> {
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(4).enumerate() {
        let word = u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok()?;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    Some(IpAddr::V6(Ipv6Addr::from(bytes)))
}

/// Socket inode -> the process that holds it, for the `wanted` inodes, from the fds of these
/// processes; stops as soon as every wanted inode has its owner.
fn socket_owners(pids: Vec<u32>, wanted: &[u64]) -> HashMap<u64, Owner> {
    let mut owners = HashMap::new();
    if wanted.is_empty() {
        return owners;
    }
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        let mut comm = None;
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let Some(inode) = socket_inode(&target).filter(|i| wanted.contains(i)) else {
                continue;
            };
            let comm = comm.get_or_insert_with(|| process_comm(pid).unwrap_or_default());
            owners.entry(inode).or_insert_with(|| Owner {
                pid,
                comm: comm.clone(),
            });
        }
        if wanted.iter().all(|inode| owners.contains_key(inode)) {
            break;
        }
    }
    owners
}

fn socket_inode(link: &Path) -> Option<u64> {
    link.to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Every process id in /proc.
fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The pids of processes whose name is `name` (from /proc/PID/comm).
pub fn pids_named(name: &str) -> Vec<u32> {
    pids()
        .into_iter()
        .filter(|pid| process_comm(*pid).as_deref() == Some(name))
        .collect()
}

pub fn process_comm(pid: u32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim_end().to_string())
}

/// The state letter of /proc/PID/stat: R running, S sleeping, T stopped (SIGSTOP), ...
pub fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_state(&stat)
}

/// The state follows the last `)`, since the command name in between may hold anything.
fn parse_stat_state(stat: &str) -> Option<char> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.trim_start().chars().next()
}

/// How long a process has been running (its start time in /proc/PID/stat against
/// /proc/uptime): with a server's INFO `uptime_in_seconds` it tells whether the pid INFO gives is
/// that server here, or some other process (the server runs in a container or elsewhere).
pub fn process_age(pid: u32) -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    // After the name: field 3 (state) is index 0, field 22 (starttime, in clock ticks) index 19.
    let started: f64 = rest.split_whitespace().nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // SAFETY: sysconf only reads a constant of the running system.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (ticks > 0)
        .then(|| std::time::Duration::from_secs_f64((uptime - started / ticks as f64).max(0.0)))
}

/// True when the process is stopped (SIGSTOP, Ctrl-Z, or a debugger).
pub fn is_stopped(pid: u32) -> bool {
    matches!(process_state(pid), Some('T' | 't'))
}

/// The effective user and group ids of a process.
pub fn process_owner(pid: u32) -> Option<(u32, u32)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let effective = |field: &str| -> Option<u32> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((effective("Uid:")?, effective("Gid:")?))
}

/// Whether a process running as `uid`/`gid` may create files in a folder with this metadata
/// (owner, group, then other bits; root always may).
pub fn may_write(folder: &std::fs::Metadata, uid: u32, gid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let mode = folder.mode();
    uid == 0
        || if folder.uid() == uid {
            mode & 0o200 != 0
        } else if folder.gid() == gid {
            mode & 0o020 != 0
        } else {
            mode & 0o002 != 0
        }
}

/// This machine's memory (MemTotal), in bytes.
pub fn memory_total() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// The command line of a process (Redis rewrites it into its process title unless
/// `set-proc-title no`).
pub fn process_cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            bytes
                .split(|b| *b == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The config file a redis-server was started with, when its command line still shows it: the
/// first absolute path to an existing `.conf` file.
pub fn config_file_of(pid: u32) -> Option<PathBuf> {
    process_cmdline(pid)
        .into_iter()
        .skip(1)
        .flat_map(|arg| {
            arg.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(PathBuf::from)
        .find(|p| p.is_absolute() && p.extension().is_some_and(|e| e == "conf") && p.is_file())
}

/// One line of `ss -ltnpH` or `netstat -ltnp`.
fn parse_tool_line(line: &str) -> Option<Socket> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (local, owner) = if fields.first() == Some(&"LISTEN") {
        // ss: State Recv-Q Send-Q Local Peer [users:(("name",pid=N,fd=M))]
        let owner = fields.get(5).and_then(|users| {
            let name = users.split('"').nth(1)?.to_string();
            let pid = users.split("pid=").nth(1)?.split([',', ')']).next()?;
            Some(Owner {
                pid: pid.parse().ok()?,
                comm: name,
            })
        });
        (*fields.get(3)?, owner)
    } else if fields.first().is_some_and(|f| f.starts_with("tcp"))
        && fields.get(5) == Some(&"LISTEN")
    {
        // netstat: Proto Recv-Q Send-Q Local Foreign State PID/Program
        let owner = fields.get(6).and_then(|p| {
            let (pid, name) = p.split_once('/')?;
            Some(Owner {
                pid: pid.parse().ok()?,
                comm: name.to_string(),
            })
        });
        (*fields.get(3)?, owner)
    } else {
        return None;
    };
    let (addr, port) = local.rsplit_once(':')?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let addr = addr.split('%').next().unwrap_or(addr);
    let addr = match addr {
        "*" | "0.0.0.0" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        "::" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        other => other.parse().ok()?,
    };
    Some(Socket {
        addr,
        port: port.parse().ok()?,
        owner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_tcp_listen_entries() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 572 1 0 100 0 0 10 0\n\
           1: 0100007F:A82C 0100007F:1E62 06 00000000:00000000 03:000011A0 00000000     0        0 0 3 0\n\
           2: 00000000:4267 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 55666 1 0 100 0 0 10 0\n";
        assert_eq!(
            parse_proc_net_tcp(v4, false),
            [
                ("127.0.0.1".parse().unwrap(), 6379, 572),
                ("0.0.0.0".parse().unwrap(), 0x4267, 55666)
            ]
        );
        let v6 = "  sl  local_address remote_address st ...\n\
           0: 00000000000000000000000001000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0\n";
        assert_eq!(
            parse_proc_net_tcp(v6, true),
            [("::1".parse().unwrap(), 6379, 99)]
        );
    }

    #[test]
    fn ss_and_netstat_lines() {
        let ss = r#"LISTEN 0      511    127.0.0.1:6380  0.0.0.0:* users:(("redis-server",pid=5245,fd=6))"#;
        assert_eq!(
            parse_tool_line(ss),
            Some(Socket {
                addr: "127.0.0.1".parse().unwrap(),
                port: 6380,
                owner: Some(Owner {
                    pid: 5245,
                    comm: "redis-server".into()
                })
            })
        );
        let ss6 = "LISTEN 0      511       [::]:16999    [::]:*";
        assert_eq!(parse_tool_line(ss6).unwrap().addr, Ipv6Addr::UNSPECIFIED);
        let netstat = "tcp6       0      0 :::16999                :::*                    LISTEN      5245/redis-server *";
        let socket = parse_tool_line(netstat).unwrap();
        assert_eq!((socket.port, socket.owner.unwrap().pid), (16999, 5245));
        assert_eq!(parse_tool_line("Proto Recv-Q Send-Q Local Address"), None);
    }

    #[test]
    fn stat_state_survives_odd_names() {
        assert_eq!(parse_stat_state("42 (redis) server) T 1 42"), Some('T'));
        assert_eq!(parse_stat_state("garbage"), None);
    }

    #[test]
    fn this_process_is_seen() {
        let me = std::process::id();
        assert!(matches!(process_state(me), Some('R' | 'S')));
        assert!(process_owner(me).is_some());
        assert!(!process_cmdline(me).is_empty());
    }
}
