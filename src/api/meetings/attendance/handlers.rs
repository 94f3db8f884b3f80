//! The attendance's handlers: parse, authorize, run the change of `write` in an audited
//! transaction, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};

use super::types::{AttendanceListResponse, AttendancePath, PutAttendance};
use super::write::{self, Target, attendance_not_found};
use crate::api::meetings::types::AttendanceResponse;
use crate::api::meetings::view::{attendance_response, load_attendance, members_by_id};
use crate::api::meetings::{Audience, MeetingPath, visible_meeting};
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::committee::attendance;
use crate::db::write::{ScopedFutureExt, audited};
use crate::error::ApiResult;
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::state::AppState;

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
    let if_match = IfMatch::optional(&req)?;
    let attendance = body.into_inner()?.check();
    let target = Target {
        meeting_id,
        on_behalf_of: caller.on_behalf_of(&org),
        org,
    };
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let record = audited(&mut conn, &actor, move |conn| {
        write::put(conn, target.clone(), if_match, attendance.clone()).scope_boxed()
    })
    .await?;
    let members = members_by_id(&mut conn, &record.delegate_member_ids).await?;
    let version = record.version;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(version)))
        .json(attendance_response(record, &members, Audience::Member)))
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
    let target = Target {
        meeting_id,
        on_behalf_of: caller.on_behalf_of(&org),
        org,
    };
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        write::delete(conn, target.clone(), if_match).scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
