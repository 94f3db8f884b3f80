//! The service's settings: read once from the environment at start-up, with every default in
//! this file. A wrong value stops the service with a message naming the variable.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Exactly these origins, e.g. `https://app.kreis-warendorf.de`.
    List(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Secret,
    pub bind: SocketAddr,
    /// Where `GET /metrics` is served, on a listener of its own; `None`: metrics are not
    /// served at all (never on the public listener).
    pub metrics_bind: Option<SocketAddr>,
    /// Base of every absolute link the service writes (Link headers, OParl ids).
    pub public_url: String,
    pub auth: AuthConfig,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    pub db_pool_size: usize,
    /// How long a request waits for a database connection before it gets a 503.
    pub db_wait_timeout: Duration,
    pub workers: usize,
    pub shutdown_timeout: Duration,
    /// How long the answer to a POST with an `Idempotency-Key` is kept for replays.
    pub idempotency_ttl: Duration,
    pub cors_origins: CorsOrigins,
    pub webhooks: WebhookConfig,
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
    /// Encrypts the subscriptions' signing secrets at rest (see `webhooks::secret_store`).
    pub secrets: crate::webhooks::secret_store::SecretStore,
    /// How long finished deliveries stay in the delivery log.
    pub retention: Duration,
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

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/smartregion";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_ISSUER: &str = "smartregion";
pub const DEFAULT_AUDIENCE: &str = "smartregion-api";
/// Used by `serve --dev` and `token --dev` only; `serve --dev` refuses non-loopback addresses.
pub const DEV_JWT_SECRET: &str = "insecure-development-secret-do-not-use-in-production";

/// Every variable the service reads, with its default, for the README and `--help`.
pub const VARIABLES: &[(&str, &str)] = &[
    ("DATABASE_URL", DEFAULT_DATABASE_URL),
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
    ("SMARTREGION_LOG_FORMAT", "text"),
    ("RUST_LOG", "info"),
    ("SMARTREGION_MAX_BODY_BYTES", "1048576"),
    ("SMARTREGION_DB_POOL_SIZE", "10"),
    ("SMARTREGION_DB_WAIT_MS", "2000"),
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
];

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::new(
                "DATABASE_URL",
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
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = parse_number(&get, "SMARTREGION_WORKERS", default_workers as u64, 1, 256)?;
        let shutdown_secs = parse_number(&get, "SMARTREGION_SHUTDOWN_TIMEOUT_SECS", 30, 0, 3600)?;
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

        let webhooks = WebhookConfig {
            allow_private: parse_bool(&get, "SMARTREGION_WEBHOOK_ALLOW_PRIVATE", false)?,
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
            secrets: crate::webhooks::secret_store::SecretStore::new(
                get("SMARTREGION_WEBHOOK_SECRET_KEY")
                    .map(|text| {
                        crate::webhooks::secret_store::StorageKey::from_base64(&text).map_err(
                            |message| ConfigError::new("SMARTREGION_WEBHOOK_SECRET_KEY", message),
                        )
                    })
                    .transpose()?,
            ),
        };

        Ok(Self {
            database_url: Secret::new(database_url),
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
            },
            log_format,
            max_body_bytes: max_body_bytes as usize,
            db_pool_size: db_pool_size as usize,
            db_wait_timeout: Duration::from_millis(db_wait_ms),
            workers: workers as usize,
            shutdown_timeout: Duration::from_secs(shutdown_secs),
            idempotency_ttl: Duration::from_secs(idempotency_ttl_secs),
            cors_origins,
            webhooks,
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
        assert_eq!(config.metrics_bind, None, "no metrics unless asked for");
        let config = self::config(&[("SMARTREGION_METRICS_BIND", "127.0.0.1:9184")]);
        assert_eq!(
            config.unwrap().metrics_bind.unwrap().to_string(),
            "127.0.0.1:9184"
        );
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
        let set = config(&[
            ("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("SMARTREGION_WEBHOOK_MAX_FAILURES", "3"),
        ])
        .unwrap()
        .webhooks;
        assert!(set.allow_private);
        assert_eq!(set.max_failures, 3);
        for (var, wrong) in [
            ("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "maybe"),
            ("SMARTREGION_WEBHOOK_RETRY_WINDOW_SECS", "3600"),
            ("SMARTREGION_WEBHOOK_MAX_FAILURES", "0"),
        ] {
            assert_eq!(config(&[(var, wrong)]).unwrap_err().var, var);
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
