//! The funding-application endpoints: parse, authorize, call the database, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::types::{
    CreateFundingApplication, FundingApplicationResponse, UpdateFundingApplication, check,
};
use crate::api::costs::{coordinator_or_lead_admin, plan_rows};
use crate::api::projects::{ProjectPath, live_project, lock_project_authorized};
use crate::auth::Caller;
use crate::db;
use crate::db::costs::allocation::recompute;
use crate::db::costs::funding::{self, ApplicationRow};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag;
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// At most this many applications per project.
const MAX_APPLICATIONS_PER_PROJECT: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApplicationPath {
    /// The project.
    pub id: Uuid,
    /// The application.
    pub fid: Uuid,
}

/// Lists a project's funding applications, ordered by id. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "list_funding_applications",
    security(("bearer" = [])),
    params(ProjectPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of applications", body = Page<FundingApplicationResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/funding")]
pub async fn list_funding_applications(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.member()?;
    let page = page.parse::<Uuid>()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    let rows =
        funding::list_applications(&mut conn, id, since.get(), page.after, page.fetch()).await?;
    let page = page
        .page(rows, |r| r.id)
        .map(FundingApplicationResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one funding application. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_funding_application",
    security(("bearer" = [])),
    params(ApplicationPath),
    responses(
        (status = 200, description = "The application", body = FundingApplicationResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/funding/{fid}")]
pub async fn get_funding_application(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationPath>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, path.id, false).await?;
    let row = funding::find_application(&mut conn, path.id, path.fid)
        .await
        .or_not_found("funding application", path.fid)?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Adds a funding application. The steering office enters any state; the admin of the
/// project's lead organization proposes planned or submitted applications.
#[utoipa::path(
    tag = "costs",
    operation_id = "create_funding_application",
    security(("bearer" = [])),
    params(ProjectPath),
    request_body = CreateFundingApplication,
    responses(
        (status = 201, description = "The new application", body = FundingApplicationResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The application's URL"))),
        (status = 410, response = crate::error::responses::Gone),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/projects/{id}/funding")]
pub async fn create_funding_application(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<CreateFundingApplication>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id: project_id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, project_id, false).await?;
    let editor = coordinator_or_lead_admin(&caller, &project)?;
    let values = body.into_inner()?.into_values();
    let actor = caller.actor()?;
    let row = audited(&mut conn, &actor, move |conn| {
        let (caller, editor, values) = (caller.clone(), editor.clone(), values.clone());
        async move {
            // The right decided above, again on the locked project (its lead may have changed).
            lock_project_authorized(conn, project_id, |p| coordinator_or_lead_admin(&caller, p))
                .await?;
            let values = check(conn, project_id, values, &editor).await?;
            if funding::count_applications(conn, project_id).await? >= MAX_APPLICATIONS_PER_PROJECT
            {
                return Err(ApiError::conflict(format!(
                    "a project has at most {MAX_APPLICATIONS_PER_PROJECT} funding applications"
                )));
            }
            let row =
                funding::insert_application(conn, project_id, &values, editor.proposer()).await?;
            recompute(conn, project_id).await?;
            let mut entry = Entry::created("funding_application", row.id).after(&row);
            if let Some(org) = editor.proposer() {
                entry = entry.org(org);
            }
            Ok(Recorded::new(row).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/projects/{}/funding/{}", row.project_id, row.id);
    Ok(respond(created(&state.config.public_url, path), row))
}

/// Changes a funding application, e.g. records the grant. Steering office only; needs
/// `If-Match`.
#[utoipa::path(
    tag = "costs",
    operation_id = "update_funding_application",
    security(("bearer" = [])),
    params(ApplicationPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\"")),
    request_body = UpdateFundingApplication,
    responses(
        (status = 200, description = "The updated application", body = FundingApplicationResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/projects/{id}/funding/{fid}")]
pub async fn update_funding_application(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ApplicationPath>,
    body: Json<UpdateFundingApplication>,
) -> ApiResult<HttpResponse> {
    let ApplicationPath { id, fid } = path.into_inner();
    let row =
        plan_rows::update::<ApplicationRow, _>(&state, &req, &caller, (id, fid), body).await?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Removes a funding application. Steering office only; needs `If-Match`.
#[utoipa::path(
    tag = "costs",
    operation_id = "delete_funding_application",
    security(("bearer" = [])),
    params(ApplicationPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\"")),
    responses(
        (status = 204, description = "The application is gone"),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/projects/{id}/funding/{fid}")]
pub async fn delete_funding_application(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ApplicationPath>,
) -> ApiResult<HttpResponse> {
    let ApplicationPath { id, fid } = path.into_inner();
    plan_rows::delete::<ApplicationRow>(&state, &req, &caller, (id, fid)).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn respond(mut builder: actix_web::HttpResponseBuilder, row: ApplicationRow) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(FundingApplicationResponse::from(row))
}
