//! The attendance's changes. Each runs inside the handler's audited transaction: it locks the
//! meeting, checks what needs the database, writes, touches the meeting and returns what it
//! recorded, attributed to the organization whose attendance it is.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::types::CheckedAttendance;
use crate::api::meetings::{ensure_changeable, lock_meeting};
use crate::db::committee::attendance::{self, Attendance, AttendanceRecord};
use crate::db::committee::meetings as meeting_rows;
use crate::db::committee::members;
use crate::db::organizations;
use crate::db::write::{Entry, Recorded};
use crate::domain::meetings::MeetingPart;
use crate::error::ApiError;
use crate::http::etag::IfMatch;

/// Whose attendance is written, and on whose behalf (the steering office acting for an
/// organization is recorded as such).
#[derive(Clone)]
pub(super) struct Target {
    pub meeting_id: Uuid,
    pub org: String,
    pub on_behalf_of: Option<String>,
}

pub(super) fn attendance_not_found(meeting: Uuid, org: &str) -> ApiError {
    ApiError::not_found(format!(
        "no attendance of organization {org} is recorded for meeting {meeting}"
    ))
}

fn attendance_changed(meeting_id: Uuid) -> Entry {
    Entry::updated("meeting", meeting_id).action("meeting.attendance_changed")
}

/// Records `attendance`, replacing what was recorded (`If-Match` as `IfMatch::check_put`
/// asks).
pub(super) async fn put(
    conn: &mut AsyncPgConnection,
    target: Target,
    if_match: Option<IfMatch>,
    attendance: CheckedAttendance,
) -> Result<Recorded<Attendance>, ApiError> {
    let Target {
        meeting_id,
        org,
        on_behalf_of,
    } = target;
    let CheckedAttendance {
        status,
        delegate_member_ids,
        arrived_at,
        left_at,
        mut v,
    } = attendance;
    let meeting = lock_meeting(conn, meeting_id).await?;
    if !crate::domain::ids::is_organization_key(&org) || !organizations::exists(conn, &org).await? {
        return Err(ApiError::not_found(format!(
            "organization {org} does not exist"
        )));
    }
    let delegates = members::find_many(conn, &delegate_member_ids).await?;
    for (index, id) in delegate_member_ids.iter().enumerate() {
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
        status: status.as_str().to_owned(),
        delegate_member_ids,
        arrived_at,
        left_at,
    };
    IfMatch::check_put(
        if_match,
        existing.as_ref().map(|e| e.version),
        "attendance is recorded already",
    )?;
    let (after, entry) = match existing {
        Some(before) => {
            let after = attendance::replace(conn, before.id, &new).await?;
            let entry = Entry::updated("attendance", after.id)
                .before(&before)
                .after(&after);
            (after, entry)
        }
        None => {
            let after = attendance::insert(conn, &new).await?;
            let entry = Entry::created("attendance", after.id).after(&after);
            (after, entry)
        }
    };
    meeting_rows::touch(conn, meeting_id).await?;
    Ok(Recorded::new(after)
        .with(entry.org(org).on_behalf_of(on_behalf_of))
        .with(attendance_changed(meeting_id)))
}

/// Removes the attendance recorded for the organization; refused once the minutes are
/// approved (the meeting's state decides).
pub(super) async fn delete(
    conn: &mut AsyncPgConnection,
    target: Target,
    if_match: IfMatch,
) -> Result<Recorded<()>, ApiError> {
    let Target {
        meeting_id,
        org,
        on_behalf_of,
    } = target;
    let meeting = lock_meeting(conn, meeting_id).await?;
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
                .org(org)
                .on_behalf_of(on_behalf_of)
                .before(&before),
        )
        .with(attendance_changed(meeting_id)))
}
