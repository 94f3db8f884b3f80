//! The status reports' request and response types and the checks of their fields.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::reports::Report;
use crate::domain::projects::{REPORT_CORRECTION_WINDOW, TrafficLight};
use crate::domain::validation::Validator;

/// The path of a status report of a project.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReportPath {
    /// Project id
    pub id: Uuid,
    /// Report id
    pub rid: Uuid,
}

/// A status report.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StatusReportResponse)]
pub struct ReportResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    /// The date the report describes.
    #[schema(example = "2026-03-31")]
    pub report_date: NaiveDate,
    /// The organization that posted it.
    #[schema(example = "99001004")]
    pub author_organization: String,
    /// The report (Markdown).
    pub text: String,
    /// Progress at the report date, 0 to 100.
    #[schema(example = 40)]
    pub progress_percent: i16,
    pub traffic_light: TrafficLight,
    pub traffic_light_note: Option<String>,
    pub next_steps: String,
    pub risks: String,
    /// The earlier report this one replaces.
    pub supersedes: Option<Uuid>,
    /// The later report that replaces this one.
    pub superseded_by: Option<Uuid>,
    /// Until when the report can be corrected (24 hours after it was posted).
    pub correctable_until: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ReportResponse {
    pub(super) fn new(r: Report, superseded_by: Option<Uuid>) -> Self {
        Self {
            traffic_light: TrafficLight::parse(&r.traffic_light).unwrap_or(TrafficLight::Yellow),
            correctable_until: r.created_at + REPORT_CORRECTION_WINDOW,
            superseded_by,
            id: r.id,
            project_id: r.project_id,
            report_date: r.report_date,
            author_organization: r.author_organization,
            text: r.text,
            progress_percent: r.progress_percent,
            traffic_light_note: r.traffic_light_note,
            next_steps: r.next_steps,
            risks: r.risks,
            supersedes: r.supersedes,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new status report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "report_date": "2026-03-31", "text": "Standortsuche abgeschlossen.", "progress_percent": 40,
    "traffic_light": "yellow", "traffic_light_note": "Förderbescheid steht noch aus",
    "next_steps": "Ausschreibung", "risks": "Lieferzeiten"
}))]
pub struct CreateReport {
    /// Not after tomorrow.
    pub report_date: NaiveDate,
    /// 1 to 20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
    /// 0 to 100.
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: i64,
    pub traffic_light: TrafficLight,
    /// One line, up to 300 characters.
    #[schema(max_length = 300)]
    pub traffic_light_note: Option<String>,
    /// Up to 10,000 characters.
    #[schema(max_length = 10000)]
    pub next_steps: Option<String>,
    /// Up to 10,000 characters.
    #[schema(max_length = 10000)]
    pub risks: Option<String>,
    /// An earlier report of this project that this one replaces (each is replaced once).
    pub supersedes: Option<Uuid>,
}

/// A correction within 24 hours of posting; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"progress_percent": 45}))]
pub struct UpdateReport {
    pub report_date: Option<NaiveDate>,
    #[schema(min_length = 1, max_length = 20000)]
    pub text: Option<String>,
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: Option<i64>,
    pub traffic_light: Option<TrafficLight>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 300)]
    pub traffic_light_note: Option<Option<String>>,
    #[schema(max_length = 10000)]
    pub next_steps: Option<String>,
    #[schema(max_length = 10000)]
    pub risks: Option<String>,
}

pub(super) fn check_report_date(v: &mut Validator, date: NaiveDate) {
    // A day of slack for clients east of UTC.
    v.check(
        date <= Utc::now().date_naive() + TimeDelta::days(1),
        "/report_date",
        "must not be in the future",
    );
}

pub(super) fn note(v: &mut Validator, text: Option<String>) -> Option<String> {
    text.map(|t| v.text("/traffic_light_note", &t, 0, 300))
        .filter(|t| !t.is_empty())
}
