//! Bearer-token (JWT) verification.
//!
//! Self-contained: depends only on `jsonwebtoken` (backend `rust_crypto`), `reqwest` (rustls + ring),
//! `serde`, `serde_json`, `tokio` and `tracing`, never on the rest of the service.
//!
//! # Key sources and algorithm pinning
//! * `hs256_secret`: verifies **only** `HS256` tokens (at least 32 bytes, RFC 7518 §3.2).
//! * `public_key_pem_file`: an RSA public key verifies **only** `RS256`, an EC P-256 public key
//!   **only** `ES256` (`public_key_alg` may state it; otherwise it is inferred from the PEM).
//! * `jwks` (file or URL): each key is pinned to `RS256` (kty `RSA`) or `ES256` (kty `EC`, crv
//!   `P-256`). A JWK whose `alg` is present and differs is skipped; `oct` (symmetric) keys,
//!   `use: "enc"` keys, other curves and other algorithms are skipped with a warning, so a JWKS can
//!   never turn an HMAC secret into a verifier. Keys without `kid` are skipped.
//!
//! Any other `alg` (including `none`, `HS384`, `PS256`, ...) is refused with
//! [`TokenError::UnsupportedAlgorithm`]; the header fields `jku`, `jwk`, `x5u` and `x5c` are never
//! used to find keys, and a token carrying `crit` is refused.
//!
//! # Key selection (`kid`)
//! * `HS256`: the configured secret; `kid` is ignored.
//! * `RS256`/`ES256` **with** `kid` and a JWKS configured: the JWKS key with that `kid` (and an
//!   algorithm equal to the token's). Unknown `kid` → at most one JWKS reload per
//!   `jwks_refresh_min_interval` (counted from the previous load attempt, including the start-up
//!   load and failed attempts); concurrent requests share that one reload. A failed reload keeps the
//!   last good key set (logged at `warn`). Still unknown → [`TokenError::UnknownKey`].
//! * `RS256`/`ES256` **with** `kid` and no JWKS: the PEM key (its `kid` is not checked).
//! * `RS256`/`ES256` **without** `kid`: the PEM key if one of that algorithm is configured;
//!   otherwise refused with [`TokenError::MissingKeyId`], **even if the JWKS holds a single key**
//!   (deliberate: behaviour must not change when the issuer adds a second key during rotation).
//!
//! # Claims
//! Required: `exp`, `iss` (= `issuer`), `aud` (a string equal to `audience`, or an array containing
//! it), `sub`, `org` (non-empty string), `roles` (non-empty array of non-empty strings).
//! `nbf` is checked when present. `exp`/`nbf` use `leeway_secs` (at most 30).
//!
//! # JWKS over HTTP
//! `https://` is required except for loopback hosts (`127.0.0.0/8`, `::1`, `localhost`), which may
//! use `http://` (tests, sidecars). Redirects (at most 3) must stay on https. Bodies over 1 MiB are
//! refused; requests time out after 10 s. Proxies from the environment are honoured except for
//! loopback URLs. TLS: rustls with the process-default crypto provider, else `ring`; roots from
//! `webpki-roots` (the Mozilla set compiled in, not the OS store).

mod claims;
mod error;
mod header;
mod keys;
mod settings;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub use jsonwebtoken::Algorithm;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Map, Value};

pub use claims::{Claims, IssueError, issue_hs256};
pub use error::TokenError;
pub use settings::{
    JwksSource, JwtConfigError, JwtSettings, MAX_LEEWAY_SECS, MAX_TOKEN_LEN, MIN_HS256_SECRET_LEN,
};

use error::map_jwt_error;
use header::parse_header;
use keys::{JwksState, PinnedKey, http_client, load_jwks, load_pem_key};

/// Verifies bearer tokens. Cheap to clone (one `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct JwtVerifier {
    inner: Arc<Inner>,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.inner.hs256.is_some())
            .field("pem_alg", &self.inner.pem.as_ref().map(|k| k.alg))
            .field("jwks", &self.inner.jwks.as_ref().map(|j| &j.source))
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .finish()
    }
}

struct Inner {
    hs256: Option<DecodingKey>,
    pem: Option<PinnedKey>,
    jwks: Option<JwksState>,
    issuer: String,
    audience: String,
    validation: Validation,
}

