//! The service's settings: read once from the environment at start-up, with every default in
//! this file. A wrong value stops the service with a message naming the variable.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

pub mod secret_store;

/// Session limits a service connection sets when it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Longest a single statement may run (`statement_timeout`).
    pub statement_timeout: Duration,
    /// Longest a statement waits for a lock (`lock_timeout`).
    pub lock_timeout: Duration,
}

/// A secret that never appears in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Where the public keys for RS256/ES256 tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    File(PathBuf),
    Url(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// HS256 shared secret (at least 32 bytes).
    pub jwt_secret: Option<Secret>,
    /// An RSA or EC public key in PEM form.
    pub jwt_public_key_file: Option<PathBuf>,
    pub jwks: Option<JwksSource>,
    pub issuer: String,
    pub audience: String,
    pub leeway: Duration,
    /// An unknown `kid` refreshes the JWKS at most once per this interval.
    pub jwks_refresh_interval: Duration,
    /// The JWKS is reloaded at least this often, so that keys the issuer removed stop being
    /// accepted.
    pub jwks_max_age: Duration,
    /// The organization key of the steering office: the only organization whose tokens may
    /// carry the role `coordinator` (which acts for every organization).
    pub steering_office: String,
}

impl AuthConfig {
    pub fn has_signing_key(&self) -> bool {
        self.jwt_secret.is_some() || self.jwt_public_key_file.is_some() || self.jwks.is_some()
    }
}

/// Which browser origins may call the API across origins (CORS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No cross-origin browser access (the default).
    None,
    /// Any origin (`*`); credentials are then never allowed.
    Any,
    /// Exactly these origins, e.g. `https://app.musterland.example`.
    List(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The service's own connection: a role that owns no table (see `db::roles`).
    pub database_url: Secret,
    /// The schema owner's connection, used before serving to create the database, migrate it
    /// and grant the runtime role its rights. `None` when a deployment migrates separately
    /// (`smartregion migrate`) and the service never holds the owner's credentials.
    pub owner_database_url: Option<Secret>,
    pub bind: SocketAddr,
    /// Where `GET /metrics` is served, on a listener of its own; `None`: metrics are not
    /// served at all (never on the public listener).
    pub metrics_bind: Option<SocketAddr>,
    /// Base of every absolute link the service writes (Link headers, OParl ids).
    pub public_url: String,
    pub auth: AuthConfig,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    /// How long a request body may take to arrive once the service reads it (408 after).
    pub body_timeout: Duration,
    pub db_pool_size: usize,
    /// How long a request waits for a database connection before it gets a 503.
    pub db_wait_timeout: Duration,
    /// Limits every service connection sets for its session (`statement_timeout`,
    /// `lock_timeout`), so that a stuck query or a lock queue answers 503 instead of hanging.
    pub db_session_limits: SessionLimits,
    pub workers: usize,
    pub shutdown_timeout: Duration,
    /// How long the answer to a POST with an `Idempotency-Key` is kept for replays.
    pub idempotency_ttl: Duration,
    pub cors_origins: CorsOrigins,
    pub webhooks: WebhookConfig,
    /// The variables whose value is one of [`PUBLISHED_SECRETS`].
    pub published_secrets: Vec<&'static str>,
    pub rate_limits: RateLimitConfig,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the rate limits).
    pub trusted_proxies: TrustedProxies,
    /// The cooperation: `SMARTREGION_PROFILE`, or the embedded default.
    pub profile: std::sync::Arc<crate::profile::Profile>,
    /// The score (0 to 1) from which two efforts count as similar (overlap detection).
    pub similarity_threshold: f64,
}

/// Addresses and blocks of reverse proxies in front of the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDR blocks (`10.0.0.5, 2001:db8::/32`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut blocks = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (address, prefix) = match entry.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (entry, None),
            };
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("`{entry}` is not an IP address or CIDR block"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("`{entry}` has no prefix length 0 to {max}"))?,
            };
            blocks.push((address, prefix));
        }
        Ok(Self(blocks))
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|(block, prefix)| match (block, address) {
            (IpAddr::V4(block), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                u32::from(*block) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(block), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                u128::from(*block) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }
}

/// One rate: requests per minute on average, and how many may come at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

/// Request budgets for `/api` and `/oparl` (see `http::rate_limit`); `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Per token (subject and organization).
    pub member: Option<Rate>,
    /// Per client address, for callers without a usable token.
    pub anonymous: Option<Rate>,
    /// Per client address, for anonymous calls of the expensive views (dashboard,
    /// participation matrix, calendar feeds); counted instead of `anonymous`.
    pub heavy_anonymous: Option<Rate>,
}

