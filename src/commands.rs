//! One file per command; each reads top-down: gather, check, report.

pub mod completions;
pub mod doctor;
pub mod env;
pub mod inspect;
pub mod keys;
pub mod metrics;
pub mod setup;
pub mod tune;
pub mod verify;
