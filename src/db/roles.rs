//! Two database roles: the owner, which creates and migrates the schema, and the runtime role
//! the service connects as, with only the rights it needs.
//!
//! Why: a role that owns a table can `ALTER TABLE .. DISABLE TRIGGER` and so switch off the
//! append-only guards of the audit trail and the change feed. The runtime role owns nothing,
//! may only read and append to `audit_log` and `changes` (a change record gets its feed
//! position only through the owner's function `smartregion_number_changes`), and may only read
//! the migration table; the owner grants these rights after every migration run, so new tables
//! are covered.

use anyhow::{Context, bail};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use url::Url;

use crate::config::database_name;
use crate::db::tls;

/// Tables the runtime role may read and append to, but never rewrite.
pub const APPEND_ONLY_TABLES: [&str; 2] = ["audit_log", "changes"];

/// The role name and (optional) password a `postgres://` URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleLogin {
    pub name: String,
    pub password: Option<String>,
}

impl RoleLogin {
    pub fn from_url(database_url: &str) -> anyhow::Result<Self> {
        let url = Url::parse(database_url).context("the database URL is not a URL")?;
        let decode = |text: &str| {
            percent_decode(text)
                .with_context(|| format!("the database URL's `{text}` is not UTF-8"))
        };
        let name = decode(url.username())?;
        if name.is_empty() {
            bail!("the database URL names no user (postgres://USER@host/database)");
        }
        let password = url.password().map(decode).transpose()?;
        Ok(Self { name, password })
    }
}

fn percent_decode(text: &str) -> anyhow::Result<String> {
    Ok(percent_encoding::percent_decode_str(text)
        .decode_utf8()?
        .into_owned())
}

/// The advisory lock that serialises granting the runtime role its rights ("SRGRANT").
const GRANTS_LOCK: i64 = 0x0053_5247_5241_4e54;

async fn role_exists(conn: &mut AsyncPgConnection, name: &str) -> anyhow::Result<bool> {
    let exists: Flag =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS flag")
            .bind::<Text, _>(name)
            .get_result(conn)
            .await?;
    Ok(exists.flag)
}

#[derive(QueryableByName)]
struct Statement {
    #[diesel(sql_type = Nullable<Text>)]
    sql: Option<String>,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

/// Connected as the owner (`owner_url`): creates the runtime role named in `runtime_url` when
/// it does not exist (with the URL's password; the owner then needs CREATEROLE), and grants it
/// exactly what the service needs on the current schema. Safe to run on every start.
pub async fn grant_runtime_rights(owner_url: &str, runtime_url: &str) -> anyhow::Result<()> {
    let owner = RoleLogin::from_url(owner_url)?;
    let runtime = RoleLogin::from_url(runtime_url)?;
    if owner.name == runtime.name {
        bail!(
            "DATABASE_URL and SMARTREGION_OWNER_DATABASE_URL name the same role `{}`: the service \
             must connect as a role that does not own the tables (see README, database roles)",
            runtime.name
        );
    }
    let database = database_name(owner_url).context("the owner URL names no database")?;
    let mut conn = tls::establish(owner_url)
        .await
        .context("connecting as the database owner")?;

    if !role_exists(&mut conn, &runtime.name).await? {
        // `format` with %I/%L lets PostgreSQL quote the name and the password.
        let create: Statement = diesel::sql_query(
            "SELECT CASE WHEN $2::text IS NULL THEN format('CREATE ROLE %I LOGIN', $1) \
             ELSE format('CREATE ROLE %I LOGIN PASSWORD %L', $1, $2) END AS sql",
        )
        .bind::<Text, _>(&runtime.name)
        .bind::<Nullable<Text>, _>(runtime.password.as_deref())
        .get_result(&mut conn)
        .await?;
        let sql = create.sql.context("building CREATE ROLE")?;
        match diesel::sql_query(sql).execute(&mut conn).await {
            Ok(_) => tracing::info!(role = %runtime.name, "created the runtime database role"),
            // Another instance (or test process) may have created it in the meantime; a
            // concurrent CREATE ROLE fails with "already exists" or a unique violation on
            // pg_authid, depending on timing, so look again instead of reading the message.
            Err(_) if role_exists(&mut conn, &runtime.name).await? => {}
            Err(error) => {
                return Err(error).with_context(|| {
                    format!(
                        "creating the runtime role `{}` (the owner needs CREATEROLE, or an \
                         administrator creates the role first)",
                        runtime.name
                    )
                });
            }
        }
    }

    let grants: Statement = diesel::sql_query(
        "SELECT format($f$
            GRANT CONNECT ON DATABASE %1$I TO %2$I;
            GRANT USAGE ON SCHEMA public TO %2$I;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %2$I;
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %2$I;
            GRANT EXECUTE ON FUNCTION smartregion_erase_member_name(uuid, text) TO %2$I;
            GRANT EXECUTE ON FUNCTION smartregion_number_changes() TO %2$I;
            REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log, changes FROM %2$I;
            REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
                ON __diesel_schema_migrations FROM %2$I;
        $f$, $1, $2) AS sql",
    )
    .bind::<Text, _>(database)
    .bind::<Text, _>(&runtime.name)
    .get_result(&mut conn)
    .await?;
    // Instances starting together would otherwise update the same ACLs at once ("tuple
    // concurrently updated"); the lock is per database and ends with the transaction.
    let sql = format!(
        "BEGIN; SELECT pg_advisory_xact_lock({GRANTS_LOCK}); {} COMMIT;",
        grants.sql.context("building the grants")?
    );
    conn.batch_execute(&sql)
        .await
        .with_context(|| format!("granting the runtime role `{}` its rights", runtime.name))?;
    Ok(())
}

/// Whether the role of `conn` could rewrite the audit trail: it is a superuser, a member of
/// the tables' owner, or holds a right beyond SELECT and INSERT on an append-only table.
pub async fn may_rewrite_audit_trail(conn: &mut AsyncPgConnection) -> anyhow::Result<bool> {
    let flag: Flag = diesel::sql_query(
        "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) \
             OR pg_has_role(current_user, c.relowner, 'USAGE') \
             OR has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE, TRIGGER') AS flag \
         FROM pg_class c WHERE c.oid = 'audit_log'::regclass",
    )
    .get_result(conn)
    .await
    .context("checking the runtime role's rights")?;
    Ok(flag.flag)
}

/// Whether every embedded migration has been applied (checked by a runtime role that may not
/// apply them itself).
pub async fn pending_migrations(conn: &mut AsyncPgConnection) -> anyhow::Result<Vec<String>> {
    use diesel::migration::MigrationSource;

    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    // A database nobody migrated yet has no migration table at all.
    let migrated: Flag =
        diesel::sql_query("SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL AS flag")
            .get_result(conn)
            .await?;
    let applied: Vec<Version> = if migrated.flag {
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load(conn)
            .await?
    } else {
        Vec::new()
    };
    let embedded = MigrationSource::<diesel::pg::Pg>::migrations(&super::MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("reading the embedded migrations: {e}"))?;
    Ok(embedded
        .iter()
        .map(|m| m.name().version().to_string())
        .filter(|v| !applied.iter().any(|a| &a.version == v))
        .collect())
}
