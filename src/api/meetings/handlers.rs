//! `/api/v1/meetings[/{id}]` and `/api/v1/meetings/{id}/state`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::MeetingPath;
use super::meeting_input::{CreateMeeting, MeetingTransition, UpdateMeeting, check_merged};
use super::types::MeetingResponse;
use super::view::meeting_response;
use super::{Audience, ensure_changeable, lock_meeting, state_conflict, state_of, visible_meeting};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::meetings::{self as rows, Meeting, MeetingChanges, MeetingFilter};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::{MeetingPart, MeetingState};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created_versioned;
use crate::state::AppState;

pub(super) fn respond(meeting: &Meeting, public_url: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(meeting.version)))
        .json(meeting_response(meeting, public_url))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Only meetings in this state.
    pub state: Option<MeetingState>,
    /// Meetings starting at or after this instant (RFC 3339).
    pub from: Option<DateTime<FixedOffset>>,
    /// Meetings starting before this instant (RFC 3339).
    pub to: Option<DateTime<FixedOffset>>,
}

/// Lists meetings by start time. Public meetings for anonymous callers, all for members.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_meetings",
    security((), ("bearer" = [])),
    params(MeetingQuery, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of meetings, earliest first", body = Page<MeetingResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<MeetingQuery>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let audience = Audience::of(&caller);
    let page = page.parse::<(DateTime<Utc>, Uuid)>()?;
    let filter = MeetingFilter {
        public_only: audience.is_public(),
        state: query.state.map(|s| s.as_str().to_owned()),
        from: query.from.map(|t| t.with_timezone(&Utc)),
        to: query.to.map(|t| t.with_timezone(&Utc)),
        modified_since: since.get(),
    };
    let mut conn = db::connect(&state.pool).await?;
    let rows = rows::list(&mut conn, &filter, page.after, page.fetch()).await?;
    let public_url = &state.config.public_url;
    let page = page
        .page(rows, |m| (m.starts_at, m.id))
        .map(|m| meeting_response(&m, public_url));
    Ok(page.respond(&req, public_url))
}

/// Reads one meeting. Public meetings for anonymous callers.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_meeting",
    security((), ("bearer" = [])),
    params(MeetingPath),
    responses(
        (status = 200, description = "The meeting", body = MeetingResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
    ),
)]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingPath>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, id, Audience::of(&caller)).await?;
    Ok(respond(&meeting, &state.config.public_url))
}

/// Creates a meeting (steering office only).
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_meeting",
    security(("bearer" = [])),
    request_body = CreateMeeting,
    responses(
        (status = 201, description = "The new meeting", body = MeetingResponse,
         headers(("ETag" = String, description = "Version tag"), ("Location" = String, description = "URL of the meeting"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateMeeting>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let new = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let meeting = audited(&mut conn, &actor, move |conn| {
        let new = new.clone();
        async move {
            let meeting = rows::insert(conn, &new).await.map_err(number_taken)?;
            Ok(Recorded::new(meeting.clone())
                .with(Entry::created("meeting", meeting.id).after(&meeting)))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/meetings/{}", meeting.id);
    Ok(
        created_versioned(&state.config.public_url, path, meeting.version)
            .json(meeting_response(&meeting, &state.config.public_url)),
    )
}

fn number_taken(error: diesel::result::Error) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::conflict("another meeting already has this number"),
        other => other.into(),
    }
}

/// Updates a meeting's details (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_meeting",
    security(("bearer" = [])),
    params(
        MeetingPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateMeeting,
    responses(
        (status = 200, description = "The updated meeting", body = MeetingResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[patch("/meetings/{id}")]
pub async fn update_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MeetingPath>,
    body: Json<UpdateMeeting>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let changes = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let meeting = audited(&mut conn, &actor, move |conn| {
        let changes = changes.clone();
        async move {
            let before = lock_meeting(conn, id).await?;
            if_match.check(before.version)?;
            ensure_changeable(&before, MeetingPart::Details)?;
            check_merged(&before, &changes)?;
            let after = rows::update(conn, id, &changes)
                .await
                .map_err(number_taken)?;
            Ok(Recorded::new(after.clone())
                .with(Entry::updated("meeting", id).before(&before).after(&after)))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(&meeting, &state.config.public_url))
}

/// Deletes a planned meeting (steering office only); later meetings are cancelled instead.
/// Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_meeting",
    security(("bearer" = [])),
    params(
        MeetingPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/meetings/{id}")]
pub async fn delete_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MeetingPath>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let before = lock_meeting(conn, id).await?;
            if_match.check(before.version)?;
            let current = state_of(&before);
            if current != MeetingState::Planned {
                return Err(super::conflict_in_state(
                    "only planned meetings can be deleted; cancel it instead",
                    current,
                ));
            }
            let after = rows::soft_delete(conn, id).await?;
            Ok(Recorded::new(()).with(Entry::deleted("meeting", id).before(&before).after(&after)))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Moves a meeting to another state (steering office only). Invalid transitions are 409 with
/// `allowed_next_states`. Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_meeting_state",
    security(("bearer" = [])),
    params(
        MeetingPath,
        ("If-Match" = String, Header, description = "The ETag of the meeting", example = "\"1\""),
    ),
    request_body = MeetingTransition,
    responses(
        (status = 200, description = "The meeting in its new state", body = MeetingResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[put("/meetings/{id}/state")]
pub async fn update_meeting_state(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MeetingPath>,
    body: Json<MeetingTransition>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let transition = body.into_inner()?;
    let mut v = Validator::new();
    v.check(
        transition.state != MeetingState::MinutesApproved,
        "/state",
        "minutes_approved is reached with POST /meetings/{id}/minutes/approve",
    );
    let reason = transition
        .reason
        .as_deref()
        .map(|r| v.text("/reason", r, 1, 1000));
    if transition.state != MeetingState::Cancelled {
        v.check(
            reason.is_none(),
            "/reason",
            "only a cancellation takes a reason",
        );
    }
    let reason = v.finish(reason)?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let meeting = audited(&mut conn, &actor, move |conn| {
        let reason = reason.clone();
        async move {
            let before = lock_meeting(conn, id).await?;
            if_match.check(before.version)?;
            let current = state_of(&before);
            let next = match current.transition(transition.state, reason.as_deref()) {
                Ok(next) => next,
                Err(crate::domain::meetings::StateError::ReasonRequired) => {
                    return Err(ApiError::invalid_field(
                        "/reason",
                        "a cancellation needs a reason",
                    ));
                }
                Err(error) => return Err(state_conflict(error, current)),
            };
            let changes = MeetingChanges {
                state: Some(next.as_str().to_owned()),
                cancellation_reason: (next == MeetingState::Cancelled).then(|| reason.clone()),
                ..Default::default()
            };
            let after = rows::update(conn, id, &changes).await?;
            Ok(Recorded::new(after.clone()).with(
                Entry::updated("meeting", id)
                    .action(format!("meeting.{}", next.as_str()))
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(&meeting, &state.config.public_url))
}
