//! Verification keys: algorithm-pinned keys, PEM loading, JWKS parsing and fetching, and the JWKS
//! key set with its refresh on unknown `kid`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

use super::error::TokenError;
use super::settings::{
    JWKS_CONNECT_TIMEOUT, JWKS_HTTP_TIMEOUT, JwksSource, JwtConfigError, MAX_JWKS_BYTES,
};

#[derive(Clone)]
pub(super) struct PinnedKey {
    kid: Option<String>,
    pub(super) alg: Algorithm,
    pub(super) key: DecodingKey,
}

pub(super) struct JwksState {
    pub(super) source: JwksSource,
    pub(super) client: Option<reqwest::Client>,
    pub(super) min_interval: Duration,
    pub(super) keys: RwLock<Arc<Vec<PinnedKey>>>,
    /// Held during a reload (single flight); stores when the last load was attempted.
    pub(super) refresh: tokio::sync::Mutex<Instant>,
    pub(super) loads: AtomicU64,
}

enum Lookup {
    Found(DecodingKey),
    AlgMismatch,
    Absent,
}

/// True if `key` can build a verifier for `alg` (a dummy verification fails cleanly rather than
/// with a key error).
fn key_usable(key: &DecodingKey, alg: Algorithm) -> Result<(), String> {
    jsonwebtoken::crypto::verify("AAAA", b"probe", key, alg)
        .map(|_| ())
        .map_err(|e| format!("not a usable {alg:?} key ({e})"))
}

pub(super) async fn load_pem_key(
    path: PathBuf,
    alg: Option<Algorithm>,
) -> Result<PinnedKey, JwtConfigError> {
    let err = |reason: String| JwtConfigError::PublicKey {
        path: path.clone(),
        reason,
    };
    let pem = tokio::fs::read(&path)
        .await
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if pem.windows(11).any(|w| w == b"PRIVATE KEY") {
        return Err(err(
            "contains a private key; configure the public key only".to_owned()
        ));
    }
    let rsa = DecodingKey::from_rsa_pem(&pem).ok();
    let ec = DecodingKey::from_ec_pem(&pem).ok();
    let (alg, key) = match (alg, rsa, ec) {
        (None | Some(Algorithm::RS256), Some(k), _) => (Algorithm::RS256, k),
        (None | Some(Algorithm::ES256), None, Some(k)) => (Algorithm::ES256, k),
        (Some(a @ (Algorithm::RS256 | Algorithm::ES256)), _, _) => {
            return Err(err(format!("is not a {a:?} public key")));
        }
        (Some(a), _, _) => {
            return Err(err(format!(
                "public_key_alg {a:?} is not supported (RS256 or ES256)"
            )));
        }
        (None, None, None) => {
            return Err(err(
                "is not an RSA or EC P-256 public key in PEM format".to_owned()
            ));
        }
    };
    key_usable(&key, alg).map_err(err)?;
    tracing::info!(path = %path.display(), alg = ?alg, "JWT public key loaded");
    Ok(PinnedKey {
        kid: None,
        alg,
        key,
    })
}

pub(super) fn http_client(url: &str) -> Result<reqwest::Client, JwtConfigError> {
    let err = |reason: String| JwtConfigError::Jwks {
        source: JwksSource::Url(url.to_owned()).to_string(),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| err(format!("invalid URL: {e}")))?;
    let Some(host) = parsed.host_str() else {
        return Err(err("URL has no host".to_owned()));
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let builder = reqwest::Client::builder()
        .timeout(JWKS_HTTP_TIMEOUT)
        .connect_timeout(JWKS_CONNECT_TIMEOUT)
        .user_agent(concat!("smartregion-jwt/", env!("CARGO_PKG_VERSION")));
    let builder = match (parsed.scheme(), loopback) {
        ("https", false) => builder
            .https_only(true)
            .redirect(reqwest::redirect::Policy::limited(3)),
        ("https" | "http", true) => builder
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none()),
        _ => {
            return Err(err(
                "must be https:// (http:// only on a loopback host)".to_owned()
            ));
        }
    };
    builder
        .build()
        .map_err(|e| err(format!("cannot build HTTP client: {e}")))
}

