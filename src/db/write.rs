//! The one way business data is written: a transaction that names its actor and records, for
//! every change, an audit entry and a change record.
//!
//! ```ignore
//! let org = audited(&mut conn, &actor, |conn| async move {
//!     let before = organizations::find_for_update(conn, &key).await?;
//!     let after = organizations::update(conn, &key, &patch).await?;
//!     Ok(Recorded::new(after.clone())
//!         .with(Entry::updated("organization", &key).org(&key).diff(&before, &after)))
//! }.scope_boxed()).await?;
//! ```
//!
//! The database backs this up: business tables refuse writes in a transaction that named no
//! actor (see the foundation migration) or wrote no entry for the changed row's entity, with
//! the row's id where the row carries it (see the `audit_tied_to_entity` migration, which maps
//! each table to the entities that describe it: a new write path keeps to that mapping), and
//! the audit and change tables refuse UPDATE, DELETE and TRUNCATE (except that a change
//! record receives its feed position once, see below).
//!
//! A change record is inserted without a position: writers take no common lock and commit
//! side by side. Its position in the feed (`changes.seq`) is given after the commit by the one
//! numbering step in `db::changes`, which numbers committed records only, under a lock that
//! only numberers take; that is what makes the feed gap-free and keeps it in commit order.

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;

use crate::db::schema::{audit_log, changes};
use crate::error::ApiError;

/// Who performs a write: the token's subject, organization and roles, and the request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub subject: String,
    pub organization: Option<String>,
    pub roles: Vec<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The service itself, e.g. the seed at start-up.
    pub fn system(name: &str) -> Self {
        Self {
            subject: format!("system:{name}"),
            organization: None,
            roles: Vec::new(),
            request_id: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Created,
    Updated,
    Deleted,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Created => "created",
            Operation::Updated => "updated",
            Operation::Deleted => "deleted",
        }
    }
}

