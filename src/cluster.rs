//! Redis Cluster: one answer for the whole cluster. A cluster is reached through one of its
//! nodes (the seed, which the settings name); its node table says where the others are, and
//! every node is then read at once, with the same credentials and TLS (`survey.rs`). The
//! verdicts that verify and doctor share (`verdict.rs`), the findings only doctor reports
//! (`health.rs`), and the hash slots with the probe keys of verify (`slots.rs`) build on that.
//! A node's view is parsed in `topology.rs`.

mod health;
mod slots;
mod survey;
mod topology;
mod verdict;

pub use health::findings;
pub use slots::{SLOT_COUNT, Slots, probe_tag};
pub use survey::{Ask, Survey, Surveyed, survey};
pub use topology::{Node, Role};
pub use verdict::{checks, unserved};
