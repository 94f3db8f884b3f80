//! `/api/v1/meetings/{id}/minutes` and `.../minutes/approve`: the minutes (Niederschrift).
//! Approving them moves the meeting to `minutes_approved` and freezes minutes, results and
//! attendance.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::MeetingPath;
use super::types::MinutesResponse;
use super::view::{members_by_id, minutes_response};
use super::{
    Audience, ensure_changeable, or_meeting_not_found, state_conflict, state_of, visible_meeting,
};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::meetings::{self as meeting_rows, MeetingChanges};
use crate::db::committee::members;
use crate::db::committee::minutes::{self, Minutes, MinutesDraft};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::{MeetingPart, MeetingState};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::state::AppState;

const MAX_TEXT: usize = 200_000;

fn no_minutes(id: Uuid) -> ApiError {
    ApiError::not_found(format!("meeting {id} has no minutes yet"))
}

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

/// The draft minutes (replaces what was there).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "public_text": "## TOP 1 Begrüßung\nDer Vorsitzende eröffnet die Sitzung um 17:00 Uhr.",
    "non_public_text": "",
    "secretary_member_id": "3f0e8a52-8c3e-4d7e-9a43-2b8f1d1e0c11",
    "chair_member_id": "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
}))]
#[derive(Clone)]
pub struct PutMinutes {
    /// The public part, Markdown, up to 200000 characters.
    #[schema(max_length = 200000)]
    pub public_text: String,
    /// The non-public part (members only), Markdown, up to 200000 characters.
    #[serde(default)]
    #[schema(max_length = 200000)]
    pub non_public_text: String,
    /// The committee member who keeps the minutes.
    pub secretary_member_id: Option<Uuid>,
    /// The committee member who chaired the meeting.
    pub chair_member_id: Option<Uuid>,
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
    let if_match = if req.headers().contains_key(header::IF_MATCH) {
        Some(IfMatch::from_request(&req)?)
    } else {
        None
    };
    let body = body.into_inner()?;
    let mut v = Validator::new();
    v.check(
        body.public_text.chars().count() <= MAX_TEXT,
        "/public_text",
        "at most 200000 characters",
    );
    v.check(
        body.non_public_text.chars().count() <= MAX_TEXT,
        "/non_public_text",
        "at most 200000 characters",
    );
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let record = audited(&mut conn, &actor, move |conn| {
        let (body, mut v) = (body.clone(), v.clone());
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            for (pointer, id) in [
                ("/secretary_member_id", body.secretary_member_id),
                ("/chair_member_id", body.chair_member_id),
            ] {
                if let Some(id) = id {
                    match members::find_live(conn, id).await {
                        Ok(_) => {}
                        Err(diesel::result::Error::NotFound) => {
                            v.error(pointer, format!("committee member {id} does not exist"))
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
            }
            v.finish(())?;
            ensure_changeable(&meeting, MeetingPart::Minutes)?;
            let draft = MinutesDraft {
                meeting_id,
                public_text: body.public_text,
                non_public_text: body.non_public_text,
                secretary_member_id: body.secretary_member_id,
                chair_member_id: body.chair_member_id,
            };
            let (after, entry) = match minutes::find(conn, meeting_id).await? {
                Some(before) => {
                    let if_match = if_match.ok_or_else(|| {
                        ApiError::PreconditionRequired(
                            "minutes exist already: send If-Match with their ETag".into(),
                        )
                    })?;
                    if_match.check(before.version)?;
                    let after = minutes::replace(conn, before.id, &draft).await?;
                    let entry = Entry::updated("minutes", after.id)
                        .before(&before)
                        .after(&after);
                    (after, entry)
                }
                None => {
                    if if_match.is_some() {
                        return Err(crate::http::etag::stale());
                    }
                    let after = minutes::insert(conn, &draft).await?;
                    let entry = Entry::created("minutes", after.id).after(&after);
                    (after, entry)
                }
            };
            meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(after)
                .with(entry)
                .with(Entry::updated("meeting", meeting_id).action("meeting.minutes_changed")))
        }
        .scope_boxed()
    })
    .await?;
    respond(&mut conn, record, Audience::Member).await
}

/// The approval of the minutes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approved_at_meeting_id": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"}))]
pub struct ApproveMinutes {
    /// The (later) meeting at which the minutes were approved, normally the next one.
    pub approved_at_meeting_id: Option<Uuid>,
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
    let body = body.into_inner()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let record = audited(&mut conn, &actor, move |conn| {
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            let mut v = Validator::new();
            if let Some(at) = body.approved_at_meeting_id {
                v.check(
                    at != meeting_id,
                    "/approved_at_meeting_id",
                    "minutes are approved at another meeting",
                );
                if at != meeting_id {
                    match meeting_rows::find_live(conn, at).await {
                        Ok(other) => v.check(
                            other.starts_at > meeting.starts_at,
                            "/approved_at_meeting_id",
                            "must be a later meeting",
                        ),
                        Err(diesel::result::Error::NotFound) => v.error(
                            "/approved_at_meeting_id",
                            format!("meeting {at} does not exist"),
                        ),
                        Err(other) => return Err(other.into()),
                    }
                }
            }
            v.finish(())?;
            let current = state_of(&meeting);
            let next = current
                .transition(MeetingState::MinutesApproved, None)
                .map_err(|e| state_conflict(e, current))?;
            let before = minutes::find(conn, meeting_id)
                .await?
                .ok_or_else(|| no_minutes(meeting_id))?;
            if_match.check(before.version)?;
            let after = minutes::approve(conn, before.id, body.approved_at_meeting_id).await?;
            let meeting_after = meeting_rows::update(
                conn,
                meeting_id,
                &MeetingChanges {
                    state: Some(next.as_str().to_owned()),
                    ..Default::default()
                },
            )
            .await?;
            Ok(Recorded::new(after.clone())
                .with(
                    Entry::updated("minutes", after.id)
                        .action("minutes.approved")
                        .before(&before)
                        .after(&after),
                )
                .with(
                    Entry::updated("meeting", meeting_id)
                        .action("meeting.minutes_approved")
                        .before(&meeting)
                        .after(&meeting_after),
                ))
        }
        .scope_boxed()
    })
    .await?;
    respond(&mut conn, record, Audience::Member).await
}
