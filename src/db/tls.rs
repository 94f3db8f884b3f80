//! TLS to PostgreSQL, chosen in `DATABASE_URL` the way libpq clients do: `sslmode=require`
//! (or `verify-ca`, `verify-full`) and, for a database certificate from an internal CA,
//! `sslrootcert=/path/to/ca.pem`. Every TLS connection verifies the server certificate and its
//! host name, against the CA file if given, else against the public web roots; that is
//! stricter than libpq's `require`, which encrypts without verifying. Without `sslmode` (or
//! with `disable`/`prefer`) connections stay plain TCP, as on a database on the same host.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use diesel::ConnectionError;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How to reach the database named by a `DATABASE_URL`: worked out once (the CA file is read
/// and the TLS configuration built here), then used for every connection of a pool.
#[derive(Clone)]
pub struct Target {
    /// The URL tokio-postgres understands (libpq-only parameters removed).
    url: String,
    /// The TLS connector, when the URL asks for TLS.
    tls: Option<MakeRustlsConnect>,
}

impl Target {
    /// Opens one connection, over TLS when the URL asked for it.
    pub async fn connect(&self) -> diesel::ConnectionResult<AsyncPgConnection> {
        let Some(tls) = &self.tls else {
            return AsyncPgConnection::establish(&self.url).await;
        };
        let config: tokio_postgres::Config = self
            .url
            .parse()
            .map_err(|error| ConnectionError::BadConnection(format!("DATABASE_URL: {error}")))?;
        let (client, connection) = config.connect(tls.clone()).await.map_err(|error| {
            ConnectionError::BadConnection(with_sources("TLS connection", &error))
        })?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }

    /// Takes the libpq-only parameters out of the URL and builds the TLS connector it asks for.
    pub fn parse(database_url: &str) -> anyhow::Result<Self> {
        let mut url = url::Url::parse(database_url).context("DATABASE_URL is not a URL")?;
        let mut tls_wanted = false;
        let mut root_file = None;
        let mut kept: Vec<(String, String)> = Vec::new();
        for (name, value) in url.query_pairs() {
            match (name.as_ref(), value.as_ref()) {
                ("sslmode", "require" | "verify-ca" | "verify-full") => tls_wanted = true,
                ("sslmode", "disable" | "prefer" | "allow") => {}
                ("sslmode", other) => anyhow::bail!("DATABASE_URL: unknown sslmode `{other}`"),
                ("sslrootcert", path) => root_file = Some(path.to_owned()),
                _ => kept.push((name.into_owned(), value.into_owned())),
            }
        }
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
        let tls = if tls_wanted {
            Some(MakeRustlsConnect::new(client_config(
                root_file.as_deref().map(Path::new),
            )?))
        } else {
            anyhow::ensure!(
                root_file.is_none(),
                "DATABASE_URL names an sslrootcert but no sslmode=require"
            );
            None
        };
        Ok(Target {
            url: url.into(),
            tls,
        })
    }
}

fn client_config(root_file: Option<&Path>) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match root_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("reading sslrootcert {}", path.display()))?;
            for cert in certs {
                let cert =
                    cert.with_context(|| format!("parsing sslrootcert {}", path.display()))?;
                roots.add(cert).with_context(|| {
                    format!(
                        "sslrootcert {} holds an unusable certificate",
                        path.display()
                    )
                })?;
            }
            anyhow::ensure!(
                !roots.is_empty(),
                "sslrootcert {} holds no certificate",
                path.display()
            );
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("TLS protocol versions")?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// Opens one connection (for one-off connections; a pool parses the URL once, see
/// [`Target`]).
pub async fn establish(database_url: &str) -> diesel::ConnectionResult<AsyncPgConnection> {
    Target::parse(database_url)
        .map_err(|error| ConnectionError::BadConnection(format!("{error:#}")))?
        .connect()
        .await
}

/// The error with its causes (tokio-postgres names only the step, e.g. "error performing TLS
/// handshake"; the cause says which certificate check failed).
fn with_sources(context: &str, error: &dyn std::error::Error) -> String {
    let mut text = format!("{context}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_parameters_are_taken_out_and_tls_chosen_by_sslmode() {
        let plain = Target::parse("postgres://u@db/smartregion?application_name=x").unwrap();
        assert!(plain.tls.is_none());
        assert_eq!(plain.url, "postgres://u@db/smartregion?application_name=x");
        let tls =
            Target::parse("postgres://u@db/smartregion?sslmode=verify-full&connect_timeout=5")
                .unwrap();
        assert!(tls.tls.is_some());
        assert_eq!(tls.url, "postgres://u@db/smartregion?connect_timeout=5");
        assert!(
            Target::parse("postgres://u@db/x?sslmode=prefer")
                .unwrap()
                .tls
                .is_none()
        );
        assert!(Target::parse("postgres://u@db/x?sslmode=sometimes").is_err());
        assert!(Target::parse("postgres://u@db/x?sslrootcert=/etc/ca.pem").is_err());
        assert!(
            Target::parse("postgres://u@db/x?sslmode=require&sslrootcert=/does/not/exist").is_err()
        );
    }
}
