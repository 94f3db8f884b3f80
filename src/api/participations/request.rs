//! The PUT body of a participation and its conversion into checked values.

use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::types::{ConsultationRole, ParticipationState, ResolutionOutcome};
use crate::db::participations::resolutions::{NewConsultation, NewResolution};
use crate::domain::participation as rules;
use crate::domain::validation::Validator;
use crate::error::ApiError;

pub const MAX_STAFF_FTE_HUNDREDTHS: i64 = 10_000;
pub const MAX_CONSULTATIONS: usize = 20;

/// The whole participation as the organization records it. Absent optional fields are stored
/// as empty (PUT replaces), except `council_resolution_required`, which keeps its value when
/// absent (on creation: true for the district and the municipalities, false for agencies).
/// `council_resolution` and `reason` describe this change and are not part of the state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "state": "committed",
    "staff_fte_hundredths": 50,
    "contact_role": "Digitalisierungsbeauftragte",
    "joined_on": "2025-05-01",
    "reason": "Ratsbeschluss vom 08.04.2025",
    "council_resolution": {
        "deciding_body": "Gemeinderat Exempelfeld",
        "decided_on": "2025-04-08",
        "paper_reference": "V 2025/054",
        "outcome": "approved",
        "url": "https://ratsinfo.exempelfeld.example/vo0050.asp?__kvonr=2054",
        "consultations": [
            {"body": "Haupt- und Finanzausschuss", "held_on": "2025-04-01", "role": "preliminary", "result": "einstimmig empfohlen"},
            {"body": "Gemeinderat Exempelfeld", "held_on": "2025-04-08", "role": "decision", "result": "einstimmig beschlossen"}
        ]
    }
}))]
pub struct PutParticipation {
    /// The state to record; moves must follow the transition table, an editor may only use
    /// `interested` and `intends_to_join`.
    pub state: ParticipationState,
    /// Whether committing needs a council resolution; only an admin or the steering office
    /// may change it.
    pub council_resolution_required: Option<bool>,
    /// Staff contribution in hundredths of a full-time equivalent, 0 to 10000.
    #[schema(minimum = 0, maximum = 10000, example = 50)]
    pub staff_fte_hundredths: Option<i64>,
    /// The contact's function, not a person's name; 1 to 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Digitalisierungsbeauftragte"
    )]
    #[schema(min_length = 1)]
    pub contact_role: Option<String>,
    /// Member-only note; 1 to 4000 characters.
    #[schema(min_length = 1, max_length = 4000)]
    pub note: Option<String>,
    pub joined_on: Option<NaiveDate>,
    /// Not before `joined_on`.
    pub left_on: Option<NaiveDate>,
    /// Required exactly when `state` is `withdrawn`.
    pub withdrawal: Option<WithdrawalInput>,
    /// A council resolution to record with this change. An approving outcome goes with
    /// `committed`, `rejected` with `declined`. Committing needs one when
    /// `council_resolution_required` is true.
    pub council_resolution: Option<NewCouncilResolution>,
    /// Why this change is made, for the history; 1 to 1000 characters.
    #[schema(
        min_length = 1,
        max_length = 1000,
        example = "Ratsbeschluss vom 08.04.2025"
    )]
    #[schema(min_length = 1)]
    pub reason: Option<String>,
}

/// When and why the organization leaves the project.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalInput {
    #[schema(example = "2026-12-31")]
    pub effective_date: NaiveDate,
    /// 1 to 1000 characters.
    #[schema(
        min_length = 1,
        max_length = 1000,
        example = "Haushaltssicherung: keine Mittel ab 2027"
    )]
    #[schema(min_length = 1)]
    pub reason: String,
}

/// A council resolution and the Beratungsfolge that led to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCouncilResolution {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, example = "Gemeinderat Exempelfeld")]
    pub deciding_body: String,
    /// Not in the future.
    #[schema(example = "2025-04-08")]
    pub decided_on: NaiveDate,
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, example = "V 2025/054")]
    pub paper_reference: String,
    pub outcome: ResolutionOutcome,
    /// Up to 20000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub resolution_text: Option<String>,
    /// An http(s) URL into the council information system, up to 500 characters.
    #[schema(max_length = 500)]
    pub url: Option<String>,
    /// The bodies that deliberated, in order (dates not decreasing, none in the future); at
    /// most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub consultations: Vec<NewConsultationInput>,
    /// The frozen cost allocation of this project the council approved
    /// (`/projects/{id}/allocation/snapshots/{sid}`).
    pub allocation_snapshot_id: Option<uuid::Uuid>,
}

