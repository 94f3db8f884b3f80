//! Request and response types of the catalogue itself (`/projects`, `/projects/{id}`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::projects::{NewProject, Project, ProjectChanges, ProjectLists};
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::projects::{
    Category, GenderEqualityRelevance, TrafficLight, is_project_code, span_ok,
};
use crate::domain::validation::Validator;

/// An organization taking part in a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantResponse {
    /// The organization's key.
    #[schema(example = "99001004")]
    pub organization: String,
    /// The state of its participation (opt-in), e.g. `committed`.
    #[schema(example = "interested")]
    pub state: String,
}

/// A strategy goal a project contributes to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectGoalResponse {
    pub id: Uuid,
    #[schema(example = "Nahversorgung in allen Ortsteilen sichern")]
    pub title: String,
    /// The goal's field of action.
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
}

/// A working group, network or project group that carries a project
/// (`/api/v1/working-groups/{id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectWorkingGroupResponse {
    pub id: Uuid,
    #[schema(example = "Arbeitskreis Nahversorgung")]
    pub name: String,
}

/// A project of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectResponse {
    /// Stable id, forever.
    pub id: Uuid,
    /// Short code set by the steering office; unique, also after a deletion.
    #[schema(example = "PP-02")]
    pub code: String,
    #[schema(example = "Smarte Dorfladenbox mit Paketterminal")]
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Markdown.
    pub description: String,
    /// The code of one of the six fields of action.
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
    pub category: Category,
    /// The organization leading the project, if one does.
    #[schema(example = "99001004")]
    pub lead_organization: Option<String>,
    #[schema(example = json!(["nahversorgung"]))]
    pub tags: Vec<String>,
    /// The id a synchronising system gave the project; unique.
    pub external_id: Option<String>,
    pub gender_equality_relevant: GenderEqualityRelevance,
    /// Expected follow-up costs (Folgekosten), as text.
    pub follow_up_costs_note: Option<String>,
    /// Members only: absent for anonymous callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub internal_note: Option<Option<String>>,
    pub status: ProjectStatus,
    /// 0 to 100.
    #[schema(example = 40)]
    pub progress_percent: i16,
    pub traffic_light: Option<TrafficLight>,
    /// One line explaining the traffic light.
    #[schema(example = "Förderbescheid steht noch aus")]
    pub traffic_light_note: Option<String>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    /// Where the project's data comes from (seeded projects: the public source).
    #[schema(example = "https://smart-region-waf.de/ueber-das-projekt/innenstadt-dorfmitte")]
    pub source_url: Option<String>,
    /// `false` when field of action and category were inferred, not confirmed by the source.
    pub classification_confirmed: bool,
    /// The organizations taking part, with the state of their participation.
    pub participants: Vec<ParticipantResponse>,
    /// The strategy goals the project contributes to (linked on the goal,
    /// `/api/v1/strategy/goals`), by title.
    pub goals: Vec<ProjectGoalResponse>,
    /// The working groups that carry the project (linked on the group, `project_ids` of
    /// `/api/v1/working-groups`), by name; deleted groups left out.
    #[schema(example = json!([{"id": "0b6f3c2e-5d1a-4c8e-9f3b-2a7d6e4c1b90", "name": "Arbeitskreis Nahversorgung"}]))]
    pub working_groups: Vec<ProjectWorkingGroupResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProjectResponse {
    /// The response for a caller; `member` decides whether the internal note is shown.
    pub fn new(project: Project, member: bool, lists: ProjectLists) -> Self {
        let ProjectLists {
            participants,
            goals,
            working_groups,
        } = lists;
        Self {
            category: Category::parse(&project.category).unwrap_or(Category::Lead),
            gender_equality_relevant: GenderEqualityRelevance::parse(
                &project.gender_equality_relevant,
            )
            .unwrap_or(GenderEqualityRelevance::Unknown),
            status: ProjectStatus::parse(&project.status).unwrap_or(ProjectStatus::Idea),
            traffic_light: project
                .traffic_light
                .as_deref()
                .and_then(TrafficLight::parse),
            internal_note: member.then_some(project.internal_note),
            participants: participants
                .into_iter()
                .map(|p| ParticipantResponse {
                    organization: p.organization,
                    state: p.state,
                })
                .collect(),
            goals: goals
                .into_iter()
                .map(|g| ProjectGoalResponse {
                    id: g.id,
                    title: g.title,
                    field_of_action: g.field_of_action,
                })
                .collect(),
            working_groups: working_groups
                .into_iter()
                .map(|w| ProjectWorkingGroupResponse {
                    id: w.id,
                    name: w.name,
                })
                .collect(),
            id: project.id,
            code: project.code,
            title: project.title,
            summary: project.summary,
            description: project.description,
            field_of_action: project.field_of_action,
            lead_organization: project.lead_organization,
            tags: project.tags,
            external_id: project.external_id,
            follow_up_costs_note: project.follow_up_costs_note,
            progress_percent: project.progress_percent,
            traffic_light_note: project.traffic_light_note,
            planned_start: project.planned_start,
            planned_end: project.planned_end,
            actual_start: project.actual_start,
            actual_end: project.actual_end,
            source_url: project.source_url,
            classification_confirmed: project.classification_confirmed,
            created_at: project.created_at,
            updated_at: project.updated_at,
        }
    }
}

