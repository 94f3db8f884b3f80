//! `/projects/{id}/reports[/{rid}]`: dated status reports. Posting one updates the project's
//! current progress and traffic light in the same transaction (unless a report with a later
//! report date exists). A report can be corrected for 24 hours after it was posted, by the
//! database's clock; after that it is frozen and only superseded by a new report.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::ProjectPath;
use super::live_project;
use super::records::{LockedProject, ProjectWork};
use crate::auth::Caller;
use crate::db::projects::{self, ProjectChanges};
use crate::db::reports::{self, NewReport, Report, ReportChanges};
use crate::db::write::{Entry, Recorded, ScopedFutureExt};
use crate::db::{self};
use crate::domain::projects::{REPORT_CORRECTION_WINDOW, TrafficLight, report_correctable};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

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
    fn new(r: Report, superseded_by: Option<Uuid>) -> Self {
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

fn check_report_date(v: &mut Validator, date: NaiveDate) {
    // A day of slack for clients east of UTC.
    v.check(
        date <= Utc::now().date_naive() + TimeDelta::days(1),
        "/report_date",
        "must not be in the future",
    );
}

fn note(v: &mut Validator, text: Option<String>) -> Option<String> {
    text.map(|t| v.text("/traffic_light_note", &t, 0, 300))
        .filter(|t| !t.is_empty())
}

/// Makes `report` the project's current progress unless a report with a later date exists;
/// the audit entry of that change when it was made.
async fn apply_to_project(
    conn: &mut AsyncPgConnection,
    locked: &LockedProject,
    report: &Report,
) -> Result<Option<Entry>, ApiError> {
    let project = &locked.project;
    if reports::newer_exists(conn, project.id, report.report_date, report.id).await? {
        return Ok(None);
    }
    let changes = ProjectChanges {
        progress_percent: Some(report.progress_percent),
        traffic_light: Some(Some(report.traffic_light.clone())),
        traffic_light_note: Some(report.traffic_light_note.clone()),
        ..Default::default()
    };
    let after = projects::update(conn, project.id, &changes).await?;
    Ok(Some(
        locked.entry(
            Entry::updated("project", project.id)
                .action("project.progress_updated")
                .before(project)
                .after(&after),
        ),
    ))
}

fn respond(
    builder: &mut actix_web::HttpResponseBuilder,
    r: Report,
    by: Option<Uuid>,
) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(r.version)))
        .json(ReportResponse::new(r, by))
}

/// Lists a project's status reports, latest report date first. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_reports",
    security((), ("bearer" = [])),
    params(ProjectPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of reports", body = Page<ReportResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/reports")]
