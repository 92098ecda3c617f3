//! A redis.conf and the files it includes, read in the order redis-server reads them, because
//! the value Redis ends up with is the last one it reads in that order, whichever file holds it.
//! As Redis does: `include PATH` reads PATH at that point (then goes on with the including file);
//! a relative PATH is relative to the working directory, which each `dir` line changes (Redis
//! chdirs as it reads `dir`), starting from the directory tune runs in; since Redis 7 a PATH with
//! `*`, `?` or `[` is a glob whose matches are read in sorted order and may match nothing, while
//! a plain PATH that cannot be opened stops the server. Every file is read and parsed once.

use std::fs;
use std::ops::Range;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::check::Dialect;
use super::values::SaveRules;
use super::{Config, Directive, join_args};

/// A file of the tree.
#[derive(Debug)]
pub struct TreeFile {
    /// The main file as given; an include as its line names it, resolved.
    pub path: PathBuf,
    pub config: Config,
    /// How many times the tree reads it (a file included twice is read twice).
    pub reads: usize,
    id: Option<(u64, u64)>,
}

/// One directive line, in reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub file: usize,
    pub directive: usize,
}

/// An `include` line and the steps of what it read.
#[derive(Clone, Debug)]
pub struct Include {
    pub file: usize,
    pub directive: usize,
    pub steps: Range<usize>,
}

/// Something in the tree redis-server refuses (`fatal`) or that tune cannot see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: usize,
    /// 1-based; None for the whole file.
    pub line: Option<usize>,
    pub reason: String,
    pub fatal: bool,
}

/// How to read the tree.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where relative paths start (the directory redis-server would be started in).
    pub cwd: PathBuf,
    /// Follow `include` lines (false: the file alone).
    pub follow: bool,
    /// `include` takes globs (Redis 7 and later).
    pub globs: bool,
}

#[derive(Debug)]
pub struct Tree {
    /// `files[0]` is the main file.
    pub files: Vec<TreeFile>,
    pub steps: Vec<Step>,
    pub includes: Vec<Include>,
    /// Includes that are missing, unreadable, not text, or read in a loop.
    pub problems: Vec<Problem>,
    /// Every include could be read: the values below are what Redis would take.
    pub complete: bool,
}

const MAX_DEPTH: usize = 32;

impl Tree {
    /// The tree of `main`, already read and parsed into `config`.
    pub fn load(main: &Path, config: Config, options: &Options) -> Tree {
        let mut tree = Tree {
            files: vec![TreeFile {
                path: main.to_path_buf(),
                config,
                reads: 1,
                id: fs::metadata(main).ok().map(|m| (m.dev(), m.ino())),
            }],
            steps: Vec::new(),
            includes: Vec::new(),
            problems: Vec::new(),
            complete: true,
        };
        let mut cwd = options.cwd.clone();
        tree.walk(0, &mut cwd, &mut vec![0], options);
        tree
    }

    fn walk(&mut self, file: usize, cwd: &mut PathBuf, stack: &mut Vec<usize>, options: &Options) {
        for directive in 0..self.files[file].config.directives.len() {
            self.steps.push(Step { file, directive });
            let d = &self.files[file].config.directives[directive];
            let line = d.line + 1;
            match (d.name.as_str(), d.args.as_slice()) {
                ("dir", [dir]) => cwd.push(String::from_utf8_lossy(dir).as_ref()),
                ("include", [pattern]) if options.follow => {
                    let pattern = String::from_utf8_lossy(pattern).into_owned();
                    let begin = self.steps.len();
                    for path in self.resolve(file, line, &pattern, cwd, options) {
                        self.include(file, line, &path, cwd, stack, options);
                    }
                    self.includes.push(Include {
                        file,
                        directive,
                        steps: begin..self.steps.len(),
                    });
                }
                _ => {}
            }
        }
    }

