//! The funding-programme endpoints: parse, authorize, call the database, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use diesel::OptionalExtension;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::types::{
    CreateFundingProgramme, FundingProgrammeResponse, UpdateFundingProgramme, validate,
};
use crate::auth::Caller;
use crate::db::costs::allocation::recompute;
use crate::db::costs::funding::{self, ProgrammeRow};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self, projects};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// Lists the funding programmes, ordered by id. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "list_funding_programmes",
    security(("bearer" = [])),
    params(ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of programmes", body = Page<FundingProgrammeResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/funding-programmes")]
pub async fn list_funding_programmes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let page = page.parse::<Uuid>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = funding::list_programmes(&mut conn, since.get(), page.after, page.fetch()).await?;
    let page = page
        .page(rows, |r| r.id)
        .map(FundingProgrammeResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProgrammePath {
    /// The programme.
    pub pid: Uuid,
}

/// Reads one programme. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_funding_programme",
    security(("bearer" = [])),
    params(ProgrammePath),
    responses(
        (status = 200, description = "The programme", body = FundingProgrammeResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
    ),
)]
#[get("/funding-programmes/{pid}")]
pub async fn get_funding_programme(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProgrammePath>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let row = funding::find_programme(&mut conn, path.pid)
        .await
        .or_not_found("funding programme", path.pid)?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Adds a funding programme. Steering office only.
#[utoipa::path(
    tag = "costs",
    operation_id = "create_funding_programme",
    security(("bearer" = [])),
    request_body = CreateFundingProgramme,
    responses(
        (status = 201, description = "The new programme", body = FundingProgrammeResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The programme's URL"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/funding-programmes")]
pub async fn create_funding_programme(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateFundingProgramme>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let body = body.into_inner()?;
    let values = validate(&body.name, body.funding_body, &body.rule)?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        let values = values.clone();
        async move {
            let row = funding::insert_programme(conn, &values).await?;
            Ok(Recorded::new(row.clone())
                .with(Entry::created("funding_programme", row.id).after(&row)))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/funding-programmes/{}", row.id);
    Ok(respond(created(&state.config.public_url, path), row))
}

/// Changes a programme. Steering office only; needs `If-Match`. The projects applying to it
/// are recomputed in the same transaction.
#[utoipa::path(
    tag = "costs",
    operation_id = "update_funding_programme",
    security(("bearer" = [])),
    params(ProgrammePath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\"")),
    request_body = UpdateFundingProgramme,
    responses(
        (status = 200, description = "The updated programme", body = FundingProgrammeResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[patch("/funding-programmes/{pid}")]
pub async fn update_funding_programme(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProgrammePath>,
    body: Json<UpdateFundingProgramme>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let changes = body.into_inner()?;
    let actor = caller.actor()?;
    let pid = path.pid;
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        let changes = changes.clone();
        async move {
            // Project locks first, in id order, as every other writer takes them.
            let mut seen = Vec::new();
            let mut live = Vec::new();
            lock_new_projects(conn, pid, &mut seen, &mut live).await?;
            let before = funding::find_programme_for_update(conn, pid)
                .await
                .or_not_found("funding programme", pid)?;
            if_match.check(before.version)?;
            // An application committed while this waited for the programme's lock is seen now;
            // its project's lock is free by then.
            lock_new_projects(conn, pid, &mut seen, &mut live).await?;
            let current = FundingProgrammeResponse::from(before.clone());
            let values = validate(
                changes.name.as_deref().unwrap_or(&current.name),
                changes.funding_body.unwrap_or(current.funding_body),
                changes.rule.as_ref().unwrap_or(&current.rule),
            )?;
            let after = funding::update_programme(conn, pid, &values).await?;
            for project_id in live {
                recompute(conn, project_id).await?;
            }
            Ok(Recorded::new(after.clone()).with(
                Entry::updated("funding_programme", pid)
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Locks the live projects applying to `pid` that are not in `seen` yet.
async fn lock_new_projects(
    conn: &mut diesel_async::AsyncPgConnection,
    pid: Uuid,
    seen: &mut Vec<Uuid>,
    live: &mut Vec<Uuid>,
) -> Result<(), ApiError> {
    for project_id in funding::projects_applying_to(conn, pid).await? {
        if seen.contains(&project_id) {
            continue;
        }
        seen.push(project_id);
        if projects::lock_live(conn, project_id)
            .await
            .optional()?
            .is_some()
        {
            live.push(project_id);
        }
    }
    Ok(())
}

fn respond(mut builder: actix_web::HttpResponseBuilder, row: ProgrammeRow) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(FundingProgrammeResponse::from(row))
}
