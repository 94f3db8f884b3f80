//! The minutes' changes. Each runs inside the handler's audited transaction: it locks the
//! meeting, checks what needs the database, writes and returns what it recorded.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::types::CheckedMinutes;
use crate::api::meetings::{ensure_changeable, lock_meeting, state_conflict, state_of};
use crate::db::committee::meetings::{self as meeting_rows, MeetingChanges};
use crate::db::committee::members;
use crate::db::committee::minutes::{self, Minutes, MinutesDraft};
use crate::db::write::{Entry, Recorded};
use crate::domain::meetings::{MeetingPart, MeetingState};
use crate::domain::validation::Validator;
use crate::error::ApiError;
use crate::http::etag::IfMatch;

pub(super) fn no_minutes(id: Uuid) -> ApiError {
    ApiError::not_found(format!("meeting {id} has no minutes yet"))
}

/// Writes the minutes of a held meeting, replacing the draft (`If-Match` as
/// `IfMatch::check_put` asks).
pub(super) async fn put(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    if_match: Option<IfMatch>,
    checked: CheckedMinutes,
) -> Result<Recorded<Minutes>, ApiError> {
    let CheckedMinutes {
        minutes: body,
        mut v,
    } = checked;
    let meeting = lock_meeting(conn, meeting_id).await?;
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
    let existing = minutes::find(conn, meeting_id).await?;
    IfMatch::check_put(
        if_match,
        existing.as_ref().map(|m| m.version),
        "minutes exist already",
    )?;
    let (after, entry) = match existing {
        Some(before) => {
            let after = minutes::replace(conn, before.id, &draft).await?;
            let entry = Entry::updated("minutes", after.id)
                .before(&before)
                .after(&after);
            (after, entry)
        }
        None => {
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

/// Approves the minutes of a held meeting, optionally at a later meeting, and moves the
/// meeting to `minutes_approved`.
pub(super) async fn approve(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    if_match: IfMatch,
    approved_at: Option<Uuid>,
) -> Result<Recorded<Minutes>, ApiError> {
    let meeting = lock_meeting(conn, meeting_id).await?;
    let mut v = Validator::new();
    if let Some(at) = approved_at {
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
    let after = minutes::approve(conn, before.id, approved_at).await?;
    let meeting_after = meeting_rows::update(
        conn,
        meeting_id,
        &MeetingChanges {
            state: Some(next.as_str().to_owned()),
            ..Default::default()
        },
    )
    .await?;
    let entry = Entry::updated("minutes", after.id)
        .action("minutes.approved")
        .before(&before)
        .after(&after);
    Ok(Recorded::new(after).with(entry).with(
        Entry::updated("meeting", meeting_id)
            .action("meeting.minutes_approved")
            .before(&meeting)
            .after(&meeting_after),
    ))
}
