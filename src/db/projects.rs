//! Projects of the catalogue: the row type and the lookups other resources share.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::projects;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = projects)]
pub struct Project {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub field_of_action: String,
    pub category: String,
    pub lead_organization: Option<String>,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
    pub gender_equality_relevant: String,
    pub follow_up_costs_note: Option<String>,
    pub internal_note: Option<String>,
    pub status: String,
    pub progress_percent: i16,
    pub traffic_light: Option<String>,
    pub traffic_light_note: Option<String>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub classification_confirmed: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A project that is not deleted, or `NotFound`.
pub async fn find_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Project> {
    projects::table
        .find(id)
        .filter(projects::deleted_at.is_null())
        .select(Project::as_select())
        .first(conn)
        .await
}

/// Reads and locks a live project for the rest of the transaction. Every write that changes
/// what a project's shares are computed from (participations, cost items, cost keys) takes this
/// lock first, so such writes on one project run one after another.
pub async fn lock_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Project> {
    projects::table
        .find(id)
        .filter(projects::deleted_at.is_null())
        .select(Project::as_select())
        .for_update()
        .first(conn)
        .await
}
