//! Response types of the participation resource.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::participations::resolutions::{Consultation, ResolutionWithConsultations};
use crate::db::participations::{Participation, ProjectRef};
use crate::domain::participation as rules;

/// The path of one organization's participation in a project.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ParticipationPath {
    /// Project id
    pub id: Uuid,
    /// Organization key
    #[param(example = "99001012")]
    pub org: String,
}

/// Where a participation stands. Allowed moves: from nothing to `interested`,
/// `intends_to_join` or `declined`; `interested` → `intends_to_join`, `declined`;
/// `intends_to_join` → `interested`, `council_decision_pending`, `committed`, `declined`;
/// `council_decision_pending` → `intends_to_join`, `committed`, `declined`;
/// `committed` → `withdrawn`; `withdrawn` → `interested`; `declined` → `interested`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticipationState {
    /// Interested, nothing decided.
    Interested,
    /// The administration intends to join.
    IntendsToJoin,
    /// The council (or Kreistag) has yet to decide.
    CouncilDecisionPending,
    /// Taking part, decided (by the council where required).
    Committed,
    /// Left after having committed (effective date and reason given).
    Withdrawn,
    /// Decided not to take part (before committing), e.g. after a council rejected it.
    Declined,
}

impl From<rules::ParticipationState> for ParticipationState {
    fn from(state: rules::ParticipationState) -> Self {
        use rules::ParticipationState as S;
        match state {
            S::Interested => Self::Interested,
            S::IntendsToJoin => Self::IntendsToJoin,
            S::CouncilDecisionPending => Self::CouncilDecisionPending,
            S::Committed => Self::Committed,
            S::Withdrawn => Self::Withdrawn,
            S::Declined => Self::Declined,
        }
    }
}

impl From<ParticipationState> for rules::ParticipationState {
    fn from(state: ParticipationState) -> Self {
        use rules::ParticipationState as S;
        match state {
            ParticipationState::Interested => S::Interested,
            ParticipationState::IntendsToJoin => S::IntendsToJoin,
            ParticipationState::CouncilDecisionPending => S::CouncilDecisionPending,
            ParticipationState::Committed => S::Committed,
            ParticipationState::Withdrawn => S::Withdrawn,
            ParticipationState::Declined => S::Declined,
        }
    }
}

/// Parses a state the database holds (its CHECK constraint admits only known names).
pub(super) fn stored_state(text: &str) -> rules::ParticipationState {
    rules::ParticipationState::parse(text).unwrap_or(rules::ParticipationState::Interested)
}

/// What a council decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionOutcome {
    Approved,
    ApprovedWithChanges,
    /// Moves the participation to `declined`.
    Rejected,
}

impl From<ResolutionOutcome> for rules::ResolutionOutcome {
    fn from(outcome: ResolutionOutcome) -> Self {
        match outcome {
            ResolutionOutcome::Approved => Self::Approved,
            ResolutionOutcome::ApprovedWithChanges => Self::ApprovedWithChanges,
            ResolutionOutcome::Rejected => Self::Rejected,
        }
    }
}

/// The part a body played in the Beratungsfolge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationRole {
    /// Vorberatung.
    Preliminary,
    /// Entscheidung.
    Decision,
    /// Kenntnisnahme.
    Noting,
}

impl ConsultationRole {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Preliminary => "preliminary",
            Self::Decision => "decision",
            Self::Noting => "noting",
        }
    }
}

/// The project a participation belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectRefResponse {
    pub id: Uuid,
    #[schema(example = "DI-3")]
    pub code: String,
    #[schema(example = "Digitale Dorfladenbox")]
    pub title: String,
}

impl From<ProjectRef> for ProjectRefResponse {
    fn from(p: ProjectRef) -> Self {
        Self {
            id: p.id,
            code: p.code,
            title: p.title,
        }
    }
}

/// One deliberation of the Beratungsfolge.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationResponse {
    /// 1-based position in the Beratungsfolge.
    #[schema(example = 1)]
    pub position: i16,
    #[schema(example = "Haupt- und Finanzausschuss")]
    pub body: String,
    #[schema(example = "2025-04-01")]
    pub held_on: NaiveDate,
    /// Stored values are always one of the roles.
    #[schema(value_type = ConsultationRole)]
    pub role: String,
    #[schema(example = "einstimmig empfohlen")]
    pub result: String,
}

impl From<Consultation> for ConsultationResponse {
    fn from(c: Consultation) -> Self {
        Self {
            position: c.position,
            body: c.body,
            held_on: c.held_on,
            role: c.role,
            result: c.result,
        }
    }
}