/// One recorded change: becomes an audit entry and a change record.
#[derive(Debug, Clone)]
pub struct Entry {
    pub operation: Operation,
    /// What was done, e.g. `organization.update`; defaults to `<entity>.<operation>`.
    pub action: Option<String>,
    pub entity: &'static str,
    pub entity_id: String,
    /// The organization whose data changed, for filtering and visibility.
    pub organization_key: Option<String>,
    /// Set when the steering office records something for an organization.
    pub on_behalf_of: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Entry {
    fn new(operation: Operation, entity: &'static str, entity_id: impl ToString) -> Self {
        Self {
            operation,
            action: None,
            entity,
            entity_id: entity_id.to_string(),
            organization_key: None,
            on_behalf_of: None,
            before: None,
            after: None,
        }
    }

    pub fn created(entity: &'static str, id: impl ToString) -> Self {
        Self::new(Operation::Created, entity, id)
    }

    pub fn updated(entity: &'static str, id: impl ToString) -> Self {
        Self::new(Operation::Updated, entity, id)
    }

    pub fn deleted(entity: &'static str, id: impl ToString) -> Self {
        Self::new(Operation::Deleted, entity, id)
    }

    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    pub fn org(mut self, key: impl Into<String>) -> Self {
        self.organization_key = Some(key.into());
        self
    }

    pub fn on_behalf_of(mut self, key: Option<String>) -> Self {
        self.on_behalf_of = key;
        self
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// The result of a write together with the entries describing it.
#[derive(Debug)]
pub struct Recorded<T> {
    pub value: T,
    pub entries: Vec<Entry>,
}

impl<T> Recorded<T> {
    pub fn new(value: T) -> Self {
        Self {
            value,
            entries: Vec::new(),
        }
    }

    pub fn with(mut self, entry: Entry) -> Self {
        self.entries.push(entry);
        self
    }
}

/// How many times [`audited`] runs a write that lost a race (deadlock or serialization
/// failure), the first run included, before it gives up with 503.
pub const WRITE_ATTEMPTS: u32 = 4;

/// Runs `write` in one transaction as `actor` and records its entries in the same transaction.
/// Any error rolls everything back, the entries included.
///
/// A write that fails with a deadlock or a serialization failure ([`ApiError::Contention`])
/// is rolled back and run again, up to [`WRITE_ATTEMPTS`] times with a short random pause
/// (so that the two colliding writers do not collide again); after that the caller gets 503
/// with `Retry-After`. That is why `write` is `FnMut`: it must be able to run more than once,
/// so it clones (or borrows) what it uses rather than moving it into its future.
///
/// `write` returns a boxed future (`.scope_boxed()`) rather than being an async closure: an
/// async closure that may run twice lends its captures to its future, so it is only
/// `AsyncFnMut`, and stable Rust cannot require that future to be `Send` (the transaction
/// may move between the runtime's threads). Handlers that work on a project go through
/// `api::projects::records::ProjectWork`, which writes this closure once for all of them.
pub async fn audited<'a, T, F>(
    conn: &mut AsyncPgConnection,
    actor: &'a Actor,
    mut write: F,
) -> Result<T, ApiError>
where
    T: Send + 'a,
    F: for<'r> FnMut(
            &'r mut AsyncPgConnection,
        ) -> ScopedBoxFuture<'a, 'r, Result<Recorded<T>, ApiError>>
        + Send
        + 'a,
{
    let mut attempt = 1;
    loop {
        let result = conn
            .transaction::<T, ApiError, _>(async |conn| {
                set_actor(conn, actor).await?;
                let recorded = write(conn).await?;
                record(conn, actor, &recorded.entries).await?;
                Ok(recorded.value)
            })
            .await;
        match result {
            Err(ApiError::Contention(detail)) if attempt < WRITE_ATTEMPTS => {
                tracing::info!(attempt, %detail, "write collided; running it again");
                tokio::time::sleep(retry_pause(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A random pause before run `attempt + 1`: up to 10 ms after the first collision, doubling
/// after each further one.
fn retry_pause(attempt: u32) -> std::time::Duration {
    use rand::Rng;
    let ceiling_ms = 10u64 << (attempt - 1).min(4);
    std::time::Duration::from_micros(rand::thread_rng().gen_range(1_000..=ceiling_ms * 1_000))
}

/// Names the actor for the database's write guards, for this transaction only.
async fn set_actor(conn: &mut AsyncPgConnection, actor: &Actor) -> QueryResult<()> {
    diesel::sql_query("SELECT set_config('smartregion.actor', $1, true)")
        .bind::<Text, _>(&actor.subject)
        .execute(conn)
        .await
        .map(drop)
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAuditEntry<'a> {
    request_id: Option<&'a str>,
    actor_subject: &'a str,
    actor_organization: Option<&'a str>,
    actor_roles: &'a [String],
    on_behalf_of: Option<&'a str>,
    action: String,
    entity: &'a str,
    entity_id: &'a str,
    organization_key: Option<&'a str>,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
}

#[derive(Insertable)]
#[diesel(table_name = changes)]
struct NewChange<'a> {
    entity: &'a str,
    entity_id: &'a str,
    operation: &'static str,
    organization_key: Option<&'a str>,
    audit_id: i64,
}

async fn record(conn: &mut AsyncPgConnection, actor: &Actor, entries: &[Entry]) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let audit_rows: Vec<NewAuditEntry<'_>> = entries
        .iter()
        .map(|entry| NewAuditEntry {
            request_id: actor.request_id.as_deref(),
            actor_subject: &actor.subject,
            actor_organization: actor.organization.as_deref(),
            actor_roles: &actor.roles,
            on_behalf_of: entry.on_behalf_of.as_deref(),
            action: entry
                .action
                .clone()
                .unwrap_or_else(|| format!("{}.{}", entry.entity, entry.operation.as_str())),
            entity: entry.entity,
            entity_id: &entry.entity_id,
            organization_key: entry.organization_key.as_deref(),
            before: entry.before.as_ref(),
            after: entry.after.as_ref(),
        })
        .collect();
    // PostgreSQL returns the rows of a multi-row INSERT .. VALUES in the order given.
    let audit_ids: Vec<i64> = diesel::insert_into(audit_log::table)
        .values(&audit_rows)
        .returning(audit_log::id)
        .get_results(conn)
        .await?;
    let change_rows: Vec<NewChange<'_>> = entries
        .iter()
        .zip(audit_ids)
        .map(|(entry, audit_id)| NewChange {
            entity: entry.entity,
            entity_id: &entry.entity_id,
            operation: entry.operation.as_str(),
            organization_key: entry.organization_key.as_deref(),
            audit_id,
        })
        .collect();
    // Without a position and without a lock: the records are numbered after the commit (see
    // `db::changes`), so concurrent writers do not wait for each other here.
    diesel::insert_into(changes::table)
        .values(&change_rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Re-exported so that callers write `.scope_boxed()` without naming the crate.
pub use scoped_futures::{ScopedBoxFuture, ScopedFutureExt};