pub(super) async fn load_jwks(
    source: &JwksSource,
    client: Option<&reqwest::Client>,
) -> Result<Vec<PinnedKey>, String> {
    let body = match (source, client) {
        (JwksSource::File(path), _) => {
            let body = tokio::fs::read(path)
                .await
                .map_err(|e| format!("cannot read: {e}"))?;
            if body.len() > MAX_JWKS_BYTES {
                return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
            }
            body
        }
        (JwksSource::Url(url), Some(client)) => fetch(client, url).await?,
        (JwksSource::Url(_), None) => return Err("no HTTP client".to_owned()),
    };
    parse_jwks(&body)
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let describe = |e: reqwest::Error| {
        // reqwest errors may include the URL, which is configuration, not secret.
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        msg
    };
    let mut resp = client
        .get(url)
        .header("accept", "application/json, application/jwk-set+json")
        .send()
        .await
        .map_err(describe)?;
    if !resp.status().is_success() {
        return Err(format!("HTTP status {}", resp.status()));
    }
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
    {
        return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(describe)? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a JWKS document, keeping only keys usable for RS256/ES256 signature verification.
fn parse_jwks(body: &[u8]) -> Result<Vec<PinnedKey>, String> {
    #[derive(Deserialize)]
    struct Doc {
        keys: Vec<Value>,
    }
    let doc: Doc = serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let total = doc.keys.len();
    let mut keys: Vec<PinnedKey> = Vec::new();
    for (index, raw) in doc.keys.into_iter().enumerate() {
        match pin_jwk(raw) {
            Ok(k) => {
                if keys.iter().any(|o| o.kid == k.kid && o.alg == k.alg) {
                    tracing::warn!(index, kid = ?k.kid, "duplicate kid in JWKS, keeping the first");
                } else {
                    keys.push(k);
                }
            }
            Err(reason) => tracing::warn!(index, %reason, "JWKS key skipped"),
        }
    }
    if keys.is_empty() {
        return Err(format!("no usable RS256/ES256 signing key among {total}"));
    }
    Ok(keys)
}

fn pin_jwk(raw: Value) -> Result<PinnedKey, String> {
    let jwk: Jwk = serde_json::from_value(raw).map_err(|e| format!("invalid JWK: {e}"))?;
    let kid = jwk
        .common
        .key_id
        .clone()
        .filter(|k| !k.is_empty())
        .ok_or("no kid")?;
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return Err(format!("kid {kid:?}: use is not \"sig\""));
    }
    let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
        (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256))
            if p.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        _ => return Err(format!("kid {kid:?}: not an RS256 or ES256 (P-256) key")),
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("kid {kid:?}: {e}"))?;
    key_usable(&key, alg).map_err(|e| format!("kid {kid:?}: {e}"))?;
    Ok(PinnedKey {
        kid: Some(kid),
        alg,
        key,
    })
}

impl JwksState {
    fn lookup(&self, kid: &str, alg: Algorithm) -> Lookup {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut same_kid = keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .peekable();
        if same_kid.peek().is_none() {
            return Lookup::Absent;
        }
        match same_kid.find(|k| k.alg == alg) {
            Some(k) => Lookup::Found(k.key.clone()),
            None => Lookup::AlgMismatch,
        }
    }

    pub(super) async fn key_for(
        &self,
        kid: &str,
        alg: Algorithm,
    ) -> Result<DecodingKey, TokenError> {
        match self.lookup(kid, alg) {
            Lookup::Found(k) => return Ok(k),
            Lookup::AlgMismatch => return Err(TokenError::UnsupportedAlgorithm),
            Lookup::Absent => {}
        }
        // Single flight: one task reloads, the others wait and then look again.
        let mut last = self.refresh.lock().await;
        match self.lookup(kid, alg) {
            Lookup::Found(k) => return Ok(k),
            Lookup::AlgMismatch => return Err(TokenError::UnsupportedAlgorithm),
            Lookup::Absent => {}
        }
        if last.elapsed() < self.min_interval {
            tracing::debug!(kid = ?kid, "unknown kid; JWKS refresh not due yet");
            return Err(TokenError::UnknownKey);
        }
        tracing::info!(kid = ?kid, source = %self.source, "unknown kid; refreshing JWKS");
        // A failure has been logged by reload(); the last good set stays in place.
        let _ = self.reload(&mut last).await;
        drop(last);
        match self.lookup(kid, alg) {
            Lookup::Found(k) => Ok(k),
            Lookup::AlgMismatch => Err(TokenError::UnsupportedAlgorithm),
            Lookup::Absent => Err(TokenError::UnknownKey),
        }
    }

    /// Loads the set; the caller holds the refresh lock (`last`).
    pub(super) async fn reload(&self, last: &mut Instant) -> Result<usize, String> {
        *last = Instant::now();
        self.loads.fetch_add(1, Ordering::Relaxed);
        match load_jwks(&self.source, self.client.as_ref()).await {
            Ok(keys) => {
                let n = keys.len();
                *self
                    .keys
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
                tracing::info!(source = %self.source, keys = n, "JWKS reloaded");
                Ok(n)
            }
            Err(reason) => {
                tracing::warn!(
                    source = %self.source,
                    %reason,
                    "JWKS reload failed; keeping the last good key set"
                );
                Err(reason)
            }
        }
    }
}
