//! The database: connection pool, migrations, and the queries the handlers call.

pub mod audit;
pub mod changes;
pub mod committee;
pub mod costs;
pub mod fields_of_action;
pub mod idempotency;
pub mod indicators;
pub mod initiatives;
pub mod memberships;
pub mod milestones;
pub mod oparl;
pub mod organizations;
pub mod participations;
pub mod project_records;
pub mod projects;
pub mod reporting;
pub mod reports;
pub mod roles;
pub mod schema;
pub mod seed;
pub mod similarity;
pub mod strategy;
pub mod tls;
pub mod webhook_deliveries;
pub mod webhooks;
pub mod working_groups;
pub mod write;

/// The collation titles sort by: German dictionary order (`Ä` with `A`, `ß` as `ss`), which
/// the database's default collation does not give (it puts `Ärztehaus` after `Zentrum`). An
/// ICU collation that PostgreSQL creates at initdb; the title indexes are built with it.
pub const GERMAN_COLLATION: &str = "\"de-DE-x-icu\"";

use std::time::Duration;

use anyhow::Context;
use diesel::sql_query;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::database_name;
use crate::error::ApiError;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub use crate::config::SessionLimits;

/// Builds the pool. Waiting for a connection is bounded, so that while PostgreSQL is down
/// requests fail fast with 503, and a connection known to be broken is replaced at checkout,
/// so that the pool heals by itself.
pub fn pool(database_url: &str, size: usize, wait: Duration) -> anyhow::Result<DbPool> {
    pool_with_limits(database_url, size, wait, None)
}

/// [`pool`] whose connections set `limits` for their session: a query or a lock wait past
/// them fails (and answers 503) instead of holding the request.
pub fn pool_with_limits(
    database_url: &str,
    size: usize,
    wait: Duration,
    limits: Option<SessionLimits>,
) -> anyhow::Result<DbPool> {
    use diesel_async::SimpleAsyncConnection;

    let target = tls::Target::parse(database_url)?;
    let mut manager_config = ManagerConfig::default();
    // No test query per checkout (`Verified` would cost every request a `SELECT 1` round
    // trip): a connection whose socket closed or whose transaction state broke is replaced
    // anyway, and one that dies unnoticed fails at its first query with a lost-connection
    // error, which answers 503 like a failed checkout would (see `error.rs`).
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |_url| {
        let target = target.clone();
        Box::pin(async move {
            let mut conn = target.connect().await?;
            if let Some(limits) = limits {
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}; SET lock_timeout = {}",
                    limits.statement_timeout.as_millis(),
                    limits.lock_timeout.as_millis()
                ))
                .await
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            }
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        database_url,
        manager_config,
    );
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(wait))
        .create_timeout(Some(wait))
        .recycle_timeout(Some(wait))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// A pooled connection, or 503 when none can be had in time.
/// One round trip to the database (the readiness probe).
pub async fn ping(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    sql_query("SELECT 1").execute(conn).await.map(drop)
}

pub async fn connect(pool: &DbPool) -> Result<DbConn, ApiError> {
    Ok(pool.get().await?)
}

/// Creates the database named in `database_url` when it does not exist yet, by connecting to
/// the server's `postgres` maintenance database.
pub async fn create_database_if_missing(database_url: &str) -> anyhow::Result<()> {
    let name = database_name(database_url).context("DATABASE_URL names no database")?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        anyhow::bail!("database name `{name}` has characters other than letters, digits, _ and -");
    }
    let maintenance_url = database_url.replacen(&format!("/{name}"), "/postgres", 1);
    let mut conn = tls::establish(&maintenance_url)
        .await
        .context("connecting to the PostgreSQL server")?;

    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let exists: Exists =
        sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(&mut conn)
            .await?;
    if !exists.exists {
        match sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = name, "created the database"),
            // Another instance may have created it in the meantime.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(error) if error.to_string().contains("already exists") => {}
            Err(error) => return Err(error).context("creating the database"),
        }
    }
    Ok(())
}

/// Applies the embedded migrations that have not run yet.
///
/// diesel's migration harness is synchronous; it runs on a blocking thread through
/// diesel-async's wrapper so that it never stalls the runtime.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        // The blocking thread still has the runtime's context, for the TLS-aware connect.
        let conn = tokio::runtime::Handle::current()
            .block_on(tls::establish(&url))
            .context("connecting to run migrations")?;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    })
    .await
    .context("migration task panicked")?
}
