//! Whether a project's shares could be computed: part of the allocation answer and of the
//! council report.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether the shares could be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllocationStatus {
    /// Every year is split; the shares plus `unallocated_cents` equal the own share.
    Complete,
    /// The project has no cost key yet.
    NoCostKey,
    /// Nobody pays in this scenario.
    NoPayingParticipants,
    /// The key cannot split among the paying participants (`problem` says why), e.g. a fixed
    /// percentage is missing for a participant or a population figure is missing.
    KeyDoesNotFit,
}

impl AllocationStatus {
    pub fn parse(text: &str) -> Self {
        match text {
            "complete" => Self::Complete,
            "no_paying_participants" => Self::NoPayingParticipants,
            "key_does_not_fit" => Self::KeyDoesNotFit,
            _ => Self::NoCostKey,
        }
    }
}
