//! The status reports' handlers: parse, authorize, run the change in an audited transaction,
//! answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use uuid::Uuid;

use super::types::{
    CreateReport, ReportPath, ReportResponse, UpdateReport, check_report_date, note,
};
use super::write::apply_to_project;
use crate::api::projects::ProjectPath;
use crate::api::projects::live_project;
use crate::api::projects::records::ProjectWork;
use crate::auth::Caller;
use crate::db;
use crate::db::reports::{self, NewReport, Report, ReportChanges};
use crate::db::write::{Entry, Recorded, ScopedFutureExt};
use crate::domain::projects::report_correctable;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

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
        progress_percent: crate::api::projects::types::progress(
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
            .map(|p| crate::api::projects::types::progress(&mut v, "/progress_percent", p)),
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
