//! Request and response types of `/working-groups`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::working_groups::{GroupView, NewWorkingGroup, WorkingGroupChanges};
use crate::domain::initiatives::contact_role_problem;
use crate::domain::validation::Validator;

/// The path of one organization's membership in a working group.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupMemberPath {
    /// Working group id
    pub id: Uuid,
    /// Organization key
    #[param(example = "99001004")]
    pub org: String,
}

/// The path of a working group.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WorkingGroupPath {
    /// Working group id
    pub id: Uuid,
}

/// What kind of structure a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkingGroupKind {
    /// A standing working group (Arbeitskreis).
    WorkingGroup,
    /// A municipal network (kommunales Netzwerk).
    Network,
    /// A group formed for one or a few projects (Projektgruppe).
    ProjectGroup,
}

impl WorkingGroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkingGroupKind::WorkingGroup => "working_group",
            WorkingGroupKind::Network => "network",
            WorkingGroupKind::ProjectGroup => "project_group",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "working_group" => Some(WorkingGroupKind::WorkingGroup),
            "network" => Some(WorkingGroupKind::Network),
            "project_group" => Some(WorkingGroupKind::ProjectGroup),
            _ => None,
        }
    }
}

/// A working group, network or project group that exists in the district.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingGroupResponse {
    pub id: Uuid,
    #[schema(example = "Arbeitskreis Digitalisierung Landkreis Musterland")]
    pub name: String,
    pub kind: WorkingGroupKind,
    pub description: String,
    /// The organization hosting the group (an organization key).
    #[schema(example = "99001")]
    pub host_organization: Option<String>,
    /// The member organizations (keys), in key order.
    #[schema(example = json!(["99001004", "99001008"]))]
    pub members: Vec<String>,
    /// The fields of action the group serves (codes).
    #[schema(example = json!(["digital_administration"]))]
    pub fields_of_action: Vec<String>,
    /// The joint projects the group serves or carries.
    pub project_ids: Vec<Uuid>,
    #[schema(example = "quartalsweise")]
    pub meeting_rhythm: Option<String>,
    /// Who to ask: a role or unit, never a person's name.
    #[schema(example = "Stabsstelle Digitalisierung, Landkreis Musterland")]
    pub contact_role: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<GroupView> for WorkingGroupResponse {
    fn from(view: GroupView) -> Self {
        let g = view.group;
        Self {
            kind: WorkingGroupKind::parse(&g.kind).unwrap_or(WorkingGroupKind::WorkingGroup),
            id: g.id,
            name: g.name,
            description: g.description,
            host_organization: g.host_organization,
            members: view.members,
            fields_of_action: g.fields_of_action,
            project_ids: view.project_ids,
            meeting_rhythm: g.meeting_rhythm,
            contact_role: g.contact_role,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A new working group (steering office).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Arbeitskreis Digitalisierung Landkreis Musterland", "kind": "working_group",
    "host_organization": "99001", "members": ["99001004", "99001008"],
    "fields_of_action": ["digital_administration"], "meeting_rhythm": "quartalsweise",
    "contact_role": "Stabsstelle Digitalisierung, Landkreis Musterland"
}))]
pub struct CreateWorkingGroup {
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    pub kind: WorkingGroupKind,
    /// Up to 5,000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// An organization key.
    pub host_organization: Option<String>,
    /// Organization keys; more may join later (`PUT /working-groups/{id}/members/{org}`).
    pub members: Option<Vec<String>>,
    /// Field-of-action codes.
    pub fields_of_action: Option<Vec<String>>,
    /// Ids of joint projects the group serves or carries.
    pub project_ids: Option<Vec<Uuid>>,
    /// Up to 200 characters.
    #[schema(max_length = 200)]
    pub meeting_rhythm: Option<String>,
    /// A role or unit (up to 200 characters), never a person's name.
    #[schema(max_length = 200)]
    pub contact_role: Option<String>,
}

/// Changes to a working group (steering office). Absent fields stay; `null` clears. Members
/// change through `/working-groups/{id}/members/{org}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"meeting_rhythm": "monatlich", "project_ids": []}))]
pub struct UpdateWorkingGroup {
    #[schema(min_length = 1, max_length = 300)]
    pub name: Option<String>,
    pub kind: Option<WorkingGroupKind>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub host_organization: Option<Option<String>>,
    pub fields_of_action: Option<Vec<String>>,
    /// Replaces the projects the group serves.
    pub project_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 200)]
    pub meeting_rhythm: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 200)]
    pub contact_role: Option<Option<String>>,
}

fn optional_line(v: &mut Validator, pointer: &str, text: &str) -> Option<String> {
    Some(v.text(pointer, text, 0, 200)).filter(|t| !t.is_empty())
}

fn contact_role(v: &mut Validator, role: &str) -> Option<String> {
    let role = optional_line(v, "/contact_role", role);
    if let Some(problem) = role.as_deref().and_then(contact_role_problem) {
        v.error("/contact_role", problem);
    }
    role
}

fn codes(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = list.into_iter().map(|c| c.trim().to_owned()).collect();
    out.sort();
    out.dedup();
    out
}

impl CreateWorkingGroup {
    /// The row, the members and the projects; references are checked against the database
    /// apart.
    pub fn validate(self, v: &mut Validator) -> (NewWorkingGroup, Vec<String>, Vec<Uuid>) {
        let mut projects = self.project_ids.unwrap_or_default();
        projects.sort();
        projects.dedup();
        (
            NewWorkingGroup {
                name: v.text("/name", &self.name, 1, 300),
                kind: self.kind.as_str().to_owned(),
                description: v.text(
                    "/description",
                    self.description.as_deref().unwrap_or(""),
                    0,
                    5000,
                ),
                host_organization: self.host_organization.map(|k| k.trim().to_owned()),
                fields_of_action: codes(self.fields_of_action.unwrap_or_default()),
                meeting_rhythm: self
                    .meeting_rhythm
                    .and_then(|r| optional_line(v, "/meeting_rhythm", &r)),
                contact_role: self.contact_role.and_then(|r| contact_role(v, &r)),
            },
            codes(self.members.unwrap_or_default()),
            projects,
        )
    }
}

impl UpdateWorkingGroup {
    pub fn validate(self, v: &mut Validator) -> (WorkingGroupChanges, Option<Vec<Uuid>>) {
        let projects = self.project_ids.map(|mut p| {
            p.sort();
            p.dedup();
            p
        });
        (
            WorkingGroupChanges {
                name: self.name.map(|n| v.text("/name", &n, 1, 300)),
                kind: self.kind.map(|k| k.as_str().to_owned()),
                description: self
                    .description
                    .map(|d| v.text("/description", &d, 0, 5000)),
                host_organization: self
                    .host_organization
                    .map(|k| k.map(|k| k.trim().to_owned())),
                fields_of_action: self.fields_of_action.map(codes),
                meeting_rhythm: self
                    .meeting_rhythm
                    .map(|r| r.and_then(|r| optional_line(v, "/meeting_rhythm", &r))),
                contact_role: self
                    .contact_role
                    .map(|r| r.and_then(|r| contact_role(v, &r))),
            },
            projects,
        )
    }
}