/// A new project. It starts in status `idea`; see `POST /projects/{id}/status` for the rest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "LP-07", "title": "Smarte Straßenbeleuchtung", "field_of_action": "mobility",
    "category": "lead", "lead_organization": "99001004", "tags": ["energie"]
}))]
pub struct CreateProject {
    /// 1–6 capital letters, a dash, 1–4 digits, an optional lowercase letter (`LP-07`).
    #[schema(example = "LP-07", pattern = "^[A-Z]{1,6}-[0-9]{1,4}[a-z]?$")]
    pub code: String,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Up to 2,000 characters.
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    /// Markdown, up to 100,000 characters.
    #[schema(max_length = 100000)]
    pub description: Option<String>,
    /// A field-of-action code.
    pub field_of_action: String,
    pub category: Category,
    /// An organization key.
    pub lead_organization: Option<String>,
    /// Up to 30 tags of 1 to 50 characters; stored lower-cased, duplicates dropped.
    #[schema(max_items = 30)]
    pub tags: Option<Vec<String>>,
    /// 1 to 200 characters; unique.
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// Default `unknown`.
    pub gender_equality_relevant: Option<GenderEqualityRelevance>,
    /// Up to 5,000 characters.
    #[schema(max_length = 5000)]
    pub follow_up_costs_note: Option<String>,
    /// Members only; up to 10,000 characters.
    #[schema(max_length = 10000)]
    pub internal_note: Option<String>,
    pub planned_start: Option<NaiveDate>,
    /// Not before `planned_start`.
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    /// Not before `actual_start`.
    pub actual_end: Option<NaiveDate>,
    /// An http(s) URL of at most 500 characters.
    pub source_url: Option<String>,
}

/// Changes to a project (steering office). Absent fields stay as they are; `null` clears an
/// optional field. The status changes only through `POST /projects/{id}/status`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Smarte Dorfladenbox mit Paketstation", "planned_start": "2027-01-01"}))]
pub struct UpdateProject {
    /// As on create.
    #[schema(example = "PP-02")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    #[schema(max_length = 100000)]
    pub description: Option<String>,
    pub field_of_action: Option<String>,
    pub category: Option<Category>,
    /// `null`: no lead organization.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub lead_organization: Option<Option<String>>,
    #[schema(max_items = 30)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 200)]
    pub external_id: Option<Option<String>>,
    pub gender_equality_relevant: Option<GenderEqualityRelevance>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 5000)]
    pub follow_up_costs_note: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 10000)]
    pub internal_note: Option<Option<String>>,
    /// 0 to 100.
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<TrafficLight>, nullable)]
    pub traffic_light: Option<Option<TrafficLight>>,
    /// One line, up to 300 characters.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 300)]
    pub traffic_light_note: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub planned_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub planned_end: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub actual_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub actual_end: Option<Option<NaiveDate>>,
}

fn code(v: &mut Validator, code: &str) -> String {
    let code = code.trim().to_owned();
    v.check(
        is_project_code(&code),
        "/code",
        "must look like LP-07: 1-6 capital letters, a dash, 1-4 digits, an optional lowercase letter",
    );
    code
}

