//! A fresh database per test, cloned from a template that is migrated and seeded once.
//!
//! The template's name carries a hash of the migrations and the reference data, so a change to
//! either builds a new one. Preparation is serialised across test processes with an advisory
//! lock, and the connection that built the template is closed before anything copies it
//! (PostgreSQL refuses to copy a database that has sessions).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio::sync::OnceCell;

/// The PostgreSQL server the tests use; `SMARTREGION_TEST_DATABASE_SERVER` overrides it.
pub fn server_url() -> String {
    std::env::var("SMARTREGION_TEST_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn database_url(name: &str) -> String {
    format!("{}/{name}", server_url())
}

/// The role the application runs as in tests: like production, it owns no table.
pub const RUNTIME_ROLE: &str = "smartregion_app";

/// `database_url` with the runtime role instead of the test server's (owner) user.
pub fn runtime_database_url(name: &str) -> String {
    let mut url = url::Url::parse(&database_url(name)).expect("a database URL");
    url.set_username(RUNTIME_ROLE).expect("a user name");
    url.set_password(None).expect("no password");
    url.to_string()
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    name: String,
}

fn fingerprint() -> u64 {
    let mut hasher = DefaultHasher::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["migrations", "profiles"] {
        let mut files: Vec<_> = walk(&root.join(dir));
        files.sort();
        for file in files {
            file.hash(&mut hasher);
            std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
        }
    }
    // The profile the template is seeded with, the seed code and the runtime role's grants
    // decide what the template holds too.
    super::profile_dir().hash(&mut hasher);
    for file in ["src/db/seed.rs", "src/db/roles.rs"] {
        std::fs::read(root.join(file))
            .unwrap_or_default()
            .hash(&mut hasher);
    }
    hasher.finish()
}

fn checkout_hash() -> u32 {
    let mut hasher = DefaultHasher::new();
    env!("CARGO_MANIFEST_DIR").hash(&mut hasher);
    hasher.finish() as u32
}

/// `host:port` of the test server, for tests that connect below the PostgreSQL protocol.
pub fn server_address() -> String {
    let url = server_url();
    let authority = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    host_port.split('/').next().unwrap_or(host_port).to_owned()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

async fn maintenance() -> AsyncPgConnection {
    AsyncPgConnection::establish(&database_url("postgres"))
        .await
        .expect("the tests need PostgreSQL on 127.0.0.1:5432 (see README)")
}

async fn template() -> String {
    TEMPLATE
        .get_or_init(|| async {
            // Scoped to this checkout, so that test runs of several checkouts on one server
            // never drop each other's templates.
            let prefix = format!("smartregion_tpl_{:08x}", checkout_hash());
            let name = format!("{prefix}_{:016x}", fingerprint());
            let mut conn = maintenance().await;
            diesel::sql_query("SELECT pg_advisory_lock($1)")
                .bind::<BigInt, _>(0x5352_5450_4c00_i64)
                .execute(&mut conn)
                .await
                .unwrap();
            let ready: Vec<Row> = diesel::sql_query(
                "SELECT d.datname AS name FROM pg_database d \
                 WHERE d.datname = $1 AND shobj_description(d.oid, 'pg_database') = 'ready'",
            )
            .bind::<Text, _>(&name)
            .load(&mut conn)
            .await
            .unwrap();
            if ready.is_empty() {
                // Leftovers: an unfinished template, or templates of older migrations.
                let old: Vec<Row> = diesel::sql_query(
                    "SELECT datname AS name FROM pg_database WHERE datname LIKE $1 || '\\_%'",
                )
                .bind::<Text, _>(&prefix)
                .load(&mut conn)
                .await
                .unwrap();
                for row in old {
                    diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                        row.name
                    ))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                }
                let url = database_url(&name);
                smartregion::db::create_database_if_missing(&url)
                    .await
                    .unwrap();
                smartregion::db::run_migrations(&url).await.unwrap();
                // The copies inherit the grants; the role itself is server-wide.
                smartregion::db::roles::grant_runtime_rights(&url, &runtime_database_url(&name))
                    .await
                    .unwrap();
                {
                    let mut seed_conn = AsyncPgConnection::establish(&url).await.unwrap();
                    smartregion::db::seed::run(&mut seed_conn, &super::test_profile())
                        .await
                        .unwrap();
                    // As `serve` does after the seed: the copies start with a numbered feed.
                    smartregion::db::changes::number_committed(&mut seed_conn)
                        .await
                        .unwrap();
                }
                diesel::sql_query(format!("COMMENT ON DATABASE \"{name}\" IS 'ready'"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            diesel::sql_query("SELECT pg_advisory_unlock($1)")
                .bind::<BigInt, _>(0x5352_5450_4c00_i64)
                .execute(&mut conn)
                .await
                .unwrap();
            name
        })
        .await
        .clone()
}

/// Creates a fresh, migrated and seeded database and returns its name.
pub async fn fresh_database() -> String {
    let template = template().await;
    let name = format!("t_sr_{}", uuid::Uuid::new_v4().simple());
    let mut conn = maintenance().await;
    diesel::sql_query(format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    name
}

/// Drops a test database; runs on its own thread so it can be called from `Drop`.
pub fn drop_database(name: String) {
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut conn = maintenance().await;
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        });
    })
    .join();
}
