//! What a meeting looks like to its readers: the response and document types of meetings,
//! agenda items, attendance, minutes and action items, and the functions that build them from
//! rows. Shared by the meeting handlers, the exports (PDF/HTML, CSV, ICS), the decisions
//! register, the council report and OParl.

use chrono::{DateTime, FixedOffset, Utc};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::committee::meetings::Meeting;
use crate::domain::meetings::{MeetingState, TIME_ZONE};

pub mod build;
pub mod types;

/// Who a read is for: what it may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anonymous callers and the public calendar feed.
    Public,
    /// Any member of the cooperation (a bearer token or a feed token).
    Member,
}

impl Audience {
    pub fn of(caller: &Caller) -> Self {
        if caller.is_member() {
            Audience::Member
        } else {
            Audience::Public
        }
    }

    pub fn is_public(self) -> bool {
        self == Audience::Public
    }
}

/// An instant as shown to people: in Europe/Berlin, with its offset.
pub fn berlin(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.with_timezone(&TIME_ZONE).fixed_offset()
}

pub fn state_of(meeting: &Meeting) -> MeetingState {
    // The column's CHECK constraint allows only the known names.
    MeetingState::parse(&meeting.state).unwrap_or(MeetingState::Planned)
}

/// The absolute URL of a meeting, for calendar entries and printed agendas.
pub fn meeting_url(public_url: &str, id: Uuid) -> String {
    format!("{public_url}/api/v1/meetings/{id}")
}
