//! A test CA and a server certificate for 127.0.0.1 and localhost, made with `openssl` once per
//! test run (ECDSA P-256: fast to make, supported by rustls and Redis).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub struct Certs {
    pub dir: PathBuf,
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// A second CA that signed nothing we serve: "unknown CA".
    pub other_ca_cert: PathBuf,
    /// A self-signed server certificate made the common way (`openssl req -x509 -newkey`):
    /// CA:TRUE, no subject alternative name.
    pub self_signed_cert: PathBuf,
    pub self_signed_key: PathBuf,
    /// A server certificate signed by the test CA for the name `redis.internal` only.
    pub elsewhere_cert: PathBuf,
    pub elsewhere_key: PathBuf,
    /// A client certificate signed by the test CA, for servers with `tls-auth-clients yes`.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

/// The certificates, generated on first use.
pub fn certs() -> &'static Certs {
    static CERTS: OnceLock<Certs> = OnceLock::new();
    CERTS.get_or_init(|| {
        // Leaked on purpose: the files must outlive every test of this process.
        let dir = Box::leak(Box::new(tempfile::tempdir().expect("temp dir")))
            .path()
            .to_path_buf();
        make_ca(&dir, "ca", "imcache test CA");
        make_ca(&dir, "other-ca", "some other CA");
        signed_by_ca(
            &dir,
            "server",
            "/CN=localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        );
        signed_by_ca(
            &dir,
            "client",
            "/CN=app",
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
        );
        signed_by_ca(
            &dir,
            "elsewhere",
            "/CN=redis.internal",
            "subjectAltName=DNS:redis.internal\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        );
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "self.key",
                "-out",
                "self.crt",
                "-days",
                "2",
                "-subj",
                "/CN=my-redis",
            ],
        );
        Certs {
            elsewhere_cert: dir.join("elsewhere.crt"),
            elsewhere_key: dir.join("elsewhere.key"),
            self_signed_cert: dir.join("self.crt"),
            self_signed_key: dir.join("self.key"),
            client_cert: dir.join("client.crt"),
            client_key: dir.join("client.key"),
            ca_cert: dir.join("ca.crt"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            other_ca_cert: dir.join("other-ca.crt"),
            dir,
        }
    })
}

/// NAME.key (P-256) and NAME.crt for `subject`, signed by the test CA, with these extensions.
fn signed_by_ca(dir: &Path, name: &str, subject: &str, extensions: &str) {
    let (key, csr, crt, ext) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.ext"),
    );
    std::fs::write(dir.join(&ext), extensions).unwrap();
    openssl(
        dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &key,
        ],
    );
    openssl(
        dir,
        &["req", "-new", "-key", &key, "-out", &csr, "-subj", subject],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &crt,
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
    );
}

fn make_ca(dir: &Path, name: &str, cn: &str) {
    let key = format!("{name}.key");
    let crt = format!("{name}.crt");
    openssl(
        dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &key,
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-out",
            &crt,
            "-days",
            "2",
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
