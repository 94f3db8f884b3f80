//! Request and response bodies of adding members and recording joining and leaving.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::OrganizationKind;
use crate::db::memberships::Membership;
use crate::domain::ids::key_fits_kind;
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// A new member of the cooperation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "key": "99001020", "name": "Neustadt am Beispielsee", "kind": "stadt",
    "joined_on": "2027-01-01", "reason": "Beitritt nach Ratsbeschluss vom 12.11.2026",
    "contact_email": "digital@neustadt.example",
    "population": {"value": 18250, "reference_date": "2025-12-31", "source": "Statistisches Landesamt"}
}))]
pub struct NewOrganization {
    /// The official municipality key (AGS): 5 digits for a district, 8 for a town or
    /// municipality, starting with a Land code (`01` to `16`; `99` is reserved for example
    /// and test data); for an agency a lowercase key of 2 to 32 letters, digits and `-`,
    /// starting with a letter. Stable forever.
    #[schema(example = "99001020")]
    pub key: String,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, example = "Neustadt am Beispielsee")]
    pub name: String,
    pub kind: OrganizationKind,
    /// The first day of membership: it is charged its share of this fiscal year and later
    /// ones, never of earlier years.
    #[schema(example = "2027-01-01")]
    pub joined_on: NaiveDate,
    /// Why it joined (e.g. the council resolution); up to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    /// A function mailbox.
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    #[schema(max_length = 500)]
    pub website_url: Option<String>,
    /// Its population figure, needed when a cost key splits by population.
    pub population: Option<super::NewPopulationFigure>,
}

/// A checked [`NewOrganization`].
pub(super) struct CheckedOrganization {
    pub key: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub joined_on: NaiveDate,
    pub reason: Option<String>,
    pub contact_email: Option<String>,
    pub website_url: Option<String>,
    pub population: Option<(NaiveDate, i32, Option<String>)>,
}

impl NewOrganization {
    pub(super) fn validate(self) -> Result<CheckedOrganization, ApiError> {
        let mut v = Validator::new();
        let key = self.key.trim().to_owned();
        if let Err(detail) = key_fits_kind(&key, self.kind.as_str()) {
            v.error("/key", detail);
        }
        let name = v.text("/name", &self.name, 1, 200);
        let reason = self.reason.map(|r| v.text("/reason", &r, 1, 2000));
        let contact_email = self.contact_email.map(|e| v.email("/contact_email", &e));
        let website_url = self.website_url.map(|u| v.url("/website_url", &u));
        let population = self.population.map(|figure| {
            v.check(
                (1..=10_000_000).contains(&figure.value),
                "/population/value",
                "must be between 1 and 10000000",
            );
            v.check(
                figure.reference_date <= Utc::now().date_naive(),
                "/population/reference_date",
                "must not be in the future",
            );
            let source = figure
                .source
                .map(|s| v.text("/population/source", &s, 1, 500));
            (figure.reference_date, figure.value as i32, source)
        });
        Ok(v.finish(CheckedOrganization {
            key,
            name,
            kind: self.kind,
            joined_on: self.joined_on,
            reason,
            contact_email,
            website_url,
            population,
        })?)
    }
}

/// Records that an organization (re)joins the cooperation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"joined_on": "2028-01-01", "reason": "Wiedereintritt nach Ratsbeschluss vom 05.10.2027"}))]
pub struct JoinRequest {
    /// The first day of the new membership period; after the end of every earlier one.
    #[schema(example = "2028-01-01")]
    pub joined_on: NaiveDate,
    /// Why it joins; up to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// Records that an organization leaves the cooperation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"left_on": "2027-12-31", "reason": "Austritt nach Ratsbeschluss vom 20.06.2027"}))]
pub struct LeaveRequest {
    /// The last day of membership: the organization takes its share of this fiscal year, none
    /// of later ones.
    #[schema(example = "2027-12-31")]
    pub left_on: NaiveDate,
    /// Why it leaves; 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl JoinRequest {
    pub(super) fn validate(self) -> Result<(NaiveDate, Option<String>), ApiError> {
        let mut v = Validator::new();
        let reason = self.reason.map(|r| v.text("/reason", &r, 1, 2000));
        Ok(v.finish((self.joined_on, reason))?)
    }
}

impl LeaveRequest {
    pub(super) fn validate(self) -> Result<(NaiveDate, String), ApiError> {
        let mut v = Validator::new();
        let reason = v.text("/reason", &self.reason, 1, 2000);
        Ok(v.finish((self.left_on, reason))?)
    }
}

/// One membership period.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipResponse {
    pub id: Uuid,
    #[schema(example = "99001020")]
    pub organization: String,
    /// The first day; `null` for a founding member (a member since the cooperation began).
    #[schema(example = "2027-01-01")]
    pub joined_on: Option<NaiveDate>,
    pub joined_reason: Option<String>,
    /// The last day; `null` while the period is open.
    pub left_on: Option<NaiveDate>,
    pub left_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Membership> for MembershipResponse {
    fn from(m: Membership) -> Self {
        Self {
            id: m.id,
            organization: m.organization_key,
            joined_on: m.joined_on,
            joined_reason: m.joined_reason,
            left_on: m.left_on,
            left_reason: m.left_reason,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// An organization's membership periods.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "member": false,
    "items": [{"id": "0b7f5f8e-4a59-4e0b-9a77-1f3c2d9e8a10", "organization": "99001020",
               "joined_on": null, "joined_reason": null,
               "left_on": "2027-12-31", "left_reason": "Austritt nach Ratsbeschluss vom 20.06.2027",
               "created_at": "2026-12-07T10:00:00Z", "updated_at": "2027-06-21T08:30:00Z"}]
}))]
pub struct MembershipsResponse {
    /// Whether the organization is a member today.
    pub member: bool,
    /// Oldest first.
    pub items: Vec<MembershipResponse>,
}
