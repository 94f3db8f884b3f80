//! Attendance per organization and meeting.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::meeting_attendance;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = meeting_attendance)]
pub struct Attendance {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub organization_key: String,
    pub status: String,
    pub delegate_member_ids: Vec<Uuid>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a PUT sets: the whole record.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = meeting_attendance, treat_none_as_null = true)]
pub struct AttendanceRecord {
    pub meeting_id: Uuid,
    pub organization_key: String,
    pub status: String,
    pub delegate_member_ids: Vec<Uuid>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
}

pub async fn for_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> QueryResult<Vec<Attendance>> {
    meeting_attendance::table
        .filter(meeting_attendance::meeting_id.eq(meeting_id))
        .select(Attendance::as_select())
        .order(meeting_attendance::organization_key.asc())
        .load(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    organization: &str,
) -> QueryResult<Option<Attendance>> {
    meeting_attendance::table
        .filter(meeting_attendance::meeting_id.eq(meeting_id))
        .filter(meeting_attendance::organization_key.eq(organization))
        .select(Attendance::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    record: &AttendanceRecord,
) -> QueryResult<Attendance> {
    diesel::insert_into(meeting_attendance::table)
        .values(record)
        .returning(Attendance::as_returning())
        .get_result(conn)
        .await
}

pub async fn replace(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    record: &AttendanceRecord,
) -> QueryResult<Attendance> {
    diesel::update(meeting_attendance::table.find(id))
        .set((
            record,
            meeting_attendance::version.eq(meeting_attendance::version + 1),
            meeting_attendance::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Attendance::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(meeting_attendance::table.find(id))
        .execute(conn)
        .await
}
