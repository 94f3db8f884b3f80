//! The response types of meetings and of everything a meeting embeds, shared by the JSON API
//! and every export (which all render the same, visibility-filtered [`MeetingDocument`]).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::meetings::{
    ActionItemStatus, AgendaResult, AttendanceStatus, CommitteeRole, MeetingState,
};

/// Where a meeting takes place.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocationResponse {
    /// Postal address.
    #[schema(example = "Kreishausplatz 1, 99999 Musterstadt")]
    pub address: Option<String>,
    /// Room within the building.
    #[schema(example = "Sitzungssaal 1")]
    pub room: Option<String>,
}

/// A meeting of the steering committee (Sitzung des Lenkungskreises).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingResponse {
    /// Stable id (also the iCalendar UID and, later, the OParl id).
    pub id: Uuid,
    /// The meeting's sequence number.
    #[schema(example = 12)]
    pub number: i32,
    #[schema(example = "12. Sitzung des Lenkungskreises Smart Region")]
    pub title: String,
    /// Start, in Europe/Berlin time with its offset.
    #[schema(value_type = String, format = DateTime, example = "2026-03-26T17:00:00+01:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// End, in Europe/Berlin time with its offset.
    #[schema(value_type = String, format = DateTime, example = "2026-03-26T19:00:00+01:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Always `Europe/Berlin`: the zone the times are shown in.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: &'static str,
    /// Where it takes place; `null` for online-only meetings.
    pub location: Option<LocationResponse>,
    /// Link to join online.
    #[schema(example = "https://meet.musterland.example/lenkungskreis")]
    pub online_url: Option<String>,
    /// Whether the public may see the meeting (and its public agenda items).
    pub public: bool,
    pub state: MeetingState,
    /// The states the meeting may move to next.
    pub allowed_next_states: Vec<MeetingState>,
    /// Why it was cancelled (state `cancelled` only).
    pub cancellation_reason: Option<String>,
    /// The iCalendar SEQUENCE: grows with every change to the meeting or its agenda.
    #[schema(example = 3)]
    pub ical_sequence: i32,
    /// Link to this meeting.
    #[schema(
        example = "https://smartregion.musterland.example/api/v1/meetings/6f1c2a9e-3b1d-4c55-9c1e-1a2b3c4d5e6f"
    )]
    pub url: String,
    pub created_at: DateTime<Utc>,
    /// Changes whenever the meeting or anything it embeds changes.
    pub updated_at: DateTime<Utc>,
}

/// A project an agenda item concerns.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectRef {
    pub id: Uuid,
    #[schema(example = "DI-3")]
    pub code: String,
    #[schema(example = "Glasfaser für Gewerbegebiete")]
    pub title: String,
}

/// Vote counts.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct VotesResponse {
    #[schema(example = 11)]
    pub yes: i32,
    #[schema(example = 1)]
    pub no: i32,
    #[schema(example = 2)]
    pub abstentions: i32,
}

/// The votes of one organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationVotesResponse {
    #[schema(example = "99001004")]
    pub organization: String,
    #[schema(example = 1)]
    pub yes: i32,
    #[schema(example = 0)]
    pub no: i32,
    #[schema(example = 0)]
    pub abstentions: i32,
}

/// An agenda item (Tagesordnungspunkt, TOP).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaItemResponse {
    pub id: Uuid,
    pub meeting_id: Uuid,
    /// Order on the agenda, from 1.
    #[schema(example = 3)]
    pub position: i32,
    /// The printed number.
    #[schema(example = "3.1")]
    pub number: String,
    #[schema(example = "Ausbau des Glasfasernetzes in Gewerbegebieten")]
    pub title: String,
    /// Non-public items are shown to members only.
    pub public: bool,
    /// The organization presenting the item.
    #[schema(example = "99001004")]
    pub presenter_organization: Option<String>,
    pub projects: Vec<ProjectRef>,
    /// The proposed resolution (Beschlussvorschlag).
    pub proposed_resolution: Option<String>,
    /// The outcome, once the meeting is held.
    pub result: Option<AgendaResult>,
    /// The resolution as adopted.
    pub resolution_text: Option<String>,
    /// Total votes.
    pub votes: Option<VotesResponse>,
    /// Votes per organization, when recorded.
    pub votes_by_organization: Vec<OrganizationVotesResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A delegate as far as the audience may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DelegateRef {
    pub id: Uuid,
    /// `null` for the public unless the delegate consented to publishing the name.
    #[schema(example = "Dr. Erika Mustermann")]
    pub name: Option<String>,
    pub role: CommitteeRole,
}

/// How one organization attended a meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceResponse {
    pub id: Uuid,
    pub meeting_id: Uuid,
    #[schema(example = "99001004")]
    pub organization: String,
    pub status: AttendanceStatus,
    /// The delegates who attended (for the public: only those who consented to being named).
    pub delegates: Vec<DelegateRef>,
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-03-26T17:05:00+01:00")]
    pub arrived_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-03-26T18:30:00+01:00")]
    pub left_at: Option<DateTime<FixedOffset>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The minutes (Niederschrift) of a meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MinutesResponse {
    pub id: Uuid,
    pub meeting_id: Uuid,
    /// The public part, Markdown.
    pub public_text: String,
    /// The non-public part, Markdown; `null` for the public.
    pub non_public_text: Option<String>,
    pub secretary: Option<DelegateRef>,
    pub chair: Option<DelegateRef>,
    /// Whether the minutes are approved (and so frozen).
    pub approved: bool,
    pub approved_at: Option<DateTime<Utc>>,
    /// The meeting at which they were approved.
    pub approved_at_meeting_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A task that came out of a meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionItemResponse {
    pub id: Uuid,
    #[schema(example = "Förderantrag für das Glasfaserprojekt vorbereiten")]
    pub title: String,
    /// The agenda item it came from.
    pub agenda_item_id: Option<Uuid>,
    /// The meeting of that agenda item.
    pub meeting_id: Option<Uuid>,
    /// The organization that owns it.
    #[schema(example = "99001004")]
    pub owner_organization: String,
    #[schema(example = "2026-06-30")]
    pub due_date: Option<NaiveDate>,
    pub status: ActionItemStatus,
    /// Pending and past its due date (today in Europe/Berlin).
    pub overdue: bool,
    pub project_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A whole meeting as one document (the JSON export), as far as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingDocument {
    pub meeting: MeetingResponse,
    /// In agenda order; for the public only the public items.
    pub agenda_items: Vec<AgendaItemResponse>,
    pub attendance: Vec<AttendanceResponse>,
    /// `null` while there are none, and for the public until they are approved.
    pub minutes: Option<MinutesResponse>,
    /// For members only (empty for the public).
    pub action_items: Vec<ActionItemResponse>,
}
