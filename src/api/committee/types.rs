//! What the delegate endpoints read and answer.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::meetings::Audience;
use crate::db::committee::members::CommitteeMember;
use crate::domain::meetings::CommitteeRole;

/// The path of a member of the steering committee.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// Committee member id
    pub mid: Uuid,
}

/// A delegate of an organization in the steering committee.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitteeMemberResponse {
    /// Stable id (later the OParl Person).
    pub id: Uuid,
    /// The organization the delegate sits for.
    #[schema(example = "99001004")]
    pub organization: String,
    /// `null` for anonymous callers unless the delegate consented.
    #[schema(example = "Dr. Erika Mustermann")]
    pub name: Option<String>,
    /// e.g. the office held; `null` for anonymous callers unless the delegate consented.
    #[schema(example = "Bürgermeisterin")]
    pub function: Option<String>,
    pub role: CommitteeRole,
    /// Whether the delegate votes.
    pub voting_right: bool,
    #[schema(example = "2025-11-01")]
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Whether the name may be published.
    pub name_public_consent: bool,
    /// When the name was erased on request (GDPR Art. 17): `name` is then the function (or
    /// committee role) and organization, e.g. "Bürgermeisterin (Musterstadt)".
    pub name_erased_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(super) fn response(member: CommitteeMember, audience: Audience) -> CommitteeMemberResponse {
    let disclosed = !audience.is_public() || member.name_public_consent;
    CommitteeMemberResponse {
        id: member.id,
        organization: member.organization_key,
        name: disclosed.then_some(member.name),
        function: member.function.filter(|_| disclosed),
        role: CommitteeRole::parse(&member.role).unwrap_or(CommitteeRole::Member),
        voting_right: member.voting_right,
        start_date: member.start_date,
        end_date: member.end_date,
        name_public_consent: member.name_public_consent,
        name_erased_at: member.name_erased_at,
        created_at: member.created_at,
        updated_at: member.updated_at,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Only delegates of this organization.
    #[param(example = "99001004")]
    pub organization: Option<String>,
}

/// A new delegate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization": "99001004", "name": "Dr. Erika Mustermann", "function": "Bürgermeisterin",
    "role": "member", "voting_right": true, "start_date": "2025-11-01", "name_public_consent": true
}))]
pub struct CreateCommitteeMember {
    /// The organization the delegate sits for.
    pub organization: String,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub function: Option<String>,
    /// Default `member`. The committee offices `chair`, `deputy_chair` and `secretary` are
    /// given by the steering office only; an organization's admin names `member` or `deputy`
    /// (403 otherwise).
    pub role: Option<CommitteeRole>,
    /// Whether the delegate votes (default: no). Set by the steering office only; an
    /// organization's admin may leave it out or send `false` (403 otherwise).
    #[serde(default)]
    pub voting_right: bool,
    pub start_date: NaiveDate,
    /// Not before `start_date`.
    pub end_date: Option<NaiveDate>,
    /// Whether the name may be published (default: no).
    #[serde(default)]
    pub name_public_consent: bool,
}

/// Changes to a delegate; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"end_date": "2026-10-31"}))]
pub struct UpdateCommitteeMember {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 200)]
    pub function: Option<Option<String>>,
    /// Only the steering office moves a delegate into or out of a committee office (`chair`,
    /// `deputy_chair`, `secretary`); an organization's admin may switch its delegate between
    /// `member` and `deputy` (403 otherwise). Sending the current value is no change.
    pub role: Option<CommitteeRole>,
    /// Only the steering office changes it (403 for anyone else; sending the current value
    /// is no change).
    pub voting_right: Option<bool>,
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub end_date: Option<Option<NaiveDate>>,
    pub name_public_consent: Option<bool>,
}