/// One deliberation of the Beratungsfolge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultationInput {
    /// 1 to 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Haupt- und Finanzausschuss"
    )]
    #[schema(min_length = 1)]
    pub body: String,
    /// Not in the future.
    #[schema(example = "2025-04-01")]
    pub held_on: NaiveDate,
    pub role: ConsultationRole,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, example = "einstimmig empfohlen")]
    pub result: String,
}

/// A checked PUT body.
#[derive(Debug, Clone)]
pub struct CheckedPut {
    pub state: rules::ParticipationState,
    pub council_resolution_required: Option<bool>,
    pub staff_fte_hundredths: Option<i32>,
    pub contact_role: Option<String>,
    pub note: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub withdrawal: Option<(NaiveDate, String)>,
    pub resolution: Option<(rules::ResolutionOutcome, NewResolution)>,
    pub reason: Option<String>,
}

impl PutParticipation {
    pub fn validate(self) -> Result<CheckedPut, ApiError> {
        let mut v = Validator::new();
        let today = Utc::now().date_naive();
        let state: rules::ParticipationState = self.state.into();
        if let Some(fte) = self.staff_fte_hundredths {
            v.check(
                (0..=MAX_STAFF_FTE_HUNDREDTHS).contains(&fte),
                "/staff_fte_hundredths",
                "must be between 0 and 10000 (hundredths of a full-time equivalent)",
            );
        }
        let contact_role = self
            .contact_role
            .map(|r| v.text("/contact_role", &r, 1, 200));
        let note = self.note.map(|n| v.text("/note", &n, 1, 4000));
        let reason = self.reason.map(|r| v.text("/reason", &r, 1, 1000));
        if let (Some(joined), Some(left)) = (self.joined_on, self.left_on) {
            v.check(left >= joined, "/left_on", "must not be before joined_on");
        }
        let withdrawal = match (state, self.withdrawal) {
            (rules::ParticipationState::Withdrawn, Some(w)) => {
                let reason = v.text("/withdrawal/reason", &w.reason, 1, 1000);
                Some((w.effective_date, reason))
            }
            (rules::ParticipationState::Withdrawn, None) => {
                v.error(
                    "/withdrawal",
                    "a withdrawal needs an effective date and a reason",
                );
                None
            }
            (_, Some(_)) => {
                v.error(
                    "/withdrawal",
                    "only a withdrawn participation has a withdrawal",
                );
                None
            }
            (_, None) => None,
        };
        let resolution = self
            .council_resolution
            .map(|r| check_resolution(&mut v, r, today));
        Ok(v.finish(CheckedPut {
            state,
            council_resolution_required: self.council_resolution_required,
            staff_fte_hundredths: self.staff_fte_hundredths.map(|f| f as i32),
            contact_role,
            note,
            joined_on: self.joined_on,
            left_on: self.left_on,
            withdrawal,
            resolution,
            reason,
        })?)
    }
}

fn check_resolution(
    v: &mut Validator,
    r: NewCouncilResolution,
    today: NaiveDate,
) -> (rules::ResolutionOutcome, NewResolution) {
    let p = "/council_resolution";
    let outcome: rules::ResolutionOutcome = r.outcome.into();
    let deciding_body = v.text(&format!("{p}/deciding_body"), &r.deciding_body, 1, 200);
    v.check(
        r.decided_on <= today,
        &format!("{p}/decided_on"),
        "must not be in the future",
    );
    let paper_reference = v.text(&format!("{p}/paper_reference"), &r.paper_reference, 1, 100);
    let resolution_text = r
        .resolution_text
        .map(|t| v.text(&format!("{p}/resolution_text"), &t, 1, 20_000));
    let url = r.url.map(|u| v.url(&format!("{p}/url"), &u));
    v.check(
        r.consultations.len() <= MAX_CONSULTATIONS,
        &format!("{p}/consultations"),
        "at most 20 consultations",
    );
    let mut previous: Option<NaiveDate> = None;
    let consultations = r
        .consultations
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let cp = format!("{p}/consultations/{i}");
            let body = v.text(&format!("{cp}/body"), &c.body, 1, 200);
            let result = v.text(&format!("{cp}/result"), &c.result, 1, 200);
            v.check(
                c.held_on <= today,
                &format!("{cp}/held_on"),
                "must not be in the future",
            );
            v.check(
                previous.is_none_or(|prev| c.held_on >= prev),
                &format!("{cp}/held_on"),
                "consultations are listed in the order they were held",
            );
            previous = Some(c.held_on);
            NewConsultation {
                body,
                held_on: c.held_on,
                role: c.role.as_str().to_owned(),
                result,
            }
        })
        .collect();
    (
        outcome,
        NewResolution {
            deciding_body,
            decided_on: r.decided_on,
            paper_reference,
            outcome: outcome.as_str().to_owned(),
            resolution_text,
            url,
            consultations,
            allocation_snapshot_id: r.allocation_snapshot_id,
        },
    )
}
