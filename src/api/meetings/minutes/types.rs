//! The request bodies of the minutes endpoints and their own checks.

use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::validation::Validator;

/// Each part of the minutes holds at most this many characters.
const MAX_TEXT: usize = 200_000;

/// The draft minutes (replaces what was there).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "public_text": "## TOP 1 Begrüßung\nDer Vorsitzende eröffnet die Sitzung um 17:00 Uhr.",
    "non_public_text": "",
    "secretary_member_id": "3f0e8a52-8c3e-4d7e-9a43-2b8f1d1e0c11",
    "chair_member_id": "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
}))]
#[derive(Clone)]
pub struct PutMinutes {
    /// The public part, Markdown, up to 200000 characters.
    #[schema(max_length = 200000)]
    pub public_text: String,
    /// The non-public part (members only), Markdown, up to 200000 characters.
    #[serde(default)]
    #[schema(max_length = 200000)]
    pub non_public_text: String,
    /// The committee member who keeps the minutes.
    pub secretary_member_id: Option<Uuid>,
    /// The committee member who chaired the meeting.
    pub chair_member_id: Option<Uuid>,
}

/// Minutes whose own fields are checked; whether the members they name exist is checked in
/// the transaction (`v` carries any errors found so far into that check).
#[derive(Clone)]
pub(super) struct CheckedMinutes {
    pub minutes: PutMinutes,
    pub v: Validator,
}

impl PutMinutes {
    pub(super) fn check(self) -> CheckedMinutes {
        let mut v = Validator::new();
        v.check(
            self.public_text.chars().count() <= MAX_TEXT,
            "/public_text",
            "at most 200000 characters",
        );
        v.check(
            self.non_public_text.chars().count() <= MAX_TEXT,
            "/non_public_text",
            "at most 200000 characters",
        );
        CheckedMinutes { minutes: self, v }
    }
}

/// The approval of the minutes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approved_at_meeting_id": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"}))]
pub struct ApproveMinutes {
    /// The (later) meeting at which the minutes were approved, normally the next one.
    pub approved_at_meeting_id: Option<Uuid>,
}
