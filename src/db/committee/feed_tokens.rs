//! Calendar feed tokens: only their SHA-256 is stored. A token opens the feed while it is
//! neither revoked nor expired.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::calendar_feed_tokens;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = calendar_feed_tokens)]
pub struct FeedToken {
    pub id: Uuid,
    pub organization_key: String,
    pub label: String,
    /// Never serialized into the audit trail.
    #[serde(skip)]
    pub token_sha256: Vec<u8>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = calendar_feed_tokens)]
pub struct NewFeedToken {
    pub organization_key: String,
    pub label: String,
    pub token_sha256: Vec<u8>,
    pub created_by: String,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewFeedToken) -> QueryResult<FeedToken> {
    diesel::insert_into(calendar_feed_tokens::table)
        .values(new)
        .returning(FeedToken::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<FeedToken> {
    calendar_feed_tokens::table
        .find(id)
        .select(FeedToken::as_select())
        .first(conn)
        .await
}

pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<FeedToken> {
    calendar_feed_tokens::table
        .find(id)
        .select(FeedToken::as_select())
        .for_update()
        .first(conn)
        .await
}

/// The token with this hash that is neither revoked nor expired at `now`.
pub async fn find_active_by_hash(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<FeedToken>> {
    calendar_feed_tokens::table
        .filter(calendar_feed_tokens::token_sha256.eq(hash))
        .filter(calendar_feed_tokens::revoked_at.is_null())
        .filter(
            calendar_feed_tokens::expires_at
                .is_null()
                .or(calendar_feed_tokens::expires_at.gt(now)),
        )
        .select(FeedToken::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<FeedToken> {
    diesel::update(calendar_feed_tokens::table.find(id))
        .set((
            calendar_feed_tokens::revoked_at.eq(diesel::dsl::now),
            calendar_feed_tokens::updated_at.eq(diesel::dsl::now),
        ))
        .returning(FeedToken::as_returning())
        .get_result(conn)
        .await
}

/// Locks the unrevoked tokens of `organization` that `created_by` created, in id order (so two
/// concurrent revocations lock in the same order).
pub async fn lock_live_by_creator(
    conn: &mut AsyncPgConnection,
    organization: &str,
    created_by: &str,
) -> QueryResult<Vec<FeedToken>> {
    calendar_feed_tokens::table
        .filter(calendar_feed_tokens::organization_key.eq(organization))
        .filter(calendar_feed_tokens::created_by.eq(created_by))
        .filter(calendar_feed_tokens::revoked_at.is_null())
        .order(calendar_feed_tokens::id.asc())
        .select(FeedToken::as_select())
        .for_update()
        .load(conn)
        .await
}

/// One page ordered by creation and id; `organization` limits it to one organization.
pub async fn list(
    conn: &mut AsyncPgConnection,
    organization: Option<&str>,
    modified_since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<FeedToken>> {
    let mut query = calendar_feed_tokens::table
        .select(FeedToken::as_select())
        .order((
            calendar_feed_tokens::created_at.asc(),
            calendar_feed_tokens::id.asc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(calendar_feed_tokens::updated_at.ge(since));
    }
    if let Some(org) = organization {
        query = query.filter(calendar_feed_tokens::organization_key.eq(org.to_owned()));
    }
    if let Some((created_at, id)) = after {
        query = query.filter(
            calendar_feed_tokens::created_at
                .gt(created_at)
                .or(calendar_feed_tokens::created_at
                    .eq(created_at)
                    .and(calendar_feed_tokens::id.gt(id))),
        );
    }
    query.load(conn).await
}
