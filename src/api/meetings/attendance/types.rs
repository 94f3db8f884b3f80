//! The request body of the attendance endpoint and its own checks.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::meetings::types::AttendanceResponse;
use crate::domain::meetings::AttendanceStatus;
use crate::domain::validation::Validator;

/// At most this many delegates per organization and meeting.
const MAX_DELEGATES: usize = 10;

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

/// The attendance of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceListResponse {
    /// One entry per organization recorded, by organization key.
    pub items: Vec<AttendanceResponse>,
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

/// An attendance whose own fields are checked; whether the delegates belong to the
/// organization is checked in the transaction (`v` carries any errors found so far into that
/// check).
#[derive(Clone)]
pub(super) struct CheckedAttendance {
    pub status: AttendanceStatus,
    pub delegate_member_ids: Vec<Uuid>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub v: Validator,
}

impl PutAttendance {
    pub(super) fn check(self) -> CheckedAttendance {
        let mut v = Validator::new();
        let arrived_at = self.arrived_at.map(|t| t.with_timezone(&Utc));
        let left_at = self.left_at.map(|t| t.with_timezone(&Utc));
        let attended = matches!(
            self.status,
            AttendanceStatus::Present | AttendanceStatus::Substitute
        );
        if !attended {
            let only_when_attended = "only when present or substitute";
            v.check(arrived_at.is_none(), "/arrived_at", only_when_attended);
            v.check(left_at.is_none(), "/left_at", only_when_attended);
            v.check(
                self.delegate_member_ids.is_empty(),
                "/delegate_member_ids",
                only_when_attended,
            );
        }
        if let (Some(arrived), Some(left)) = (arrived_at, left_at) {
            v.check(left >= arrived, "/left_at", "must not be before arrived_at");
        }
        v.check(
            self.delegate_member_ids.len() <= MAX_DELEGATES,
            "/delegate_member_ids",
            "at most 10 delegates",
        );
        let unique: HashSet<_> = self.delegate_member_ids.iter().collect();
        v.check(
            unique.len() == self.delegate_member_ids.len(),
            "/delegate_member_ids",
            "must not repeat a delegate",
        );
        CheckedAttendance {
            status: self.status,
            delegate_member_ids: self.delegate_member_ids,
            arrived_at,
            left_at,
            v,
        }
    }
}
