//! `/api/v1/meetings[/{id}]` and `/api/v1/meetings/{id}/state`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::types::MeetingResponse;
use super::view::meeting_response;
use super::{
    Audience, ensure_changeable, or_meeting_not_found, state_conflict, state_of, visible_meeting,
};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::meetings::{self as rows, Meeting, MeetingChanges, MeetingFilter};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::{MeetingPart, MeetingState};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::startup::AppState;

/// The longest a meeting may last.
const MAX_DURATION_HOURS: i64 = 24;

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
    params(MeetingQuery, PageQuery),
    responses(
        (status = 200, description = "One page of meetings, earliest first", body = Page<MeetingResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<MeetingQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let audience = Audience::of(&caller);
    let page = page.parse::<(DateTime<Utc>, Uuid)>()?;
    let filter = MeetingFilter {
        public_only: audience.is_public(),
        state: query.state.map(|s| s.as_str().to_owned()),
        from: query.from.map(|t| t.with_timezone(&Utc)),
        to: query.to.map(|t| t.with_timezone(&Utc)),
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
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting", body = MeetingResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, *id, Audience::of(&caller)).await?;
    Ok(respond(&meeting, &state.config.public_url))
}

/// A new meeting; it starts in state `planned`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "number": 12, "title": "12. Sitzung des Lenkungskreises Smart Region",
    "starts_at": "2026-03-26T17:00:00+01:00", "ends_at": "2026-03-26T19:00:00+01:00",
    "location_address": "Waldenburger Straße 2, 48231 Warendorf", "location_room": "Sitzungssaal 1",
    "public": true
}))]
pub struct CreateMeeting {
    /// The meeting's sequence number, unique, 1 to 100000.
    #[schema(minimum = 1, maximum = 100000)]
    pub number: i64,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Start (RFC 3339 with offset; stored as an instant).
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<FixedOffset>,
    /// End, after the start and at most 24 hours later.
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<FixedOffset>,
    /// Postal address, up to 500 characters; this or `online_url` is required.
    #[schema(max_length = 500)]
    pub location_address: Option<String>,
    /// Room, up to 200 characters.
    #[schema(max_length = 200)]
    pub location_room: Option<String>,
    /// Link to join online (http/https).
    #[schema(max_length = 500)]
    pub online_url: Option<String>,
    /// Whether the public may see the meeting.
    pub public: bool,
}

/// Changes to a meeting; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"location_room": "Sitzungssaal 2", "online_url": "https://meet.kreis-warendorf.de/lk"}))]
pub struct UpdateMeeting {
    /// 1 to 100000, unique.
    #[schema(minimum = 1, maximum = 100000)]
    pub number: Option<i64>,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// `null` removes it (then `online_url` is required).
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub location_address: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 200)]
    pub location_room: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub online_url: Option<Option<String>>,
    pub public: Option<bool>,
}

fn check_number(v: &mut Validator, number: i64) -> i32 {
    v.check(
        (1..=100_000).contains(&number),
        "/number",
        "must be between 1 and 100000",
    );
    number.clamp(0, 100_000) as i32
}

fn check_times(v: &mut Validator, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) {
    v.check(ends_at > starts_at, "/ends_at", "must be after starts_at");
    v.check(
        ends_at - starts_at <= chrono::Duration::hours(MAX_DURATION_HOURS),
        "/ends_at",
        "a meeting lasts at most 24 hours",
    );
}

impl CreateMeeting {
    fn validate(self) -> Result<rows::NewMeeting, ApiError> {
        let mut v = Validator::new();
        let number = check_number(&mut v, self.number);
        let title = v.text("/title", &self.title, 1, 300);
        let starts_at = self.starts_at.with_timezone(&Utc);
        let ends_at = self.ends_at.with_timezone(&Utc);
        check_times(&mut v, starts_at, ends_at);
        let location_address = self
            .location_address
            .map(|a| v.text("/location_address", &a, 1, 500));
        let location_room = self
            .location_room
            .map(|r| v.text("/location_room", &r, 1, 200));
        let online_url = self.online_url.map(|u| v.url("/online_url", &u));
        v.check(
            location_address.is_some() || online_url.is_some(),
            "/location_address",
            "a meeting needs an address or an online_url",
        );
        v.finish(rows::NewMeeting {
            number,
            title,
            starts_at,
            ends_at,
            location_address,
            location_room,
            online_url,
            public: self.public,
        })
    }
}

