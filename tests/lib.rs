//! The one integration test binary: every test runs the real `imcache` binary against real
//! `redis-server` processes it starts itself (see harness/). No mock of Redis anywhere; only
//! programs that cannot run here (a Docker engine, Homebrew, systemd) are faked on PATH.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod harness;

mod cli;
mod cluster;
mod completions;
mod connect;
mod doctor;
mod dotenv;
mod env;
mod habits;
mod inspect;
mod keys;
mod man;
mod metrics;
mod restricted;
mod secrets;
mod sentinel;
mod setup;
mod tune;
mod verify;
mod watch;
