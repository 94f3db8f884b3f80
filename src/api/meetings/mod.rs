//! The steering committee's meetings: `/api/v1/meetings` with their agenda items, attendance
//! and minutes, the exports of a meeting and the calendar feed.
//!
//! Who may do what (decided at the top of each handler):
//! - anonymous callers read public meetings and only their public agenda items; names of
//!   delegates appear only with their consent; non-public meetings are 404 to them;
//! - members (any role) read everything;
//! - only the steering office (coordinator) writes meetings, agenda, minutes and results;
//! - an organization's admin or editor may also record its own attendance.

pub mod agenda;
pub mod attendance;
pub mod export;
pub mod feed;
pub mod handlers;
pub mod meeting_input;
pub mod minutes;

pub use crate::views::meetings::{Audience, berlin, build as view, meeting_url, state_of, types};

use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::db::committee::meetings::{self as meeting_rows, Meeting};
use crate::db::organizations;
use crate::domain::meetings::{MeetingPart, MeetingState, StateError};
use crate::domain::validation::Validator;
use crate::error::{ApiError, OrNotFound};

/// The path of a meeting.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MeetingPath {
    /// Meeting id
    pub id: Uuid,
}

/// A 409 for a refused transition or a change to a frozen meeting, naming the states the
/// meeting may move to.
pub fn state_conflict(error: StateError, current: MeetingState) -> ApiError {
    conflict_in_state(error.to_string(), current)
}

/// A 409 with `detail`, naming the current state and the states the meeting may move to.
pub fn conflict_in_state(detail: impl Into<String>, current: MeetingState) -> ApiError {
    let mut extensions = Map::new();
    extensions.insert("state".into(), json!(current.as_str()));
    extensions.insert(
        "allowed_next_states".into(),
        Value::Array(
            current
                .allowed_next()
                .iter()
                .map(|s| json!(s.as_str()))
                .collect(),
        ),
    );
    ApiError::conflict_with(detail, extensions)
}

/// Refuses a change to `part` of a meeting whose state no longer allows it.
pub fn ensure_changeable(meeting: &Meeting, part: MeetingPart) -> Result<(), ApiError> {
    let state = state_of(meeting);
    state
        .may_change(part)
        .map_err(|error| state_conflict(error, state))
}

pub fn meeting_not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("meeting {id} does not exist"))
}

/// A live meeting, locked for the rest of the transaction: every change to a meeting and its
/// parts takes this lock first, so that they apply one after another.
pub async fn lock_meeting(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Meeting, ApiError> {
    meeting_rows::lock_live(conn, id)
        .await
        .or_not_found("meeting", id)
}

/// A live meeting the audience may see: non-public meetings are 404 to the public, so that
/// their existence is not revealed.
pub async fn visible_meeting(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    audience: Audience,
) -> Result<Meeting, ApiError> {
    let meeting = meeting_rows::find_live(conn, id)
        .await
        .or_not_found("meeting", id)?;
    if audience.is_public() && !meeting.public {
        return Err(meeting_not_found(id));
    }
    Ok(meeting)
}

/// Checks that an organization key names a member of the cooperation.
pub async fn check_organization(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    pointer: &str,
    key: &str,
) -> Result<(), ApiError> {
    if !crate::domain::ids::is_organization_key(key) || !organizations::exists(conn, key).await? {
        v.error(pointer, format!("organization {key} does not exist"));
    }
    Ok(())
}
