//! Verifier settings ([`JwtSettings`], [`JwksSource`]), configuration errors and the module's
//! limits.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use jsonwebtoken::Algorithm;

#[cfg(doc)]
use super::JwtVerifier;

/// Largest leeway accepted for `exp`/`nbf`, in seconds.
pub const MAX_LEEWAY_SECS: u64 = 30;
/// Smallest accepted HS256 secret, in bytes (RFC 7518 §3.2: at least the hash size).
pub const MIN_HS256_SECRET_LEN: usize = 32;
/// Tokens longer than this are refused as malformed before any parsing.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;
pub(super) const MAX_KID_LEN: usize = 256;
pub(super) const MAX_JWKS_BYTES: usize = 1024 * 1024;
pub(super) const JWKS_HTTP_TIMEOUT: Duration = Duration::from_secs(10);
pub(super) const JWKS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a JSON Web Key Set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// A local file, re-read on refresh.
    File(PathBuf),
    /// An `https://` URL (or `http://` on a loopback host), re-fetched on refresh.
    Url(String),
}

impl fmt::Display for JwksSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksSource::File(p) => write!(f, "JWKS file {}", p.display()),
            JwksSource::Url(u) => write!(f, "JWKS URL {u}"),
        }
    }
}

/// Settings of a [`JwtVerifier`]. At least one of `hs256_secret`, `public_key_pem_file`, `jwks`
/// must be set.
#[derive(Clone)]
pub struct JwtSettings {
    /// Shared secret for `HS256` (UTF-8 bytes of the string, at least 32 bytes). Redacted in `Debug`.
    pub hs256_secret: Option<String>,
    /// PEM file holding an RSA or EC P-256 **public** key (SPKI `PUBLIC KEY` or `RSA PUBLIC KEY`).
    pub public_key_pem_file: Option<PathBuf>,
    /// `RS256` or `ES256`; inferred from the PEM when `None`. Must match the key type.
    pub public_key_alg: Option<Algorithm>,
    /// JSON Web Key Set, loaded at start (failure is a configuration error) and on unknown `kid`.
    pub jwks: Option<JwksSource>,
    /// Required `iss`.
    pub issuer: String,
    /// Required member of `aud`.
    pub audience: String,
    /// Clock-skew allowance for `exp`/`nbf`, at most [`MAX_LEEWAY_SECS`].
    pub leeway_secs: u64,
    /// Minimum time between two JWKS load attempts (must be > 0).
    pub jwks_refresh_min_interval: Duration,
}

impl JwtSettings {
    /// Settings with no key source yet, a leeway of 30 s and a JWKS refresh interval of 60 s.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtSettings {
            hs256_secret: None,
            public_key_pem_file: None,
            public_key_alg: None,
            jwks: None,
            issuer: issuer.into(),
            audience: audience.into(),
            leeway_secs: MAX_LEEWAY_SECS,
            jwks_refresh_min_interval: Duration::from_secs(60),
        }
    }
}

impl fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSettings")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("public_key_pem_file", &self.public_key_pem_file)
            .field("public_key_alg", &self.public_key_alg)
            .field("jwks", &self.jwks)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .field("jwks_refresh_min_interval", &self.jwks_refresh_min_interval)
            .finish()
    }
}

/// A configuration problem found by [`JwtVerifier::new`] (or a forced JWKS refresh).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtConfigError {
    /// A setting is missing or out of range.
    Invalid(String),
    /// The PEM public key file cannot be read or used.
    PublicKey { path: PathBuf, reason: String },
    /// The JWKS cannot be loaded or contains no usable key.
    Jwks { source: String, reason: String },
}

impl fmt::Display for JwtConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtConfigError::Invalid(msg) => write!(f, "invalid JWT settings: {msg}"),
            JwtConfigError::PublicKey { path, reason } => {
                write!(f, "public key file {}: {reason}", path.display())
            }
            JwtConfigError::Jwks { source, reason } => write!(f, "{source}: {reason}"),
        }
    }
}

impl std::error::Error for JwtConfigError {}
