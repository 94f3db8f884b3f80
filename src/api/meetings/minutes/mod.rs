//! `/api/v1/meetings/{id}/minutes` and `.../minutes/approve`: the minutes (Niederschrift).
//! Approving them moves the meeting to `minutes_approved` and freezes minutes, results and
//! attendance.
//!
//! `handlers` parse, authorize and answer; `types` holds the request bodies and their own
//! checks; `write` the rules of each change, run in one audited transaction on the locked
//! meeting.

mod handlers;
mod types;
mod write;

pub use self::handlers::*;
pub use self::types::{ApproveMinutes, PutMinutes};