fn tags(v: &mut Validator, tags: Vec<String>) -> Vec<String> {
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

fn optional_text(
    v: &mut Validator,
    pointer: &str,
    text: Option<String>,
    max: usize,
) -> Option<String> {
    text.map(|t| v.text(pointer, &t, 0, max))
        .filter(|t| !t.is_empty())
}

pub(crate) fn progress(v: &mut Validator, pointer: &str, percent: i64) -> i16 {
    v.check(
        (0..=100).contains(&percent),
        pointer,
        "must be between 0 and 100",
    );
    percent.clamp(0, 100) as i16
}

impl CreateProject {
    /// The row to insert; references (field, lead) are checked against the database apart.
    pub fn validate(self, v: &mut Validator) -> NewProject {
        let new = NewProject {
            code: code(v, &self.code),
            title: v.text("/title", &self.title, 1, 300),
            summary: v.text("/summary", self.summary.as_deref().unwrap_or(""), 0, 2000),
            description: v.text(
                "/description",
                self.description.as_deref().unwrap_or(""),
                0,
                100_000,
            ),
            field_of_action: self.field_of_action.trim().to_owned(),
            category: self.category.as_str().to_owned(),
            lead_organization: self.lead_organization.map(|k| k.trim().to_owned()),
            tags: tags(v, self.tags.unwrap_or_default()),
            external_id: self
                .external_id
                .map(|id| v.text("/external_id", &id, 1, 200)),
            gender_equality_relevant: self
                .gender_equality_relevant
                .unwrap_or(GenderEqualityRelevance::Unknown)
                .as_str()
                .to_owned(),
            follow_up_costs_note: optional_text(
                v,
                "/follow_up_costs_note",
                self.follow_up_costs_note,
                5000,
            ),
            internal_note: optional_text(v, "/internal_note", self.internal_note, 10_000),
            status: ProjectStatus::Idea.as_str().to_owned(),
            planned_start: self.planned_start,
            planned_end: self.planned_end,
            actual_start: self.actual_start,
            actual_end: self.actual_end,
            source_url: self.source_url.map(|u| v.url("/source_url", &u)),
            classification_confirmed: true,
            seed_key: None,
        };
        v.check(
            span_ok(new.planned_start, new.planned_end),
            "/planned_end",
            "must not be before planned_start",
        );
        v.check(
            span_ok(new.actual_start, new.actual_end),
            "/actual_end",
            "must not be before actual_start",
        );
        new
    }
}

impl UpdateProject {
    /// The changes; date spans are checked against the stored values in the transaction.
    pub fn validate(self, v: &mut Validator) -> ProjectChanges {
        ProjectChanges {
            code: self.code.map(|c| code(v, &c)),
            title: self.title.map(|t| v.text("/title", &t, 1, 300)),
            summary: self.summary.map(|t| v.text("/summary", &t, 0, 2000)),
            description: self
                .description
                .map(|t| v.text("/description", &t, 0, 100_000)),
            field_of_action: self.field_of_action.map(|f| f.trim().to_owned()),
            category: self.category.map(|c| c.as_str().to_owned()),
            lead_organization: self
                .lead_organization
                .map(|k| k.map(|k| k.trim().to_owned())),
            tags: self.tags.map(|t| tags(v, t)),
            external_id: self
                .external_id
                .map(|id| id.map(|id| v.text("/external_id", &id, 1, 200))),
            gender_equality_relevant: self.gender_equality_relevant.map(|g| g.as_str().to_owned()),
            follow_up_costs_note: self
                .follow_up_costs_note
                .map(|t| optional_text(v, "/follow_up_costs_note", t, 5000)),
            internal_note: self
                .internal_note
                .map(|t| optional_text(v, "/internal_note", t, 10_000)),
            status: None,
            progress_percent: self
                .progress_percent
                .map(|p| progress(v, "/progress_percent", p)),
            traffic_light: self.traffic_light.map(|t| t.map(|t| t.as_str().to_owned())),
            traffic_light_note: self
                .traffic_light_note
                .map(|t| optional_text(v, "/traffic_light_note", t, 300)),
            planned_start: self.planned_start,
            planned_end: self.planned_end,
            actual_start: self.actual_start,
            actual_end: self.actual_end,
            source_url: None,
        }
    }
}

/// Checks the date spans a project would have after `changes`.
pub(crate) fn check_spans(v: &mut Validator, before: &Project, changes: &ProjectChanges) {
    let merged =
        |change: Option<Option<NaiveDate>>, current: Option<NaiveDate>| change.unwrap_or(current);
    v.check(
        span_ok(
            merged(changes.planned_start, before.planned_start),
            merged(changes.planned_end, before.planned_end),
        ),
        "/planned_end",
        "must not be before planned_start",
    );
    v.check(
        span_ok(
            merged(changes.actual_start, before.actual_start),
            merged(changes.actual_end, before.actual_end),
        ),
        "/actual_end",
        "must not be before actual_start",
    );
}
