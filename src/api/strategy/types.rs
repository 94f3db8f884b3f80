//! Request and response types of the strategy and its goals.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::strategy::{Goal, GoalData, LinkedIndicator, LinkedProject, Strategy};
use crate::domain::validation::Validator;

/// The path of a goal of the strategy.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GoalPath {
    /// Goal id
    pub gid: Uuid,
}

/// Most projects or indicators one goal may name.
pub const MAX_LINKS: usize = 200;

/// The strategy's vision and guiding principles.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyResponse {
    /// The vision (Leitbild), Markdown.
    #[schema(example = "Der Landkreis Musterland ist eine vernetzte, lebenswerte Region.")]
    pub vision: String,
    /// The guiding principles (Leitlinien), Markdown.
    #[schema(example = "- gemeinsam statt nebeneinander\n- offen und datensparsam")]
    pub guiding_principles: String,
    /// The version; the ETag carries it too.
    #[schema(example = 2)]
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<Strategy> for StrategyResponse {
    fn from(s: Strategy) -> Self {
        Self {
            vision: s.vision,
            guiding_principles: s.guiding_principles,
            version: s.version,
            updated_at: s.updated_at,
        }
    }
}

/// The new texts of the strategy (both replaced).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vision": "Der Landkreis Musterland ist eine vernetzte, lebenswerte Region.",
    "guiding_principles": "- gemeinsam statt nebeneinander"
}))]
pub struct PutStrategy {
    /// Up to 20,000 characters (trimmed).
    #[schema(max_length = 20000)]
    pub vision: String,
    /// Up to 20,000 characters (trimmed).
    #[schema(max_length = 20000)]
    pub guiding_principles: String,
}

impl PutStrategy {
    pub fn validate(self, v: &mut Validator) -> (String, String) {
        (
            v.text("/vision", &self.vision, 0, 20000),
            v.text("/guiding_principles", &self.guiding_principles, 0, 20000),
        )
    }
}

/// A project contributing to a goal.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalProjectResponse {
    pub id: Uuid,
    #[schema(example = "PP-02")]
    pub code: String,
    #[schema(example = "Smarte Dorfladenbox mit Paketterminal")]
    pub title: String,
}

/// An indicator evaluating a goal.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalIndicatorResponse {
    pub id: Uuid,
    /// The project the indicator belongs to.
    pub project_id: Uuid,
    #[schema(example = "Nutzende der Dorfladenbox")]
    pub name: String,
    #[schema(example = "Personen/Monat")]
    pub unit: String,
}

/// A goal of the strategy.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalResponse {
    pub id: Uuid,
    #[schema(example = "Nahversorgung in allen Ortsteilen sichern")]
    pub title: String,
    /// Markdown.
    pub description: String,
    /// The code of one of the six fields of action.
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
    /// The live projects contributing to the goal, by code.
    pub projects: Vec<GoalProjectResponse>,
    /// The indicators (of live projects) evaluating the goal, by name.
    pub indicators: Vec<GoalIndicatorResponse>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GoalResponse {
    pub fn new(goal: Goal, projects: Vec<LinkedProject>, indicators: Vec<LinkedIndicator>) -> Self {
        Self {
            id: goal.id,
            title: goal.title,
            description: goal.description,
            field_of_action: goal.field_of_action,
            projects: projects
                .into_iter()
                .map(|p| GoalProjectResponse {
                    id: p.id,
                    code: p.code,
                    title: p.title,
                })
                .collect(),
            indicators: indicators
                .into_iter()
                .map(|i| GoalIndicatorResponse {
                    id: i.id,
                    project_id: i.project_id,
                    name: i.name,
                    unit: i.unit,
                })
                .collect(),
            version: goal.version,
            created_at: goal.created_at,
            updated_at: goal.updated_at,
        }
    }
}

