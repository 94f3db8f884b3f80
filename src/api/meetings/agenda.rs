//! `/api/v1/meetings/{id}/agenda-items[/{aid}]` and the reorder endpoint `.../order`.
//! Results (result, resolution text, votes) are fields of an agenda item that can be set only
//! while the meeting is held.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::MeetingPath;
use super::agenda_input::{
    AgendaOrder, CreateAgendaItem, UpdateAgendaItem, check_project_ids, check_projects_exist,
    check_result_consistency,
};
use super::types::AgendaItemResponse;
use super::view::{load_agenda, load_agenda_item};
use super::{
    Audience, check_organization, ensure_changeable, or_meeting_not_found, visible_meeting,
};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::agenda::{self, NewAgendaItem, OrganizationVotes};
use crate::db::committee::meetings as meeting_rows;
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::MeetingPart;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::respond::created_versioned;
use crate::state::AppState;

/// The path of an agenda item of a meeting.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgendaItemPath {
    /// Meeting id
    pub id: Uuid,
    /// Agenda item id
    pub aid: Uuid,
}

const MAX_ITEMS: usize = 200;

/// The agenda of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaResponse {
    /// In agenda order; for the public only the public items.
    pub items: Vec<AgendaItemResponse>,
}

fn item_not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("agenda item {id} does not exist"))
}

fn or_item_not_found(id: Uuid) -> impl Fn(diesel::result::Error) -> ApiError {
    move |error| match error {
        diesel::result::Error::NotFound => item_not_found(id),
        other => other.into(),
    }
}

fn respond(item: AgendaItemResponse, version: i32) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(version)))
        .json(item)
}

/// Lists the agenda of a meeting, in order. Anonymous callers see public items of public
/// meetings only.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_agenda_items",
    security((), ("bearer" = [])),
    params(MeetingPath, ModifiedSince),
    responses(
        (status = 200, description = "The agenda", body = AgendaResponse),
    ),
)]
#[get("/meetings/{id}/agenda-items")]
pub async fn list_agenda_items(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingPath>,
    since: web::Query<ModifiedSince>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    let audience = Audience::of(&caller);
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, id, audience).await?;
    let mut items = load_agenda(&mut conn, meeting.id, audience).await?;
    // An agenda is short (positions are capped), so the filter runs on the loaded items.
    items.retain(|item| since.includes(item.updated_at));
    Ok(HttpResponse::Ok().json(AgendaResponse { items }))
}

/// Reads one agenda item. Non-public items are 404 to anonymous callers.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_agenda_item",
    security((), ("bearer" = [])),
    params(
        AgendaItemPath,
    ),
    responses(
        (status = 200, description = "The agenda item", body = AgendaItemResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
    ),
)]
#[get("/meetings/{id}/agenda-items/{aid}")]
pub async fn get_agenda_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AgendaItemPath>,
) -> ApiResult<HttpResponse> {
    let AgendaItemPath {
        id: meeting_id,
        aid: item_id,
    } = path.into_inner();
    let audience = Audience::of(&caller);
    let mut conn = db::connect(&state.pool).await?;
    visible_meeting(&mut conn, meeting_id, audience).await?;
    let item = agenda::find_live(&mut conn, meeting_id, item_id)
        .await
        .map_err(or_item_not_found(item_id))?;
    if audience.is_public() && !item.public {
        return Err(item_not_found(item_id));
    }
    let version = item.version;
    Ok(respond(load_agenda_item(&mut conn, item).await?, version))
}

