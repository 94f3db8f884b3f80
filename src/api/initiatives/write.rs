//! Writing initiatives: register, change and (soft) delete.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, patch, post, web};

use super::InitiativePath;
use super::types::{CreateInitiative, InitiativeResponse, UpdateInitiative, check_against};
use super::{check_references, initiative_entry, live_initiative, require_initiative_work, taken};
use crate::api::similarity::similar_to_initiative;
use crate::auth::Caller;
use crate::db::initiatives::{self, Initiative};
use crate::db::similarity;
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::initiatives::InitiativeStatus;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::respond::created_versioned;
use crate::state::AppState;

/// The 409 for a status move the lifecycle does not allow.
fn not_allowed(from: InitiativeStatus, to: InitiativeStatus) -> ApiError {
    let mut extensions = serde_json::Map::new();
    extensions.insert(
        "allowed_next_states".into(),
        serde_json::json!(
            from.allowed_next()
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
        ),
    );
    ApiError::conflict_with(
        format!(
            "an initiative cannot move from {} to {}",
            from.as_str(),
            to.as_str()
        ),
        extensions,
    )
}

fn respond(initiative: Initiative, mut builder: actix_web::HttpResponseBuilder) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(initiative.version)))
        .json(InitiativeResponse::from(initiative))
}

/// Registers an initiative of a municipality (its admin or editor; the steering office on its
/// behalf).
#[utoipa::path(
    tag = "initiatives",
    operation_id = "create_initiative",
    security(("bearer" = [])),
    request_body = CreateInitiative,
    responses(
        (status = 201, description = "The new initiative, with `likely_overlaps`", body = InitiativeResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The initiative's URL"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/initiatives")]
pub async fn create_initiative(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateInitiative>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let actor = caller.actor()?;
    let mut v = Validator::new();
    let new = body.into_inner()?.validate(&mut v);
    // The organization is the request's own; its right is decided before anything is read.
    require_initiative_work(&caller, &new.organization_key)?;
    let mut conn = db::connect(&state.pool).await?;
    check_references(
        &mut conn,
        &mut v,
        Some(&new.organization_key),
        Some(&new.field_of_action),
        new.project_id,
        new.working_group_id,
    )
    .await?;
    let new = v.finish(new)?;
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let (new, entry_caller) = (&new, &caller);
    let initiative = audited(&mut conn, &actor, move |conn| {
        async move {
            let initiative = initiatives::insert(conn, new).await.map_err(taken)?;
            similarity::refresh_overlaps(conn, initiative.id).await?;
            let entry = initiative_entry(
                Entry::created("initiative", initiative.id).after(&initiative),
                entry_caller,
                &initiative,
            );
            Ok(Recorded::new(initiative).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/initiatives/{}", initiative.id);
    // The creator is a member: members-only initiatives of others may be shown to it.
    let overlaps = similar_to_initiative(
        &mut conn,
        initiative.id,
        true,
        state.config.similarity_threshold,
        5,
    )
    .await?;
    let version = initiative.version;
    let mut body = InitiativeResponse::from(initiative);
    body.likely_overlaps = Some(overlaps);
    Ok(created_versioned(&state.config.public_url, path, version).json(body))
}

/// Changes an initiative (its municipality's admin or editor; the steering office). Needs
/// `If-Match`. Status moves follow the lifecycle (409 with `allowed_next_states` otherwise).
#[utoipa::path(
    tag = "initiatives",
    operation_id = "update_initiative",
    security(("bearer" = [])),
    params(
        InitiativePath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateInitiative,
    responses(
        (status = 200, description = "The changed initiative", body = InitiativeResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/initiatives/{id}")]
pub async fn update_initiative(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<InitiativePath>,
    body: Json<UpdateInitiative>,
) -> ApiResult<HttpResponse> {
    let InitiativePath { id } = path.into_inner();
    caller.member()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let current = live_initiative(&mut conn, id, false).await?;
    require_initiative_work(&caller, &current.organization_key)?;
    let if_match = IfMatch::from_request(&req)?;
    let mut v = Validator::new();
    let changes = body.into_inner()?.validate(&mut v);
    check_references(
        &mut conn,
        &mut v,
        None,
        changes.field_of_action.as_deref(),
        changes.project_id.flatten(),
        changes.working_group_id.flatten(),
    )
    .await?;
    let changes = v.finish(changes)?;
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let (changes, entry_caller) = (&changes, &caller);
    let initiative = audited(&mut conn, &actor, move |conn| {
        async move {
            let before = live_initiative(conn, id, true).await?;
            require_initiative_work(entry_caller, &before.organization_key)?;
            if_match.check(before.version)?;
            let mut v = Validator::new();
            check_against(&mut v, &before, changes).map_err(|(from, to)| not_allowed(from, to))?;
            v.finish(())?;
            if changes.is_empty() {
                return Ok(Recorded::new(before));
            }
            let after = initiatives::update(conn, id, changes)
                .await
                .map_err(taken)?;
            similarity::refresh_overlaps(conn, id).await?;
            let entry = initiative_entry(
                Entry::updated("initiative", id)
                    .before(&before)
                    .after(&after),
                entry_caller,
                &after,
            );
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(initiative, HttpResponse::Ok()))
}

/// Deletes an initiative (soft: it leaves every list, its id answers 410 Gone, the change feed
/// records it as deleted). Its municipality's admin or editor, or the steering office. Needs
/// `If-Match`.
#[utoipa::path(
    tag = "initiatives",
    operation_id = "delete_initiative",
    security(("bearer" = [])),
    params(
        InitiativePath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/initiatives/{id}")]
pub async fn delete_initiative(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<InitiativePath>,
) -> ApiResult<HttpResponse> {
    let InitiativePath { id } = path.into_inner();
    caller.member()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let current = live_initiative(&mut conn, id, false).await?;
    require_initiative_work(&caller, &current.organization_key)?;
    let if_match = IfMatch::from_request(&req)?;
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let entry_caller = &caller;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let before = live_initiative(conn, id, true).await?;
            require_initiative_work(entry_caller, &before.organization_key)?;
            if_match.check(before.version)?;
            initiatives::soft_delete(conn, id).await?;
            similarity::refresh_overlaps(conn, id).await?;
            let entry = initiative_entry(
                Entry::deleted("initiative", id).before(&before),
                entry_caller,
                &before,
            );
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
