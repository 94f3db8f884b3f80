//! Reading the change records (writing them is `db::write`'s job).
//!
//! A reader must never skip a record that commits after it read past its sequence number.
//! Two rules make sure of that:
//! - Writers number their records and commit one at a time (`write::CHANGE_SEQUENCE_LOCK`), so
//!   a record becomes visible only after every record with a lower number.
//! - The feed stops before the first record written by a transaction that is not older than
//!   the oldest transaction still running (`tx_id >= pg_snapshot_xmin(pg_current_snapshot())`).
//!   That holds back later records while a transaction that numbered its records without the
//!   lock (a manual fix in psql, say) is still open. It is a *stop*, not a filter: filtering out
//!   the young records but returning older ones numbered after them would hand out a sequence
//!   number past a young record, and the client would never see that one (transaction ids are
//!   assigned at a transaction's first write, so their order is not the sequence order).
//!
//! The price of the second rule: PostgreSQL transaction ids are cluster-wide, so while any
//! write transaction runs anywhere on the server, records committed after it started wait for
//! it (usually milliseconds; a long import holds the feed back for its duration).

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
    modified_since: Option<DateTime<Utc>>,
    entities: Option<&[String]>,
    scope: FeedScope<'_>,
    limit: i64,
) -> QueryResult<Vec<ChangeRecord>> {
    let mut query = changes::table
        .select(ChangeRecord::as_select())
        .filter(changes::seq.gt(after))
        // `tx_id` is not in `schema.rs` (diesel has no xid8 type); see the module comment.
        // The subquery reads only the few young records, through the `changes_tx_id` index.
        .filter(sql::<Bool>(
            "changes.seq < coalesce((SELECT min(young.seq) FROM changes young \
             WHERE young.tx_id >= pg_snapshot_xmin(pg_current_snapshot())), 9223372036854775807)",
        ))
        .order(changes::seq.asc())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(changes::occurred_at.ge(since));
    }
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
