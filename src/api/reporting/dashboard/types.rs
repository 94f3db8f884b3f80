//! The dashboard's answer.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

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