impl RateLimitConfig {
    pub const OFF: Self = Self {
        member: None,
        anonymous: None,
        heavy_anonymous: None,
    };
}

/// Webhook subscriptions and their delivery worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Whether target URLs may point to private, loopback, link-local or unique-local
    /// addresses (tests and local setups only).
    pub allow_private: bool,
    /// Whether this instance runs a delivery worker (several instances may).
    pub worker: bool,
    /// Consecutive failed attempts after which a subscription is disabled.
    pub max_failures: u32,
    /// Timeout of one delivery request.
    pub timeout: Duration,
    /// The wait after the first failed attempt; doubles per further failure.
    pub retry_base: Duration,
    /// The longest wait between two attempts.
    pub retry_max: Duration,
    /// How long a delivery is retried before it is abandoned (at least 24 h).
    pub retry_window: Duration,
    /// How often an idle worker looks for work.
    pub poll_interval: Duration,
    /// Deliveries one worker sends at the same time (to different subscriptions).
    pub concurrency: usize,
    /// Encrypts the subscriptions' signing secrets at rest (see `secret_store`).
    pub secrets: secret_store::SecretStore,
    /// How long finished deliveries stay in the delivery log.
    pub retention: Duration,
    /// The ports target URLs may use.
    pub allowed_ports: crate::domain::webhooks::AllowedPorts,
    /// Subscriptions one organization may have (active or not).
    pub max_subscriptions_per_org: u32,
}

/// A setting that could not be used; names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self {
            var,
            message: message.into(),
        }
    }
}

/// The runtime role on the local server; `serve` creates it (trust authentication) on first
/// start through the owner's connection below.
pub const DEFAULT_DATABASE_URL: &str = "postgres://smartregion_app@127.0.0.1:5432/smartregion";
/// The owner's connection, used only when `DATABASE_URL` is not set either (a developer
/// machine with PostgreSQL on loopback).
pub const DEFAULT_OWNER_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/smartregion";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_ISSUER: &str = "smartregion";
pub const DEFAULT_AUDIENCE: &str = "smartregion-api";
/// Used by `serve --dev` and `token --dev` only; `serve --dev` refuses non-loopback addresses.
pub const DEV_JWT_SECRET: &str = "insecure-development-secret-do-not-use-in-production";

/// Secret values published in this repository (the development secret, examples, tests, CI,
/// former docker-compose defaults): anyone can sign tokens or forge webhooks with them, so
/// `serve` refuses them unless `--dev`. `tests/api/published_secrets.rs` scans the repository
/// so that a value added to its files cannot be missing here.
pub const PUBLISHED_SECRETS: &[&str] = &[
    DEV_JWT_SECRET,
    "ci-only-secret-0123456789abcdef0123",
    "compose-trial-secret-change-me-0123456789",
    "Y29tcG9zZS10cmlhbC1rZXktY2hhbmdlLW1lLTAxMjM=",
    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "test-secret-0123456789abcdef0123456789",
    "test-only-hs256-secret-0123456789abcdef",
    "ts-client-check-secret-0123456789abcdef-not-for-production",
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "0123456789abcdef0123456789abcdef-very-secret",
    "another-secret-that-is-long-enough-000",
    "another-secret-another-secret-0000",
];

