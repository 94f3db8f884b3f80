//! The implementation report's types: answered as JSON and rendered as CSV and HTML.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::allocation::AllocationStatus;
use crate::views::budget::BudgetResponse;
use crate::views::decisions::DecisionResponse;
use crate::views::meetings::types::ActionItemResponse;

/// The organization a report is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOrganization {
    #[schema(example = "99001012")]
    pub key: String,
    #[schema(example = "Exempelfeld")]
    pub name: String,
}

/// A project as the report shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportProjectRef {
    pub id: Uuid,
    #[schema(example = "PP-02")]
    pub code: String,
    pub title: String,
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
    /// The project's status (as on the project resource).
    #[schema(example = "in_implementation")]
    pub status: String,
    /// 0 to 100.
    pub progress_percent: i16,
    /// `green`, `yellow`, `red` or `null`.
    pub traffic_light: Option<String>,
    pub traffic_light_note: Option<String>,
}

/// The latest council resolution on the organization's participation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResolution {
    /// The deciding body (e.g. `Gemeinderat`).
    #[schema(example = "Gemeinderat")]
    pub deciding_body: String,
    pub decided_on: NaiveDate,
    /// The council paper's reference.
    #[schema(example = "V 2025/054")]
    pub paper_reference: String,
    /// `approved`, `approved_with_changes` or `rejected`.
    #[schema(example = "approved")]
    pub outcome: String,
    /// A link to the council information system.
    pub url: Option<String>,
}

/// The latest status report dated within the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStatusReport {
    pub id: Uuid,
    pub report_date: NaiveDate,
    pub text: String,
    pub progress_percent: i16,
    #[schema(example = "yellow")]
    pub traffic_light: String,
    pub next_steps: String,
    pub risks: String,
}

/// A milestone planned within the period, or planned earlier and still open.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportMilestone {
    pub id: Uuid,
    pub title: String,
    pub planned_date: NaiveDate,
    pub actual_date: Option<NaiveDate>,
    /// `open`, `done`, `missed` or `dropped`.
    pub state: String,
    /// Marked missed, or still open after its planned date (judged on the period's end, or
    /// today while the period runs).
    pub missed: bool,
}

/// One project the organization takes part in.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportParticipation {
    pub project: ReportProjectRef,
    /// The participation's state (as on the participation resource).
    #[schema(example = "committed")]
    pub participation_state: String,
    pub council_resolution_required: bool,
    /// The latest council resolution, if one was recorded.
    pub resolution: Option<ReportResolution>,
    /// The latest status report dated within the period.
    pub latest_status_report: Option<ReportStatusReport>,
    /// Milestones due in the period and older ones still open, by planned date.
    pub milestones: Vec<ReportMilestone>,
}

/// One fiscal year of what the organization would pay if it joined.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinYear {
    #[schema(example = 2027)]
    pub fiscal_year: i32,
    /// The project's own share in that year, in cents.
    pub own_share_cents: i64,
    /// The organization's share, in cents; `null` when the allocation is not complete.
    pub share_cents: Option<i64>,
}

/// A project the organization could still join, with a what-if preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinableProject {
    pub project: ReportProjectRef,
    /// Exactly what `POST /projects/{id}/allocation/preview` answers for
    /// `{"participants": <the paying participants, pending ones included, plus this
    /// organization>, "include_pending": true}`.
    pub preview_status: AllocationStatus,
    pub preview_problem: Option<String>,
    /// Every year of the project's plan.
    pub years: Vec<JoinYear>,
    /// The organization's share over all years; `null` when the allocation is not complete.
    pub total_share_cents: Option<i64>,
}

/// Everything an organization's council needs on the state of implementation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResponse {
    pub organization: ReportOrganization,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// The day against which milestones count as missed: `to`, or today while the period runs.
    pub reference_date: NaiveDate,
    /// The projects it takes part in (interested, intends to join, council decision pending,
    /// committed), by code.
    pub projects: Vec<ReportParticipation>,
    /// Its shares per fiscal year from the period's first year to four years after its last
    /// (the budget view, `GET /organizations/{org}/budget`).
    pub budget: BudgetResponse,
    /// Results of public agenda items of public meetings within the period concerning the
    /// projects it takes part in (as in the decisions register).
    pub decisions: Vec<DecisionResponse>,
    /// Its open and in-progress action items, in creation order.
    pub action_items: Vec<ActionItemResponse>,
    /// Projects it could still join (neither completed nor discarded, no active participation),
    /// by code.
    pub joinable_projects: Vec<JoinableProject>,
    /// What others already do that it could join: other municipalities' initiatives and joint
    /// projects it takes no part in that resemble its own active initiatives, best first.
    pub others_efforts: Vec<crate::views::similarity::OthersEffort>,
}
