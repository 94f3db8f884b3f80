//! Agenda items (Tagesordnungspunkte), the projects they concern and their votes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{agenda_item_projects, agenda_item_votes, agenda_items, projects};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = agenda_items)]
pub struct AgendaItem {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub position: i32,
    pub number: String,
    pub title: String,
    pub public: bool,
    pub presenter_organization: Option<String>,
    pub proposed_resolution: Option<String>,
    pub result: Option<String>,
    pub resolution_text: Option<String>,
    pub votes_yes: Option<i32>,
    pub votes_no: Option<i32>,
    pub votes_abstentions: Option<i32>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = agenda_items)]
pub struct NewAgendaItem {
    pub meeting_id: Uuid,
    pub position: i32,
    pub number: String,
    pub title: String,
    pub public: bool,
    pub presenter_organization: Option<String>,
    pub proposed_resolution: Option<String>,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = agenda_items)]
pub struct AgendaItemChanges {
    pub number: Option<String>,
    pub title: Option<String>,
    pub public: Option<bool>,
    pub presenter_organization: Option<Option<String>>,
    pub proposed_resolution: Option<Option<String>>,
    pub result: Option<Option<String>>,
    pub resolution_text: Option<Option<String>>,
    pub votes_yes: Option<Option<i32>>,
    pub votes_no: Option<Option<i32>>,
    pub votes_abstentions: Option<Option<i32>>,
    pub decided_at: Option<Option<DateTime<Utc>>>,
}

/// A project an agenda item concerns, with what exports show of it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ItemProject {
    pub agenda_item_id: Uuid,
    pub project_id: Uuid,
    pub code: String,
    pub title: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = agenda_item_votes)]
pub struct OrganizationVotes {
    pub agenda_item_id: Uuid,
    pub organization_key: String,
    pub yes: i32,
    pub no: i32,
    pub abstentions: i32,
}

/// The meeting of a live agenda item, if there is one.
pub async fn meeting_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Uuid>> {
    agenda_items::table
        .find(id)
        .filter(agenda_items::deleted_at.is_null())
        .select(agenda_items::meeting_id)
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewAgendaItem) -> QueryResult<AgendaItem> {
    diesel::insert_into(agenda_items::table)
        .values(new)
        .returning(AgendaItem::as_returning())
        .get_result(conn)
        .await
}

/// The position after the last live item of a meeting.
pub async fn next_position(conn: &mut AsyncPgConnection, meeting_id: Uuid) -> QueryResult<i32> {
    let max: Option<i32> = agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .filter(agenda_items::deleted_at.is_null())
        .select(diesel::dsl::max(agenda_items::position))
        .first(conn)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// A live item of a meeting, or `NotFound`.
pub async fn find_live(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    id: Uuid,
) -> QueryResult<AgendaItem> {
    agenda_items::table
        .find(id)
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .filter(agenda_items::deleted_at.is_null())
        .select(AgendaItem::as_select())
        .first(conn)
        .await
}

/// The live items of a meeting in agenda order; `public_only` leaves out non-public ones.
pub async fn for_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    public_only: bool,
) -> QueryResult<Vec<AgendaItem>> {
    let mut query = agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .filter(agenda_items::deleted_at.is_null())
        .select(AgendaItem::as_select())
        .order(agenda_items::position.asc())
        .into_boxed();
    if public_only {
        query = query.filter(agenda_items::public.eq(true));
    }
    query.load(conn).await
}

/// The live items of several meetings (for a page of the calendar feed), in agenda order.
pub async fn for_meetings(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[Uuid],
    public_only: bool,
) -> QueryResult<Vec<AgendaItem>> {
    let mut query = agenda_items::table
        .filter(agenda_items::meeting_id.eq_any(meeting_ids.to_vec()))
        .filter(agenda_items::deleted_at.is_null())
        .select(AgendaItem::as_select())
        .order((agenda_items::meeting_id, agenda_items::position.asc()))
        .into_boxed();
    if public_only {
        query = query.filter(agenda_items::public.eq(true));
    }
    query.load(conn).await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &AgendaItemChanges,
) -> QueryResult<AgendaItem> {
    diesel::update(agenda_items::table.find(id))
        .set((
            changes,
            agenda_items::version.eq(agenda_items::version + 1),
            agenda_items::updated_at.eq(diesel::dsl::now),
        ))
        .returning(AgendaItem::as_returning())
        .get_result(conn)
        .await
}

