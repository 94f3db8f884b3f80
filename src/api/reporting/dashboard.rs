//! `GET /api/v1/dashboard`: the cooperation at a glance, for the steering committee's
//! continuous evaluation of the strategy.
//!
//! Public (anonymous callers included): projects per field of action and status,
//! participation counts per project and per organization, planned costs and funding per
//! fiscal year, overdue milestones, and the evaluation indicators (those attached to a goal)
//! with their latest values against their targets. Members only: `overdue_action_items`
//! (action items are member-only everywhere); the field is absent for anonymous callers.
//! Eleven queries, each reading a bounded number of rows whatever the size of the catalogue:
//! the counts and sums come from summaries kept in the write transactions (migration 000060),
//! the per-project counts stop after `DASHBOARD_PROJECTS` projects, the other lists after
//! `SECTION_LIMIT` rows.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::committee::action_items::{self, ActionItemFilter};
use crate::db::reporting::{self as queries, DASHBOARD_PROJECTS, SECTION_LIMIT};
use crate::db::{self, fields_of_action};
use crate::domain::participation::ParticipationState;
use crate::domain::reporting::target_reached;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::meetings::build::{action_item_response, today};
use crate::views::meetings::types::ActionItemResponse;

/// Live projects of one field of action.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldCount {
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
    #[schema(example = "Innenstadt und Dorfmitte")]
    pub name_de: String,
    /// All live projects of the field.
    pub total: i64,
    /// Counts per project status (only states that occur).
    #[schema(example = json!({"planned": 2, "in_implementation": 1}))]
    pub by_status: BTreeMap<String, i64>,
}

/// Participations in one project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectParticipationCount {
    pub project_id: Uuid,
    #[schema(example = "PP-02")]
    pub code: String,
    pub title: String,
    /// Interested, intends to join, council decision pending or committed.
    pub active: i64,
    pub committed: i64,
    /// Counts per participation state (only states that occur).
    pub by_state: BTreeMap<String, i64>,
}

/// Participations of one organization (in live projects).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationParticipationCount {
    #[schema(example = "99001012")]
    pub organization_key: String,
    #[schema(example = "Exempelfeld")]
    pub name: String,
    pub active: i64,
    pub committed: i64,
    pub by_state: BTreeMap<String, i64>,
}

/// Planned costs and funding of all live projects in one fiscal year: the sums of the
/// projects' allocations in the planning view (`GET /projects/{id}/allocation?include=pending`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CostYear {
    #[schema(example = 2027)]
    pub fiscal_year: i32,
    pub total_cents: i64,
    pub eligible_cents: i64,
    /// Granted and expected funding.
    pub funding_cents: i64,
    pub own_share_cents: i64,
}

/// An open milestone past its planned date.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueMilestone {
    pub project_id: Uuid,
    #[schema(example = "PP-02")]
    pub project_code: String,
    pub project_title: String,
    pub milestone_id: Uuid,
    pub title: String,
    pub planned_date: NaiveDate,
}

/// An indicator attached to a strategy goal, with its latest value.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationIndicator {
    pub id: Uuid,
    pub project_id: Uuid,
    #[schema(example = "PP-02")]
    pub project_code: String,
    pub name: String,
    pub unit: String,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub target_date: Option<NaiveDate>,
    /// The value of the latest measurement.
    pub latest_value: Option<f64>,
    pub latest_measured_on: Option<NaiveDate>,
    /// Whether the latest value reached the target (in the direction from baseline to target);
    /// `null` without target or measurement.
    pub target_reached: Option<bool>,
    /// The goals it evaluates.
    pub goal_ids: Vec<Uuid>,
}

/// The cooperation at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardResponse {
    /// Live projects per field of action (all six fields, in their order) and status.
    pub projects_by_field: Vec<FieldCount>,
    /// Participations per project (projects with at least one), by code: the first 200 such
    /// projects (see `participations_by_project_truncated`; the paged
    /// `GET /participation-matrix` has every project).
    pub participations_by_project: Vec<ProjectParticipationCount>,
    /// Whether more projects have participations than `participations_by_project` lists.
    pub participations_by_project_truncated: bool,
    /// Participations per organization (organizations with at least one), by key.
    pub participations_by_organization: Vec<OrganizationParticipationCount>,
    /// Planned costs and funding per fiscal year.
    pub costs_by_year: Vec<CostYear>,
    /// Open milestones planned before today (Europe/Berlin), oldest first.
    pub overdue_milestones: Vec<OverdueMilestone>,
    /// Members only (absent for anonymous callers): open or in-progress action items past
    /// their due date, in creation order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue_action_items: Option<Vec<ActionItemResponse>>,
    /// The strategy's evaluation indicators, by name.
    pub indicators: Vec<EvaluationIndicator>,
    /// Live local initiatives per field of action and municipality, by field and key
    /// (anonymous callers: public ones only).
    pub initiatives_by_field_and_organization:
        Vec<crate::api::initiatives::reporting::InitiativeCount>,
    /// Clusters of similar initiatives of several municipalities that are no joint project yet
    /// (`GET /api/v1/initiatives/clusters`).
    pub overlap_clusters: i64,
}

fn is_active(state: &str) -> bool {
    ParticipationState::parse(state).is_some_and(|s| ParticipationState::ACTIVE.contains(&s))
}

