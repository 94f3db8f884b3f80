//! Reading the change records, and numbering them (writing them is `db::write`'s job).
//!
//! A writer inserts its change records without a position (`seq` NULL; `id` only orders the
//! insertions) and takes no lock, so writers commit side by side. The position is given after
//! the commit by [`number_committed`] (the database function `smartregion_number_changes`, see
//! the `change_sequencer` migration): under [`NUMBERING_LOCK`], which only numberers take, it
//! numbers every unnumbered record it can see, in `id` order, continuing after the highest
//! number. Why that is gap-free and in commit order:
//! - a record is visible to the numbering only once its transaction committed, and a numbering
//!   reads the highest number only after it holds the lock, i.e. after the previous numbering
//!   committed: the numbers of one numbering follow the previous ones without a gap, and no
//!   two numberings hand out the same number;
//! - a record that commits after a numbering took its snapshot is numbered by a later one, so
//!   it gets a higher number than every record that numbering saw: positions follow the commit
//!   order at the granularity of one numbering (within it, `id` order);
//! - a reader that has seen position `n` has seen every position below `n` (a numbering's
//!   records become visible together, at its commit), and nothing is numbered below `n` later.
//!
//! Every reader of the feed calls [`number_committed`] before it reads, in a transaction of its
//! own, so that a write acknowledged with 2xx is in the very next read; while nothing is
//! pending that is one probe of a partial index and no lock. A record that is not numbered yet
//! is never returned (`seq > after` is not true for NULL) and never skipped (it will be
//! numbered after everything returned so far). No transaction ids are compared, so a long
//! transaction elsewhere on the server holds nothing back, and a dump restored into another
//! cluster goes on where it stopped.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::changes;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRecord {
    /// Only numbered records are read (see [`after`]).
    #[diesel(select_expression = changes::seq.assume_not_null())]
    #[diesel(select_expression_type = diesel::dsl::AssumeNotNull<changes::seq>)]
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

/// The transaction-scoped advisory lock under which `smartregion_number_changes` numbers the
/// change records ("SRNUM"; the function names the same value). Writers never take it.
pub const NUMBERING_LOCK: i64 = 0x5352_4e55_4d00;

#[derive(QueryableByName)]
struct Numbered {
    #[diesel(sql_type = BigInt)]
    numbered: i64,
}

/// Numbers every committed change record that has no position yet; returns how many it
/// numbered. Call it on a connection outside any transaction (the lock it takes is held until
/// the transaction ends, and it needs READ COMMITTED): then everything that committed before
/// the call has its position when it returns. Cheap when nothing is pending.
pub async fn number_committed(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let row: Numbered = diesel::sql_query("SELECT smartregion_number_changes() AS numbered")
        .get_result(conn)
        .await?;
    Ok(row.numbered)
}

/// The highest position given so far (0 for an empty feed). Records not numbered yet are not
/// counted: call [`number_committed`] first for everything committed until now.
pub async fn last_seq(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let newest: Option<i64> = changes::table
        .select(diesel::dsl::max(changes::seq))
        .get_result(conn)
        .await?;
    Ok(newest.unwrap_or(0))
}

/// Up to `limit` numbered changes after `after`, in sequence order. Run [`number_committed`]
/// before, so that what committed until then is included.
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
        // Also leaves out the records not numbered yet (NULL is not greater).
        .filter(changes::seq.gt(after))
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
