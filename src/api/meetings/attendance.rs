//! `/api/v1/meetings/{id}/attendance[/{org}]`: who attended, per organization. The steering
//! office records it for everyone; an organization's admin or editor for its own organization.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::MeetingPath;
use super::types::AttendanceResponse;
use super::view::{attendance_response, load_attendance, members_by_id};
use super::{Audience, ensure_changeable, or_meeting_not_found, visible_meeting};
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::committee::attendance::{self, AttendanceRecord};
use crate::db::committee::meetings as meeting_rows;
use crate::db::committee::members;
use crate::db::organizations;
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::{AttendanceStatus, MeetingPart};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::state::AppState;

/// The path of one organization's attendance at a meeting.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AttendancePath {
    /// Meeting id
    pub id: Uuid,
    /// Organization key
    #[param(example = "99001004")]
    pub org: String,
}

const MAX_DELEGATES: usize = 10;

/// The attendance of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceListResponse {
    /// One entry per organization recorded, by organization key.
    pub items: Vec<AttendanceResponse>,
}

/// Lists the attendance of a meeting. Anonymous callers (public meetings only) see names only
/// of delegates who consented.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_attendance",
    security((), ("bearer" = [])),
    params(MeetingPath, ModifiedSince),
    responses(
        (status = 200, description = "The attendance", body = AttendanceListResponse),
    ),
)]
#[get("/meetings/{id}/attendance")]
pub async fn list_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingPath>,
    since: web::Query<ModifiedSince>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    let audience = Audience::of(&caller);
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, id, audience).await?;
    let mut items = load_attendance(&mut conn, meeting.id, audience).await?;
    // One record per organization at most, so the filter runs on the loaded records.
    items.retain(|record| since.includes(record.updated_at));
    Ok(HttpResponse::Ok().json(AttendanceListResponse { items }))
}

/// The attendance of one organization (replaces what was recorded).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "status": "present", "delegate_member_ids": ["3f0e8a52-8c3e-4d7e-9a43-2b8f1d1e0c11"],
    "arrived_at": "2026-03-26T17:05:00+01:00", "left_at": "2026-03-26T18:30:00+01:00"
}))]
#[derive(Clone)]
pub struct PutAttendance {
    pub status: AttendanceStatus,
    /// Committee members of this organization who attended, at most 10; empty when excused
    /// or absent.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub delegate_member_ids: Vec<Uuid>,
    /// Arrival (RFC 3339); only when present or substitute.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub arrived_at: Option<DateTime<FixedOffset>>,
    /// Departure (RFC 3339), not before arrival; only when present or substitute.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub left_at: Option<DateTime<FixedOffset>>,
}