/// The cooperation dashboard. Public; members also see the overdue action items.
#[utoipa::path(
    tag = "reporting",
    operation_id = "get_dashboard",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The dashboard", body = DashboardResponse),
    ),
)]
#[get("/dashboard")]
pub async fn get_dashboard(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let member = caller.is_member();
    let threshold = state.config.similarity_threshold;
    let mut conn = db::connect(&state.pool).await?;
    let response = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| -> Result<_, ApiError> {
            let today = today();
            let fields = fields_of_action::all(conn, None).await?;
            let counts = queries::projects_per_field_and_status(conn).await?;
            let projects_by_field = fields
                .into_iter()
                .map(|f| {
                    let by_status: BTreeMap<String, i64> = counts
                        .iter()
                        .filter(|(field, _, _)| *field == f.code)
                        .map(|(_, status, n)| (status.clone(), *n))
                        .collect();
                    FieldCount {
                        total: by_status.values().sum(),
                        field_of_action: f.code,
                        name_de: f.name_de,
                        by_status,
                    }
                })
                .collect();

            let mut participations_by_project: Vec<ProjectParticipationCount> = Vec::new();
            for (id, code, title, state, n) in
                queries::participations_per_project(conn, DASHBOARD_PROJECTS + 1).await?
            {
                if participations_by_project
                    .last()
                    .is_none_or(|p| p.project_id != id)
                {
                    participations_by_project.push(ProjectParticipationCount {
                        project_id: id,
                        code,
                        title,
                        active: 0,
                        committed: 0,
                        by_state: BTreeMap::new(),
                    });
                }
                let entry = participations_by_project.last_mut().expect("just pushed");
                entry.active += if is_active(&state) { n } else { 0 };
                entry.committed += if state == "committed" { n } else { 0 };
                entry.by_state.insert(state, n);
            }
            // One project more than shown tells whether there are more.
            let participations_by_project_truncated =
                participations_by_project.len() as i64 > DASHBOARD_PROJECTS;
            participations_by_project.truncate(DASHBOARD_PROJECTS as usize);
            let mut participations_by_organization: Vec<OrganizationParticipationCount> =
                Vec::new();
            for (key, name, state, n) in queries::participations_per_organization(conn).await? {
                if participations_by_organization
                    .last()
                    .is_none_or(|o| o.organization_key != key)
                {
                    participations_by_organization.push(OrganizationParticipationCount {
                        organization_key: key,
                        name,
                        active: 0,
                        committed: 0,
                        by_state: BTreeMap::new(),
                    });
                }
                let entry = participations_by_organization
                    .last_mut()
                    .expect("just pushed");
                entry.active += if is_active(&state) { n } else { 0 };
                entry.committed += if state == "committed" { n } else { 0 };
                entry.by_state.insert(state, n);
            }

            let costs_by_year = queries::planned_totals_per_year(conn)
                .await?
                .into_iter()
                .map(
                    |(fiscal_year, total_cents, eligible_cents, funding_cents, own_share_cents)| {
                        CostYear {
                            fiscal_year,
                            total_cents,
                            eligible_cents,
                            funding_cents,
                            own_share_cents,
                        }
                    },
                )
                .collect();

            let overdue_milestones = queries::overdue_milestones(conn, today)
                .await?
                .into_iter()
                .map(|(m, code, title)| OverdueMilestone {
                    project_id: m.project_id,
                    project_code: code,
                    project_title: title,
                    milestone_id: m.id,
                    title: m.title,
                    planned_date: m.planned_date,
                })
                .collect();

            let overdue_action_items = if member {
                let filter = ActionItemFilter {
                    overdue_on: Some(today),
                    ..Default::default()
                };
                let rows = action_items::list(conn, &filter, None, SECTION_LIMIT).await?;
                Some(
                    rows.into_iter()
                        .map(|a| action_item_response(a, today))
                        .collect(),
                )
            } else {
                None
            };

            let evaluation = queries::evaluation_indicators(conn).await?;
            let ids: Vec<Uuid> = evaluation.iter().map(|(i, _, _)| i.id).collect();
            let mut latest = queries::latest_measurements(conn, &ids).await?;
            let indicators = evaluation
                .into_iter()
                .map(|(i, code, goal_ids)| {
                    let m = latest.remove(&i.id);
                    EvaluationIndicator {
                        target_reached: target_reached(
                            i.baseline,
                            i.target,
                            m.as_ref().map(|m| m.value),
                        ),
                        latest_value: m.as_ref().map(|m| m.value),
                        latest_measured_on: m.as_ref().map(|m| m.measured_on),
                        id: i.id,
                        project_id: i.project_id,
                        project_code: code,
                        name: i.name,
                        unit: i.unit,
                        baseline: i.baseline,
                        target: i.target,
                        target_date: i.target_date,
                        goal_ids,
                    }
                })
                .collect();
            Ok(DashboardResponse {
                projects_by_field,
                participations_by_project,
                participations_by_project_truncated,
                participations_by_organization,
                costs_by_year,
                overdue_milestones,
                overdue_action_items,
                indicators,
                initiatives_by_field_and_organization:
                    crate::api::initiatives::reporting::initiative_counts(conn, member).await?,
                overlap_clusters: crate::api::initiatives::reporting::cluster_count(
                    conn, member, threshold,
                )
                .await?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(response))
}
