//! The reads only the report and the dashboard need. The dashboard's counts and sums come from
//! summaries kept in the write transactions (migration 000060) and its lists are bounded, so
//! its cost does not grow with the catalogue. Everything else they show comes from the queries
//! of the resources themselves.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::indicators::{Indicator, Measurement};
use crate::db::milestones::Milestone;
use crate::db::participations::Participation;
use crate::db::projects::Project;
use crate::db::reports::Report;
use crate::db::schema::{
    goal_indicators, participations, project_indicators, project_measurements, project_milestones,
    project_reports, projects,
};
use crate::domain::participation::ParticipationState;

/// Most rows one section of a report or the dashboard lists; the catalogue has a few dozen
/// projects, so this is a safety bound, not a page size.
pub const SECTION_LIMIT: i64 = 1000;

fn active_states() -> Vec<&'static str> {
    ParticipationState::ACTIVE
        .iter()
        .map(|s| s.as_str())
        .collect()
}

/// An organization's active participations (interested, intends to join, council decision
/// pending, committed) in live projects, with the projects, by project code.
pub async fn active_participations(
    conn: &mut AsyncPgConnection,
    organization: &str,
) -> QueryResult<Vec<(Participation, Project)>> {
    participations::table
        .inner_join(projects::table)
        .filter(participations::organization_key.eq(organization))
        .filter(participations::state.eq_any(active_states()))
        .filter(projects::deleted_at.is_null())
        .order(projects::code.asc())
        .select((Participation::as_select(), Project::as_select()))
        .limit(SECTION_LIMIT)
        .load(conn)
        .await
}

/// Per project, the latest status report dated within `from..=to` (latest by report date, then
/// id: the order of the project's report list).
pub async fn latest_reports_within(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<HashMap<Uuid, Report>> {
    let rows: Vec<Report> = project_reports::table
        .filter(project_reports::project_id.eq_any(project_ids))
        .filter(project_reports::report_date.between(from, to))
        .distinct_on(project_reports::project_id)
        .order((
            project_reports::project_id.asc(),
            project_reports::report_date.desc(),
            project_reports::id.desc(),
        ))
        .select(Report::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.project_id, r)).collect())
}

/// Per project, the milestones planned within `from..=to`, and those planned earlier that are
/// still open (missed before the period), by planned date.
pub async fn milestones_for_period(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<HashMap<Uuid, Vec<Milestone>>> {
    let rows: Vec<Milestone> = project_milestones::table
        .filter(project_milestones::project_id.eq_any(project_ids))
        .filter(
            project_milestones::planned_date
                .between(from, to)
                .or(project_milestones::planned_date
                    .lt(from)
                    .and(project_milestones::state.eq("open"))),
        )
        .order((
            project_milestones::project_id.asc(),
            project_milestones::planned_date.asc(),
            project_milestones::id.asc(),
        ))
        .select(Milestone::as_select())
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<Milestone>> = HashMap::new();
    for m in rows {
        map.entry(m.project_id).or_default().push(m);
    }
    Ok(map)
}

/// Live projects open for participation (neither completed nor discarded) in which
/// `organization` has no active participation, by code.
pub async fn joinable_projects(
    conn: &mut AsyncPgConnection,
    organization: &str,
) -> QueryResult<Vec<Project>> {
    projects::table
        .filter(projects::deleted_at.is_null())
        .filter(projects::status.ne_all(["completed", "discarded"]))
        .filter(diesel::dsl::not(
            crate::db::participations::participant_filter(organization),
        ))
        .order(projects::code.asc())
        .select(Project::as_select())
        .limit(SECTION_LIMIT)
        .load(conn)
        .await
}

/// Live projects counted per field of action and status, from the summary the write
/// transactions keep (`dashboard_project_counts`, migration 000060): a few dozen rows whatever
/// the size of the catalogue.
pub async fn projects_per_field_and_status(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(String, String, i64)>> {
    let rows: Vec<CountRow> = diesel::sql_query(
        "SELECT field_of_action AS key, status AS label, '' AS name, status AS state, \
                SUM(projects)::int8 AS count \
         FROM dashboard_project_counts GROUP BY field_of_action, status \
         HAVING SUM(projects) <> 0 ORDER BY field_of_action, status",
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.key, r.state, r.count))
        .collect())
}

/// The most projects the dashboard's participation counts per project list (by code); the
/// paged participation matrix shows every project.
pub const DASHBOARD_PROJECTS: i64 = 200;

