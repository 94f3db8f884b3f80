//! Meetings.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::meetings;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: Uuid,
    pub number: i32,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location_address: Option<String>,
    pub location_room: Option<String>,
    pub online_url: Option<String>,
    pub public: bool,
    pub state: String,
    pub cancellation_reason: Option<String>,
    pub ical_sequence: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = meetings)]
pub struct NewMeeting {
    pub number: i32,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location_address: Option<String>,
    pub location_room: Option<String>,
    pub online_url: Option<String>,
    pub public: bool,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = meetings)]
pub struct MeetingChanges {
    pub number: Option<i32>,
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub location_address: Option<Option<String>>,
    pub location_room: Option<Option<String>>,
    pub online_url: Option<Option<String>>,
    pub public: Option<bool>,
    pub state: Option<String>,
    pub cancellation_reason: Option<Option<String>>,
}

/// Which meetings a list holds.
#[derive(Debug, Default, Clone)]
pub struct MeetingFilter {
    pub public_only: bool,
    pub state: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only meetings changed (themselves or anything they embed) at or after this instant.
    pub modified_since: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewMeeting) -> QueryResult<Meeting> {
    diesel::insert_into(meetings::table)
        .values(new)
        .returning(Meeting::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Meeting> {
    meetings::table
        .find(id)
        .filter(meetings::deleted_at.is_null())
        .select(Meeting::as_select())
        .first(conn)
        .await
}

/// Reads and locks a live meeting: every write to the meeting or anything it embeds takes
/// this lock first.
pub async fn lock_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Meeting> {
    meetings::table
        .find(id)
        .filter(meetings::deleted_at.is_null())
        .select(Meeting::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Applies `changes` and bumps version, SEQUENCE and `updated_at`; the caller holds the lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &MeetingChanges,
) -> QueryResult<Meeting> {
    diesel::update(meetings::table.find(id))
        .set((
            changes,
            meetings::version.eq(meetings::version + 1),
            meetings::ical_sequence.eq(meetings::ical_sequence + 1),
            meetings::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Meeting::as_returning())
        .get_result(conn)
        .await
}

/// Records that something the meeting embeds changed: bumps version, SEQUENCE and
/// `updated_at`. The caller holds the lock.
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Meeting> {
    diesel::update(meetings::table.find(id))
        .set((
            meetings::version.eq(meetings::version + 1),
            meetings::ical_sequence.eq(meetings::ical_sequence + 1),
            meetings::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Meeting::as_returning())
        .get_result(conn)
        .await
}

pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Meeting> {
    diesel::update(meetings::table.find(id))
        .set((
            meetings::deleted_at.eq(diesel::dsl::now),
            meetings::updated_at.eq(diesel::dsl::now),
            meetings::version.eq(meetings::version + 1),
            meetings::ical_sequence.eq(meetings::ical_sequence + 1),
        ))
        .returning(Meeting::as_returning())
        .get_result(conn)
        .await
}

/// One page of live meetings ordered by start and id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &MeetingFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Meeting>> {
    let mut query = meetings::table
        .filter(meetings::deleted_at.is_null())
        .select(Meeting::as_select())
        .order((meetings::starts_at.asc(), meetings::id.asc()))
        .limit(limit)
        .into_boxed();
    if filter.public_only {
        query = query.filter(meetings::public.eq(true));
    }
    if let Some(state) = &filter.state {
        query = query.filter(meetings::state.eq(state.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(meetings::starts_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(meetings::starts_at.lt(to));
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(meetings::updated_at.ge(since));
    }
    if let Some((starts_at, id)) = after {
        query = query.filter(
            meetings::starts_at
                .gt(starts_at)
                .or(meetings::starts_at.eq(starts_at).and(meetings::id.gt(id))),
        );
    }
    query.load(conn).await
}

pub async fn exists_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        meetings::table
            .find(id)
            .filter(meetings::deleted_at.is_null()),
    ))
    .get_result(conn)
    .await
}