/// Records the attendance of one organization at a meeting: the steering office for any
/// organization, an organization's admin or editor for its own. Needs `If-Match` when a record
/// exists already.
#[utoipa::path(
    tag = "meetings",
    operation_id = "put_attendance",
    security(("bearer" = [])),
    params(
        AttendancePath,
        ("If-Match" = Option<String>, Header, description = "The ETag of the record, when one exists"),
    ),
    request_body = PutAttendance,
    responses(
        (status = 200, description = "The recorded attendance", body = AttendanceResponse,
         headers(("ETag" = String, description = "The record's version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 428, response = crate::error::responses::PreconditionRequired),
    ),
)]
#[put("/meetings/{id}/attendance/{org}")]
pub async fn put_attendance(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<AttendancePath>,
    body: Json<PutAttendance>,
) -> ApiResult<HttpResponse> {
    let AttendancePath {
        id: meeting_id,
        org,
    } = path.into_inner();
    caller.require(Right::Edit, &org)?;
    let if_match = if req.headers().contains_key(header::IF_MATCH) {
        Some(IfMatch::from_request(&req)?)
    } else {
        None
    };
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let arrived_at = body.arrived_at.map(|t| t.with_timezone(&Utc));
    let left_at = body.left_at.map(|t| t.with_timezone(&Utc));
    let attended = matches!(
        body.status,
        AttendanceStatus::Present | AttendanceStatus::Substitute
    );
    if !attended {
        v.check(
            arrived_at.is_none(),
            "/arrived_at",
            "only when present or substitute",
        );
        v.check(
            left_at.is_none(),
            "/left_at",
            "only when present or substitute",
        );
        v.check(
            body.delegate_member_ids.is_empty(),
            "/delegate_member_ids",
            "only when present or substitute",
        );
    }
    if let (Some(arrived), Some(left)) = (arrived_at, left_at) {
        v.check(left >= arrived, "/left_at", "must not be before arrived_at");
    }
    v.check(
        body.delegate_member_ids.len() <= MAX_DELEGATES,
        "/delegate_member_ids",
        "at most 10 delegates",
    );
    let unique: HashSet<_> = body.delegate_member_ids.iter().collect();
    v.check(
        unique.len() == body.delegate_member_ids.len(),
        "/delegate_member_ids",
        "must not repeat a delegate",
    );
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&org);
    let mut conn = db::connect(&state.pool).await?;
    let record = audited(&mut conn, &actor, move |conn| {
        let (body, on_behalf_of, org, mut v) =
            (body.clone(), on_behalf_of.clone(), org.clone(), v.clone());
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            if !crate::domain::ids::is_organization_key(&org)
                || !organizations::exists(conn, &org).await?
            {
                return Err(ApiError::not_found(format!(
                    "organization {org} does not exist"
                )));
            }
            let delegates = members::find_many(conn, &body.delegate_member_ids).await?;
            for (index, id) in body.delegate_member_ids.iter().enumerate() {
                let ok = delegates
                    .iter()
                    .any(|m| m.id == *id && m.organization_key == org && m.deleted_at.is_none());
                if !ok {
                    v.error(
                        format!("/delegate_member_ids/{index}"),
                        format!("{id} is no committee member of organization {org}"),
                    );
                }
            }
            v.finish(())?;
            ensure_changeable(&meeting, MeetingPart::Attendance)?;
            let existing = attendance::find(conn, meeting_id, &org).await?;
            let new = AttendanceRecord {
                meeting_id,
                organization_key: org.clone(),
                status: body.status.as_str().to_owned(),
                delegate_member_ids: body.delegate_member_ids,
                arrived_at,
                left_at,
            };
            let (after, entry) = match existing {
                Some(before) => {
                    let if_match = if_match.ok_or_else(|| {
                        ApiError::PreconditionRequired(
                            "attendance is recorded already: send If-Match with its ETag".into(),
                        )
                    })?;
                    if_match.check(before.version)?;
                    let after = attendance::replace(conn, before.id, &new).await?;
                    let entry = Entry::updated("attendance", after.id)
                        .before(&before)
                        .after(&after);
                    (after, entry)
                }
                None => {
                    if if_match.is_some() {
                        return Err(crate::http::etag::stale());
                    }
                    let after = attendance::insert(conn, &new).await?;
                    let entry = Entry::created("attendance", after.id).after(&after);
                    (after, entry)
                }
            };
            meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(after)
                .with(entry.org(org.clone()).on_behalf_of(on_behalf_of))
                .with(Entry::updated("meeting", meeting_id).action("meeting.attendance_changed")))
        }
        .scope_boxed()
    })
    .await?;
    let members = members_by_id(&mut conn, &record.delegate_member_ids).await?;
    let version = record.version;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(version)))
        .json(attendance_response(record, &members, Audience::Member)))
}

fn attendance_not_found(meeting: Uuid, org: &str) -> ApiError {
    ApiError::not_found(format!(
        "no attendance of organization {org} is recorded for meeting {meeting}"
    ))
}

/// Reads the attendance of one organization. Anonymous callers (public meetings only) see
/// names only of delegates who consented.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_attendance",
    security((), ("bearer" = [])),
    params(
        AttendancePath,
    ),
    responses(
        (status = 200, description = "The attendance", body = AttendanceResponse,
         headers(("ETag" = String, description = "The record's version tag"))),
    ),
)]
#[get("/meetings/{id}/attendance/{org}")]
pub async fn get_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AttendancePath>,
) -> ApiResult<HttpResponse> {
    let AttendancePath {
        id: meeting_id,
        org,
    } = path.into_inner();
    let audience = Audience::of(&caller);
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, meeting_id, audience).await?;
    let record = attendance::find(&mut conn, meeting.id, &org)
        .await?
        .ok_or_else(|| attendance_not_found(meeting_id, &org))?;
    let members = members_by_id(&mut conn, &record.delegate_member_ids).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(record.version)))
        .json(attendance_response(record, &members, audience)))
}

/// Removes the attendance recorded for one organization (e.g. recorded for the wrong one):
/// the steering office, or the organization's admin or editor. Needs `If-Match`; refused
/// once the minutes are approved.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_attendance",
    security(("bearer" = [])),
    params(
        AttendancePath,
        ("If-Match" = String, Header, description = "The ETag of the record", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/meetings/{id}/attendance/{org}")]
pub async fn delete_attendance(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<AttendancePath>,
) -> ApiResult<HttpResponse> {
    let AttendancePath {
        id: meeting_id,
        org,
    } = path.into_inner();
    caller.require(Right::Edit, &org)?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&org);
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        let (on_behalf_of, org) = (on_behalf_of.clone(), org.clone());
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            let before = attendance::find(conn, meeting_id, &org)
                .await?
                .ok_or_else(|| attendance_not_found(meeting_id, &org))?;
            if_match.check(before.version)?;
            ensure_changeable(&meeting, MeetingPart::Attendance)?;
            attendance::delete(conn, before.id).await?;
            meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(())
                .with(
                    Entry::deleted("attendance", before.id)
                        .org(org.clone())
                        .on_behalf_of(on_behalf_of)
                        .before(&before),
                )
                .with(Entry::updated("meeting", meeting_id).action("meeting.attendance_changed")))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