/// Participations counted per project and state for the first `limit` live projects (by code)
/// that have any, by project code. Bounded: the projects come in code order
/// from `projects_live_code`, each one's participations from an index range read.
pub async fn participations_per_project(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<(Uuid, String, String, String, i64)>> {
    let rows: Vec<CountRow> = diesel::sql_query(
        "SELECT p.id::text AS key, p.code AS label, p.title AS name, c.state, c.count \
         FROM (SELECT id, code, title FROM projects p \
                WHERE deleted_at IS NULL \
                  AND EXISTS (SELECT 1 FROM participations x WHERE x.project_id = p.id) \
                ORDER BY code LIMIT $1) p \
         CROSS JOIN LATERAL (SELECT x.state, COUNT(*) AS count FROM participations x \
                              WHERE x.project_id = p.id GROUP BY x.state) c \
         ORDER BY p.code, c.state",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.key.parse().ok()?, r.label, r.name, r.state, r.count)))
        .collect())
}

/// Participations in live projects counted per organization and state: `(key, name, state,
/// count)`, by key; from the summary the write transactions keep
/// (`dashboard_participation_counts`).
pub async fn participations_per_organization(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(String, String, String, i64)>> {
    let rows: Vec<CountRow> = diesel::sql_query(
        "SELECT o.key, o.key AS label, o.name, c.state, SUM(c.participations)::int8 AS count \
         FROM dashboard_participation_counts c JOIN organizations o ON o.key = c.organization_key \
         GROUP BY o.key, o.name, c.state HAVING SUM(c.participations) <> 0 \
         ORDER BY o.key, c.state",
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.key, r.name, r.state, r.count))
        .collect())
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    key: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    label: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// The stored allocations of live projects in the planning scenario summed per fiscal year:
/// `(year, total, eligible, funding, own share)` in cents, from the summary the write
/// transactions keep (`dashboard_cost_years`; a deleted project's allocation is removed when it
/// is deleted).
pub async fn planned_totals_per_year(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(i32, i64, i64, i64, i64)>> {
    let rows: Vec<YearTotals> = diesel::sql_query(
        "SELECT fiscal_year, \
                SUM(total_cents)::int8 AS total_cents, \
                SUM(eligible_cents)::int8 AS eligible_cents, \
                SUM(funding_cents)::int8 AS funding_cents, \
                SUM(own_share_cents)::int8 AS own_share_cents \
         FROM dashboard_cost_years GROUP BY fiscal_year \
         HAVING SUM(total_cents) <> 0 OR SUM(funding_cents) <> 0 OR SUM(own_share_cents) <> 0 \
         ORDER BY fiscal_year",
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.fiscal_year,
                r.total_cents,
                r.eligible_cents,
                r.funding_cents,
                r.own_share_cents,
            )
        })
        .collect())
}

#[derive(QueryableByName)]
struct YearTotals {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    fiscal_year: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total_cents: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    eligible_cents: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    funding_cents: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    own_share_cents: i64,
}

/// Open milestones of live projects planned before `today`, with their project's code and
/// title, by planned date.
pub async fn overdue_milestones(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
) -> QueryResult<Vec<(Milestone, String, String)>> {
    project_milestones::table
        .inner_join(projects::table)
        .filter(projects::deleted_at.is_null())
        .filter(project_milestones::state.eq("open"))
        .filter(project_milestones::planned_date.lt(today))
        .order((
            project_milestones::planned_date.asc(),
            project_milestones::id.asc(),
        ))
        .select((Milestone::as_select(), projects::code, projects::title))
        .limit(SECTION_LIMIT)
        .load(conn)
        .await
}

/// The indicators of live projects attached to a goal (the strategy's evaluation), each with
/// the goals it evaluates, by name and id.
pub async fn evaluation_indicators(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(Indicator, String, Vec<Uuid>)>> {
    let rows: Vec<(Indicator, String, Uuid)> = goal_indicators::table
        .inner_join(project_indicators::table.inner_join(projects::table))
        .filter(projects::deleted_at.is_null())
        .order((
            project_indicators::name.asc(),
            project_indicators::id.asc(),
            goal_indicators::goal_id.asc(),
        ))
        .select((
            Indicator::as_select(),
            projects::code,
            goal_indicators::goal_id,
        ))
        .limit(SECTION_LIMIT)
        .load(conn)
        .await?;
    let mut out: Vec<(Indicator, String, Vec<Uuid>)> = Vec::new();
    for (indicator, code, goal) in rows {
        match out.last_mut() {
            Some(last) if last.0.id == indicator.id => last.2.push(goal),
            _ => out.push((indicator, code, vec![goal])),
        }
    }
    Ok(out)
}

/// The latest measurement of each of `indicator_ids` (by date; `DISTINCT ON` over the unique
/// `(indicator_id, measured_on)` index).
pub async fn latest_measurements(
    conn: &mut AsyncPgConnection,
    indicator_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Measurement>> {
    let rows: Vec<Measurement> = project_measurements::table
        .filter(project_measurements::indicator_id.eq_any(indicator_ids))
        .distinct_on(project_measurements::indicator_id)
        .order((
            project_measurements::indicator_id.asc(),
            project_measurements::measured_on.desc(),
        ))
        .select(Measurement::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|m| (m.indicator_id, m)).collect())
}
