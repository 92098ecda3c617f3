//! Test helpers: run the binary (`Imcache`), start real servers (`RedisServer`), make TLS
//! certificates, open local listeners, and write fake executables for PATH.

#![allow(dead_code)]

pub mod cluster;
pub mod cmd;
pub mod fake;
pub mod fake_redis;
pub mod loaders;
pub mod net;
pub mod pty;
pub mod sentinel;
pub mod server;
pub mod tls;

#[allow(unused_imports)]
pub use cluster::Cluster;
#[allow(unused_imports)]
pub use cmd::{Imcache, Run, Running};
#[allow(unused_imports)]
pub use fake::FakeBin;
#[allow(unused_imports)]
pub use fake_redis::FakeRedis;
#[allow(unused_imports)]
pub use net::{HttpServer, SilentListener, free_port};
#[allow(unused_imports)]
pub use server::{RedisServer, ServerBuilder};