/// Every variable the service reads, with its default, for the README and `--help`.
pub const VARIABLES: &[(&str, &str)] = &[
    ("DATABASE_URL", DEFAULT_DATABASE_URL),
    (
        "SMARTREGION_OWNER_DATABASE_URL",
        "(none; with DATABASE_URL unset too: postgres://postgres@127.0.0.1:5432/smartregion)",
    ),
    ("SMARTREGION_BIND", DEFAULT_BIND),
    ("SMARTREGION_METRICS_BIND", "(none)"),
    ("SMARTREGION_PUBLIC_URL", "http://<SMARTREGION_BIND>"),
    ("SMARTREGION_JWT_SECRET", "(none)"),
    ("SMARTREGION_JWT_PUBLIC_KEY_FILE", "(none)"),
    ("SMARTREGION_JWKS_URL", "(none)"),
    ("SMARTREGION_JWKS_FILE", "(none)"),
    ("SMARTREGION_JWT_ISSUER", DEFAULT_ISSUER),
    ("SMARTREGION_JWT_AUDIENCE", DEFAULT_AUDIENCE),
    ("SMARTREGION_JWT_LEEWAY_SECS", "30"),
    ("SMARTREGION_JWKS_REFRESH_SECS", "300"),
    ("SMARTREGION_JWKS_MAX_AGE_SECS", "3600"),
    ("SMARTREGION_PROFILE", "(the embedded default profile)"),
    (
        "SMARTREGION_STEERING_OFFICE",
        "(the profile's steering_office)",
    ),
    ("SMARTREGION_LOG_FORMAT", "text"),
    ("RUST_LOG", "info"),
    ("SMARTREGION_MAX_BODY_BYTES", "1048576"),
    ("SMARTREGION_BODY_TIMEOUT_SECS", "30"),
    ("SMARTREGION_DB_POOL_SIZE", "10"),
    ("SMARTREGION_DB_WAIT_MS", "2000"),
    ("SMARTREGION_DB_STATEMENT_TIMEOUT_MS", "30000"),
    ("SMARTREGION_DB_LOCK_TIMEOUT_MS", "10000"),
    ("SMARTREGION_WORKERS", "number of CPUs"),
    ("SMARTREGION_SHUTDOWN_TIMEOUT_SECS", "30"),
    ("SMARTREGION_IDEMPOTENCY_TTL_SECS", "86400"),
    ("SMARTREGION_CORS_ORIGINS", "(none)"),
    ("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "false"),
    ("SMARTREGION_WEBHOOK_WORKER", "true"),
    ("SMARTREGION_WEBHOOK_MAX_FAILURES", "50"),
    ("SMARTREGION_WEBHOOK_TIMEOUT_SECS", "10"),
    ("SMARTREGION_WEBHOOK_RETRY_BASE_SECS", "30"),
    ("SMARTREGION_WEBHOOK_RETRY_MAX_SECS", "3600"),
    ("SMARTREGION_WEBHOOK_RETRY_WINDOW_SECS", "86400"),
    ("SMARTREGION_WEBHOOK_POLL_MS", "1000"),
    ("SMARTREGION_WEBHOOK_CONCURRENCY", "4"),
    ("SMARTREGION_WEBHOOK_SECRET_KEY", "(none)"),
    ("SMARTREGION_WEBHOOK_RETENTION_DAYS", "30"),
    ("SMARTREGION_RATE_LIMIT_ENABLED", "true"),
    ("SMARTREGION_RATE_LIMIT_PER_MINUTE", "600"),
    ("SMARTREGION_RATE_LIMIT_BURST", "120"),
    ("SMARTREGION_RATE_LIMIT_ANON_PER_MINUTE", "300"),
    ("SMARTREGION_RATE_LIMIT_ANON_BURST", "60"),
    ("SMARTREGION_RATE_LIMIT_HEAVY_ANON_PER_MINUTE", "30"),
    ("SMARTREGION_RATE_LIMIT_HEAVY_ANON_BURST", "10"),
    ("SMARTREGION_TRUSTED_PROXIES", "(none)"),
    (
        "SMARTREGION_WEBHOOK_ALLOWED_PORTS",
        "443,80 (any with SMARTREGION_WEBHOOK_ALLOW_PRIVATE=true)",
    ),
    ("SMARTREGION_WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG", "10"),
    ("SMARTREGION_SIMILARITY_THRESHOLD", "0.3"),
];

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let is_postgres_url =
            |url: &str| url.starts_with("postgres://") || url.starts_with("postgresql://");
        let (database_url, owner_database_url) =
            match (get("DATABASE_URL"), get("SMARTREGION_OWNER_DATABASE_URL")) {
                (None, None) => (
                    DEFAULT_DATABASE_URL.to_owned(),
                    Some(DEFAULT_OWNER_DATABASE_URL.to_owned()),
                ),
                (None, Some(_)) => {
                    return Err(ConfigError::new(
                        "DATABASE_URL",
                        "must be set when SMARTREGION_OWNER_DATABASE_URL is: it names the role \
                         the service runs as",
                    ));
                }
                (Some(url), owner) => (url, owner),
            };
        if !is_postgres_url(&database_url) {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must be a postgres:// or postgresql:// URL",
            ));
        }
        if let Some(owner) = &owner_database_url
            && !is_postgres_url(owner)
        {
            return Err(ConfigError::new(
                "SMARTREGION_OWNER_DATABASE_URL",
                "must be a postgres:// or postgresql:// URL",
            ));
        }

        let bind_text = get("SMARTREGION_BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            ConfigError::new(
                "SMARTREGION_BIND",
                format!("`{bind_text}` is not an address like 127.0.0.1:8080"),
            )
        })?;

        let metrics_bind = get("SMARTREGION_METRICS_BIND")
            .map(|text| {
                text.parse::<SocketAddr>().map_err(|_| {
                    ConfigError::new(
                        "SMARTREGION_METRICS_BIND",
                        format!("`{text}` is not an address like 127.0.0.1:9184"),
                    )
                })
            })
            .transpose()?;
        if metrics_bind.is_some_and(|m| m == bind && m.port() != 0) {
            return Err(ConfigError::new(
                "SMARTREGION_METRICS_BIND",
                "must differ from SMARTREGION_BIND: metrics are never served on the public listener",
            ));
        }

        let public_url = match get("SMARTREGION_PUBLIC_URL") {
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError::new(
                        "SMARTREGION_PUBLIC_URL",
                        "must start with http:// or https://",
                    ));
                }
                url.trim_end_matches('/').to_owned()
            }
            None => format!("http://{bind}"),
        };

        let jwt_secret = get("SMARTREGION_JWT_SECRET").map(Secret::new);
        if let Some(secret) = &jwt_secret
            && secret.expose().len() < 32
        {
            return Err(ConfigError::new(
                "SMARTREGION_JWT_SECRET",
                "must be at least 32 bytes long",
            ));
        }
        let jwt_public_key_file = get("SMARTREGION_JWT_PUBLIC_KEY_FILE").map(PathBuf::from);
        let jwks = match (get("SMARTREGION_JWKS_URL"), get("SMARTREGION_JWKS_FILE")) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "SMARTREGION_JWKS_URL",
                    "set either SMARTREGION_JWKS_URL or SMARTREGION_JWKS_FILE, not both",
                ));
            }
            (Some(url), None) => {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(ConfigError::new(
                        "SMARTREGION_JWKS_URL",
                        "must be an http:// or https:// URL",
                    ));
                }
                Some(JwksSource::Url(url))
            }
            (None, Some(path)) => Some(JwksSource::File(PathBuf::from(path))),
            (None, None) => None,
        };
        let leeway_secs = parse_number(&get, "SMARTREGION_JWT_LEEWAY_SECS", 30, 0, 30)?;
        let refresh_secs = parse_number(&get, "SMARTREGION_JWKS_REFRESH_SECS", 300, 1, 86_400)?;
        let max_age_secs = parse_number(&get, "SMARTREGION_JWKS_MAX_AGE_SECS", 3600, 1, 86_400)?;
        let profile = match get("SMARTREGION_PROFILE") {
            Some(path) => crate::profile::Profile::load(std::path::Path::new(path.trim()))
                .map_err(|e| ConfigError::new("SMARTREGION_PROFILE", e.to_string()))?,
            None => crate::profile::Profile::embedded(),
        };
        let steering_office = get("SMARTREGION_STEERING_OFFICE")
            .map(|key| key.trim().to_owned())
            .unwrap_or_else(|| profile.steering_office.clone());
        if !crate::domain::ids::is_organization_key(&steering_office) {
            return Err(ConfigError::new(
                "SMARTREGION_STEERING_OFFICE",
                format!(
                    "`{steering_office}` is not an organization key (an AGS of 5 or 8 digits, or a \
                     lowercase slug)"
                ),
            ));
        }

        let log_format = match get("SMARTREGION_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "SMARTREGION_LOG_FORMAT",
                    format!("`{other}` is neither `text` nor `json`"),
                ));
            }
        };

        let max_body_bytes = parse_number(
            &get,
            "SMARTREGION_MAX_BODY_BYTES",
            1_048_576,
            1024,
            256 * 1_048_576,
        )?;
        let db_pool_size = parse_number(&get, "SMARTREGION_DB_POOL_SIZE", 10, 1, 1000)?;
        let db_wait_ms = parse_number(&get, "SMARTREGION_DB_WAIT_MS", 2000, 10, 60_000)?;
        let db_session_limits = SessionLimits {
            statement_timeout: Duration::from_millis(parse_number(
                &get,
                "SMARTREGION_DB_STATEMENT_TIMEOUT_MS",
                30_000,
                100,
                3_600_000,
            )?),
            lock_timeout: Duration::from_millis(parse_number(
                &get,
                "SMARTREGION_DB_LOCK_TIMEOUT_MS",
                10_000,
                100,
                600_000,
            )?),
        };
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = parse_number(&get, "SMARTREGION_WORKERS", default_workers as u64, 1, 256)?;
        let shutdown_secs = parse_number(&get, "SMARTREGION_SHUTDOWN_TIMEOUT_SECS", 30, 0, 3600)?;
        let body_timeout_secs = parse_number(&get, "SMARTREGION_BODY_TIMEOUT_SECS", 30, 1, 3600)?;
        let idempotency_ttl_secs = parse_number(
            &get,
            "SMARTREGION_IDEMPOTENCY_TTL_SECS",
            86_400,
            1,
            30 * 86_400,
        )?;
        let cors_origins = match get("SMARTREGION_CORS_ORIGINS") {
            None => CorsOrigins::None,
            Some(text) => parse_cors_origins(&text)
                .map_err(|message| ConfigError::new("SMARTREGION_CORS_ORIGINS", message))?,
        };

        let allow_private = parse_bool(&get, "SMARTREGION_WEBHOOK_ALLOW_PRIVATE", false)?;
        let allowed_ports = match get("SMARTREGION_WEBHOOK_ALLOWED_PORTS") {
            Some(text) => {
                crate::domain::webhooks::AllowedPorts::parse(&text).map_err(|message| {
                    ConfigError::new("SMARTREGION_WEBHOOK_ALLOWED_PORTS", message)
                })?
            }
            // Local setups and tests run receivers on arbitrary ports.
            None if allow_private => crate::domain::webhooks::AllowedPorts::Any,
            None => crate::domain::webhooks::AllowedPorts::web(),
        };
        let webhooks = WebhookConfig {
            allow_private,
            worker: parse_bool(&get, "SMARTREGION_WEBHOOK_WORKER", true)?,
            max_failures: parse_number(&get, "SMARTREGION_WEBHOOK_MAX_FAILURES", 50, 1, 10_000)?
                as u32,
            timeout: Duration::from_secs(parse_number(
                &get,
                "SMARTREGION_WEBHOOK_TIMEOUT_SECS",
                10,
                1,
                120,
            )?),
            retry_base: Duration::from_secs(parse_number(
                &get,
                "SMARTREGION_WEBHOOK_RETRY_BASE_SECS",
                30,
                1,
                3600,
            )?),
            retry_max: Duration::from_secs(parse_number(
                &get,
                "SMARTREGION_WEBHOOK_RETRY_MAX_SECS",
                3600,
                1,
                86_400,
            )?),
            // The issue promises retries for at least a day.
            retry_window: Duration::from_secs(parse_number(
                &get,
                "SMARTREGION_WEBHOOK_RETRY_WINDOW_SECS",
                86_400,
                86_400,
                30 * 86_400,
            )?),
            poll_interval: Duration::from_millis(parse_number(
                &get,
                "SMARTREGION_WEBHOOK_POLL_MS",
                1000,
                10,
                60_000,
            )?),
            concurrency: parse_number(&get, "SMARTREGION_WEBHOOK_CONCURRENCY", 4, 1, 64)? as usize,
            retention: Duration::from_secs(
                86_400 * parse_number(&get, "SMARTREGION_WEBHOOK_RETENTION_DAYS", 30, 1, 3650)?,
            ),
            secrets: secret_store::SecretStore::new(
                get("SMARTREGION_WEBHOOK_SECRET_KEY")
                    .map(|text| {
                        secret_store::StorageKey::from_base64(&text).map_err(|message| {
                            ConfigError::new("SMARTREGION_WEBHOOK_SECRET_KEY", message)
                        })
                    })
                    .transpose()?,
            ),
            allowed_ports,
            max_subscriptions_per_org: parse_number(
                &get,
                "SMARTREGION_WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG",
                10,
                1,
                1000,
            )? as u32,
        };

        let published_secrets = ["SMARTREGION_JWT_SECRET", "SMARTREGION_WEBHOOK_SECRET_KEY"]
            .into_iter()
            .filter(|name| get(name).is_some_and(|value| PUBLISHED_SECRETS.contains(&value.trim())))
            .collect();
        let rate_limits = if parse_bool(&get, "SMARTREGION_RATE_LIMIT_ENABLED", true)? {
            RateLimitConfig {
                member: parse_rate(
                    &get,
                    "SMARTREGION_RATE_LIMIT_PER_MINUTE",
                    600,
                    "SMARTREGION_RATE_LIMIT_BURST",
                    120,
                )?,
                anonymous: parse_rate(
                    &get,
                    "SMARTREGION_RATE_LIMIT_ANON_PER_MINUTE",
                    300,
                    "SMARTREGION_RATE_LIMIT_ANON_BURST",
                    60,
                )?,
                heavy_anonymous: parse_rate(
                    &get,
                    "SMARTREGION_RATE_LIMIT_HEAVY_ANON_PER_MINUTE",
                    30,
                    "SMARTREGION_RATE_LIMIT_HEAVY_ANON_BURST",
                    10,
                )?,
            }
        } else {
            RateLimitConfig::OFF
        };

        let trusted_proxies = match get("SMARTREGION_TRUSTED_PROXIES") {
            None => TrustedProxies::default(),
            Some(text) => TrustedProxies::parse(&text)
                .map_err(|message| ConfigError::new("SMARTREGION_TRUSTED_PROXIES", message))?,
        };

        Ok(Self {
            database_url: Secret::new(database_url),
            owner_database_url: owner_database_url.map(Secret::new),
            bind,
            metrics_bind,
            public_url,
            auth: AuthConfig {
                jwt_secret,
                jwt_public_key_file,
                jwks,
                issuer: get("SMARTREGION_JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.into()),
                audience: get("SMARTREGION_JWT_AUDIENCE")
                    .unwrap_or_else(|| DEFAULT_AUDIENCE.into()),
                leeway: Duration::from_secs(leeway_secs),
                jwks_refresh_interval: Duration::from_secs(refresh_secs),
                jwks_max_age: Duration::from_secs(max_age_secs),
                steering_office,
            },
            log_format,
            max_body_bytes: max_body_bytes as usize,
            body_timeout: Duration::from_secs(body_timeout_secs),
            db_pool_size: db_pool_size as usize,
            db_wait_timeout: Duration::from_millis(db_wait_ms),
            db_session_limits,
            workers: workers as usize,
            shutdown_timeout: Duration::from_secs(shutdown_secs),
            idempotency_ttl: Duration::from_secs(idempotency_ttl_secs),
            cors_origins,
            webhooks,
            published_secrets,
            rate_limits,
            trusted_proxies,
            profile: std::sync::Arc::new(profile),
            similarity_threshold: parse_share(
                &get,
                "SMARTREGION_SIMILARITY_THRESHOLD",
                0.3,
                crate::domain::initiatives::PAIR_FLOOR,
            )?,
        })
    }

    /// The database name in `DATABASE_URL`, which `serve` creates when it is missing.
    pub fn database_name(&self) -> Option<&str> {
        database_name(self.database_url.expose())
    }
}