    /// The files an include line names, sorted as glob(3) sorts them.
    fn resolve(
        &mut self,
        file: usize,
        line: usize,
        pattern: &str,
        cwd: &Path,
        options: &Options,
    ) -> Vec<PathBuf> {
        let is_glob = options.globs && pattern.contains(['*', '?', '[']);
        // After a `dir` line the folder is the file's own choice; before one, it is wherever
        // redis-server happens to start.
        if !Path::new(pattern).is_absolute() && cwd == options.cwd {
            self.problems.push(Problem {
                file,
                line: Some(line),
                reason: format!(
                    "`include {pattern}` is relative and no `dir` line comes before it: tune reads \
                     it from {} (the folder tune runs in); redis-server reads it from the folder it \
                     starts in",
                    cwd.display()
                ),
                fatal: false,
            });
        }
        if !is_glob {
            return vec![cwd.join(pattern)];
        }
        let found = glob(&cwd.join(pattern));
        // glob(3) matches are read as one text: a match without a final newline runs into the next.
        for pair in found.windows(2) {
            if fs::read(&pair[0]).is_ok_and(|b| !b.is_empty() && !b.ends_with(b"\n")) {
                self.problems.push(Problem {
                    file,
                    line: Some(line),
                    reason: format!(
                        "{} has no final newline: Redis reads its last line and the first of {} as one line",
                        pair[0].display(),
                        pair[1].display()
                    ),
                    fatal: false,
                });
            }
        }
        found
    }

    fn include(
        &mut self,
        from: usize,
        line: usize,
        path: &Path,
        cwd: &mut PathBuf,
        stack: &mut Vec<usize>,
        options: &Options,
    ) {
        let problem = |reason: String, fatal: bool| Problem {
            file: from,
            line: Some(line),
            reason,
            fatal,
        };
        let id = fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
        let known = id.and_then(|id| self.files.iter().position(|f| f.id == Some(id)));
        let index = match known {
            Some(i) if stack.contains(&i) || stack.len() >= MAX_DEPTH => {
                self.problems.push(problem(
                    format!(
                        "`include {}` reads a file that is already being read: an include loop, \
                         which redis-server never finishes loading",
                        path.display()
                    ),
                    true,
                ));
                return;
            }
            Some(i) => {
                self.files[i].reads += 1;
                i
            }
            None if fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
                // A folder, a FIFO or a device (`/dev/zero`) is not read: it may never end.
                self.complete = false;
                self.problems.push(problem(
                    format!(
                        "`include {}`: not a regular file; tune does not read it",
                        path.display()
                    ),
                    false,
                ));
                return;
            }
            None => match fs::read(path) {
                Ok(bytes) => {
                    self.files.push(TreeFile {
                        path: path.to_path_buf(),
                        config: Config::parse(bytes),
                        reads: 1,
                        id,
                    });
                    self.files.len() - 1
                }
                Err(err) => {
                    let missing = err.kind() == std::io::ErrorKind::NotFound;
                    if !missing {
                        self.complete = false;
                    }
                    self.problems.push(problem(
                        match missing {
                            true => format!(
                                "`include {}`: no such file (\"Fatal error, can't open config file\")",
                                path.display()
                            ),
                            false => format!(
                                "`include {}`: tune cannot read it ({err}), so it cannot tell what it sets",
                                path.display()
                            ),
                        },
                        missing,
                    ));
                    return;
                }
            },
        };
        stack.push(index);
        self.walk(index, cwd, stack, options);
        stack.pop();
    }

    /// The tree of one file, without following its includes.
    #[cfg(test)]
    pub fn single(config: Config) -> Tree {
        let options = Options {
            cwd: PathBuf::from("/"),
            follow: false,
            globs: false,
        };
        Tree::load(Path::new(""), config, &options)
    }

    pub fn directive(&self, step: usize) -> &Directive {
        let s = self.steps[step];
        &self.files[s.file].config.directives[s.directive]
    }

    /// The steps that set `name`, in reading order.
    pub fn setters(&self, name: &str) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&s| self.directive(s).name == name)
            .collect()
    }

    /// The value Redis takes for a single-valued directive: the last line read; None when no
    /// line sets it.
    pub fn value(&self, name: &str) -> Option<String> {
        self.setters(name)
            .last()
            .map(|&s| join_args(&self.directive(s).args))
    }

    /// The snapshot rules the tree's `save` lines add up to (`save ""` clears what came before):
    /// None when no line sets them, Err with the lines' text when one is a line Redis refuses.
    pub fn save_rules(&self) -> Option<Result<SaveRules, String>> {
        let setters = self.setters("save");
        if setters.is_empty() {
            return None;
        }
        let mut rules = SaveRules::default();
        for &s in &setters {
            match SaveRules::from_args(&self.directive(s).args) {
                Some(more) if more.is_off() => rules = more,
                Some(more) => rules.0.extend(more.0),
                None => {
                    let text: Vec<String> = setters
                        .iter()
                        .map(|&s| join_args(&self.directive(s).args))
                        .collect();
                    return Some(Err(text.join(" ")));
                }
            }
        }
        Some(Ok(rules))
    }

    /// `path:line` of a step, as messages show it.
    pub fn place(&self, step: usize) -> String {
        let s = self.steps[step];
        format!(
            "{}:{}",
            self.files[s.file].path.display(),
            self.directive(step).line + 1
        )
    }

    /// `path:line` of the include line that read a step's file, when it is an included one.
    pub fn included_at(&self, step: usize) -> Option<String> {
        let include = self
            .includes
            .iter()
            .filter(|i| i.steps.contains(&step))
            .min_by_key(|i| i.steps.len())?;
        let d = &self.files[include.file].config.directives[include.directive];
        Some(format!(
            "{}:{}",
            self.files[include.file].path.display(),
            d.line + 1
        ))
    }

    /// Everything in the tree that redis-server refuses or tune cannot see, each file once: the
    /// include problems, then each file's lines in order.
    pub fn problems(&self, dialect: &Dialect) -> Vec<Problem> {
        let mut found = self.problems.clone();
        for (file, f) in self.files.iter().enumerate() {
            let config = &f.config;
            if let Some(line) = config.binary_at {
                found.push(Problem {
                    file,
                    line: Some(line + 1),
                    reason: "not a text file (it holds control bytes)".into(),
                    fatal: true,
                });
                continue;
            }
            let mut lines: Vec<(usize, String)> = config
                .unparsable
                .iter()
                .map(|&l| {
                    (
                        l,
                        "unbalanced quotes (\"Unbalanced quotes in configuration line\")".into(),
                    )
                })
                .collect();
            lines.extend(
                config
                    .directives
                    .iter()
                    .filter_map(|d| dialect.refuses(d).map(|why| (d.line, why))),
            );
            lines.sort();
            found.extend(lines.into_iter().map(|(line, reason)| Problem {
                file,
                line: Some(line + 1),
                reason,
                fatal: true,
            }));
        }
        found
    }
}

