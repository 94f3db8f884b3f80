//! The steering committee's meetings: the lifecycle of a meeting, what may change in which
//! state (approved minutes freeze a meeting), and the closed vocabularies of agenda results,
//! attendance, action items and delegates' roles.

mod state;
mod vocab;
mod votes;

pub use state::{MeetingPart, MeetingState, StateError};
pub use vocab::{ActionItemStatus, AgendaResult, AttendanceStatus, CommitteeRole};
pub use votes::{VoteCount, per_organization_matches};

/// The time zone in which meetings are shown: the only one a profile may name so far
/// (`profile::SUPPORTED_TIME_ZONES`; the calendar exports carry its VTIMEZONE).
pub const TIME_ZONE: chrono_tz::Tz = chrono_tz::Europe::Berlin;
