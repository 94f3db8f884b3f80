//! `/api/v1/meetings/{id}/attendance[/{org}]`: who attended, per organization. The steering
//! office records it for everyone; an organization's admin or editor for its own organization.
//!
//! `handlers` parse, authorize and answer; `types` holds the request body and its own checks;
//! `write` the rules of each change, run in one audited transaction on the locked meeting.

mod handlers;
mod types;
mod write;

pub use self::handlers::*;
pub use self::types::{AttendanceListResponse, AttendancePath, PutAttendance};
