//! The one HTTP client (the app's health URL and its /cache/metrics): ureq on the same rustls
//! and ring as the Redis connections. An https URL trusts the system's CA store, read only when
//! such a URL is used; no second copy of the web's roots is compiled in.

use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

/// An agent for `url` whose every request ends within `timeout`; HTTP error statuses are
/// answers, not errors (the caller says what a 404 means).
pub fn agent(url: &str, timeout: Duration) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false);
    if url.trim_start().to_ascii_lowercase().starts_with("https:") {
        let roots: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        config = config.tls_config(
            TlsConfig::builder()
                .provider(TlsProvider::Rustls)
                .unversioned_rustls_crypto_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .root_certs(RootCerts::Specific(Arc::new(roots)))
                .build(),
        );
    }
    config.build().new_agent()
}
