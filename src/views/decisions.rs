//! A recorded decision with its meeting: the decisions register and the council report.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::meetings::types::AgendaItemResponse;

/// The meeting a decision was taken in.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionMeeting {
    pub id: Uuid,
    #[schema(example = 12)]
    pub number: i32,
    pub title: String,
    #[schema(value_type = String, format = DateTime, example = "2026-03-26T17:00:00+01:00")]
    pub starts_at: DateTime<FixedOffset>,
}

/// A recorded result with its meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResponse {
    pub meeting: DecisionMeeting,
    /// The agenda item with result, resolution text and votes.
    pub agenda_item: AgendaItemResponse,
}
