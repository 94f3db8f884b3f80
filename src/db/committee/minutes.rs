//! The minutes (Niederschrift) of a meeting.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::meeting_minutes;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = meeting_minutes)]
pub struct Minutes {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub public_text: String,
    pub non_public_text: String,
    pub secretary_member_id: Option<Uuid>,
    pub chair_member_id: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_at_meeting_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a PUT sets: the whole draft.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = meeting_minutes, treat_none_as_null = true)]
pub struct MinutesDraft {
    pub meeting_id: Uuid,
    pub public_text: String,
    pub non_public_text: String,
    pub secretary_member_id: Option<Uuid>,
    pub chair_member_id: Option<Uuid>,
}

pub async fn find(conn: &mut AsyncPgConnection, meeting_id: Uuid) -> QueryResult<Option<Minutes>> {
    meeting_minutes::table
        .filter(meeting_minutes::meeting_id.eq(meeting_id))
        .select(Minutes::as_select())
        .first(conn)
        .await
        .optional()
}

/// The minutes with these ids (the OParl files are minutes).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Minutes>> {
    meeting_minutes::table
        .filter(meeting_minutes::id.eq_any(ids))
        .select(Minutes::as_select())
        .load(conn)
        .await
}

pub async fn insert(conn: &mut AsyncPgConnection, draft: &MinutesDraft) -> QueryResult<Minutes> {
    diesel::insert_into(meeting_minutes::table)
        .values(draft)
        .returning(Minutes::as_returning())
        .get_result(conn)
        .await
}

pub async fn replace(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &MinutesDraft,
) -> QueryResult<Minutes> {
    diesel::update(meeting_minutes::table.find(id))
        .set((
            draft,
            meeting_minutes::version.eq(meeting_minutes::version + 1),
            meeting_minutes::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Minutes::as_returning())
        .get_result(conn)
        .await
}

pub async fn approve(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at_meeting: Option<Uuid>,
) -> QueryResult<Minutes> {
    diesel::update(meeting_minutes::table.find(id))
        .set((
            meeting_minutes::approved_at.eq(diesel::dsl::now),
            meeting_minutes::approved_at_meeting_id.eq(at_meeting),
            meeting_minutes::version.eq(meeting_minutes::version + 1),
            meeting_minutes::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Minutes::as_returning())
        .get_result(conn)
        .await
}