impl UpdateMeeting {
    /// Checks the fields alone; the checks that need the current meeting follow in
    /// [`check_merged`].
    fn validate(self) -> Result<MeetingChanges, ApiError> {
        let mut v = Validator::new();
        let changes = MeetingChanges {
            number: self.number.map(|n| check_number(&mut v, n)),
            title: self.title.map(|t| v.text("/title", &t, 1, 300)),
            starts_at: self.starts_at.map(|t| t.with_timezone(&Utc)),
            ends_at: self.ends_at.map(|t| t.with_timezone(&Utc)),
            location_address: self
                .location_address
                .map(|a| a.map(|a| v.text("/location_address", &a, 1, 500))),
            location_room: self
                .location_room
                .map(|r| r.map(|r| v.text("/location_room", &r, 1, 200))),
            online_url: self.online_url.map(|u| u.map(|u| v.url("/online_url", &u))),
            public: self.public,
            ..Default::default()
        };
        v.finish(changes)
    }
}

/// The rules that span fields, on the meeting as it would be after the change.
fn check_merged(current: &Meeting, changes: &MeetingChanges) -> Result<(), ApiError> {
    let mut v = Validator::new();
    let starts_at = changes.starts_at.unwrap_or(current.starts_at);
    let ends_at = changes.ends_at.unwrap_or(current.ends_at);
    check_times(&mut v, starts_at, ends_at);
    let address = changes
        .location_address
        .clone()
        .unwrap_or(current.location_address.clone());
    let online = changes
        .online_url
        .clone()
        .unwrap_or(current.online_url.clone());
    v.check(
        address.is_some() || online.is_some(),
        "/location_address",
        "a meeting needs an address or an online_url",
    );
    v.finish(())
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
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 503, response = crate::openapi::ServiceUnavailable),
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
        async move {
            let meeting = rows::insert(conn, &new).await.map_err(number_taken)?;
            Ok(Recorded::new(meeting.clone())
                .with(Entry::created("meeting", meeting.id).after(&meeting)))
        }
        .scope_boxed()
    })
    .await?;
    let url = super::meeting_url(&state.config.public_url, meeting.id);
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag::header_value(meeting.version)))
        .insert_header((header::LOCATION, url))
        .json(meeting_response(&meeting, &state.config.public_url)))
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
        ("id" = Uuid, Path, description = "Meeting id"),
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateMeeting,
    responses(
        (status = 200, description = "The updated meeting", body = MeetingResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[patch("/meetings/{id}")]
pub async fn update_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UpdateMeeting>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let changes = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let meeting = audited(&mut conn, &actor, move |conn| {
        async move {
            let before = rows::lock_live(conn, id)
                .await
                .map_err(or_meeting_not_found(id))?;
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
        ("id" = Uuid, Path, description = "Meeting id"),
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[delete("/meetings/{id}")]
pub async fn delete_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let before = rows::lock_live(conn, id)
                .await
                .map_err(or_meeting_not_found(id))?;
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

/// A move to another state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "cancelled", "reason": "Terminkollision mit dem Kreistag"}))]
pub struct MeetingTransition {
    /// `invited`, `held` or `cancelled`; `minutes_approved` is reached by approving the
    /// minutes.
    pub state: MeetingState,
    /// Why the meeting is cancelled: required for `cancelled`, 1 to 1000 characters.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// The meeting's state after a transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingStateResponse {
    pub state: MeetingState,
    pub allowed_next_states: Vec<MeetingState>,
}

/// Moves a meeting to another state (steering office only). Invalid transitions are 409 with
/// `allowed_next_states`. Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_meeting_state",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Meeting id"),
        ("If-Match" = String, Header, description = "The ETag of the meeting", example = "\"1\""),
    ),
    request_body = MeetingTransition,
    responses(
        (status = 200, description = "The meeting in its new state", body = MeetingResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[put("/meetings/{id}/state")]
pub async fn update_meeting_state(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<MeetingTransition>,
) -> ApiResult<HttpResponse> {
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
    let id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let meeting = audited(&mut conn, &actor, move |conn| {
        async move {
            let before = rows::lock_live(conn, id)
                .await
                .map_err(or_meeting_not_found(id))?;
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