pub async fn list_project_reports(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let page = page.parse::<(NaiveDate, Uuid)>()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, id, false).await?;
    let rows = reports::list(&mut conn, project.id, since.get(), page.after, page.fetch()).await?;
    let page = page
        .page(rows, |r| (r.report.report_date, r.report.id))
        .map(|r| ReportResponse::new(r.report, r.superseded_by));
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one status report. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_report",
    security((), ("bearer" = [])),
    params(ReportPath),
    responses(
        (status = 200, description = "The report", body = ReportResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/reports/{rid}")]
pub async fn get_project_report(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<ReportPath>,
) -> ApiResult<HttpResponse> {
    let ReportPath { id, rid } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    let (report, _) = reports::find(&mut conn, id, rid, false)
        .await
        .or_not_found("report", rid)?;
    let by = reports::superseded_by(&mut conn, rid).await?;
    Ok(respond(&mut HttpResponse::Ok(), report, by))
}

/// Posts a status report (steering office, or `admin`/`editor` of the lead organization).
/// The project's progress and traffic light become the report's, in the same transaction,
/// unless a report with a later report date exists.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_report",
    security(("bearer" = [])),
    params(ProjectPath),
    request_body = CreateReport,
    responses(
        (status = 201, description = "The new report", body = ReportResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[post("/projects/{id}/reports")]
pub async fn create_project_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<CreateReport>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let author = caller.member()?.organization.clone();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    check_report_date(&mut v, body.report_date);
    let new = NewReport {
        project_id: id,
        report_date: body.report_date,
        author_organization: author,
        text: v.text("/text", &body.text, 1, 20_000),
        progress_percent: super::types::progress(
            &mut v,
            "/progress_percent",
            body.progress_percent,
        ),
        traffic_light: body.traffic_light.as_str().to_owned(),
        traffic_light_note: note(&mut v, body.traffic_light_note),
        next_steps: v.text(
            "/next_steps",
            body.next_steps.as_deref().unwrap_or(""),
            0,
            10_000,
        ),
        risks: v.text("/risks", body.risks.as_deref().unwrap_or(""), 0, 10_000),
        supersedes: body.supersedes,
    };
    let new = v.finish(new)?;
    // The project lock serialises reports, so "latest report" is decided one at a time.
    let report = work
        .run(move |conn, locked| {
            let new = new.clone();
            async move {
                if let Some(old) = new.supersedes {
                    reports::find(conn, new.project_id, old, true)
                        .await
                        .map_err(|e| match e {
                            diesel::result::Error::NotFound => ApiError::invalid_field(
                                "/supersedes",
                                "is not a report of this project",
                            ),
                            other => other.into(),
                        })?;
                    if let Some(by) = reports::superseded_by(conn, old).await? {
                        return Err(ApiError::conflict(format!(
                            "report {old} was already superseded by report {by}"
                        )));
                    }
                }
                let report = reports::insert(conn, &new).await?;
                let mut recorded = Recorded::new(report.clone())
                    .with(locked.entry(Entry::created("report", report.id).after(&report)));
                if let Some(entry) = apply_to_project(conn, &locked, &report).await? {
                    recorded = recorded.with(entry);
                }
                Ok(recorded)
            }
            .scope_boxed()
        })
        .await?;
    let path = format!(
        "/api/v1/projects/{}/reports/{}",
        report.project_id, report.id
    );
    Ok(respond(
        &mut created(&state.config.public_url, path),
        report,
        None,
    ))
}

/// Corrects a status report within 24 hours of posting (steering office, or `admin`/`editor`
/// of the lead organization); later it is 409 and only a superseding report can replace it.
/// Needs `If-Match` with the report's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_report",
    security(("bearer" = [])),
    params(
        ReportPath,
        ("If-Match" = String, Header, description = "The ETag of the report version read", example = "\"1\""),
    ),
    request_body = UpdateReport,
    responses(
        (status = 200, description = "The corrected report", body = ReportResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/projects/{id}/reports/{rid}")]
pub async fn update_project_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ReportPath>,
    body: Json<UpdateReport>,
) -> ApiResult<HttpResponse> {
    let ReportPath { id, rid } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    if let Some(date) = body.report_date {
        check_report_date(&mut v, date);
    }
    let changes = ReportChanges {
        report_date: body.report_date,
        text: body.text.map(|t| v.text("/text", &t, 1, 20_000)),
        progress_percent: body
            .progress_percent
            .map(|p| super::types::progress(&mut v, "/progress_percent", p)),
        traffic_light: body.traffic_light.map(|t| t.as_str().to_owned()),
        traffic_light_note: body.traffic_light_note.map(|n| note(&mut v, n)),
        next_steps: body
            .next_steps
            .map(|t| v.text("/next_steps", &t, 0, 10_000)),
        risks: body.risks.map(|t| v.text("/risks", &t, 0, 10_000)),
    };
    let changes = v.finish(changes)?;
    let (report, by) = work
        .run(move |conn, locked| {
            let changes = changes.clone();
            async move {
                let (before, now) = reports::find(conn, id, rid, true)
                    .await
                    .or_not_found("report", rid)?;
                if !report_correctable(before.created_at, now) {
                    return Err(ApiError::conflict(format!(
                        "report {rid} was posted more than 24 hours ago and is frozen; post a new \
                     report with \"supersedes\": \"{rid}\" instead"
                    )));
                }
                if_match.check(before.version)?;
                let after = reports::update(conn, rid, &changes).await?;
                let mut recorded = Recorded::new(after.clone()).with(
                    locked.entry(Entry::updated("report", rid).before(&before).after(&after)),
                );
                if let Some(entry) = apply_to_project(conn, &locked, &after).await? {
                    recorded = recorded.with(entry);
                }
                let by = reports::superseded_by(conn, rid).await?;
                Ok(Recorded {
                    value: (recorded.value, by),
                    entries: recorded.entries,
                })
            }
            .scope_boxed()
        })
        .await?;
    Ok(respond(&mut HttpResponse::Ok(), report, by))
}
