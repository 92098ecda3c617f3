//! Connections to the nodes of a Redis Cluster. The redis crate's cluster client opens its node
//! connections itself, through its `Connect` trait; implemented here for `Link`, they are our
//! transport like every other connection (one deadline per conversation, Ctrl-C, bounded
//! replies, our TLS trust). The crate hands `connect` only a node's address and credentials, so
//! the TLS configuration and the budget come from a profile set here, right before the crate's
//! client is built, from the same settings that reached the seed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterConnection};
use redis::{ConnectionAddr, ErrorKind, IntoConnectionInfo, RedisError, RedisResult, Value};
use rustls::ClientConfig;

use super::failure::Failure;
use super::link::Link;
use super::socket::Target;
use super::{classify, tls, tls_options};
use crate::error::Result;
use crate::settings::Settings;

/// What every node connection of the cluster client uses beside the node's address.
#[derive(Clone)]
struct Profile {
    tls: Option<Arc<ClientConfig>>,
    budget: Duration,
}

static PROFILE: Mutex<Option<Profile>> = Mutex::new(None);

/// The crate's cluster client on our transport, connected from `seeds` (the first that answers)
/// with the credentials and TLS of `settings`; it has read the slot map and connected the nodes.
pub fn open_cluster(
    settings: &Settings,
    seeds: &[(String, u16)],
) -> Result<ClusterConnection<Link>> {
    let profile = Profile {
        tls: match settings.tls.value {
            true => Some(tls::client_config(&tls_options(settings))?),
            false => None,
        },
        budget: settings.timeout,
    };
    if let Ok(mut slot) = PROFILE.lock() {
        *slot = Some(profile);
    }
    // Plain redis:// URLs: TLS is the profile's; the password never goes into a URL.
    let urls: Vec<String> = seeds
        .iter()
        .map(|(host, port)| match host.contains(':') {
            true => format!("redis://[{host}]:{port}"),
            false => format!("redis://{host}:{port}"),
        })
        .collect();
    let mut builder = ClusterClient::builder(urls).retries(0);
    if let Some(password) = &settings.password.value {
        builder = builder.password(password.expose());
    }
    if let Some(user) = &settings.user.value {
        builder = builder.username(user);
    }
    builder
        .build()
        .and_then(|client| client.get_generic_connection::<Link>())
        .map_err(|err| classify(&err, settings))
}

impl redis::cluster::Connect for Link {
    fn connect<T>(info: T, _timeout: Option<Duration>) -> RedisResult<Self>
    where
        T: IntoConnectionInfo,
    {
        let info = info.into_connection_info()?;
        let profile = PROFILE.lock().ok().and_then(|p| p.clone()).ok_or_else(|| {
            RedisError::from((ErrorKind::Client, "no cluster connection profile"))
        })?;
        let (host, port) = match info.addr() {
            ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
                (host.clone(), *port)
            }
            _ => {
                return Err(RedisError::from((
                    ErrorKind::InvalidClientConfig,
                    "a cluster node is reached over TCP",
                )));
            }
        };
        let target = Target::Tcp {
            host: host.clone(),
            port,
        };
        let tls = profile.tls.map(|config| (config, host.as_str()));
        let mut link =
            Link::open(&target, tls, profile.budget, None).map_err(Failure::into_redis)?;
        let redis = info.redis_settings();
        if let Some(password) = redis.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = redis.username() {
                auth.arg(user);
            }
            auth.arg(password).exec(&mut link)?;
        }
        Ok(link)
    }

    fn send_packed_command(&mut self, cmd: &[u8]) -> RedisResult<()> {
        self.send(cmd).map_err(Failure::into_redis)
    }

    /// The conversation's deadline bounds every write already.
    fn set_write_timeout(&self, _: Option<Duration>) -> RedisResult<()> {
        Ok(())
    }

    /// The conversation's deadline bounds every read already.
    fn set_read_timeout(&self, _: Option<Duration>) -> RedisResult<()> {
        Ok(())
    }

    fn recv_response(&mut self) -> RedisResult<Value> {
        self.receive().map_err(Failure::into_redis)
    }
}
