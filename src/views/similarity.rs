//! What overlap detection answers: similar efforts, and what others already do (shared by the
//! similarity handlers, the council report and its renderers).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::similarity::Candidate;

/// What kind of effort a similar item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EffortKind {
    /// A joint project of the catalogue (`/api/v1/projects/{id}`).
    Project,
    /// A municipality's own initiative (`/api/v1/initiatives/{id}`).
    Initiative,
}

/// A project or initiative that resembles the one asked about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarEffort {
    pub kind: EffortKind,
    pub id: Uuid,
    #[schema(example = "Digitaler Dorfladen in Vorhelm")]
    pub title: String,
    /// The initiative's municipality, or the project's lead organization.
    #[schema(example = "99001004")]
    pub organization: Option<String>,
    /// The project's or initiative's status.
    #[schema(example = "running")]
    pub status: String,
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
    /// The higher of `text_similarity` and `term_overlap`, 0 to 1 (three decimals).
    #[schema(example = 0.62)]
    pub score: f64,
    /// Trigram similarity of title and tags, 0 to 1: sees parts of compound words.
    #[schema(example = 0.62)]
    pub text_similarity: f64,
    /// Share of German full-text terms (stemmed; title, summary, tags) the two have in common,
    /// 0 to 1.
    #[schema(example = 0.4)]
    pub term_overlap: f64,
    /// The stemmed terms both share, alphabetically.
    #[schema(example = json!(["dorflad", "nahversorg"]))]
    pub matching_terms: Vec<String>,
}

/// Scores are shown to three decimals.
pub(crate) fn rounded(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

impl From<Candidate> for SimilarEffort {
    fn from(c: Candidate) -> Self {
        Self {
            kind: if c.kind == "project" {
                EffortKind::Project
            } else {
                EffortKind::Initiative
            },
            score: rounded(c.score()),
            text_similarity: rounded(f64::from(c.text_similarity)),
            term_overlap: rounded(c.term_overlap),
            id: c.id,
            title: c.title,
            organization: c.organization,
            status: c.status,
            field_of_action: c.field_of_action,
            matching_terms: c.matching_terms,
        }
    }
}

/// Something another municipality or the cooperation already does that resembles one of the
/// organization's own initiatives.
#[derive(Debug, Serialize, ToSchema)]
pub struct OthersEffort {
    /// The similar effort (another municipality's initiative, or a joint project the
    /// organization takes no active part in).
    pub effort: SimilarEffort,
    /// The organization's own initiative it resembles.
    pub own_initiative_id: Uuid,
    #[schema(example = "Dorfladen mit Paketstation in Vorhelm")]
    pub own_initiative_title: String,
}