/// A new goal (steering office).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Nahversorgung in allen Ortsteilen sichern",
    "field_of_action": "infrastructure",
    "project_ids": []
}))]
pub struct CreateGoal {
    /// 1 to 300 characters; unique ignoring case.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Markdown, up to 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// A field-of-action code.
    pub field_of_action: String,
    /// The live projects contributing to the goal (at most 200, no duplicates).
    #[schema(max_items = 200)]
    pub project_ids: Option<Vec<Uuid>>,
    /// Indicators of live projects evaluating the goal (at most 200, no duplicates).
    #[schema(max_items = 200)]
    pub indicator_ids: Option<Vec<Uuid>>,
}

/// Changes to a goal (steering office); absent fields stay as they are, a list given replaces
/// the links.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"project_ids": ["0b7c7a64-8f41-4c35-9f5e-4a4b1f7c2a10"]}))]
pub struct UpdateGoal {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub field_of_action: Option<String>,
    /// Replaces the linked projects.
    #[schema(max_items = 200)]
    pub project_ids: Option<Vec<Uuid>>,
    /// Replaces the linked indicators.
    #[schema(max_items = 200)]
    pub indicator_ids: Option<Vec<Uuid>>,
}

/// A goal request after the checks that need no database.
#[derive(Debug, Clone)]
pub struct GoalInput {
    pub data: GoalData,
    pub project_ids: Option<Vec<Uuid>>,
    pub indicator_ids: Option<Vec<Uuid>>,
}

/// A list of distinct ids of at most [`MAX_LINKS`].
pub fn id_set(v: &mut Validator, pointer: &str, ids: Option<Vec<Uuid>>) -> Option<Vec<Uuid>> {
    let ids = ids?;
    if ids.len() > MAX_LINKS {
        v.error(pointer, format!("must name at most {MAX_LINKS} ids"));
    }
    for (index, id) in ids.iter().enumerate() {
        if ids[..index].contains(id) {
            v.error(
                format!("{pointer}/{index}"),
                format!("{id} is listed twice"),
            );
        }
    }
    Some(ids)
}

impl CreateGoal {
    pub fn validate(self, v: &mut Validator) -> GoalInput {
        GoalInput {
            data: GoalData {
                title: v.text("/title", &self.title, 1, 300),
                description: v.text(
                    "/description",
                    self.description.as_deref().unwrap_or(""),
                    0,
                    10000,
                ),
                field_of_action: self.field_of_action,
            },
            project_ids: Some(id_set(v, "/project_ids", self.project_ids).unwrap_or_default()),
            indicator_ids: Some(
                id_set(v, "/indicator_ids", self.indicator_ids).unwrap_or_default(),
            ),
        }
    }
}

impl UpdateGoal {
    pub fn validate(self, v: &mut Validator) -> GoalChanges {
        GoalChanges {
            title: self.title.map(|t| v.text("/title", &t, 1, 300)),
            description: self
                .description
                .map(|d| v.text("/description", &d, 0, 10000)),
            field_of_action: self.field_of_action,
            project_ids: id_set(v, "/project_ids", self.project_ids),
            indicator_ids: id_set(v, "/indicator_ids", self.indicator_ids),
        }
    }
}

/// A checked update; `None` leaves a field or link set as it is.
#[derive(Debug, Clone)]
pub struct GoalChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub field_of_action: Option<String>,
    pub project_ids: Option<Vec<Uuid>>,
    pub indicator_ids: Option<Vec<Uuid>>,
}

impl GoalChanges {
    /// The goal's data after the update.
    pub fn apply(&self, before: &Goal) -> GoalData {
        GoalData {
            title: self.title.clone().unwrap_or_else(|| before.title.clone()),
            description: self
                .description
                .clone()
                .unwrap_or_else(|| before.description.clone()),
            field_of_action: self
                .field_of_action
                .clone()
                .unwrap_or_else(|| before.field_of_action.clone()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GoalFilter {
    /// Only goals of this field of action (a code).
    #[param(example = "infrastructure")]
    pub field_of_action: Option<String>,
}
