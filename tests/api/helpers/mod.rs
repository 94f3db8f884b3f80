//! The test harness: the real application on a real port, against a fresh database.

pub mod builders;
pub mod db;
pub mod proxy;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::ServerHandle;
use diesel_async::AsyncPgConnection;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use smartregion::auth::jwt::{Claims, issue_hs256};
use smartregion::config::Config;
use smartregion::db::DbPool;
use smartregion::startup::{Shared, app};
use smartregion::state::AppState;

pub const SECRET: &str = "test-secret-0123456789abcdef0123456789";
pub const PUBLIC_URL: &str = "https://smartregion.test";
pub const ISSUER: &str = "smartregion";
pub const AUDIENCE: &str = "smartregion-api";

pub const DISTRICT: &str = "05570";
pub const AHLEN: &str = "05570004";
pub const BECKUM: &str = "05570008";
pub const OSTBEVERN: &str = "05570032";
pub const TELGTE: &str = "05570044";

/// The profile the tests run against: `SMARTREGION_TEST_PROFILE` (a profile directory,
/// relative to the repository root or absolute), or the embedded default.
pub fn profile_dir() -> Option<std::path::PathBuf> {
    std::env::var("SMARTREGION_TEST_PROFILE")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .map(|p| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p.trim()))
}

/// The loaded test profile (see [`profile_dir`]).
pub fn test_profile() -> smartregion::profile::Profile {
    match profile_dir() {
        Some(dir) => smartregion::profile::Profile::load(&dir).expect("SMARTREGION_TEST_PROFILE"),
        None => smartregion::profile::Profile::embedded(),
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// A pool of the test's own, for setting up and checking data directly.
    pub pool: DbPool,
    pub database: String,
    /// The metrics listener, when the test sets `SMARTREGION_METRICS_BIND` (`127.0.0.1:0`).
    pub metrics_address: Option<String>,
    handle: ServerHandle,
    metrics_handle: Option<ServerHandle>,
}

/// Builds a [`TestApp`] with settings beyond the defaults.
#[derive(Default)]
pub struct TestAppBuilder {
    env: HashMap<String, String>,
    database_port: Option<u16>,
}

impl TestAppBuilder {
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Connects the application (not the test's own pool) through another port, e.g. a
    /// [`proxy::Proxy`] that can cut the connection.
    pub fn app_database_port(mut self, port: u16) -> Self {
        self.database_port = Some(port);
        self
    }

    pub async fn spawn(self) -> TestApp {
        let database = db::fresh_database().await;
        let database_url = db::database_url(&database);
        let mut env: HashMap<String, String> = [
            (
                "DATABASE_URL",
                match self.database_port {
                    Some(port) => format!(
                        "postgres://{}@127.0.0.1:{port}/{database}",
                        db::RUNTIME_ROLE
                    ),
                    None => db::runtime_database_url(&database),
                },
            ),
            ("SMARTREGION_BIND", "127.0.0.1:0".into()),
            ("SMARTREGION_PUBLIC_URL", PUBLIC_URL.into()),
            ("SMARTREGION_JWT_SECRET", SECRET.into()),
            ("SMARTREGION_DB_POOL_SIZE", "4".into()),
            ("SMARTREGION_DB_WAIT_MS", "1000".into()),
            // Tests make many quick requests with one token; tests/api/rate_limits.rs turns
            // the limits on.
            ("SMARTREGION_RATE_LIMIT_ENABLED", "false".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(dir) = profile_dir() {
            env.insert("SMARTREGION_PROFILE".into(), dir.display().to_string());
        }
        env.extend(self.env);
        let config = Config::from_lookup(|name| env.get(name).cloned()).expect("test config");
        let metrics_bind = config.metrics_bind;
        let verifier = smartregion::auth::verifier(&config.auth, false)
            .await
            .unwrap();
        let app_pool = smartregion::db::pool_with_limits(
            config.database_url.expose(),
            config.db_pool_size,
            config.db_wait_timeout,
            Some(config.db_session_limits),
        )
        .unwrap();
        let shared = Shared::new(AppState {
            pool: app_pool,
            config: Arc::new(config),
            verifier,
        });

        let metrics = metrics_bind.map(|address| {
            let registry = shared.metrics.registry.clone();
            let listener = TcpListener::bind(address).unwrap();
            let port = listener.local_addr().unwrap().port();
            let server = HttpServer::new(move || smartregion::http::metrics::app(registry.clone()))
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)
                .unwrap()
                .run();
            let handle = server.handle();
            actix_web::rt::spawn(server);
            (format!("http://127.0.0.1:{port}"), handle)
        });
        let (metrics_address, metrics_handle) = metrics.unzip();

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || app(shared.clone()))
            .workers(1)
            .client_request_timeout(smartregion::startup::CLIENT_REQUEST_TIMEOUT)
            .client_disconnect_timeout(smartregion::startup::CLIENT_DISCONNECT_TIMEOUT)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)
            .unwrap()
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);

        let pool = smartregion::db::pool(&database_url, 2, Duration::from_secs(5)).unwrap();
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            pool,
            database,
            metrics_address,
            handle,
            metrics_handle,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestAppBuilder::default().spawn().await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    pub async fn conn(
        &self,
    ) -> diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection> {
        self.pool.get().await.unwrap()
    }

    /// Gives every committed change record its feed position, as each reader of the feed does
    /// first, and returns the highest position (0 for an empty feed).
    pub async fn number_changes(&self) -> i64 {
        let mut conn = self.conn().await;
        smartregion::db::changes::number_committed(&mut conn)
            .await
            .unwrap();
        smartregion::db::changes::last_seq(&mut conn).await.unwrap()
    }

    /// How many audit entries and change records exist.
    pub async fn trail_counts(&self) -> (i64, i64) {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use smartregion::db::schema::{audit_log, changes};
        let mut conn = self.conn().await;
        let audits = audit_log::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        let changes = changes::table.count().get_result(&mut conn).await.unwrap();
        (audits, changes)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server without waiting, then remove the database.
        drop(self.handle.stop(false));
        if let Some(handle) = &self.metrics_handle {
            drop(handle.stop(false));
        }
        db::drop_database(self.database.clone());
    }
}

/// A bearer token signed with the test secret.
pub fn token(org: &str, roles: &[&str]) -> String {
    let claims = Claims::new(
        format!("tester@{org}"),
        org,
        roles.iter().copied(),
        ISSUER,
        AUDIENCE,
        Duration::from_secs(600),
    );
    issue_hs256(SECRET.as_bytes(), &claims).unwrap()
}

/// The steering office's organization key in the test profile.
pub fn office() -> String {
    static OFFICE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OFFICE
        .get_or_init(|| test_profile().steering_office)
        .clone()
}

pub fn coordinator() -> String {
    token(&office(), &["coordinator"])
}

pub trait Authed {
    fn bearer_for(self, org: &str, roles: &[&str]) -> Self;
    fn by_coordinator(self) -> Self;
}

impl Authed for RequestBuilder {
    fn bearer_for(self, org: &str, roles: &[&str]) -> Self {
        self.bearer_auth(token(org, roles))
    }

    fn by_coordinator(self) -> Self {
        self.bearer_auth(coordinator())
    }
}

/// Asserts a problem+json response with `status` and returns its body.
pub async fn problem(response: Response, status: u16) -> Value {
    let actual = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    assert_eq!(
        actual,
        StatusCode::from_u16(status).unwrap(),
        "body: {body}"
    );
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    let value: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(value["status"], status, "{value}");
    for member in ["type", "title", "detail"] {
        assert!(value[member].is_string(), "problem lacks {member}: {value}");
    }
    value
}

/// Asserts a 2xx JSON response and returns its body.
pub async fn json(response: Response, status: u16) -> Value {
    let actual = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(
        actual,
        StatusCode::from_u16(status).unwrap(),
        "body: {body}"
    );
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// The pointers of a 422 problem's `errors`.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["pointer"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
