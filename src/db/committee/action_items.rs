//! Action items that come out of meetings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::action_items;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = action_items)]
pub struct ActionItem {
    pub id: Uuid,
    pub title: String,
    pub agenda_item_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
    pub owner_organization: String,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub project_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = action_items)]
pub struct NewActionItem {
    pub title: String,
    pub agenda_item_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
    pub owner_organization: String,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub project_id: Option<Uuid>,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = action_items)]
pub struct ActionItemChanges {
    pub title: Option<String>,
    pub owner_organization: Option<String>,
    pub due_date: Option<Option<NaiveDate>>,
    pub status: Option<String>,
    pub project_id: Option<Option<Uuid>>,
}

#[derive(Debug, Default, Clone)]
pub struct ActionItemFilter {
    pub owner: Option<String>,
    pub status: Option<String>,
    pub meeting: Option<Uuid>,
    /// Only pending items due before this date.
    pub overdue_on: Option<NaiveDate>,
    pub modified_since: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewActionItem) -> QueryResult<ActionItem> {
    diesel::insert_into(action_items::table)
        .values(new)
        .returning(ActionItem::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ActionItem> {
    action_items::table
        .find(id)
        .filter(action_items::deleted_at.is_null())
        .select(ActionItem::as_select())
        .first(conn)
        .await
}

pub async fn lock_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ActionItem> {
    action_items::table
        .find(id)
        .filter(action_items::deleted_at.is_null())
        .select(ActionItem::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ActionItemChanges,
) -> QueryResult<ActionItem> {
    diesel::update(action_items::table.find(id))
        .set((
            changes,
            action_items::version.eq(action_items::version + 1),
            action_items::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ActionItem::as_returning())
        .get_result(conn)
        .await
}

pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ActionItem> {
    diesel::update(action_items::table.find(id))
        .set((
            action_items::deleted_at.eq(diesel::dsl::now),
            action_items::updated_at.eq(diesel::dsl::now),
            action_items::version.eq(action_items::version + 1),
        ))
        .returning(ActionItem::as_returning())
        .get_result(conn)
        .await
}

/// One page ordered by creation and id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ActionItemFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ActionItem>> {
    let mut query = action_items::table
        .filter(action_items::deleted_at.is_null())
        .select(ActionItem::as_select())
        .order((action_items::created_at.asc(), action_items::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(since) = filter.modified_since {
        query = query.filter(action_items::updated_at.ge(since));
    }
    if let Some(owner) = &filter.owner {
        query = query.filter(action_items::owner_organization.eq(owner.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(action_items::status.eq(status.clone()));
    }
    if let Some(meeting) = filter.meeting {
        query = query.filter(action_items::meeting_id.eq(meeting));
    }
    if let Some(today) = filter.overdue_on {
        query = query
            .filter(action_items::due_date.lt(today))
            .filter(action_items::status.eq_any(["open", "in_progress"]));
    }
    if let Some((created_at, id)) = after {
        query = query.filter(
            action_items::created_at
                .gt(created_at)
                .or(action_items::created_at
                    .eq(created_at)
                    .and(action_items::id.gt(id))),
        );
    }
    query.load(conn).await
}

/// The live action items of a meeting.
pub async fn for_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> QueryResult<Vec<ActionItem>> {
    action_items::table
        .filter(action_items::meeting_id.eq(meeting_id))
        .filter(action_items::deleted_at.is_null())
        .select(ActionItem::as_select())
        .order((action_items::created_at.asc(), action_items::id.asc()))
        .load(conn)
        .await
}