/// Bumps an item whose embedded projects or votes changed.
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<AgendaItem> {
    diesel::update(agenda_items::table.find(id))
        .set((
            agenda_items::version.eq(agenda_items::version + 1),
            agenda_items::updated_at.eq(diesel::dsl::now),
        ))
        .returning(AgendaItem::as_returning())
        .get_result(conn)
        .await
}

pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<AgendaItem> {
    diesel::update(agenda_items::table.find(id))
        .set((
            agenda_items::deleted_at.eq(diesel::dsl::now),
            agenda_items::updated_at.eq(diesel::dsl::now),
            agenda_items::version.eq(agenda_items::version + 1),
        ))
        .returning(AgendaItem::as_returning())
        .get_result(conn)
        .await
}

/// Gives the items the positions 1, 2, … in the order of `ids`. The unique index on positions
/// is checked row by row, so the items first move to negative positions, then to their new
/// ones. Only items whose position changes are written (and bumped).
pub async fn reorder(
    conn: &mut AsyncPgConnection,
    current: &[AgendaItem],
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    let moved: Vec<(Uuid, i32)> = ids
        .iter()
        .enumerate()
        .map(|(index, id)| (*id, index as i32 + 1))
        .filter(|(id, position)| {
            current
                .iter()
                .any(|item| item.id == *id && item.position != *position)
        })
        .collect();
    for (id, position) in &moved {
        diesel::update(agenda_items::table.find(*id))
            .set(agenda_items::position.eq(-position))
            .execute(conn)
            .await?;
    }
    for (id, position) in &moved {
        diesel::update(agenda_items::table.find(*id))
            .set((
                agenda_items::position.eq(*position),
                agenda_items::version.eq(agenda_items::version + 1),
                agenda_items::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
    }
    Ok(moved.into_iter().map(|(id, _)| id).collect())
}

/// The projects of these items, ordered by item and project code.
pub async fn projects_of(
    conn: &mut AsyncPgConnection,
    item_ids: &[Uuid],
) -> QueryResult<Vec<ItemProject>> {
    if item_ids.is_empty() {
        return Ok(Vec::new());
    }
    agenda_item_projects::table
        .inner_join(projects::table)
        .filter(agenda_item_projects::agenda_item_id.eq_any(item_ids.to_vec()))
        .select((
            agenda_item_projects::agenda_item_id,
            projects::id,
            projects::code,
            projects::title,
        ))
        .order((agenda_item_projects::agenda_item_id, projects::code))
        .load(conn)
        .await
}

/// Replaces the projects of an item.
pub async fn set_projects(
    conn: &mut AsyncPgConnection,
    item_id: Uuid,
    project_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        agenda_item_projects::table.filter(agenda_item_projects::agenda_item_id.eq(item_id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = project_ids
        .iter()
        .map(|project| {
            (
                agenda_item_projects::agenda_item_id.eq(item_id),
                agenda_item_projects::project_id.eq(*project),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(agenda_item_projects::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The votes per organization of these items.
pub async fn votes_of(
    conn: &mut AsyncPgConnection,
    item_ids: &[Uuid],
) -> QueryResult<Vec<OrganizationVotes>> {
    if item_ids.is_empty() {
        return Ok(Vec::new());
    }
    agenda_item_votes::table
        .filter(agenda_item_votes::agenda_item_id.eq_any(item_ids.to_vec()))
        .select(OrganizationVotes::as_select())
        .order((
            agenda_item_votes::agenda_item_id,
            agenda_item_votes::organization_key,
        ))
        .load(conn)
        .await
}

/// Replaces the votes per organization of an item.
pub async fn set_votes(
    conn: &mut AsyncPgConnection,
    item_id: Uuid,
    votes: &[OrganizationVotes],
) -> QueryResult<()> {
    diesel::delete(agenda_item_votes::table.filter(agenda_item_votes::agenda_item_id.eq(item_id)))
        .execute(conn)
        .await?;
    if !votes.is_empty() {
        diesel::insert_into(agenda_item_votes::table)
            .values(votes)
            .execute(conn)
            .await?;
    }
    Ok(())
}
