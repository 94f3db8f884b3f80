//! Funding programmes and a project's applications to them.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::plan_rows::PlanRow;
use crate::db::schema::{funding_applications, funding_programmes};
use crate::domain::cost_sharing::{ApplicationState, FundingApplication};
use crate::domain::funding::FundingRule;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = funding_programmes)]
pub struct ProgrammeRow {
    pub id: Uuid,
    pub name: String,
    pub funding_body: String,
    pub rule: String,
    pub rate_bp: Option<i32>,
    pub cap_cents: Option<i64>,
    pub base_cents: Option<i64>,
    pub per_further_partner_cents: Option<i64>,
    pub base_partners: Option<i32>,
    pub max_rate_bp: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProgrammeRow {
    /// The programme's rule; the table's checks guarantee the columns each rule needs.
    pub fn to_rule(&self) -> FundingRule {
        let bp = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        if self.rule == "fixed" {
            FundingRule::Fixed {
                base_cents: self.base_cents.unwrap_or(0),
                per_further_partner_cents: self.per_further_partner_cents.unwrap_or(0),
                base_partners: bp(self.base_partners).unwrap_or(1),
                max_rate_bp: bp(self.max_rate_bp),
            }
        } else {
            FundingRule::Rate {
                rate_bp: bp(self.rate_bp).unwrap_or(0),
                cap_cents: self.cap_cents,
            }
        }
    }
}

/// The full state of a programme, for an insert or an update.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = funding_programmes, treat_none_as_null = true)]
pub struct ProgrammeValues {
    pub name: String,
    pub funding_body: String,
    pub rule: String,
    pub rate_bp: Option<i32>,
    pub cap_cents: Option<i64>,
    pub base_cents: Option<i64>,
    pub per_further_partner_cents: Option<i64>,
    pub base_partners: Option<i32>,
    pub max_rate_bp: Option<i32>,
}

impl ProgrammeValues {
    pub fn from_rule(name: String, funding_body: String, rule: FundingRule) -> Self {
        let bp = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        match rule {
            FundingRule::Rate { rate_bp, cap_cents } => Self {
                name,
                funding_body,
                rule: "rate".into(),
                rate_bp: Some(bp(rate_bp)),
                cap_cents,
                base_cents: None,
                per_further_partner_cents: None,
                base_partners: None,
                max_rate_bp: None,
            },
            FundingRule::Fixed {
                base_cents,
                per_further_partner_cents,
                base_partners,
                max_rate_bp,
            } => Self {
                name,
                funding_body,
                rule: "fixed".into(),
                rate_bp: None,
                cap_cents: None,
                base_cents: Some(base_cents),
                per_further_partner_cents: Some(per_further_partner_cents),
                base_partners: Some(bp(base_partners)),
                max_rate_bp: max_rate_bp.map(bp),
            },
        }
    }
}

pub async fn list_programmes(
    conn: &mut AsyncPgConnection,
    modified_since: Option<DateTime<Utc>>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ProgrammeRow>> {
    let mut query = funding_programmes::table
        .order(funding_programmes::id.asc())
        .limit(limit)
        .select(ProgrammeRow::as_select())
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(funding_programmes::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(funding_programmes::id.gt(after));
    }
    query.load(conn).await
}

pub async fn find_programme(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ProgrammeRow> {
    funding_programmes::table
        .find(id)
        .select(ProgrammeRow::as_select())
        .first(conn)
        .await
}

pub async fn find_programme_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<ProgrammeRow> {
    funding_programmes::table
        .find(id)
        .select(ProgrammeRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn insert_programme(
    conn: &mut AsyncPgConnection,
    values: &ProgrammeValues,
) -> QueryResult<ProgrammeRow> {
    diesel::insert_into(funding_programmes::table)
        .values(values)
        .returning(ProgrammeRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_programme(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    values: &ProgrammeValues,
) -> QueryResult<ProgrammeRow> {
    diesel::update(funding_programmes::table.find(id))
        .set((
            values,
            funding_programmes::version.eq(funding_programmes::version + 1),
            funding_programmes::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ProgrammeRow::as_returning())
        .get_result(conn)
        .await
}

/// The projects with an application to `programme_id`, in id order (the order their locks are
/// taken in, so that two such updates cannot deadlock).
pub async fn projects_applying_to(
    conn: &mut AsyncPgConnection,
    programme_id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    funding_applications::table
        .filter(funding_applications::programme_id.eq(programme_id))
        .select(funding_applications::project_id)
        .distinct()
        .order(funding_applications::project_id.asc())
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = funding_applications)]
pub struct ApplicationRow {
    pub id: Uuid,
    pub project_id: Uuid,
    pub programme_id: Uuid,
    pub state: String,
    pub requested_cents: Option<i64>,
    pub granted_cents: Option<i64>,
    pub decision_date: Option<NaiveDate>,
    pub notice_reference: Option<String>,
    pub first_year: i32,
    pub last_year: i32,
    pub proposed_by: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The full state of an application, for an insert or an update.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = funding_applications, treat_none_as_null = true)]
pub struct ApplicationValues {
    pub programme_id: Uuid,
    pub state: String,
    pub requested_cents: Option<i64>,
    pub granted_cents: Option<i64>,
    pub decision_date: Option<NaiveDate>,
    pub notice_reference: Option<String>,
    pub first_year: i32,
    pub last_year: i32,
}

pub async fn list_applications(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ApplicationRow>> {
    let mut query = funding_applications::table
        .filter(funding_applications::project_id.eq(project_id))
        .order(funding_applications::id.asc())
        .limit(limit)
        .select(ApplicationRow::as_select())
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(funding_applications::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(funding_applications::id.gt(after));
    }
    query.load(conn).await
}

pub async fn count_applications(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
) -> QueryResult<i64> {
    funding_applications::table
        .filter(funding_applications::project_id.eq(project_id))
        .count()
        .get_result(conn)
        .await
}

pub async fn find_application(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    id: Uuid,
) -> QueryResult<ApplicationRow> {
    funding_applications::table
        .find(id)
        .filter(funding_applications::project_id.eq(project_id))
        .select(ApplicationRow::as_select())
        .first(conn)
        .await
}

pub async fn insert_application(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    values: &ApplicationValues,
    proposed_by: Option<&str>,
) -> QueryResult<ApplicationRow> {
    diesel::insert_into(funding_applications::table)
        .values((
            values,
            funding_applications::project_id.eq(project_id),
            funding_applications::proposed_by.eq(proposed_by),
        ))
        .returning(ApplicationRow::as_returning())
        .get_result(conn)
        .await
}

/// A project's applications with their programmes' rules, as the allocation needs them.
pub async fn for_allocation(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<FundingApplication>> {
    Ok(for_allocations(conn, &[project_id])
        .await?
        .remove(&project_id)
        .unwrap_or_default())
}

/// The applications of several projects in one query, each project's in id order.
pub async fn for_allocations(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, Vec<FundingApplication>>> {
    let rows: Vec<(ApplicationRow, ProgrammeRow)> = funding_applications::table
        .inner_join(funding_programmes::table)
        .filter(funding_applications::project_id.eq_any(project_ids))
        .order((
            funding_applications::project_id.asc(),
            funding_applications::id.asc(),
        ))
        .select((ApplicationRow::as_select(), ProgrammeRow::as_select()))
        .load(conn)
        .await?;
    let mut map: std::collections::HashMap<Uuid, Vec<FundingApplication>> = Default::default();
    for (application, programme) in rows {
        map.entry(application.project_id)
            .or_default()
            .push(FundingApplication {
                years: application.first_year..=application.last_year,
                state: match application.state.as_str() {
                    "granted" => ApplicationState::Granted,
                    "submitted" => ApplicationState::Submitted,
                    "rejected" => ApplicationState::Rejected,
                    _ => ApplicationState::Planned,
                },
                requested_cents: application.requested_cents,
                granted_cents: application.granted_cents,
                rule: programme.to_rule(),
            });
    }
    Ok(map)
}

impl PlanRow for ApplicationRow {
    const KIND: &'static str = "funding_application";
    const WHAT: &'static str = "funding application";
    type Values = ApplicationValues;

    fn version(&self) -> i32 {
        self.version
    }

    /// Every application counts: a planned or submitted one as expected funding.
    fn counts_in_allocation(&self) -> bool {
        true
    }

    async fn find_for_update(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        id: Uuid,
    ) -> QueryResult<ApplicationRow> {
        funding_applications::table
            .find(id)
            .filter(funding_applications::project_id.eq(project_id))
            .select(ApplicationRow::as_select())
            .for_update()
            .first(conn)
            .await
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        values: &ApplicationValues,
    ) -> QueryResult<ApplicationRow> {
        diesel::update(funding_applications::table.find(id))
            .set((
                values,
                funding_applications::version.eq(funding_applications::version + 1),
                funding_applications::updated_at.eq(diesel::dsl::now),
            ))
            .returning(ApplicationRow::as_returning())
            .get_result(conn)
            .await
    }

    async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
        diesel::delete(funding_applications::table.find(id))
            .execute(conn)
            .await
    }
}
