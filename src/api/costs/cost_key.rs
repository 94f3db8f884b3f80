//! `/api/v1/projects/{id}/cost-key`: how a project's own share is split. Versioned: a change
//! adds a version, old versions stay readable (snapshots and councils refer to them).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::key_body::{CostKeyBody, CostKeyResponse};
use crate::api::projects::{ProjectPath, live_project};
use crate::auth::Caller;
use crate::db;
use crate::db::costs::allocation::recompute;
use crate::db::costs::cost_keys::{self, NewCostKey};
use crate::db::costs::participants::paying_participants;
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// Reads the project's current cost key. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_cost_key",
    security(("bearer" = [])),
    params(ProjectPath),
    responses(
        (status = 200, description = "The current version", body = CostKeyResponse,
         headers(("ETag" = String, description = "The version; send it as If-Match to change the key"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/cost-key")]
pub async fn get_cost_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    let row = cost_keys::current(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("project {id} has no cost key yet")))?;
    Ok(respond(row))
}

/// Sets a new version of the cost key. Steering office only. Needs `If-Match` with the current
/// version once the project has a key. The organizations named must exist and every paying
/// participant (committed or council decision pending) split by population needs a figure on
/// the key's reference date; otherwise 422 and nothing is stored.
#[utoipa::path(
    tag = "costs",
    operation_id = "put_cost_key",
    security(("bearer" = [])),
    params(ProjectPath,
        ("If-Match" = Option<String>, Header, description = "The ETag of the current version (required once a key exists)", example = "\"1\"")),
    request_body = CostKeyBody,
    responses(
        (status = 200, description = "The new version", body = CostKeyResponse,
         headers(("ETag" = String, description = "The new version"))),
        (status = 410, response = crate::error::responses::Gone),
        (status = 428, response = crate::error::responses::PreconditionRequired),
    ),
)]
#[put("/projects/{id}/cost-key")]
pub async fn put_cost_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<CostKeyBody>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = match IfMatch::from_request(&req) {
        Ok(if_match) => Some(if_match),
        Err(ApiError::PreconditionRequired(_)) => None,
        Err(other) => return Err(other),
    };
    let body = body.into_inner()?;
    let actor = caller.actor()?;
    let subject = actor.subject.clone();
    let project_id = id;
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        let (body, subject) = (body.clone(), subject.clone());
        async move {
            live_project(conn, project_id, true).await?;
            let current = cost_keys::current(conn, project_id).await?;
            match (&current, if_match) {
                (Some(current), Some(if_match)) => if_match.check(current.version)?,
                (Some(_), None) => {
                    return Err(ApiError::PreconditionRequired(
                        "send If-Match with the ETag of the current cost key".into(),
                    ));
                }
                (None, _) => {}
            }
            let payers = paying_participants(conn, project_id, true).await?;
            let checked = body.check(conn, "", &payers).await?;
            let version = current.as_ref().map_or(1, |c| c.version + 1);
            let row = cost_keys::insert(
                conn,
                &NewCostKey::new(project_id, version, &checked.key, checked.note, subject),
            )
            .await?;
            recompute(conn, project_id).await?;
            let mut entry =
                Entry::created("cost_key", format!("{project_id}/{version}")).after(&row);
            if let Some(before) = &current {
                entry = entry.before(before);
            }
            Ok(Recorded::new(row).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(row))
}

/// Lists the versions of the project's cost key, newest first. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "list_cost_key_versions",
    security(("bearer" = [])),
    params(ProjectPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of versions", body = Page<CostKeyResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/cost-key/versions")]
pub async fn list_cost_key_versions(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.member()?;
    let page = page.parse::<i32>()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    let rows = cost_keys::versions(&mut conn, id, since.get(), page.after, page.fetch()).await?;
    let page = page.page(rows, |r| r.version).map(CostKeyResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    /// The project.
    pub id: Uuid,
    /// The key version, from 1.
    pub version: i32,
}

/// Reads one version of the project's cost key. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_cost_key_version",
    security(("bearer" = [])),
    params(VersionPath),
    responses(
        (status = 200, description = "The version", body = CostKeyResponse),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/cost-key/versions/{version}")]
pub async fn get_cost_key_version(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<VersionPath>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, path.id, false).await?;
    let row = cost_keys::version(&mut conn, path.id, path.version)
        .await
        .or_not_found("cost key version", path.version)?;
    Ok(HttpResponse::Ok().json(CostKeyResponse::from(row)))
}

fn respond(row: cost_keys::CostKeyRow) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(CostKeyResponse::from(row))
}
