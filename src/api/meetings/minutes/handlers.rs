//! The minutes' handlers: parse, authorize, run the change of `write` in an audited
//! transaction, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use uuid::Uuid;

use super::types::{ApproveMinutes, PutMinutes};
use super::write::{self, no_minutes};
use crate::api::meetings::types::MinutesResponse;
use crate::api::meetings::view::{members_by_id, minutes_response};
use crate::api::meetings::{Audience, MeetingPath, visible_meeting};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::minutes::{self, Minutes};
use crate::db::write::{ScopedFutureExt, audited};
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::state::AppState;

async fn respond(
    conn: &mut diesel_async::AsyncPgConnection,
    record: Minutes,
    audience: Audience,
) -> Result<HttpResponse, ApiError> {
    let ids: Vec<Uuid> = [record.secretary_member_id, record.chair_member_id]
        .into_iter()
        .flatten()
        .collect();
    let members = members_by_id(conn, &ids).await?;
    let version = record.version;
    let id = record.meeting_id;
    let response = minutes_response(record, &members, audience).ok_or_else(|| no_minutes(id))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(version)))
        .json(response))
}

/// Reads the minutes of a meeting. Anonymous callers see only approved minutes of public
/// meetings, and only their public part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_minutes",
    security((), ("bearer" = [])),
    params(MeetingPath),
    responses(
        (status = 200, description = "The minutes", body = MinutesResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
    ),
)]
#[get("/meetings/{id}/minutes")]
pub async fn get_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingPath>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    let audience = Audience::of(&caller);
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, id, audience).await?;
    let record = minutes::find(&mut conn, meeting.id)
        .await?
        .ok_or_else(|| no_minutes(meeting.id))?;
    respond(&mut conn, record, audience).await
}

/// Writes the minutes of a held meeting (steering office only). Needs `If-Match` when minutes
/// exist already; approved minutes are frozen (409).
#[utoipa::path(
    tag = "meetings",
    operation_id = "put_minutes",
    security(("bearer" = [])),
    params(
        MeetingPath,
        ("If-Match" = Option<String>, Header, description = "The ETag of the minutes, when they exist"),
    ),
    request_body = PutMinutes,
    responses(
        (status = 200, description = "The minutes", body = MinutesResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 428, response = crate::error::responses::PreconditionRequired),
    ),
)]
#[put("/meetings/{id}/minutes")]
pub async fn put_minutes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MeetingPath>,
    body: Json<PutMinutes>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id: meeting_id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = IfMatch::optional(&req)?;
    let minutes = body.into_inner()?.check();
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let record = audited(&mut conn, &actor, move |conn| {
        write::put(conn, meeting_id, if_match, minutes.clone()).scope_boxed()
    })
    .await?;
    respond(&mut conn, record, Audience::Member).await
}

/// Approves the minutes of a held meeting (steering office only): the meeting moves to
/// `minutes_approved`, and minutes, results and attendance are frozen. Needs `If-Match` with
/// the minutes' ETag.
#[utoipa::path(
    tag = "meetings",
    operation_id = "approve_minutes",
    security(("bearer" = [])),
    params(
        MeetingPath,
        ("If-Match" = String, Header, description = "The ETag of the minutes", example = "\"2\""),
    ),
    request_body = ApproveMinutes,
    responses(
        (status = 200, description = "The approved minutes", body = MinutesResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/meetings/{id}/minutes/approve")]
pub async fn approve_minutes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MeetingPath>,
    body: Json<ApproveMinutes>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id: meeting_id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let approved_at = body.into_inner()?.approved_at_meeting_id;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let record = audited(&mut conn, &actor, move |conn| {
        write::approve(conn, meeting_id, if_match, approved_at).scope_boxed()
    })
    .await?;
    respond(&mut conn, record, Audience::Member).await
}
