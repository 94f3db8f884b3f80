//! Milestones of a project.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::project_milestones;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = project_milestones)]
pub struct Milestone {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub planned_date: NaiveDate,
    pub actual_date: Option<NaiveDate>,
    pub state: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = project_milestones)]
pub struct NewMilestone {
    pub project_id: Uuid,
    pub title: String,
    pub planned_date: NaiveDate,
    pub actual_date: Option<NaiveDate>,
    pub state: String,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = project_milestones)]
pub struct MilestoneChanges {
    pub title: Option<String>,
    pub planned_date: Option<NaiveDate>,
    pub actual_date: Option<Option<NaiveDate>>,
    pub state: Option<String>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewMilestone) -> QueryResult<Milestone> {
    diesel::insert_into(project_milestones::table)
        .values(new)
        .returning(Milestone::as_returning())
        .get_result(conn)
        .await
}

/// A milestone of `project_id` (another project's milestone is `NotFound`).
pub async fn find(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    id: Uuid,
    lock: bool,
) -> QueryResult<Milestone> {
    let query = project_milestones::table
        .find(id)
        .filter(project_milestones::project_id.eq(project_id))
        .select(Milestone::as_select());
    if lock {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

/// One page ordered by planned date, then id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Milestone>> {
    let mut query = project_milestones::table
        .filter(project_milestones::project_id.eq(project_id))
        .order((
            project_milestones::planned_date.asc(),
            project_milestones::id.asc(),
        ))
        .select(Milestone::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(project_milestones::updated_at.ge(since));
    }
    if let Some((date, id)) = after {
        query = query.filter(
            project_milestones::planned_date
                .gt(date)
                .or(project_milestones::planned_date
                    .eq(date)
                    .and(project_milestones::id.gt(id))),
        );
    }
    query.load(conn).await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &MilestoneChanges,
) -> QueryResult<Milestone> {
    diesel::update(project_milestones::table.find(id))
        .set((
            changes,
            project_milestones::version.eq(project_milestones::version + 1),
            project_milestones::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Milestone::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(project_milestones::table.find(id))
        .execute(conn)
        .await
}
