//! The agenda's handlers: parse, authorize, run the change of `write` in an audited
//! transaction, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use super::types::{
    AgendaItemPath, AgendaOrder, AgendaResponse, CreateAgendaItem, UpdateAgendaItem,
};
use super::write::{self, item_not_found};
use crate::api::meetings::types::AgendaItemResponse;
use crate::api::meetings::view::{load_agenda, load_agenda_item};
use crate::api::meetings::{Audience, MeetingPath, visible_meeting};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::agenda;
use crate::db::write::{ScopedFutureExt, audited};
use crate::error::{ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::respond::created_versioned;
use crate::state::AppState;

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
        .or_not_found("agenda item", item_id)?;
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
    let item = body.into_inner()?.check();
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let item = audited(&mut conn, &actor, move |conn| {
        write::create(conn, meeting_id, item.clone()).scope_boxed()
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
        write::update(conn, meeting_id, item_id, if_match, update.clone()).scope_boxed()
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
        write::delete(conn, meeting_id, item_id, if_match).scope_boxed()
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
        write::reorder(conn, meeting_id, if_match, order.clone()).scope_boxed()
    })
    .await?;
    let items = load_agenda(&mut conn, meeting_id, Audience::Member).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(meeting.version)))
        .json(AgendaResponse { items }))
}
