//! TLS as the user asked for it, and at its cost. With `--cacert` the trust store is that file
//! alone (the system store, some 150 files, is read only when no CA is given). A certificate in
//! that file that the server presents as its own is trusted as itself, as redis-cli (OpenSSL)
//! does: the common `openssl req -x509` self-signed certificate carries CA:TRUE and often no
//! subject alternative name, which the web PKI rules reject; pinning the exact certificate the
//! user handed over is at least as strong (only the holder of its key can complete the
//! handshake), and its validity period is still checked. `--cert/--key` present a client
//! certificate. `--insecure` checks nothing (and is always warned about).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::error::{Error, Result};
use crate::settings::Source;

/// What the user gave for TLS; equal options share one client configuration per process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    pub cacert: Option<(PathBuf, Source)>,
    pub client: Option<ClientCert>,
    pub insecure: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCert {
    pub cert: (PathBuf, Source),
    pub key: (PathBuf, Source),
}

type Cache = Mutex<Vec<(TlsOptions, Arc<ClientConfig>)>>;
static CONFIGS: Cache = Mutex::new(Vec::new());

/// The client configuration for these options, built once per process.
pub fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>> {
    if let Some((_, config)) = CONFIGS
        .lock()
        .ok()
        .and_then(|cache| cache.iter().find(|(o, _)| o == options).cloned())
    {
        return Ok(config);
    }
    let config = Arc::new(build(options)?);
    if let Ok(mut cache) = CONFIGS.lock() {
        cache.push((options.clone(), config.clone()));
    }
    Ok(config)
}

