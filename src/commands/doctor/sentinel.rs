//! doctor through a Sentinel set: every sentinel is asked at once (one `--timeout` for all, so a
//! hung one costs no more than the timeout), then the findings: how many answer and whether they
//! agree on the master (`sentinels`), whether a failover could be authorized (`quorum`, from
//! `SENTINEL CKQUORUM`), the master's replicas and their link (`replica`, one per node), a recent
//! failover (`failover`), and an address in `.env` or the environment that names a node which is
//! no longer the master (`env_address`). The master the sentinels name is then examined by the
//! rest of doctor like any server.

mod failover;
pub mod moved;
mod replicas;

use std::time::Instant;

use crate::connect::sentinel::{self as resolve, Record};
use crate::error::Error;
use crate::output::Check;
use crate::settings::{SentinelSettings, Settings, host_port, is_this_machine};

/// The findings, and the master the rest of doctor examines.
pub struct Surveyed {
    pub checks: Vec<Check>,
    /// The master's settings (its address, the data credentials), when the sentinels name one.
    pub master: Option<Settings>,
}

/// One sentinel's answer.
struct Answer {
    node: (String, u16),
    view: Result<View, Error>,
}

/// What one sentinel says about the master.
struct View {
    master: Record,
    quorum: Result<String, String>,
    replicas: Vec<Record>,
    /// The other sentinels it knows (`SENTINEL SENTINELS`).
    others: Vec<Record>,
}

/// What the sentinels said, for the checks of this folder.
pub struct Survey<'a> {
    settings: &'a Settings,
    sentinel: &'a SentinelSettings,
    answers: Vec<Answer>,
    /// The master most sentinels name, the first that named it, and its record there.
    master: Option<((String, u16), usize)>,
}

pub fn diagnose(settings: &Settings, sentinel: &SentinelSettings) -> Surveyed {
    let started = Instant::now();
    let answers = ask_all(settings, sentinel);
    let mut survey = Survey {
        settings,
        sentinel,
        answers,
        master: None,
    };
    survey.master = survey.chosen();
    let took = started.elapsed();
    let master = survey.master_settings();
    let mut checks = vec![survey.sentinels().took(took), survey.quorum()];
    checks.extend(replicas::checks(&survey, master.as_ref()));
    checks.push(failover::failover(&survey));
    checks.push(failover::env_address(&survey));
    Surveyed { checks, master }
}

/// Asks every sentinel at once, each in its own thread with the whole `--timeout`.
fn ask_all(settings: &Settings, sentinel: &SentinelSettings) -> Vec<Answer> {
    std::thread::scope(|scope| {
        let asking: Vec<_> = sentinel
            .nodes
            .value
            .iter()
            .map(|node| scope.spawn(move || ask(settings, sentinel, node)))
            .collect();
        asking
            .into_iter()
            .zip(&sentinel.nodes.value)
            .map(|(thread, node)| {
                thread.join().unwrap_or_else(|_| Answer {
                    node: node.clone(),
                    view: Err(Error::check("asking this sentinel failed")),
                })
            })
            .collect()
    })
}

fn ask(settings: &Settings, sentinel: &SentinelSettings, node: &(String, u16)) -> Answer {
    let view = (|| {
        let mut conn = resolve::open_sentinel(settings, sentinel, node, settings.timeout)?;
        let con = &mut conn.con;
        let master = resolve::master_record(con, settings, sentinel, node)?;
        let name = &sentinel.master.value;
        let quorum = redis::cmd("SENTINEL")
            .arg("CKQUORUM")
            .arg(name)
            .query::<String>(con)
            .map_err(|err| match err.code() {
                Some(code) => format!("{code} {}", err.detail().unwrap_or("")),
                None => err.to_string(),
            });
        Ok(View {
            master,
            quorum,
            replicas: resolve::replicas(con, name).unwrap_or_default(),
            others: resolve::sentinels(con, name).unwrap_or_default(),
        })
    })();
    Answer {
        node: node.clone(),
        view,
    }
}

