//! Reading the change records (writing them is `db::write`'s job).
//!
//! A reader must never skip a record that commits after it read past its sequence number.
//! Two rules make sure of that:
//! - writers number their records and commit one at a time (`write::CHANGE_SEQUENCE_LOCK`), so
//!   a record becomes visible only after every record with a lower number;
//! - the feed reads only records of transactions older than the oldest transaction still
//!   running (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`), which also covers records
//!   written outside `db::write` by a transaction that is still open. The price: while any
//!   write transaction runs, newer records wait for it (usually milliseconds; a long import holds
//!   the feed back for its duration).

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::changes;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRecord {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub entity: String,
    pub entity_id: String,
    pub operation: String,
    pub organization_key: Option<String>,
}

/// Whose view of the feed to read.
#[derive(Debug, Clone, Copy)]
pub enum FeedScope<'a> {
    /// The coordinator: every change.
    Everything,
    /// A member: changes to `member_wide` entities and to its own organization's data.
    Member {
        organization: &'a str,
        member_wide: &'a [&'static str],
    },
}

/// Up to `limit` changes after `after`, in sequence order.
pub async fn after(
    conn: &mut AsyncPgConnection,
    after: i64,
    entities: Option<&[String]>,
    scope: FeedScope<'_>,
    limit: i64,
) -> QueryResult<Vec<ChangeRecord>> {
    let mut query = changes::table
        .select(ChangeRecord::as_select())
        .filter(changes::seq.gt(after))
        // `tx_id` is not in `schema.rs` (diesel has no xid8 type); see the module comment.
        .filter(sql::<Bool>(
            "changes.tx_id < pg_snapshot_xmin(pg_current_snapshot())",
        ))
        .order(changes::seq.asc())
        .limit(limit)
        .into_boxed();
    if let Some(entities) = entities {
        query = query.filter(changes::entity.eq_any(entities.to_vec()));
    }
    if let FeedScope::Member {
        organization,
        member_wide,
    } = scope
    {
        query = query.filter(
            changes::entity
                .eq_any(member_wide.to_vec())
                .or(changes::organization_key.eq(organization.to_owned())),
        );
    }
    query.load(conn).await
}
