//! Status reports of a project.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::project_reports;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = project_reports)]
pub struct Report {
    pub id: Uuid,
    pub project_id: Uuid,
    pub report_date: NaiveDate,
    pub author_organization: String,
    pub text: String,
    pub progress_percent: i16,
    pub traffic_light: String,
    pub traffic_light_note: Option<String>,
    pub next_steps: String,
    pub risks: String,
    pub supersedes: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A report with the report that superseded it, if any.
#[derive(Debug, Clone)]
pub struct ReportWithSuccessor {
    pub report: Report,
    pub superseded_by: Option<Uuid>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = project_reports)]
pub struct NewReport {
    pub project_id: Uuid,
    pub report_date: NaiveDate,
    pub author_organization: String,
    pub text: String,
    pub progress_percent: i16,
    pub traffic_light: String,
    pub traffic_light_note: Option<String>,
    pub next_steps: String,
    pub risks: String,
    pub supersedes: Option<Uuid>,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = project_reports)]
pub struct ReportChanges {
    pub report_date: Option<NaiveDate>,
    pub text: Option<String>,
    pub progress_percent: Option<i16>,
    pub traffic_light: Option<String>,
    pub traffic_light_note: Option<Option<String>>,
    pub next_steps: Option<String>,
    pub risks: Option<String>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewReport) -> QueryResult<Report> {
    diesel::insert_into(project_reports::table)
        .values(new)
        .returning(Report::as_returning())
        .get_result(conn)
        .await
}

/// A report of `project_id` and the database's current time (the clock of the 24-hour rule).
pub async fn find(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    id: Uuid,
    lock: bool,
) -> QueryResult<(Report, DateTime<Utc>)> {
    let query = project_reports::table
        .find(id)
        .filter(project_reports::project_id.eq(project_id))
        .select((
            Report::as_select(),
            diesel::dsl::now.into_sql::<diesel::sql_types::Timestamptz>(),
        ));
    if lock {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

pub async fn superseded_by(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Uuid>> {
    project_reports::table
        .filter(project_reports::supersedes.eq(id))
        .select(project_reports::id)
        .first(conn)
        .await
        .optional()
}

/// Whether another report of the project has a later report date than `date` (then a new or
/// corrected report does not change the project's current progress).
pub async fn newer_exists(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    date: NaiveDate,
    except: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        project_reports::table
            .filter(project_reports::project_id.eq(project_id))
            .filter(project_reports::report_date.gt(date))
            .filter(project_reports::id.ne(except)),
    ))
    .get_result(conn)
    .await
}

/// One page, newest report date first, with each report's successor (one query).
pub async fn list(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ReportWithSuccessor>> {
    let (reports, successors) =
        diesel::alias!(project_reports as reports, project_reports as successors);
    let mut query = reports
        .left_join(
            successors.on(successors
                .field(project_reports::supersedes)
                .eq(reports.field(project_reports::id).nullable())),
        )
        .filter(reports.field(project_reports::project_id).eq(project_id))
        .order((
            reports.field(project_reports::report_date).desc(),
            reports.field(project_reports::id).desc(),
        ))
        .select((
            reports.fields(<Report as Selectable<diesel::pg::Pg>>::construct_selection()),
            successors.field(project_reports::id).nullable(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(reports.field(project_reports::updated_at).ge(since));
    }
    if let Some((date, id)) = after {
        query = query.filter(
            reports
                .field(project_reports::report_date)
                .lt(date)
                .or(reports
                    .field(project_reports::report_date)
                    .eq(date)
                    .and(reports.field(project_reports::id).lt(id))),
        );
    }
    let rows: Vec<(Report, Option<Uuid>)> = query.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(report, superseded_by)| ReportWithSuccessor {
            report,
            superseded_by,
        })
        .collect())
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ReportChanges,
) -> QueryResult<Report> {
    diesel::update(project_reports::table.find(id))
        .set((
            changes,
            project_reports::version.eq(project_reports::version + 1),
            project_reports::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Report::as_returning())
        .get_result(conn)
        .await
}
