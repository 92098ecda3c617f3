//! Fake executables for programs that cannot run here (docker engine, brew, systemctl, sudo).
//! Each is a small sh script in a temp folder put first on PATH; it appends its argv to a log
//! (one line per call, arguments separated by a unit separator) and then acts out the real
//! program's answer, as the test writes it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct FakeBin {
    dir: tempfile::TempDir,
}

/// The separator between logged arguments (cannot appear in a normal argument).
const SEP: char = '\u{1f}';

impl FakeBin {
    pub fn new() -> Self {
        FakeBin {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The folder to put first on PATH.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("calls.log")
    }

    /// Writes `name` as a script: it logs its argv, then runs `body` (sh, with "$@" available).
    pub fn script(&self, name: &str, body: &str) -> &Self {
        let path = self.dir.path().join(name);
        let script = format!(
            "#!/bin/sh\n\
             {{ printf '%s' \"{name}\"; for a in \"$@\"; do printf '\\037%s' \"$a\"; done; printf '\\n'; }} >> '{log}'\n\
             {body}\n",
            log = self.log_path().display()
        );
        std::fs::write(&path, script).expect("write fake");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        self
    }

    /// A dpkg database (what `DPKG_ADMINDIR` names; see [`FakeBin::dpkg_admin`]) in which the
    /// redis-server package is installed or not, with no pending journal entry.
    pub fn dpkg(&self, redis_server_installed: bool) -> &Self {
        let admin = self.dpkg_admin();
        std::fs::create_dir_all(admin.join("updates")).expect("dpkg updates/");
        let redis = match redis_server_installed {
            true => "Package: redis-server\nStatus: install ok installed\nVersion: 5:7.0.15-1\n\n",
            false => "",
        };
        let status = format!(
            "Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n{redis}\
             Package: redis-tools\nStatus: deinstall ok config-files\n"
        );
        std::fs::write(admin.join("status"), status).expect("dpkg status");
        self
    }

    /// The folder of the fake dpkg database.
    pub fn dpkg_admin(&self) -> PathBuf {
        self.dir.path().join("dpkg")
    }

    /// Every call so far: program name followed by its arguments.
    pub fn calls(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.log_path())
            .unwrap_or_default()
            .lines()
            .map(|line| line.split(SEP).map(str::to_string).collect())
            .collect()
    }

    /// The calls as shell-like lines, for assertions and messages.
    pub fn call_lines(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.join(" ")).collect()
    }
}
