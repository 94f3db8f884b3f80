//! Milestones of a project.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::project_records::ProjectRecord;
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

impl ProjectRecord for Milestone {
    const KIND: &'static str = "milestone";
    const COLLECTION: &'static str = "milestones";
    type New = NewMilestone;
    type Changes = MilestoneChanges;
    type Key = (NaiveDate, Uuid);

    fn id(&self) -> Uuid {
        self.id
    }
    fn project_id(&self) -> Uuid {
        self.project_id
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn key(&self) -> Self::Key {
        (self.planned_date, self.id)
    }

    async fn find(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        id: Uuid,
        lock: bool,
    ) -> QueryResult<Self> {
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

    async fn list(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        modified_since: Option<DateTime<Utc>>,
        after: Option<Self::Key>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
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

    async fn insert(conn: &mut AsyncPgConnection, new: &NewMilestone) -> QueryResult<Self> {
        diesel::insert_into(project_milestones::table)
            .values(new)
            .returning(Milestone::as_returning())
            .get_result(conn)
            .await
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        changes: &MilestoneChanges,
    ) -> QueryResult<Self> {
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

    async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
        diesel::delete(project_milestones::table.find(id))
            .execute(conn)
            .await
            .map(drop)
    }
}
