//! Request and response types of `/initiatives` and `/initiatives/{id}`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::similarity::SimilarEffort;
use crate::db::initiatives::{Initiative, InitiativeChanges, NewInitiative};
use crate::domain::initiatives::{
    InitiativeStatus, Visibility, contact_role_problem, date_problems,
};
use crate::domain::validation::Validator;

/// A municipality's own digital initiative.
#[derive(Debug, Serialize, ToSchema)]
pub struct InitiativeResponse {
    /// Stable id, forever.
    pub id: Uuid,
    /// The municipality whose initiative it is (an organization key).
    #[schema(example = "99001004")]
    pub organization: String,
    #[schema(example = "Digitaler Dorfladen in Vorhelm")]
    pub title: String,
    /// One or a few sentences.
    #[schema(example = "Ein Dorfladen mit Paketstation und Selbstbedienung rund um die Uhr.")]
    pub summary: String,
    /// The code of one of the six fields of action.
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
    pub status: InitiativeStatus,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Who to ask: a role or unit, never a person's name.
    #[schema(example = "Stabsstelle Digitalisierung")]
    pub contact_role: Option<String>,
    /// A web page about the initiative.
    #[schema(example = "https://www.musterstadt.example/digitaler-dorfladen")]
    pub link: Option<String>,
    #[schema(example = json!(["nahversorgung", "paketstation"]))]
    pub tags: Vec<String>,
    pub visibility: Visibility,
    /// The joint project the initiative belongs to or became.
    pub project_id: Option<Uuid>,
    /// The id the municipality's own system gave it; unique per municipality.
    pub external_id: Option<String>,
    /// The working group or network that carries it (`/api/v1/working-groups/{id}`).
    pub working_group_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only in the answer to its registration: the joint projects and other municipalities'
    /// initiatives it most likely overlaps with (at most 5, best first; see
    /// `GET /initiatives/{id}/similar`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likely_overlaps: Option<Vec<SimilarEffort>>,
}

impl From<Initiative> for InitiativeResponse {
    fn from(i: Initiative) -> Self {
        Self {
            status: InitiativeStatus::parse(&i.status).unwrap_or(InitiativeStatus::Idea),
            visibility: Visibility::parse(&i.visibility).unwrap_or(Visibility::Members),
            id: i.id,
            organization: i.organization_key,
            title: i.title,
            summary: i.summary,
            field_of_action: i.field_of_action,
            start_date: i.start_date,
            end_date: i.end_date,
            contact_role: i.contact_role,
            link: i.link,
            tags: i.tags,
            project_id: i.project_id,
            external_id: i.external_id,
            working_group_id: i.working_group_id,
            created_at: i.created_at,
            updated_at: i.updated_at,
            likely_overlaps: None,
        }
    }
}

/// A new initiative of a municipality.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization": "99001004", "title": "Digitaler Dorfladen in Vorhelm",
    "summary": "Ein Dorfladen mit Paketstation und Selbstbedienung rund um die Uhr.",
    "field_of_action": "infrastructure", "status": "planned",
    "contact_role": "Stabsstelle Digitalisierung", "tags": ["nahversorgung"],
    "visibility": "public"
}))]
pub struct CreateInitiative {
    /// The municipality whose initiative it is (an organization key). A municipality's admin
    /// or editor registers only its own; the steering office any.
    #[schema(example = "99001004")]
    pub organization: String,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Up to 2,000 characters.
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    /// A field-of-action code.
    pub field_of_action: String,
    /// Default `idea`. `running` needs `start_date`; `completed` needs both dates.
    pub status: Option<InitiativeStatus>,
    pub start_date: Option<NaiveDate>,
    /// Not before `start_date`.
    pub end_date: Option<NaiveDate>,
    /// A role or unit (up to 200 characters), never a person's name: no salutations or titles,
    /// e-mail addresses or telephone numbers.
    #[schema(max_length = 200, example = "Stabsstelle Digitalisierung")]
    pub contact_role: Option<String>,
    /// An http(s) URL of at most 500 characters.
    pub link: Option<String>,
    /// Up to 30 tags of 1 to 50 characters; stored lower-cased, duplicates dropped.
    #[schema(max_items = 30)]
    pub tags: Option<Vec<String>>,
    /// Default `public`.
    pub visibility: Option<Visibility>,
    /// The joint project it belongs to or became (a live project's id).
    pub project_id: Option<Uuid>,
    /// 1 to 200 characters; unique within the municipality.
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// The working group or network that carries it (a live working group's id).
    pub working_group_id: Option<Uuid>,
}