/// glob(3) without flags: `*`, `?` and `[...]` within one path component, a leading `.` only
/// matched by a `.`, matches sorted; only files (a folder gives Redis nothing to read).
fn glob(pattern: &Path) -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::from(if pattern.is_absolute() { "/" } else { "" })];
    for part in pattern.iter().skip(usize::from(pattern.is_absolute())) {
        let part = part.to_string_lossy();
        if !part.contains(['*', '?', '[']) {
            paths.iter_mut().for_each(|p| p.push(part.as_ref()));
            continue;
        }
        let mut next = Vec::new();
        for dir in &paths {
            let Ok(entries) = fs::read_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if fnmatch(part.as_bytes(), name.as_bytes()) {
                    next.push(dir.join(name));
                }
            }
        }
        paths = next;
    }
    paths.retain(|p| p.is_file());
    paths.sort();
    paths
}

/// fnmatch(3) for one path component.
fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    matches(pattern, name)
}

fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| matches(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && matches(rest, &name[1..]),
        Some((b'[', rest)) => {
            let Some((&c, tail)) = name.split_first() else {
                return false;
            };
            let negate = matches!(rest.first(), Some(b'!' | b'^'));
            let set = &rest[usize::from(negate)..];
            // `]` right after `[` is a member; the class ends at the next `]`.
            let Some(close) = set.iter().skip(1).position(|b| *b == b']').map(|i| i + 1) else {
                return c == b'[' && matches(rest, tail);
            };
            let class = &set[..close];
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    hit |= (class[i]..=class[i + 2]).contains(&c);
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negate && matches(&set[close + 1..], tail)
        }
        Some((b'\\', rest)) if !rest.is_empty() => {
            name.first() == Some(&rest[0]) && matches(&rest[1..], &name[1..])
        }
        Some((&p, rest)) => name.first() == Some(&p) && matches(rest, &name[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn load(path: &Path, cwd: &Path) -> Tree {
        let options = Options {
            cwd: cwd.to_path_buf(),
            follow: true,
            globs: true,
        };
        Tree::load(path, Config::parse(fs::read(path).unwrap()), &options)
    }

    #[test]
    fn globs_match_like_fnmatch() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b".hidden.conf"));
        assert!(fnmatch(b".*.conf", b".hidden.conf"));
        assert!(fnmatch(b"redis-?.conf", b"redis-1.conf"));
        assert!(fnmatch(b"[a-c]x", b"bx") && !fnmatch(b"[!a-c]x", b"bx"));
        assert!(fnmatch(b"[]]", b"]") && fnmatch(b"a\\*", b"a*") && !fnmatch(b"a\\*", b"ab"));
    }

    #[test]
    fn includes_are_read_in_place_relative_to_dir_and_globs_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("conf.d")).unwrap();
        write(d, "conf.d/b.conf", "maxmemory 2gb\n");
        write(d, "conf.d/a.conf", "maxmemory 1gb\nsave 60 1\n");
        write(d, "conf.d/.skip.conf", "maxmemory 9gb\n");
        write(d, "local.conf", "maxmemory-policy volatile-ttl\n");
        let main = write(
            d,
            "redis.conf",
            &format!(
                "maxmemory 5gb\ninclude {}/conf.d/*.conf\ndir {}\ninclude local.conf\ninclude {}/none/*.conf\nsave 30 2\n",
                d.display(),
                d.display(),
                d.display()
            ),
        );
        let tree = load(&main, Path::new("/"));
        assert_eq!(tree.value("maxmemory").as_deref(), Some("2gb"));
        assert_eq!(
            tree.value("maxmemory-policy").as_deref(),
            Some("volatile-ttl")
        );
        assert_eq!(
            tree.save_rules(),
            Some(Ok(SaveRules(vec![(60, 1), (30, 2)])))
        );
        let order: Vec<String> = (0..tree.steps.len()).map(|s| tree.place(s)).collect();
        assert!(
            order[1].ends_with("redis.conf:2") && order[2].ends_with("a.conf:1"),
            "{order:?}"
        );
        assert!(tree.complete);
        let relative: Vec<_> = tree
            .problems
            .iter()
            .filter(|p| p.reason.contains("relative"))
            .collect();
        assert!(relative.is_empty(), "after a dir line: {relative:?}");
        let before_dir = write(d, "first.conf", "include local.conf\n");
        let tree = load(&before_dir, d);
        assert_eq!(
            tree.value("maxmemory-policy").as_deref(),
            Some("volatile-ttl")
        );
        assert!(
            tree.problems[0]
                .reason
                .contains("relative and no `dir` line")
        );
        assert!(tree.problems[0].reason.contains(&d.display().to_string()));
    }

    #[test]
    fn a_missing_plain_include_is_fatal_and_a_loop_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let main = write(
            d,
            "redis.conf",
            &format!(
                "include {0}/gone.conf\ninclude {0}/redis.conf\nport 1\n",
                d.display()
            ),
        );
        let tree = load(&main, d);
        assert_eq!(tree.problems.len(), 2, "{:?}", tree.problems);
        assert!(tree.problems.iter().all(|p| p.fatal));
        assert!(tree.problems[0].reason.contains("no such file"));
        assert!(tree.problems[1].reason.contains("include loop"));
        assert_eq!(tree.steps.len(), 3);
    }

    #[test]
    fn a_device_or_folder_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let main = write(dir.path(), "redis.conf", "include /dev/zero\nport 1\n");
        let tree = load(&main, dir.path());
        assert!(!tree.complete);
        assert!(tree.problems[0].reason.contains("not a regular file"));
        assert_eq!(tree.steps.len(), 2);
    }

    #[test]
    fn redis_6_reads_a_pattern_as_a_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "a.conf", "port 1\n");
        let main = write(
            d,
            "redis.conf",
            &format!("include {}/*.conf\n", d.display()),
        );
        let options = Options {
            cwd: d.to_path_buf(),
            follow: true,
            globs: false,
        };
        let tree = Tree::load(&main, Config::parse(fs::read(&main).unwrap()), &options);
        assert!(
            tree.problems[0].reason.contains("no such file"),
            "{:?}",
            tree.problems
        );
    }
}