fn build(options: &TlsOptions) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(Verifier::new(options, provider.clone())?);
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::usage(format!("TLS: {err}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match &options.client {
        None => Ok(builder.with_no_client_auth()),
        Some(client) => {
            let chain = read_certs(&client.cert.0, &client.cert.1, "client certificate")?;
            let key = PrivateKeyDer::from_pem_file(&client.key.0).map_err(|err| {
                Error::usage(format!(
                    "{}: {} is not a PEM private key ({err})",
                    client.key.1,
                    client.key.0.display()
                ))
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|err| match err {
                    // rustls reads the certificate to match it with the key: a version 1
                    // certificate (`openssl x509 -req` without extensions) fails here.
                    rustls::Error::InvalidCertificate(why) => Error::usage(format!(
                        "{}: {} is not a certificate TLS clients can present ({why:?})",
                        client.cert.1,
                        client.cert.0.display()
                    ))
                    .with_hint(
                        "make an X.509 v3 certificate: sign it with extensions, e.g. \
                         `openssl x509 -req ... -extfile <(echo extendedKeyUsage=clientAuth)`",
                    ),
                    other => Error::usage(format!(
                        "{}: the key {} does not fit the certificate {} ({other})",
                        client.key.1,
                        client.key.0.display(),
                        client.cert.0.display()
                    )),
                })
        }
    }
}

fn read_certs(path: &Path, source: &Source, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = std::fs::read(path).map_err(|err| {
        Error::usage(format!(
            "{source}: cannot read the {what} {}: {err}",
            path.display()
        ))
    })?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<_, _>>()
        .map_err(|err| {
            Error::usage(format!(
                "{source}: {} is not a PEM {what} ({err})",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::usage(format!(
            "{source}: {} is not a PEM {what} (no CERTIFICATE block)",
            path.display()
        )));
    }
    Ok(certs)
}

#[derive(Debug)]
struct Verifier {
    /// None with `--insecure`.
    web_pki: Option<Arc<WebPkiServerVerifier>>,
    /// The certificates of `--cacert`, trusted as themselves when the server presents one.
    pinned: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl Verifier {
    fn new(options: &TlsOptions, provider: Arc<CryptoProvider>) -> Result<Verifier> {
        let algorithms = provider.signature_verification_algorithms;
        if options.insecure {
            return Ok(Verifier {
                web_pki: None,
                pinned: Vec::new(),
                algorithms,
            });
        }
        let mut roots = RootCertStore::empty();
        let pinned = match &options.cacert {
            Some((path, source)) => {
                let certs = read_certs(path, source, "CA certificate")?;
                roots.add_parsable_certificates(certs.iter().cloned());
                certs
            }
            None => {
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
                Vec::new()
            }
        };
        let web_pki = match roots.is_empty() {
            // Only pinned certificates (none usable as a trust anchor), or an empty system store.
            true => None,
            false => Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|err| Error::usage(format!("TLS: {err}")))?,
            ),
        };
        if web_pki.is_none() && pinned.is_empty() {
            return Err(Error::usage(
                "TLS: this machine's certificate store is empty and no CA was given",
            )
            .with_hint("pass the server's CA with --cacert (or REDIS_CACERT)"));
        }
        Ok(Verifier {
            web_pki,
            pinned,
            algorithms,
        })
    }

    fn insecure(&self) -> bool {
        self.web_pki.is_none() && self.pinned.is_empty()
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if self.insecure() {
            return Ok(ServerCertVerified::assertion());
        }
        if self
            .pinned
            .iter()
            .any(|pinned| pinned.as_ref() == end_entity.as_ref())
        {
            return match validity(end_entity) {
                Some((not_before, _)) if now.as_secs() < not_before => {
                    Err(CertificateError::NotValidYet.into())
                }
                Some((_, not_after)) if now.as_secs() > not_after => {
                    Err(CertificateError::Expired.into())
                }
                Some(_) => Ok(ServerCertVerified::assertion()),
                None => Err(CertificateError::BadEncoding.into()),
            };
        }
        let verified = match &self.web_pki {
            Some(web_pki) => web_pki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            None => Err(CertificateError::UnknownIssuer.into()),
        };
        match verified {
            Err(rustls::Error::InvalidCertificate(_)) if is_self_signed(end_entity) => {
                Err(CertificateError::Other(rustls::OtherError(Arc::new(SelfSigned))).into())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The server presented a self-signed certificate that is not among the `--cacert` ones.
#[derive(Debug)]
pub struct SelfSigned;

impl std::fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a self-signed certificate")
    }
}

impl std::error::Error for SelfSigned {}

/// Issuer equal to subject.
fn is_self_signed(der: &[u8]) -> bool {
    let names = || -> Option<bool> {
        let (_, cert, _) = tlv(der)?;
        let (_, mut tbs, _) = tlv(cert)?;
        let (tag, _, rest) = tlv(tbs)?;
        if tag == 0xa0 {
            tbs = rest;
        }
        let (_, _, rest) = tlv(tbs)?; // serialNumber
        let (_, _, rest) = tlv(rest)?; // signature
        let (_, issuer, rest) = tlv(rest)?;
        let (_, _, rest) = tlv(rest)?; // validity
        let (_, subject, _) = tlv(rest)?;
        Some(issuer == subject)
    };
    names().unwrap_or(false)
}

/// notBefore and notAfter of an X.509 certificate, in Unix seconds, read from its DER:
/// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... }, ... }.
fn validity(der: &[u8]) -> Option<(u64, u64)> {
    let (_, cert, _) = tlv(der)?;
    let (_, mut tbs, _) = tlv(cert)?;
    let (tag, _, rest) = tlv(tbs)?;
    if tag == 0xa0 {
        tbs = rest;
    }
    for _ in 0..3 {
        let (_, _, rest) = tlv(tbs)?;
        tbs = rest;
    }
    let (_, validity, _) = tlv(tbs)?;
    let (tag_before, before, rest) = tlv(validity)?;
    let (tag_after, after, _) = tlv(rest)?;
    Some((time(tag_before, before)?, time(tag_after, after)?))
}

/// One DER element: (tag, contents, what follows).
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        n => {
            let count = usize::from(n & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let len = rest[..count]
                .iter()
                .fold(0usize, |len, b| (len << 8) | usize::from(*b));
            (len, &rest[count..])
        }
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let digits = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
    let (year, rest) = match tag {
        0x17 if text.len() == 12 => {
            let yy = digits(0..2)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        0x18 if text.len() == 14 => (digits(0..4)?, 4),
        _ => return None,
    };
    let field = |i: usize| digits(rest + 2 * i..rest + 2 * i + 2);
    let (month, day, hour, minute, second) =
        (field(0)?, field(1)?, field(2)?, field(3)?, field(4)?);
    let days = days_from_civil(year, month, day);
    u64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_unix_seconds() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(time(0x18, b"20380119031408Z"), Some(2_147_483_648));
        assert_eq!(time(0x17, b"7001010000Z"), None);
    }

    #[test]
    fn der_lengths_short_and_long() {
        assert_eq!(
            tlv(&[0x30, 0x01, 0xff, 0x00]),
            Some((0x30, &[0xff][..], &[0x00][..]))
        );
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7u8, 256));
        assert_eq!(tlv(&long).map(|(_, c, _)| c.len()), Some(256));
        assert_eq!(tlv(&[0x30, 0x05, 0x00]), None);
    }
}
