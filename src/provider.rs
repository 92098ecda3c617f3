//! Managed Redis services, recognised by the host names they hand out, so that a fix names the
//! place where that provider lets a user change a setting (its console, parameter group or CLI)
//! instead of a CONFIG SET it refuses.

use crate::settings::Settings;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    ElastiCache,
    Azure,
    RedisCloud,
    Upstash,
}

/// Host suffixes, longest match first is not needed: they do not overlap.
const SUFFIXES: [(&str, Provider); 5] = [
    (".cache.amazonaws.com", Provider::ElastiCache),
    (".redis.cache.windows.net", Provider::Azure),
    (".redis-cloud.com", Provider::RedisCloud),
    (".redislabs.com", Provider::RedisCloud),
    (".upstash.io", Provider::Upstash),
];

impl Provider {
    /// The provider of the settings' host, if it is one of the known ones.
    pub fn recognise(settings: &Settings) -> Option<Provider> {
        let host = settings.host.value.to_ascii_lowercase();
        let host = host.trim_end_matches('.');
        SUFFIXES
            .iter()
            .find(|(suffix, _)| host.ends_with(suffix))
            .map(|(_, provider)| *provider)
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::ElastiCache => "Amazon ElastiCache",
            Provider::Azure => "Azure Cache for Redis",
            Provider::RedisCloud => "Redis Cloud",
            Provider::Upstash => "Upstash",
        }
    }

    /// Where its users read and change the server's settings.
    pub fn console(self) -> &'static str {
        match self {
            Provider::ElastiCache => {
                "read and change settings in the cluster's parameter group (AWS console, or \
                 `aws elasticache describe-cache-parameters`)"
            }
            Provider::Azure => {
                "read and change settings under the cache's Advanced settings in the Azure \
                 portal (or `az redis update --set redisConfiguration.<name>=<value>`)"
            }
            Provider::RedisCloud => {
                "read and change settings in the database's Configuration in the Redis Cloud \
                 console"
            }
            Provider::Upstash => {
                "read and change settings on the database's page in the Upstash console"
            }
        }
    }

    /// How to set one directive to one value with this provider.
    pub fn set(self, directive: &str, value: &str) -> String {
        match (self, directive) {
            (Provider::ElastiCache, "maxmemory") => String::from(
                "ElastiCache sizes memory by node type: choose a larger node type (maxmemory is \
                 not a parameter there); reserved-memory-percent is",
            ),
            (Provider::ElastiCache, _) => format!(
                "set {directive} to {value} in the cluster's parameter group: `aws elasticache \
                 modify-cache-parameter-group --cache-parameter-group-name <group> \
                 --parameter-name-values ParameterName={directive},ParameterValue={value}`"
            ),
            (Provider::Azure, "maxmemory") => {
                String::from("Azure sizes memory by pricing tier: scale the cache to a larger tier")
            }
            (Provider::Azure, _) => format!(
                "set {directive} to {value} in the cache's Advanced settings (or `az redis update \
                 --set redisConfiguration.{directive}={value}`)"
            ),
            (Provider::RedisCloud, "maxmemory") => {
                String::from("Redis Cloud: raise the database's memory limit in its Configuration")
            }
            (Provider::RedisCloud, _) => format!(
                "Redis Cloud: set {directive} ({value}) in the database's Configuration \
                 (Eviction policy for maxmemory-policy)"
            ),
            (Provider::Upstash, _) => format!(
                "Upstash: {directive} is not settable; eviction is a database option and memory \
                 comes with the plan (set {directive} {value} is what the guide asks for)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConnArgs;

    fn on(host: &str) -> Option<Provider> {
        let args = ConnArgs {
            host: Some(host.into()),
            ..ConnArgs::default()
        };
        Provider::recognise(&Settings::resolve(&args, &|_| None).unwrap())
    }

    #[test]
    fn providers_are_known_by_their_host_names() {
        assert_eq!(
            on("c.x1y2z3.ng.0001.euw1.cache.amazonaws.com"),
            Some(Provider::ElastiCache)
        );
        assert_eq!(on("app.redis.cache.windows.net"), Some(Provider::Azure));
        assert_eq!(
            on("redis-123.c1.us-east-1-2.ec2.redns.redis-cloud.com"),
            Some(Provider::RedisCloud)
        );
        assert_eq!(on("eu1-fine-cat-1234.upstash.io"), Some(Provider::Upstash));
        assert_eq!(on("127.0.0.1"), None);
        assert_eq!(on("cache.amazonaws.com.example.org"), None);
        assert!(
            Provider::ElastiCache
                .set("maxmemory-policy", "allkeys-lru")
                .contains("ParameterName=maxmemory-policy")
        );
    }
}
