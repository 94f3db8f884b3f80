//! The request bodies of the agenda endpoints and their checks: field rules, the projects
//! concerned, and the consistency of results and votes.

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::meetings::types::AgendaItemResponse;
use crate::db::committee::agenda::{AgendaItem, AgendaItemChanges};
use crate::domain::meetings::{AgendaResult, VoteCount, per_organization_matches};
use crate::domain::validation::Validator;
use crate::error::ApiError;

const MAX_PROJECTS: usize = 20;

/// The path of an agenda item of a meeting.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgendaItemPath {
    /// Meeting id
    pub id: Uuid,
    /// Agenda item id
    pub aid: Uuid,
}

/// The agenda of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaResponse {
    /// In agenda order; for the public only the public items.
    pub items: Vec<AgendaItemResponse>,
}

/// A new agenda item; it is added at the end of the agenda.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "number": "3", "title": "Ausbau des Glasfasernetzes in Gewerbegebieten", "public": true,
    "presenter_organization": "99001004", "project_ids": [],
    "proposed_resolution": "Der Lenkungskreis empfiehlt die Umsetzung."
}))]
#[derive(Clone)]
pub struct CreateAgendaItem {
    /// The printed number, 1 to 20 characters ("3", "3.1").
    #[schema(min_length = 1, max_length = 20)]
    pub number: String,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Whether the public may see the item.
    pub public: bool,
    /// The presenting organization's key.
    pub presenter_organization: Option<String>,
    /// The projects concerned, at most 20, no duplicates.
    #[serde(default)]
    pub project_ids: Vec<Uuid>,
    /// The proposed resolution, up to 20000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub proposed_resolution: Option<String>,
}

/// A new agenda item whose own fields are checked; the organization and the projects it names
/// are checked in the transaction (`v` carries any errors found so far into that check).
#[derive(Clone)]
pub(super) struct NewItem {
    pub number: String,
    pub title: String,
    pub public: bool,
    pub presenter_organization: Option<String>,
    pub project_ids: Vec<Uuid>,
    pub proposed_resolution: Option<String>,
    pub v: Validator,
}

impl CreateAgendaItem {
    pub(super) fn check(self) -> NewItem {
        let mut v = Validator::new();
        let number = v.text("/number", &self.number, 1, 20);
        let title = v.text("/title", &self.title, 1, 300);
        let proposed_resolution = self
            .proposed_resolution
            .as_deref()
            .map(|r| v.text("/proposed_resolution", r, 1, 20_000));
        check_project_ids(&mut v, &self.project_ids);
        NewItem {
            number,
            title,
            public: self.public,
            presenter_organization: self.presenter_organization,
            project_ids: self.project_ids,
            proposed_resolution,
            v,
        }
    }
}

/// Votes as recorded.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VotesInput {
    /// 0 or more.
    #[schema(minimum = 0)]
    pub yes: i32,
    #[schema(minimum = 0)]
    pub no: i32,
    #[schema(minimum = 0)]
    pub abstentions: i32,
}

/// The votes of one organization.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationVotesInput {
    pub organization: String,
    #[schema(minimum = 0)]
    pub yes: i32,
    #[schema(minimum = 0)]
    pub no: i32,
    #[schema(minimum = 0)]
    pub abstentions: i32,
}

/// Changes to an agenda item; absent fields stay as they are, `null` clears an optional one.
/// `result`, `resolution_text`, `votes` and `votes_by_organization` can be set only while the
/// meeting is held; the other fields until it is held.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "result": "adopted", "resolution_text": "Der Lenkungskreis empfiehlt die Umsetzung.",
    "votes": {"yes": 2, "no": 0, "abstentions": 1},
    "votes_by_organization": [
        {"organization": "99001004", "yes": 1, "no": 0, "abstentions": 0},
        {"organization": "99001008", "yes": 1, "no": 0, "abstentions": 1}
    ]
}))]
pub struct UpdateAgendaItem {
    #[schema(min_length = 1, max_length = 20)]
    pub number: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    pub public: Option<bool>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub presenter_organization: Option<Option<String>>,
    /// Replaces the projects concerned (at most 20).
    pub project_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 20000)]
    pub proposed_resolution: Option<Option<String>>,
    /// The outcome; `null` clears the result with its text and votes.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<AgendaResult>, nullable)]
    pub result: Option<Option<AgendaResult>>,
    /// The resolution as adopted, up to 20000 characters; needs a result.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 20000)]
    pub resolution_text: Option<Option<String>>,
    /// Total votes; needs a result.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<VotesInput>, nullable)]
    pub votes: Option<Option<VotesInput>>,
    /// Replaces the votes per organization; their sums must equal `votes`.
    pub votes_by_organization: Option<Vec<OrganizationVotesInput>>,
}

impl UpdateAgendaItem {
    pub(super) fn touches_results(&self) -> bool {
        self.result.is_some()
            || self.resolution_text.is_some()
            || self.votes.is_some()
            || self.votes_by_organization.is_some()
    }

    pub(super) fn touches_agenda(&self) -> bool {
        self.number.is_some()
            || self.title.is_some()
            || self.public.is_some()
            || self.presenter_organization.is_some()
            || self.project_ids.is_some()
            || self.proposed_resolution.is_some()
    }
}

fn check_project_ids(v: &mut Validator, ids: &[Uuid]) {
    v.check(
        ids.len() <= MAX_PROJECTS,
        "/project_ids",
        "at most 20 projects",
    );
    let unique: HashSet<_> = ids.iter().collect();
    v.check(
        unique.len() == ids.len(),
        "/project_ids",
        "must not repeat a project",
    );
}