/// Creates an agenda item at the end of the agenda (steering office only).
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_agenda_item",
    security(("bearer" = [])),
    params(MeetingPath),
    request_body = CreateAgendaItem,
    responses(
        (status = 201, description = "The new agenda item", body = AgendaItemResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/meetings/{id}/agenda-items")]
pub async fn create_agenda_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingPath>,
    body: Json<CreateAgendaItem>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id: meeting_id } = path.into_inner();
    caller.require_coordinator()?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let number = v.text("/number", &body.number, 1, 20);
    let title = v.text("/title", &body.title, 1, 300);
    let proposed_resolution = body
        .proposed_resolution
        .as_deref()
        .map(|r| v.text("/proposed_resolution", r, 1, 20_000));
    check_project_ids(&mut v, &body.project_ids);
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let item = audited(&mut conn, &actor, move |conn| {
        let (body, number, proposed_resolution, title, mut v) = (
            body.clone(),
            number.clone(),
            proposed_resolution.clone(),
            title.clone(),
            v.clone(),
        );
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            if let Some(org) = &body.presenter_organization {
                check_organization(conn, &mut v, "/presenter_organization", org).await?;
            }
            check_projects_exist(conn, &mut v, &body.project_ids).await?;
            v.finish(())?;
            ensure_changeable(&meeting, MeetingPart::Agenda)?;
            let position = agenda::next_position(conn, meeting_id).await?;
            if position as usize > MAX_ITEMS {
                return Err(ApiError::conflict("an agenda holds at most 200 items"));
            }
            let item = agenda::insert(
                conn,
                &NewAgendaItem {
                    meeting_id,
                    position,
                    number,
                    title,
                    public: body.public,
                    presenter_organization: body.presenter_organization,
                    proposed_resolution,
                },
            )
            .await?;
            agenda::set_projects(conn, item.id, &body.project_ids).await?;
            meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(item.clone())
                .with(
                    Entry::created("agenda_item", item.id)
                        .after(&serde_json::json!({"item": item, "project_ids": body.project_ids})),
                )
                .with(Entry::updated("meeting", meeting_id).action("meeting.agenda_changed")))
        }
        .scope_boxed()
    })
    .await?;
    let version = item.version;
    let path = format!(
        "/api/v1/meetings/{}/agenda-items/{}",
        item.meeting_id, item.id
    );
    let response = load_agenda_item(&mut conn, item).await?;
    Ok(created_versioned(&state.config.public_url, path, version).json(response))
}

/// Updates an agenda item, or records its result once the meeting is held (steering office
/// only). Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_agenda_item",
    security(("bearer" = [])),
    params(
        AgendaItemPath,
        ("If-Match" = String, Header, description = "The ETag of the item", example = "\"1\""),
    ),
    request_body = UpdateAgendaItem,
    responses(
        (status = 200, description = "The updated agenda item", body = AgendaItemResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[patch("/meetings/{id}/agenda-items/{aid}")]
pub async fn update_agenda_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<AgendaItemPath>,
    body: Json<UpdateAgendaItem>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let update = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let AgendaItemPath {
        id: meeting_id,
        aid: item_id,
    } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let item = audited(&mut conn, &actor, move |conn| {
        let mut update = update.clone();
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            let before = agenda::find_live(conn, meeting_id, item_id)
                .await
                .map_err(or_item_not_found(item_id))?;
            if_match.check(before.version)?;
            let mut v = Validator::new();
            if let Some(Some(org)) = &update.changes.presenter_organization {
                check_organization(conn, &mut v, "/presenter_organization", org).await?;
            }
            if let Some(ids) = &update.project_ids {
                check_projects_exist(conn, &mut v, ids).await?;
            }
            if let Some(votes) = &update.votes_by_organization {
                for (index, entry) in votes.iter().enumerate() {
                    check_organization(
                        conn,
                        &mut v,
                        &format!("/votes_by_organization/{index}/organization"),
                        &entry.organization,
                    )
                    .await?;
                }
            }
            v.finish(())?;
            if update.touches_agenda {
                ensure_changeable(&meeting, MeetingPart::Agenda)?;
            }
            if update.touches_results {
                ensure_changeable(&meeting, MeetingPart::Results)?;
            }
            check_result_consistency(&before, &mut update)?;
            let before_projects = agenda::projects_of(conn, &[item_id]).await?;
            let before_votes = agenda::votes_of(conn, &[item_id]).await?;
            // Bumps the item (version, updated_at) also when only its projects or votes change.
            let after = agenda::update(conn, item_id, &update.changes).await?;
            if let Some(ids) = &update.project_ids {
                agenda::set_projects(conn, item_id, ids).await?;
            }
            if let Some(votes) = &update.votes_by_organization {
                let rows: Vec<OrganizationVotes> = votes
                    .iter()
                    .map(|e| OrganizationVotes {
                        agenda_item_id: item_id,
                        organization_key: e.organization.clone(),
                        yes: e.yes,
                        no: e.no,
                        abstentions: e.abstentions,
                    })
                    .collect();
                agenda::set_votes(conn, item_id, &rows).await?;
            }
            let after_projects = agenda::projects_of(conn, &[item_id]).await?;
            let after_votes = agenda::votes_of(conn, &[item_id]).await?;
            meeting_rows::touch(conn, meeting_id).await?;
            let action = if update.touches_results {
                "agenda_item.result_recorded"
            } else {
                "agenda_item.updated"
            };
            Ok(Recorded::new(after.clone())
                .with(
                    Entry::updated("agenda_item", item_id)
                        .action(action)
                        .before(&serde_json::json!({"item": before, "projects": before_projects, "votes": before_votes}))
                        .after(&serde_json::json!({"item": after, "projects": after_projects, "votes": after_votes})),
                )
                .with(Entry::updated("meeting", meeting_id).action("meeting.agenda_changed")))
        }
        .scope_boxed()
    })
    .await?;
    let version = item.version;
    Ok(respond(load_agenda_item(&mut conn, item).await?, version))
}