impl JwtVerifier {
    /// Checks the settings, reads the PEM file and loads the JWKS (a JWKS that cannot be loaded is
    /// a [`JwtConfigError::Jwks`] naming its source).
    pub async fn new(settings: JwtSettings) -> Result<Self, JwtConfigError> {
        let JwtSettings {
            hs256_secret,
            public_key_pem_file,
            public_key_alg,
            jwks,
            issuer,
            audience,
            leeway_secs,
            jwks_refresh_min_interval,
        } = settings;

        let invalid = |m: &str| Err(JwtConfigError::Invalid(m.to_owned()));
        if hs256_secret.is_none() && public_key_pem_file.is_none() && jwks.is_none() {
            return invalid("no key source: set hs256_secret, public_key_pem_file and/or jwks");
        }
        if issuer.trim().is_empty() {
            return invalid("issuer must not be empty");
        }
        if audience.trim().is_empty() {
            return invalid("audience must not be empty");
        }
        if leeway_secs > MAX_LEEWAY_SECS {
            return Err(JwtConfigError::Invalid(format!(
                "leeway_secs is {leeway_secs}, at most {MAX_LEEWAY_SECS} is allowed"
            )));
        }
        if jwks.is_some() && jwks_refresh_min_interval.is_zero() {
            return invalid("jwks_refresh_min_interval must be greater than zero");
        }
        if public_key_pem_file.is_none() && public_key_alg.is_some() {
            return invalid("public_key_alg is set but public_key_pem_file is not");
        }

        let hs256 = match hs256_secret {
            Some(s) if s.len() < MIN_HS256_SECRET_LEN => {
                return Err(JwtConfigError::Invalid(format!(
                    "hs256_secret must be at least {MIN_HS256_SECRET_LEN} bytes"
                )));
            }
            Some(s) => Some(DecodingKey::from_secret(s.as_bytes())),
            None => None,
        };

        let pem = match public_key_pem_file {
            Some(path) => Some(load_pem_key(path, public_key_alg).await?),
            None => None,
        };

        let jwks = match jwks {
            Some(source) => {
                let client = match &source {
                    JwksSource::Url(url) => Some(http_client(url)?),
                    JwksSource::File(_) => None,
                };
                let keys = load_jwks(&source, client.as_ref())
                    .await
                    .map_err(|reason| JwtConfigError::Jwks {
                        source: source.to_string(),
                        reason,
                    })?;
                tracing::info!(source = %source, keys = keys.len(), "JWKS loaded");
                Some(JwksState {
                    source,
                    client,
                    min_interval: jwks_refresh_min_interval,
                    keys: RwLock::new(Arc::new(keys)),
                    refresh: tokio::sync::Mutex::new(Instant::now()),
                    loads: AtomicU64::new(1),
                })
            }
            None => None,
        };

        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_audience(&[audience.as_str()]);
        validation.leeway = leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.reject_tokens_expiring_in_less_than = 0;

        Ok(JwtVerifier {
            inner: Arc::new(Inner {
                hs256,
                pem,
                jwks,
                issuer,
                audience,
                validation,
            }),
        })
    }

    /// Verifies signature, algorithm, time window, issuer, audience and the required claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let result = self.verify_inner(token).await;
        if let Err(e) = &result {
            tracing::debug!(error = %e, "bearer token refused");
        }
        result
    }

    /// Number of JWKS load attempts so far (the start-up load counts as 1; 0 without a JWKS).
    /// Meant for metrics and tests.
    pub fn jwks_load_count(&self) -> u64 {
        self.inner
            .jwks
            .as_ref()
            .map_or(0, |j| j.loads.load(Ordering::Relaxed))
    }

    /// Reloads the JWKS now, ignoring `jwks_refresh_min_interval` (e.g. from a periodic task, so
    /// that keys removed by the issuer stop being accepted). On failure the current set is kept.
    /// Returns the number of usable keys loaded.
    pub async fn refresh_jwks(&self) -> Result<usize, JwtConfigError> {
        let Some(jwks) = &self.inner.jwks else {
            return Err(JwtConfigError::Invalid("no JWKS configured".to_owned()));
        };
        let mut last = jwks.refresh.lock().await;
        jwks.reload(&mut last)
            .await
            .map_err(|reason| JwtConfigError::Jwks {
                source: jwks.source.to_string(),
                reason,
            })
    }

    /// Reloads the JWKS every `every` until the returned task is aborted; `None` without a
    /// JWKS. An unknown `kid` already triggers a reload, but a key the issuer *removed* (say,
    /// after a leak) is still known here; only a periodic reload stops it being accepted.
    pub fn spawn_jwks_refresh(&self, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
        self.inner.jwks.as_ref()?;
        let verifier = self.clone();
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await; // the first tick is immediate; the set was just loaded
            loop {
                ticks.tick().await;
                match verifier.refresh_jwks().await {
                    Ok(keys) => tracing::debug!(keys, "JWKS reloaded"),
                    Err(error) => {
                        tracing::warn!(%error, "JWKS reload failed; keeping the last set")
                    }
                }
            }
        }))
    }

    async fn verify_inner(&self, token: &str) -> Result<Claims, TokenError> {
        let inner = &*self.inner;
        let (alg, kid) = parse_header(token)?;

        let key = match alg {
            Algorithm::HS256 => inner
                .hs256
                .clone()
                .ok_or(TokenError::UnsupportedAlgorithm)?,
            _ => self.select_public_key(alg, kid.as_deref()).await?,
        };

        let mut validation = inner.validation.clone();
        validation.algorithms = vec![alg];
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(map_jwt_error)?;
        inner.extract_claims(data.claims)
    }

    async fn select_public_key(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<DecodingKey, TokenError> {
        let inner = &*self.inner;
        if let (Some(kid), Some(jwks)) = (kid, &inner.jwks) {
            return jwks.key_for(kid, alg).await;
        }
        if let Some(pem) = inner.pem.as_ref().filter(|k| k.alg == alg) {
            return Ok(pem.key.clone());
        }
        if inner.jwks.is_some() {
            // Only reachable without kid: a JWKS key is chosen by kid alone.
            return Err(TokenError::MissingKeyId);
        }
        Err(TokenError::UnsupportedAlgorithm)
    }
}