/// A council resolution on the participation, with its Beratungsfolge.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouncilResolutionResponse {
    pub id: Uuid,
    /// The body that decided, e.g. the town's council.
    #[schema(example = "Gemeinderat Exempelfeld")]
    pub deciding_body: String,
    #[schema(example = "2025-04-08")]
    pub decided_on: NaiveDate,
    /// The council paper (Vorlage / Drucksache).
    #[schema(example = "V 2025/054")]
    pub paper_reference: String,
    #[schema(value_type = ResolutionOutcome)]
    pub outcome: String,
    /// The text of the resolution (Beschluss), if recorded.
    pub resolution_text: Option<String>,
    /// A link into the municipality's council information system.
    #[schema(example = "https://ratsinfo.exempelfeld.example/vo0050.asp?__kvonr=2054")]
    pub url: Option<String>,
    /// The frozen cost-allocation snapshot the council approved; filled in by the cost-sharing
    /// resource, `null` until then.
    pub allocation_snapshot_id: Option<Uuid>,
    /// The bodies that deliberated, in order.
    pub consultations: Vec<ConsultationResponse>,
    pub recorded_at: DateTime<Utc>,
}

impl From<ResolutionWithConsultations> for CouncilResolutionResponse {
    fn from(r: ResolutionWithConsultations) -> Self {
        let ResolutionWithConsultations {
            resolution,
            consultations,
        } = r;
        Self {
            id: resolution.id,
            deciding_body: resolution.deciding_body,
            decided_on: resolution.decided_on,
            paper_reference: resolution.paper_reference,
            outcome: resolution.outcome,
            resolution_text: resolution.resolution_text,
            url: resolution.url,
            allocation_snapshot_id: resolution.allocation_snapshot_id,
            consultations: consultations.into_iter().map(Into::into).collect(),
            recorded_at: resolution.recorded_at,
        }
    }
}

/// When and why an organization left a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalResponse {
    #[schema(example = "2026-12-31")]
    pub effective_date: NaiveDate,
    #[schema(example = "Haushaltssicherung: keine Mittel ab 2027")]
    pub reason: String,
}

/// One organization's participation in one project. Public, except `note`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationResponse {
    pub id: Uuid,
    pub project: ProjectRefResponse,
    /// The participating organization's key.
    #[schema(example = "99001012")]
    pub organization: String,
    pub state: ParticipationState,
    /// The states a PUT may move this participation to.
    pub allowed_next_states: Vec<ParticipationState>,
    /// Whether committing needs a council resolution (default: true for the district and the
    /// municipalities, false for agencies).
    pub council_resolution_required: bool,
    /// Staff contribution in hundredths of a full-time equivalent (50 = 0.5 FTE).
    #[schema(example = 50)]
    pub staff_fte_hundredths: Option<i32>,
    /// The function that is the contact, not a person's name.
    #[schema(example = "Digitalisierungsbeauftragte")]
    pub contact_role: Option<String>,
    /// Member-only: absent for anonymous callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable)]
    pub note: Option<Option<String>>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    /// Set when the state is `withdrawn`.
    pub withdrawal: Option<WithdrawalResponse>,
    /// Every council resolution recorded on this participation, oldest decision first.
    pub council_resolutions: Vec<CouncilResolutionResponse>,
    /// The version, also sent as the `ETag`.
    #[schema(example = 3)]
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ParticipationResponse {
    pub(super) fn new(
        row: Participation,
        project: ProjectRef,
        resolutions: Vec<ResolutionWithConsultations>,
        show_note: bool,
    ) -> Self {
        let state = stored_state(&row.state);
        let withdrawal = match (row.withdrawal_effective_date, row.withdrawal_reason) {
            (Some(effective_date), Some(reason)) => Some(WithdrawalResponse {
                effective_date,
                reason,
            }),
            _ => None,
        };
        Self {
            id: row.id,
            project: project.into(),
            organization: row.organization_key,
            state: state.into(),
            allowed_next_states: state.allowed_next().iter().map(|s| (*s).into()).collect(),
            council_resolution_required: row.council_resolution_required,
            staff_fte_hundredths: row.staff_fte_hundredths,
            contact_role: row.contact_role,
            note: show_note.then_some(row.note),
            joined_on: row.joined_on,
            left_on: row.left_on,
            withdrawal,
            council_resolutions: resolutions.into_iter().map(Into::into).collect(),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One participant of a project, as the project resource lists them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantSummaryResponse {
    #[schema(example = "99001012")]
    pub organization: String,
    #[schema(example = "Exempelfeld")]
    pub organization_name: String,
    pub state: ParticipationState,
}

impl From<crate::db::participations::ParticipantSummary> for ParticipantSummaryResponse {
    fn from(s: crate::db::participations::ParticipantSummary) -> Self {
        Self {
            organization: s.organization_key,
            organization_name: s.organization_name,
            state: stored_state(&s.state).into(),
        }
    }
}