/// Changes to an initiative. Absent fields stay as they are; `null` clears an optional field.
/// The municipality never changes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "running", "start_date": "2027-03-01"}))]
pub struct UpdateInitiative {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    pub field_of_action: Option<String>,
    /// Along the lifecycle only: idea → planned | running | stopped; planned → idea | running |
    /// stopped; running → completed | stopped; stopped → idea | planned; completed is final
    /// (409 otherwise).
    pub status: Option<InitiativeStatus>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 200)]
    pub contact_role: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub link: Option<Option<String>>,
    #[schema(max_items = 30)]
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub project_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 200)]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub working_group_id: Option<Option<Uuid>>,
}

pub(crate) fn tags(v: &mut Validator, tags: Vec<String>) -> Vec<String> {
    v.check(tags.len() <= 30, "/tags", "at most 30 tags");
    let mut out: Vec<String> = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let tag = v.text(&format!("/tags/{i}"), tag, 1, 50).to_lowercase();
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

fn contact_role(v: &mut Validator, role: &str) -> Option<String> {
    let role = v.text("/contact_role", role, 0, 200);
    if let Some(problem) = contact_role_problem(&role) {
        v.error("/contact_role", problem);
    }
    Some(role).filter(|r| !r.is_empty())
}

fn external_id(v: &mut Validator, id: &str) -> String {
    v.text("/external_id", id, 1, 200)
}

impl CreateInitiative {
    /// The row to insert; references (organization, field, project) are checked against the
    /// database apart.
    pub fn validate(self, v: &mut Validator) -> NewInitiative {
        let status = self.status.unwrap_or(InitiativeStatus::Idea);
        for (field, problem) in date_problems(status, self.start_date, self.end_date) {
            v.error(format!("/{field}"), problem);
        }
        NewInitiative {
            organization_key: self.organization.trim().to_owned(),
            title: v.text("/title", &self.title, 1, 300),
            summary: v.text("/summary", self.summary.as_deref().unwrap_or(""), 0, 2000),
            field_of_action: self.field_of_action.trim().to_owned(),
            status: status.as_str().to_owned(),
            start_date: self.start_date,
            end_date: self.end_date,
            contact_role: self.contact_role.and_then(|r| contact_role(v, &r)),
            link: self.link.map(|l| v.url("/link", &l)),
            tags: tags(v, self.tags.unwrap_or_default()),
            visibility: self
                .visibility
                .unwrap_or(Visibility::Public)
                .as_str()
                .to_owned(),
            project_id: self.project_id,
            external_id: self.external_id.map(|id| external_id(v, &id)),
            working_group_id: self.working_group_id,
        }
    }
}

impl UpdateInitiative {
    /// The changes; status moves and dates are checked against the stored row in the
    /// transaction ([`check_against`]).
    pub fn validate(self, v: &mut Validator) -> InitiativeChanges {
        InitiativeChanges {
            title: self.title.map(|t| v.text("/title", &t, 1, 300)),
            summary: self.summary.map(|t| v.text("/summary", &t, 0, 2000)),
            field_of_action: self.field_of_action.map(|f| f.trim().to_owned()),
            status: self.status.map(|s| s.as_str().to_owned()),
            start_date: self.start_date,
            end_date: self.end_date,
            contact_role: self
                .contact_role
                .map(|r| r.and_then(|r| contact_role(v, &r))),
            link: self.link.map(|l| l.map(|l| v.url("/link", &l))),
            tags: self.tags.map(|t| tags(v, t)),
            visibility: self.visibility.map(|s| s.as_str().to_owned()),
            project_id: self.project_id,
            external_id: self.external_id.map(|id| id.map(|id| external_id(v, &id))),
            working_group_id: self.working_group_id,
        }
    }
}

/// The status and dates the initiative would have after `changes`: a move the lifecycle does
/// not allow is `Err` (a 409 naming the allowed states); dates that do not fit the status are
/// recorded in `v` (a 422).
pub(crate) fn check_against(
    v: &mut Validator,
    before: &Initiative,
    changes: &InitiativeChanges,
) -> Result<(), (InitiativeStatus, InitiativeStatus)> {
    let current = InitiativeStatus::parse(&before.status).unwrap_or(InitiativeStatus::Idea);
    let next = changes
        .status
        .as_deref()
        .and_then(InitiativeStatus::parse)
        .unwrap_or(current);
    if !current.may_become(next) {
        return Err((current, next));
    }
    let start = changes.start_date.unwrap_or(before.start_date);
    let end = changes.end_date.unwrap_or(before.end_date);
    for (field, problem) in date_problems(next, start, end) {
        v.error(format!("/{field}"), problem);
    }
    Ok(())
}