/// The path component of a PostgreSQL URL, without query parameters.
pub fn database_name(url: &str) -> Option<&str> {
    let after_scheme = url.split_once("://")?.1;
    let path = after_scheme.split_once('/')?.1;
    let name = path.split(['?', '#']).next()?;
    (!name.is_empty()).then_some(name)
}

/// A comma-separated list of origins (`scheme://host[:port]`, no path), or `*` alone.
fn parse_cors_origins(text: &str) -> Result<CorsOrigins, String> {
    let entries: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.contains(&"*") {
        return if entries.len() == 1 {
            Ok(CorsOrigins::Any)
        } else {
            Err("`*` cannot be combined with single origins".into())
        };
    }
    let mut origins = Vec::new();
    for entry in entries {
        let origin = entry.trim_end_matches('/').to_ascii_lowercase();
        let host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .ok_or_else(|| format!("`{entry}` is not an http:// or https:// origin"))?;
        let valid = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
        if !valid {
            return Err(format!(
                "`{entry}` is not an origin like https://app.example.org (no path)"
            ));
        }
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(if origins.is_empty() {
        CorsOrigins::None
    } else {
        CorsOrigins::List(origins)
    })
}

/// A decimal from `min` to 1 (`0.3`), e.g. a similarity score.
fn parse_share(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: f64,
    min: f64,
) -> Result<f64, ConfigError> {
    let Some(text) = get(var) else {
        return Ok(default);
    };
    let value: f64 = text
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| ConfigError::new(var, format!("`{text}` is not a decimal such as 0.3")))?;
    if !(min..=1.0).contains(&value) {
        return Err(ConfigError::new(
            var,
            format!("{value} is outside {min} to 1"),
        ));
    }
    Ok(value)
}

fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(var).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(ConfigError::new(
            var,
            format!("`{other}` is neither true nor false"),
        )),
    }
}

/// A rate of `rate_var` requests per minute (0 turns it off) with bursts of `burst_var`; an
/// unset burst is the default burst, but never more than the rate.
fn parse_rate(
    get: &impl Fn(&str) -> Option<String>,
    rate_var: &'static str,
    default_rate: u64,
    burst_var: &'static str,
    default_burst: u64,
) -> Result<Option<Rate>, ConfigError> {
    let per_minute = parse_number(get, rate_var, default_rate, 0, 1_000_000)?;
    if per_minute == 0 {
        return Ok(None);
    }
    let burst = parse_number(get, burst_var, default_burst.min(per_minute), 1, 1_000_000)?;
    Ok(Some(Rate {
        per_minute: per_minute as u32,
        burst: burst as u32,
    }))
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    let Some(text) = get(var) else {
        return Ok(default);
    };
    let value: u64 = text
        .trim()
        .parse()
        .map_err(|_| ConfigError::new(var, format!("`{text}` is not a whole number")))?;
    if !(min..=max).contains(&value) {
        return Err(ConfigError::new(
            var,
            format!("{value} is outside {min}..={max}"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::webhooks::AllowedPorts;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config(&[]).unwrap();
        assert_eq!(config.bind.to_string(), DEFAULT_BIND);
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert_eq!(config.max_body_bytes, 1_048_576);
        assert_eq!(config.auth.leeway, Duration::from_secs(30));
        assert!(!config.auth.has_signing_key());
        assert_eq!(config.database_name(), Some("smartregion"));
        assert_eq!(config.auth.steering_office, "05570");
        assert_eq!(config.metrics_bind, None, "no metrics unless asked for");
        let config = self::config(&[("SMARTREGION_METRICS_BIND", "127.0.0.1:9184")]);
        assert_eq!(
            config.unwrap().metrics_bind.unwrap().to_string(),
            "127.0.0.1:9184"
        );
    }

    #[test]
    fn the_steering_office_is_an_organization_key() {
        let set = config(&[("SMARTREGION_STEERING_OFFICE", " gfw ")]).unwrap();
        assert_eq!(set.auth.steering_office, "gfw");
        for wrong in ["Kreis Warendorf", "5570", "GFW"] {
            let err = config(&[("SMARTREGION_STEERING_OFFICE", wrong)]).unwrap_err();
            assert_eq!(err.var, "SMARTREGION_STEERING_OFFICE", "{wrong}");
        }
    }

    #[test]
    fn a_wrong_value_names_its_variable() {
        let err = config(&[("SMARTREGION_BIND", "nowhere")]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_BIND");
        let err = config(&[("SMARTREGION_JWT_LEEWAY_SECS", "31")]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_JWT_LEEWAY_SECS");
        let err = config(&[("SMARTREGION_JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_JWT_SECRET");
        let err = config(&[("SMARTREGION_LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_LOG_FORMAT");
        let err = config(&[("SMARTREGION_DB_POOL_SIZE", "-1")]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_DB_POOL_SIZE");
        let err = config(&[("SMARTREGION_METRICS_BIND", "9184")]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_METRICS_BIND");
        let err = config(&[("SMARTREGION_METRICS_BIND", DEFAULT_BIND)]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_METRICS_BIND");
    }

    #[test]
    fn idempotency_ttl_defaults_to_a_day() {
        assert_eq!(
            config(&[]).unwrap().idempotency_ttl,
            Duration::from_secs(86_400)
        );
        let config_30 = config(&[("SMARTREGION_IDEMPOTENCY_TTL_SECS", "30")]).unwrap();
        assert_eq!(config_30.idempotency_ttl, Duration::from_secs(30));
        let err = config(&[("SMARTREGION_IDEMPOTENCY_TTL_SECS", "0")]).unwrap_err();
        assert_eq!(err.var, "SMARTREGION_IDEMPOTENCY_TTL_SECS");
    }

    #[test]
    fn cors_origins_are_a_list_of_origins_or_a_lone_wildcard() {
        assert_eq!(config(&[]).unwrap().cors_origins, CorsOrigins::None);
        let listed = config(&[(
            "SMARTREGION_CORS_ORIGINS",
            " https://App.example.org/ ,http://localhost:5173,https://app.example.org",
        )])
        .unwrap();
        assert_eq!(
            listed.cors_origins,
            CorsOrigins::List(vec![
                "https://app.example.org".into(),
                "http://localhost:5173".into()
            ])
        );
        let any = config(&[("SMARTREGION_CORS_ORIGINS", "*")]).unwrap();
        assert_eq!(any.cors_origins, CorsOrigins::Any);
        for wrong in [
            "*,https://a.example",
            "ftp://a.example",
            "https://a.example/path",
        ] {
            let err = config(&[("SMARTREGION_CORS_ORIGINS", wrong)]).unwrap_err();
            assert_eq!(err.var, "SMARTREGION_CORS_ORIGINS", "{wrong}");
        }
    }

    #[test]
    fn webhook_settings_have_safe_defaults() {
        let defaults = config(&[]).unwrap().webhooks;
        assert!(!defaults.allow_private);
        assert!(defaults.worker);
        assert_eq!(defaults.max_failures, 50);
        assert_eq!(defaults.retry_window, Duration::from_secs(86_400));
        assert_eq!(defaults.allowed_ports, AllowedPorts::Only(vec![443, 80]));
        assert_eq!(defaults.max_subscriptions_per_org, 10);
        let set = config(&[
            ("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("SMARTREGION_WEBHOOK_MAX_FAILURES", "3"),
            ("SMARTREGION_WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG", "2"),
        ])
        .unwrap()
        .webhooks;
        assert!(set.allow_private);
        assert_eq!(set.max_failures, 3);
        assert_eq!(set.max_subscriptions_per_org, 2);
        // Private targets for local setups: any port, unless the ports are set.
        assert_eq!(set.allowed_ports, AllowedPorts::Any);
        let ports = config(&[
            ("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("SMARTREGION_WEBHOOK_ALLOWED_PORTS", "443,8443"),
        ])
        .unwrap()
        .webhooks;
        assert_eq!(ports.allowed_ports, AllowedPorts::Only(vec![443, 8443]));
        for (var, wrong) in [
            ("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "maybe"),
            ("SMARTREGION_WEBHOOK_RETRY_WINDOW_SECS", "3600"),
            ("SMARTREGION_WEBHOOK_MAX_FAILURES", "0"),
            ("SMARTREGION_WEBHOOK_ALLOWED_PORTS", "443,http"),
            ("SMARTREGION_WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG", "0"),
        ] {
            assert_eq!(config(&[(var, wrong)]).unwrap_err().var, var);
        }
    }

    #[test]
    fn the_similarity_threshold_lies_between_the_stored_pairs_floor_and_one() {
        assert_eq!(config(&[]).unwrap().similarity_threshold, 0.3);
        let set = config(&[("SMARTREGION_SIMILARITY_THRESHOLD", "0.45")]).unwrap();
        assert_eq!(set.similarity_threshold, 0.45);
        for wrong in ["0", "0.1", "1.5", "NaN", "viel"] {
            let error = config(&[("SMARTREGION_SIMILARITY_THRESHOLD", wrong)]).unwrap_err();
            assert_eq!(error.var, "SMARTREGION_SIMILARITY_THRESHOLD", "{wrong}");
        }
    }

    #[test]
    fn rate_limits_default_on_and_turn_off_with_zero() {
        let defaults = config(&[]).unwrap().rate_limits;
        assert_eq!(
            defaults.member,
            Some(Rate {
                per_minute: 600,
                burst: 120
            })
        );
        assert_eq!(
            defaults.heavy_anonymous,
            Some(Rate {
                per_minute: 30,
                burst: 10
            })
        );
        let set = config(&[
            ("SMARTREGION_RATE_LIMIT_PER_MINUTE", "0"),
            ("SMARTREGION_RATE_LIMIT_ANON_PER_MINUTE", "10"),
        ])
        .unwrap()
        .rate_limits;
        assert_eq!(set.member, None);
        // An unset burst is never more than the rate.
        assert_eq!(
            set.anonymous,
            Some(Rate {
                per_minute: 10,
                burst: 10
            })
        );
        let off = config(&[("SMARTREGION_RATE_LIMIT_ENABLED", "false")]).unwrap();
        assert_eq!(off.rate_limits, RateLimitConfig::OFF);
        for (var, wrong) in [
            ("SMARTREGION_RATE_LIMIT_PER_MINUTE", "-1"),
            ("SMARTREGION_RATE_LIMIT_BURST", "0"),
            ("SMARTREGION_RATE_LIMIT_ENABLED", "maybe"),
        ] {
            assert_eq!(config(&[(var, wrong)]).unwrap_err().var, var);
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_blocks() {
        let proxies = config(&[("SMARTREGION_TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::1")])
            .unwrap()
            .trusted_proxies;
        assert!(proxies.contains("10.1.2.3".parse().unwrap()));
        assert!(proxies.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!proxies.contains("11.0.0.1".parse().unwrap()));
        assert!(proxies.contains("2001:db8::1".parse().unwrap()));
        assert!(!proxies.contains("2001:db8::2".parse().unwrap()));
        assert!(!TrustedProxies::default().contains("127.0.0.1".parse().unwrap()));
        for wrong in ["10.0.0.0/33", "proxy.local", "10.0.0.1/x"] {
            let err = config(&[("SMARTREGION_TRUSTED_PROXIES", wrong)]).unwrap_err();
            assert_eq!(err.var, "SMARTREGION_TRUSTED_PROXIES", "{wrong}");
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let config = config(&[(
            "SMARTREGION_JWT_SECRET",
            "0123456789abcdef0123456789abcdef-very-secret",
        )])
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("very-secret"));
        assert!(!printed.contains("postgres@"));
    }

    #[test]
    fn database_name_ignores_query_parameters() {
        assert_eq!(
            database_name("postgres://u@h:5432/db_1?sslmode=disable"),
            Some("db_1")
        );
        assert_eq!(database_name("postgres://u@h:5432"), None);
    }
}