/// Points at every id that names no live project.
pub(super) async fn check_projects_exist(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    ids: &[Uuid],
) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = crate::db::projects::live_among(conn, ids).await?;
    for (index, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            v.error(
                format!("/project_ids/{index}"),
                format!("project {id} does not exist"),
            );
        }
    }
    Ok(())
}

/// A checked update of an agenda item.
#[derive(Clone)]
pub(super) struct ItemUpdate {
    pub changes: AgendaItemChanges,
    pub project_ids: Option<Vec<Uuid>>,
    pub votes_by_organization: Option<Vec<OrganizationVotesInput>>,
    pub touches_results: bool,
    pub touches_agenda: bool,
}

impl UpdateAgendaItem {
    pub(super) fn validate(self) -> Result<ItemUpdate, ApiError> {
        let mut v = Validator::new();
        let touches_results = self.touches_results();
        let touches_agenda = self.touches_agenda();
        if let Some(ids) = &self.project_ids {
            check_project_ids(&mut v, ids);
        }
        if let Some(Some(votes)) = self.votes {
            v.check(
                VoteCount {
                    yes: votes.yes,
                    no: votes.no,
                    abstentions: votes.abstentions,
                }
                .is_valid(),
                "/votes",
                "counts must not be negative",
            );
        }
        if let Some(per_org) = &self.votes_by_organization {
            let mut seen = HashSet::new();
            for (index, entry) in per_org.iter().enumerate() {
                v.check(
                    entry.yes >= 0 && entry.no >= 0 && entry.abstentions >= 0,
                    &format!("/votes_by_organization/{index}"),
                    "counts must not be negative",
                );
                v.check(
                    seen.insert(entry.organization.clone()),
                    &format!("/votes_by_organization/{index}/organization"),
                    "each organization once",
                );
            }
        }
        let changes = AgendaItemChanges {
            number: self.number.map(|n| v.text("/number", &n, 1, 20)),
            title: self.title.map(|t| v.text("/title", &t, 1, 300)),
            public: self.public,
            presenter_organization: self.presenter_organization,
            proposed_resolution: self
                .proposed_resolution
                .map(|r| r.map(|r| v.text("/proposed_resolution", &r, 1, 20_000))),
            result: self.result.map(|r| r.map(|r| r.as_str().to_owned())),
            resolution_text: self
                .resolution_text
                .map(|t| t.map(|t| v.text("/resolution_text", &t, 1, 20_000))),
            votes_yes: self.votes.map(|votes| votes.map(|x| x.yes)),
            votes_no: self.votes.map(|votes| votes.map(|x| x.no)),
            votes_abstentions: self.votes.map(|votes| votes.map(|x| x.abstentions)),
            decided_at: None,
        };
        Ok(v.finish(ItemUpdate {
            changes,
            project_ids: self.project_ids,
            votes_by_organization: self.votes_by_organization,
            touches_results,
            touches_agenda,
        })?)
    }
}

/// The result rules on the item as it would be after the change: text and votes need a
/// result, and votes per organization must add up to the totals.
pub(super) fn check_result_consistency(
    current: &AgendaItem,
    update: &mut ItemUpdate,
) -> Result<(), ApiError> {
    let mut v = Validator::new();
    let changes = &mut update.changes;
    let result = changes.result.clone().unwrap_or(current.result.clone());
    if result.is_none() {
        // Clearing the result clears what depends on it.
        if changes.result.is_some() {
            changes.resolution_text = Some(None);
            changes.votes_yes = Some(None);
            changes.votes_no = Some(None);
            changes.votes_abstentions = Some(None);
            update.votes_by_organization.get_or_insert_with(Vec::new);
        }
        v.check(
            !matches!(changes.resolution_text, Some(Some(_))),
            "/resolution_text",
            "needs a result",
        );
        v.check(
            !matches!(changes.votes_yes, Some(Some(_))),
            "/votes",
            "needs a result",
        );
        v.check(
            update
                .votes_by_organization
                .as_ref()
                .is_none_or(|votes| votes.is_empty()),
            "/votes_by_organization",
            "needs a result",
        );
    }
    let totals = match (
        changes.votes_yes.unwrap_or(current.votes_yes),
        changes.votes_no.unwrap_or(current.votes_no),
        changes
            .votes_abstentions
            .unwrap_or(current.votes_abstentions),
    ) {
        (Some(yes), Some(no), Some(abstentions)) => Some(VoteCount {
            yes,
            no,
            abstentions,
        }),
        _ => None,
    };
    if let Some(per_org) = &update.votes_by_organization
        && !per_org.is_empty()
    {
        let counts: Vec<VoteCount> = per_org
            .iter()
            .map(|e| VoteCount {
                yes: e.yes,
                no: e.no,
                abstentions: e.abstentions,
            })
            .collect();
        match totals {
            Some(totals) => v.check(
                per_organization_matches(totals, &counts),
                "/votes_by_organization",
                "the counts per organization must add up to votes",
            ),
            None => v.error("/votes", "votes per organization need the total votes"),
        }
    }
    if update.touches_results {
        changes.decided_at = Some(result.is_some().then(chrono::Utc::now));
    }
    Ok(v.finish(())?)
}

/// The new order of the agenda.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaOrder {
    /// Every live item of the meeting, each once, in the new order.
    pub item_ids: Vec<Uuid>,
}
