//! A PostgreSQL server named by `--db postgres://…`: the address as parsed,
//! shown without its password, connected to (TLS from rustls where the
//! address asks for it), and its failures in the wallet's words, naming host
//! and database and never the password.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use postgres::config::{Host, SslMode};
use postgres::{Client, Config};

use crate::shown::{shown, shown_lines};

/// How long connecting to a server may take before the command gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A wallet on a PostgreSQL server.
#[derive(Clone)]
pub struct Server {
    config: Config,
    /// `postgres://user@host:port/database`: the address without its password.
    shown: String,
}

impl Server {
    /// True for the text of a `postgres://` or `postgresql://` address.
    pub fn is_address(text: &str) -> bool {
        text.starts_with("postgres://") || text.starts_with("postgresql://")
    }

    /// The server named by a `postgres://` address; its user, host and
    /// password default as `psql`'s do (`PGUSER`/`USER`, `PGHOST` or the
    /// local socket folder, `PGPASSWORD`).
    pub fn parse(text: &str) -> anyhow::Result<Server> {
        // The parser's own message may quote the address: it is not shown.
        let mut config = Config::from_str(text).map_err(|_| {
            anyhow!(
                "cannot read the server address given to --db; write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]"
            )
        })?;
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .ok()
                .or_else(system_user)
                .unwrap_or_else(|| "postgres".to_owned());
            config.user(&user);
        }
        if config.get_hosts().is_empty() {
            match std::env::var("PGHOST") {
                Ok(host) if !host.is_empty() => config.host(&host),
                _ => config.host("/var/run/postgresql"),
            };
        }
        if config.get_password().is_none()
            && let Ok(password) = std::env::var("PGPASSWORD")
        {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("wallet");
        let shown = shown_address(&config);
        Ok(Server { config, shown })
    }

    /// The database's name.
    pub fn database(&self) -> &str {
        self.config.get_dbname().or(self.config.get_user()).unwrap_or("")
    }

    /// Connects, with TLS unless the address says `sslmode=disable`.
    pub(super) fn connect(&self) -> anyhow::Result<Client> {
        let connected = if self.config.get_ssl_mode() == SslMode::Disable {
            self.config.connect(postgres::NoTls)
        } else {
            self.config.connect(tls()?)
        };
        connected.map_err(|e| {
            anyhow!(
                "cannot connect to the wallet database {}: {}; nothing was changed — check that the server is running, the address and the password (PGPASSWORD)",
                self,
                reason(&e)
            )
        })
    }
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl PartialEq for Server {
    fn eq(&self, other: &Server) -> bool {
        self.shown == other.shown
    }
}

impl Eq for Server {}

/// The name this process runs as, from the system's user database (as
/// `psql` finds it when neither `PGUSER` nor `USER` is set).
fn system_user() -> Option<String> {
    let mut buffer = vec![0u8; 4096];
    let mut entry = std::mem::MaybeUninit::<libc::passwd>::uninit();
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes the entry and its strings into `entry` and
    // `buffer`, whose sizes it is given, and sets `found` to `entry` on success.
    let status = unsafe {
        libc::getpwuid_r(
            libc::getuid(),
            entry.as_mut_ptr(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            &raw mut found,
        )
    };
    if status != 0 || found.is_null() {
        return None;
    }
    // SAFETY: on success `pw_name` points to a NUL-terminated string in `buffer`.
    let name = unsafe { std::ffi::CStr::from_ptr((*found).pw_name) };
    name.to_str().ok().map(str::to_owned)
}

/// `postgres://user@host:port/database`, every part escaped for a terminal.
fn shown_address(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => shown(name).to_string(),
            Host::Unix(path) => crate::shown::shown_path(path),
        })
        .collect();
    let port = match config.get_ports() {
        [] => String::new(),
        ports => format!(":{}", ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",")),
    };
    format!(
        "postgres://{}@{}{port}/{}",
        shown(config.get_user().unwrap_or("")),
        hosts.join(","),
        shown(config.get_dbname().or(config.get_user()).unwrap_or(""))
    )
}

/// A server's or the network's reason, in one line; a server's own message
/// (it never holds the password) with its SQLSTATE.
pub(super) fn reason(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("the server said: {} ({})", shown_lines(db.message()), db.code().code());
    }
    if e.is_closed() {
        return "the connection to the server was lost".to_owned();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    shown_lines(&text)
}

/// TLS as `sslmode=require` means it: the connection is encrypted, and (as
/// with `psql`) the server's certificate is not checked against an authority.
fn tls() -> anyhow::Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Accepts the server's certificate as it is (`sslmode=require`), while
/// still checking that the server holds its key.
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