/// Removes an agenda item without a result (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_agenda_item",
    security(("bearer" = [])),
    params(
        AgendaItemPath,
        ("If-Match" = String, Header, description = "The ETag of the item", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/meetings/{id}/agenda-items/{aid}")]
pub async fn delete_agenda_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<AgendaItemPath>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let AgendaItemPath {
        id: meeting_id,
        aid: item_id,
    } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            let before = agenda::find_live(conn, meeting_id, item_id)
                .await
                .map_err(or_item_not_found(item_id))?;
            if_match.check(before.version)?;
            ensure_changeable(&meeting, MeetingPart::Agenda)?;
            if before.result.is_some() {
                return Err(ApiError::conflict(
                    "the item has a recorded result; clear the result first",
                ));
            }
            let after = agenda::soft_delete(conn, item_id).await?;
            meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(())
                .with(
                    Entry::deleted("agenda_item", item_id)
                        .before(&before)
                        .after(&after),
                )
                .with(Entry::updated("meeting", meeting_id).action("meeting.agenda_changed")))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reorders the agenda (steering office only): the items get positions 1, 2, … in the order
/// given. Needs `If-Match` with the meeting's ETag.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_agenda_order",
    security(("bearer" = [])),
    params(
        MeetingPath,
        ("If-Match" = String, Header, description = "The ETag of the meeting", example = "\"4\""),
    ),
    request_body = AgendaOrder,
    responses(
        (status = 200, description = "The reordered agenda", body = AgendaResponse,
         headers(("ETag" = String, description = "The meeting's new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[put("/meetings/{id}/agenda-items/order")]
pub async fn update_agenda_order(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MeetingPath>,
    body: Json<AgendaOrder>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id: meeting_id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let order = body.into_inner()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let meeting = audited(&mut conn, &actor, move |conn| {
        let order = order.clone();
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            if_match.check(meeting.version)?;
            let current = agenda::for_meeting(conn, meeting_id, false).await?;
            let mut v = Validator::new();
            let mut seen = HashSet::new();
            for (index, id) in order.item_ids.iter().enumerate() {
                if !seen.insert(*id) {
                    v.error(format!("/item_ids/{index}"), "listed twice");
                } else if !current.iter().any(|item| item.id == *id) {
                    v.error(
                        format!("/item_ids/{index}"),
                        format!("agenda item {id} is not on this agenda"),
                    );
                }
            }
            v.check(
                current.iter().all(|item| seen.contains(&item.id)),
                "/item_ids",
                "must list every item of the agenda",
            );
            v.finish(())?;
            ensure_changeable(&meeting, MeetingPart::Agenda)?;
            let before: Vec<Uuid> = current.iter().map(|i| i.id).collect();
            agenda::reorder(conn, &current, &order.item_ids).await?;
            let after = meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(after).with(
                Entry::updated("meeting", meeting_id)
                    .action("meeting.agenda_reordered")
                    .before(&serde_json::json!({"item_ids": before}))
                    .after(&serde_json::json!({"item_ids": order.item_ids})),
            ))
        }
        .scope_boxed()
    })
    .await?;
    let items = load_agenda(&mut conn, meeting_id, Audience::Member).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(meeting.version)))
        .json(AgendaResponse { items }))
}