impl Survey<'_> {
    fn name(&self) -> &str {
        &self.sentinel.master.value
    }

    fn views(&self) -> impl Iterator<Item = (&Answer, &View)> {
        self.answers
            .iter()
            .filter_map(|a| a.view.as_ref().ok().map(|v| (a, v)))
    }

    /// The address most answering sentinels name, preferring one they do not flag down.
    fn chosen(&self) -> Option<((String, u16), usize)> {
        let candidates: Vec<_> = self
            .answers
            .iter()
            .enumerate()
            .filter_map(|(index, answer)| {
                let view = answer.view.as_ref().ok()?;
                let addr = view.master.addr()?;
                let naming = self
                    .views()
                    .filter(|(_, v)| v.master.addr().as_ref() == Some(&addr))
                    .count();
                Some(((addr, index), (!view.master.is_down(), naming)))
            })
            .collect();
        // The last of equals wins in max_by_key: reversed, the first sentinel asked does.
        candidates
            .into_iter()
            .rev()
            .max_by_key(|(_, score)| *score)
            .map(|(chosen, _)| chosen)
    }

    /// The view of the sentinel that named the chosen master.
    fn master_view(&self) -> Option<&View> {
        let (_, index) = self.master.as_ref()?;
        self.answers[*index].view.as_ref().ok()
    }

    fn master_address(&self) -> Option<String> {
        self.master.as_ref().map(|((h, p), _)| host_port(h, *p))
    }

    fn master_settings(&self) -> Option<Settings> {
        let (addr, index) = self.master.as_ref()?;
        let (host, port) = &self.answers[*index].node;
        Some(resolve::master_settings(
            self.settings,
            addr,
            &host_port(host, *port),
        ))
    }

    /// Every sentinel of the set: the ones listed, then the others they know.
    fn all_sentinels(&self) -> Vec<(String, u16)> {
        let mut all = self.sentinel.nodes.value.clone();
        for (_, view) in self.views() {
            for other in view.others.iter().filter_map(Record::addr) {
                if !all.iter().any(|known| same_node(known, &other)) {
                    all.push(other);
                }
            }
        }
        all
    }

    /// `redis+sentinel://h1:p1,h2:p2/NAME[/db]`: the URL that lets an app follow failovers.
    fn set_url(&self) -> String {
        self.settings
            .sentinel_url(&self.all_sentinels(), self.name())
    }

    /// How many answer, and whether they agree on a master that is up.
    fn sentinels(&self) -> Check {
        let listed = self.answers.len();
        let answered = self.views().count();
        let silent: Vec<String> = self
            .answers
            .iter()
            .filter_map(|a| a.view.as_ref().err())
            .map(|err| err.message.clone())
            .collect();
        let Some(master) = self.master_address() else {
            let first = self.answers.iter().find_map(|a| a.view.as_ref().err());
            return Check::fail(
                "sentinels",
                format!(
                    "none of the {listed} sentinels names a master for {}: {}",
                    self.name(),
                    silent.join("; ")
                ),
            )
            .hint(first.and_then(|e| e.hint.clone()).unwrap_or_default());
        };
        let base = format!("{answered} of {listed} sentinels answer");
        let mut named: Vec<(String, Vec<String>)> = Vec::new();
        for (answer, view) in self.views() {
            let addr = view.master.address();
            let node = host_port(&answer.node.0, answer.node.1);
            match named.iter_mut().find(|(a, _)| *a == addr) {
                Some((_, nodes)) => nodes.push(node),
                None => named.push((addr, vec![node])),
            }
        }
        if named.len() > 1 {
            let said: Vec<String> = named
                .iter()
                .map(|(addr, nodes)| format!("{} say {addr}", nodes.join(", ")))
                .collect();
            return Check::fail(
                "sentinels",
                format!(
                    "{base} and disagree on the master of {}: {}",
                    self.name(),
                    said.join("; ")
                ),
            )
            .hint(format!(
                "a failover is under way, or a sentinel is cut off from the others: ask again in a \
                 few seconds; if it stays, `SENTINEL RESET {}` on the one with the old view",
                self.name()
            ));
        }
        let view = self.master_view();
        if let Some(record) = view.map(|v| &v.master).filter(|r| r.is_down()) {
            return Check::fail(
                "sentinels",
                format!(
                    "{base}: the master of {}, {master}, is down ({}) and no replica has been \
                     promoted",
                    self.name(),
                    record.get("flags").unwrap_or("?")
                ),
            )
            .hint(
                "start the master again; a failover needs a replica that is up (see replica) and \
                 the quorum (see quorum)",
            );
        }
        let known = view.map_or(listed, |v| v.others.len() + 1);
        let quorum = view
            .and_then(|v| v.master.number("quorum"))
            .map(|q| format!(", quorum {q}"))
            .unwrap_or_default();
        let mut detail = format!(
            "{base} and agree: the master of {} is {master}{quorum}",
            self.name()
        );
        if known > listed {
            detail.push_str(&format!(
                "; the set has {known} sentinels, the settings list {listed}"
            ));
        }
        if !silent.is_empty() {
            return Check::warn("sentinels", format!("{detail}; {}", silent.join("; "))).hint(
                "start the sentinels that do not answer, or take them out of the list: with \
                 fewer than a majority of the set, no failover can be authorized",
            );
        }
        if listed == 1 && known > 1 {
            return Check::warn("sentinels", detail).hint(format!(
                "list every sentinel, so the app still finds the master when this one is down: \
                 REDIS_URL={}",
                self.set_url()
            ));
        }
        Check::pass("sentinels", detail)
    }

    /// `SENTINEL CKQUORUM`, as the sentinel that named the master answers it.
    fn quorum(&self) -> Check {
        let (Some(view), Some((_, index))) = (self.master_view(), &self.master) else {
            return Check::skip("quorum", "not run: no sentinel named a master");
        };
        let (host, port) = &self.answers[*index].node;
        let node = host_port(host, *port);
        match &view.quorum {
            Ok(text) => Check::pass("quorum", text.clone()),
            Err(text) => Check::fail("quorum", format!("{node}: {text}")).hint(format!(
                "a failover needs a majority of the sentinels to authorize it and `quorum` of \
                 them to agree the master is down: start the missing sentinels (or lower it: \
                 SENTINEL SET {} quorum N)",
                self.name()
            )),
        }
    }
}

/// The same node: the same port, and the same host or both this machine.
fn same_node(a: &(String, u16), b: &(String, u16)) -> bool {
    a.1 == b.1
        && (a.0.eq_ignore_ascii_case(&b.0) || (is_this_machine(&a.0) && is_this_machine(&b.0)))
}

/// Marks the checks of the examined master as about that node.
pub fn on_node(checks: Vec<Check>, node: &str) -> Vec<Check> {
    checks
        .into_iter()
        .map(|check| match check.node {
            Some(_) => check,
            None => check.node(node),
        })
        .collect()
}
