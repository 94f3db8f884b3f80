//! Participations (opt-ins) of organizations in projects: the rows, their council resolutions
//! and history, and the views other resources share (summaries per project, the
//! `participant=` filter, the participation matrix).
//!
//! Every write here runs inside `db::write::audited`, after `db::projects::lock_live` locked the
//! project: participation changes of one project run one after another, so the cost-sharing
//! work can recompute the project's shares in the same transaction without races.

pub mod history;
pub mod resolutions;
pub mod views;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{participations, projects};

pub use views::{ParticipantSummary, participant_filter, summaries_for_projects};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = participations)]
pub struct Participation {
    pub id: Uuid,
    pub project_id: Uuid,
    pub organization_key: String,
    pub state: String,
    pub council_resolution_required: bool,
    pub staff_fte_hundredths: Option<i32>,
    pub contact_role: Option<String>,
    pub note: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub withdrawal_effective_date: Option<NaiveDate>,
    pub withdrawal_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The data a participation holds besides its identity: what a PUT replaces.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset, Insertable, Serialize)]
#[diesel(table_name = participations, treat_none_as_null = true)]
pub struct ParticipationData {
    pub state: String,
    pub council_resolution_required: bool,
    pub staff_fte_hundredths: Option<i32>,
    pub contact_role: Option<String>,
    pub note: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub withdrawal_effective_date: Option<NaiveDate>,
    pub withdrawal_reason: Option<String>,
}

impl Participation {
    pub fn data(&self) -> ParticipationData {
        ParticipationData {
            state: self.state.clone(),
            council_resolution_required: self.council_resolution_required,
            staff_fte_hundredths: self.staff_fte_hundredths,
            contact_role: self.contact_role.clone(),
            note: self.note.clone(),
            joined_on: self.joined_on,
            left_on: self.left_on,
            withdrawal_effective_date: self.withdrawal_effective_date,
            withdrawal_reason: self.withdrawal_reason.clone(),
        }
    }
}

/// A project as a participation list shows it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = projects)]
pub struct ProjectRef {
    pub id: Uuid,
    pub code: String,
    pub title: String,
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    organization: &str,
) -> QueryResult<Option<Participation>> {
    participations::table
        .filter(participations::project_id.eq(project_id))
        .filter(participations::organization_key.eq(organization))
        .select(Participation::as_select())
        .first(conn)
        .await
        .optional()
}

/// Reads and locks the row. Callers hold the project lock already; the row lock keeps the
/// rule "lock what you change" even for a future writer that does not.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    organization: &str,
) -> QueryResult<Option<Participation>> {
    participations::table
        .filter(participations::project_id.eq(project_id))
        .filter(participations::organization_key.eq(organization))
        .select(Participation::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    organization: &str,
    data: &ParticipationData,
) -> QueryResult<Participation> {
    diesel::insert_into(participations::table)
        .values((
            participations::project_id.eq(project_id),
            participations::organization_key.eq(organization),
            data,
        ))
        .returning(Participation::as_returning())
        .get_result(conn)
        .await
}

/// Replaces the data and bumps the version; the caller holds the row lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    data: &ParticipationData,
) -> QueryResult<Participation> {
    diesel::update(participations::table.find(id))
        .set((
            data,
            participations::version.eq(participations::version + 1),
            participations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Participation::as_returning())
        .get_result(conn)
        .await
}

/// One page of a project's participations, ordered by organization key, after `after`.
pub async fn list_for_project(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Participation>> {
    let mut query = participations::table
        .filter(participations::project_id.eq(project_id))
        .select(Participation::as_select())
        .order(participations::organization_key.asc())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(participations::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(participations::organization_key.gt(after.to_owned()));
    }
    query.load(conn).await
}

/// One page of an organization's participations in live projects, ordered by project code,
/// after `after_code`.
pub async fn list_for_organization(
    conn: &mut AsyncPgConnection,
    organization: &str,
    modified_since: Option<DateTime<Utc>>,
    after_code: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(Participation, ProjectRef)>> {
    let mut query = participations::table
        .inner_join(projects::table)
        .filter(participations::organization_key.eq(organization))
        .filter(projects::deleted_at.is_null())
        .select((Participation::as_select(), ProjectRef::as_select()))
        .order(projects::code.asc())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(participations::updated_at.ge(since));
    }
    if let Some(after) = after_code {
        query = query.filter(projects::code.gt(after.to_owned()));
    }
    query.load(conn).await
}
