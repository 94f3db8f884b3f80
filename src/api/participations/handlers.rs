//! The participations of a project: list, read, and create or change with PUT.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use uuid::Uuid;

use super::project_ref;
use super::request::PutParticipation;
use super::types::ParticipationResponse;
use super::write::{self, Precondition, WriteContext, Written};
use crate::api::participations::types::ParticipationPath;
use crate::api::projects::{ProjectPath, live_project};
use crate::auth::{Caller, Right};
use crate::db::participations::{self, resolutions};
use crate::db::write::{ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::participation::Authority;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond;
use crate::state::AppState;

/// Lists the participations in one project, ordered by organization key. Public; `note` only
/// for members.
#[utoipa::path(
    tag = "participations",
    operation_id = "list_project_participations",
    security((), ("bearer" = [])),
    params(
        ProjectPath,
        ModifiedSince,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of participations", body = Page<ParticipationResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/participations")]
pub async fn list_project_participations(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id: project_id } = path.into_inner();
    let page = page.parse::<String>()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, project_id, false).await?;
    let rows = participations::list_for_project(
        &mut conn,
        project_id,
        since.get(),
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let page = page.page(rows, |row| row.organization_key.clone());
    let ids: Vec<Uuid> = page.items.iter().map(|p| p.id).collect();
    let mut resolutions = resolutions::for_participations(&mut conn, &ids).await?;
    let show_note = caller.is_member();
    let page = page.map(|row| {
        let found = resolutions.remove(&row.id).unwrap_or_default();
        ParticipationResponse::new(row, project_ref(&project), found, show_note)
    });
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one organization's participation in a project. Public; `note` only for members.
#[utoipa::path(
    tag = "participations",
    operation_id = "get_participation",
    security((), ("bearer" = [])),
    params(
        ParticipationPath,
    ),
    responses(
        (status = 200, description = "The participation", body = ParticipationResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/participations/{org}")]
pub async fn get_participation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ParticipationPath>,
) -> ApiResult<HttpResponse> {
    let ParticipationPath {
        id: project_id,
        org,
    } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, project_id, false).await?;
    let row = participations::find(&mut conn, project_id, &org)
        .await?
        .ok_or_else(|| super::participation_not_found(project_id, &org))?;
    let found = resolutions::for_participations(&mut conn, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .insert_header(write::etag_header(&row))
        .json(ParticipationResponse::new(
            row,
            project_ref(&project),
            found,
            caller.is_member(),
        )))
}

/// Creates or changes an organization's participation in a project.
///
/// The organization's admin records every state, its editor only `interested` and
/// `intends_to_join`; the steering office (coordinator) records for any organization, and the
/// audit trail and history say on whose behalf. Creating needs no precondition (send
/// `If-None-Match: *` to be sure not to overwrite); changing an existing participation needs
/// `If-Match` (428 without, 412 when stale). A move the transition table does not allow is 409
/// with `allowed_next_states`. A body equal to what is stored changes nothing.
#[utoipa::path(
    tag = "participations",
    operation_id = "put_participation",
    security(("bearer" = [])),
    params(
        ParticipationPath,
        ("If-Match" = Option<String>, Header, description = "The ETag of the version read; required when the participation exists", example = "\"1\""),
        ("If-None-Match" = Option<String>, Header, pattern = r"^\*$", description = "`*`: create only, 412 when the participation exists"),
    ),
    request_body = PutParticipation,
    responses(
        (status = 200, description = "The changed participation", body = ParticipationResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 201, description = "The new participation", body = ParticipationResponse,
         headers(("ETag" = String, description = "The version tag"),
                 ("Location" = String, description = "The participation's URL"))),
        (status = 410, response = crate::error::responses::Gone),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 428, response = crate::error::responses::PreconditionRequired),
    ),
)]
#[put("/projects/{id}/participations/{org}")]
pub async fn put_participation(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ParticipationPath>,
    body: Json<PutParticipation>,
) -> ApiResult<HttpResponse> {
    let ParticipationPath {
        id: project_id,
        org: organization,
    } = path.into_inner();
    let principal = caller.require(Right::Edit, &organization)?;
    let authority = if principal.right_for(&organization) >= Right::Admin {
        Authority::Admin
    } else {
        Authority::Editor
    };
    let precondition = Precondition::from_request(&req)?;
    let change = body.into_inner()?.validate()?;
    let ctx = WriteContext {
        project_id,
        on_behalf_of: caller.on_behalf_of(&organization),
        organization,
        authority,
        precondition,
        actor: caller.actor()?,
    };
    let actor = ctx.actor.clone();
    let mut conn = db::connect(&state.pool).await?;
    let written = audited(&mut conn, &actor, move |conn| {
        let (change, ctx) = (change.clone(), ctx.clone());
        async move { write::put(conn, ctx, change).await }.scope_boxed()
    })
    .await?;
    let (row, project, created) = match written {
        Written::Created(row, project) => (row, project, true),
        Written::Updated(row, project) | Written::Unchanged(row, project) => (row, project, false),
    };
    let found = resolutions::for_participations(&mut conn, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    let mut response = if created {
        respond::created(
            &state.config.public_url,
            format_args!(
                "/api/v1/projects/{}/participations/{}",
                row.project_id, row.organization_key
            ),
        )
    } else {
        HttpResponse::Ok()
    };
    response.insert_header(write::etag_header(&row));
    Ok(response.json(ParticipationResponse::new(row, project, found, true)))
}

/// Lists one organization's participations across all projects (its portfolio), ordered by
/// project code. Public; `note` only for members.
#[utoipa::path(
    tag = "participations",
    operation_id = "list_organization_participations",
    security((), ("bearer" = [])),
    params(
        ("key" = String, Path, description = "Organization key", example = "99001012"),
        ModifiedSince,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of the organization's participations", body = Page<ParticipationResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/organizations/{key}/participations")]
pub async fn list_organization_participations(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    key: web::Path<String>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let key = key.into_inner();
    let page = page.parse::<String>()?;
    let mut conn = db::connect(&state.pool).await?;
    if !db::organizations::exists(&mut conn, &key).await? {
        return Err(ApiError::not_found(format!(
            "organization {key} does not exist"
        )));
    }
    let rows = participations::list_for_organization(
        &mut conn,
        &key,
        since.get(),
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let page = page.page(rows, |(_, project)| project.code.clone());
    let ids: Vec<Uuid> = page.items.iter().map(|(p, _)| p.id).collect();
    let mut resolutions = resolutions::for_participations(&mut conn, &ids).await?;
    let show_note = caller.is_member();
    let page = page.map(|(row, project)| {
        let found = resolutions.remove(&row.id).unwrap_or_default();
        ParticipationResponse::new(row, project, found, show_note)
    });
    Ok(page.respond(&req, &state.config.public_url))
}
