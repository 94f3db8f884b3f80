//! The history of a participation: one row per change, append-only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::participation_history;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = participation_history)]
pub struct HistoryEntry {
    pub id: i64,
    pub participation_id: Uuid,
    pub from_state: Option<String>,
    pub to_state: String,
    pub changed_at: DateTime<Utc>,
    pub actor_subject: String,
    pub actor_organization: Option<String>,
    pub on_behalf_of: Option<String>,
    pub reason: Option<String>,
    pub council_resolution_id: Option<Uuid>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = participation_history)]
pub struct NewHistoryEntry<'a> {
    pub participation_id: Uuid,
    pub from_state: Option<&'a str>,
    pub to_state: &'a str,
    pub actor_subject: &'a str,
    pub actor_organization: Option<&'a str>,
    pub on_behalf_of: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub council_resolution_id: Option<Uuid>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    entry: &NewHistoryEntry<'_>,
) -> QueryResult<HistoryEntry> {
    diesel::insert_into(participation_history::table)
        .values(entry)
        .returning(HistoryEntry::as_returning())
        .get_result(conn)
        .await
}

/// One page of a participation's history, oldest first, after the entry `after_id`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    participation_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<HistoryEntry>> {
    let mut query = participation_history::table
        .filter(participation_history::participation_id.eq(participation_id))
        .select(HistoryEntry::as_select())
        .order(participation_history::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(participation_history::changed_at.ge(since));
    }
    if let Some(after) = after_id {
        query = query.filter(participation_history::id.gt(after));
    }
    query.load(conn).await
}
