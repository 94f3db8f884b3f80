//! Frozen allocations. Rows are never rewritten (the table refuses UPDATE and DELETE).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::allocation_snapshots;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = allocation_snapshots)]
pub struct SnapshotRow {
    pub id: Uuid,
    pub project_id: Uuid,
    pub include_pending: bool,
    pub key_version: i32,
    pub population_date: Option<NaiveDate>,
    pub participants: Vec<String>,
    pub populations: Value,
    pub from_year: i32,
    pub to_year: i32,
    pub years: Value,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = allocation_snapshots)]
pub struct NewSnapshot {
    pub project_id: Uuid,
    pub include_pending: bool,
    pub key_version: i32,
    pub population_date: Option<NaiveDate>,
    pub participants: Vec<String>,
    pub populations: Value,
    pub from_year: i32,
    pub to_year: i32,
    pub years: Value,
    pub label: String,
    pub created_by: String,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    snapshot: &NewSnapshot,
) -> QueryResult<SnapshotRow> {
    diesel::insert_into(allocation_snapshots::table)
        .values(snapshot)
        .returning(SnapshotRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    id: Uuid,
) -> QueryResult<SnapshotRow> {
    allocation_snapshots::table
        .find(id)
        .filter(allocation_snapshots::project_id.eq(project_id))
        .select(SnapshotRow::as_select())
        .first(conn)
        .await
}

/// Snapshots oldest first, after the `(created_at, id)` cursor.
pub async fn list(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<SnapshotRow>> {
    use allocation_snapshots::dsl as s;
    let mut query = s::allocation_snapshots
        .filter(s::project_id.eq(project_id))
        .order((s::created_at.asc(), s::id.asc()))
        .limit(limit)
        .select(SnapshotRow::as_select())
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(s::created_at.ge(since));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            s::created_at
                .gt(at)
                .or(s::created_at.eq(at).and(s::id.gt(id))),
        );
    }
    query.load(conn).await
}
