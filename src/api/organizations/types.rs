//! The request and response types of `/api/v1/organizations`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::organizations::{Organization, OrganizationChanges, PopulationFigure};
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// What kind of member an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// The district (Kreis).
    Kreis,
    /// A town (Stadt).
    Stadt,
    /// A municipality (Gemeinde).
    Gemeinde,
    /// A member that is no municipality, e.g. a business-development company.
    Agency,
}

impl OrganizationKind {
    pub(super) fn parse(text: &str) -> Option<Self> {
        match text {
            "kreis" => Some(Self::Kreis),
            "stadt" => Some(Self::Stadt),
            "gemeinde" => Some(Self::Gemeinde),
            "agency" => Some(Self::Agency),
            _ => None,
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Kreis => "kreis",
            Self::Stadt => "stadt",
            Self::Gemeinde => "gemeinde",
            Self::Agency => "agency",
        }
    }
}

/// Public contact points of an organization (function mailboxes, not persons).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    #[schema(example = "digitalisierung@musterstadt.example")]
    pub email: Option<String>,
    #[schema(example = "+49 2382 59-0")]
    pub phone: Option<String>,
    #[schema(example = "https://www.musterstadt.example")]
    pub website_url: Option<String>,
}

/// A population figure with the date it refers to and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct PopulationResponse {
    #[schema(example = 53278)]
    pub value: i32,
    #[schema(example = "2023-12-31")]
    pub reference_date: NaiveDate,
    #[schema(example = "https://www.musterstadt.example/zahlen")]
    pub source: Option<String>,
}

/// A member of the cooperation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationResponse {
    /// Official municipality key (AGS; 5 digits for the district, 8 for a town) or a slug such
    /// as `musterland-wfg` for an agency. Stable forever.
    #[schema(example = "99001004")]
    pub key: String,
    #[schema(example = "Musterstadt")]
    pub name: String,
    pub kind: OrganizationKind,
    pub contact: ContactResponse,
    /// The current population figure; `null` for members without one (agencies).
    pub population: Option<PopulationResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationResponse {
    fn from(org: Organization) -> Self {
        let population = match (org.population, org.population_date) {
            (Some(value), Some(reference_date)) => Some(PopulationResponse {
                value,
                reference_date,
                source: org.population_source,
            }),
            _ => None,
        };
        Self {
            kind: OrganizationKind::parse(&org.kind).unwrap_or(OrganizationKind::Agency),
            key: org.key,
            name: org.name,
            contact: ContactResponse {
                email: org.contact_email,
                phone: org.contact_phone,
                website_url: org.website_url,
            },
            population,
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

impl From<PopulationFigure> for PopulationResponse {
    fn from(f: PopulationFigure) -> Self {
        Self {
            value: f.population,
            reference_date: f.reference_date,
            source: f.source,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PopulationHistoryResponse {
    /// Newest reference date first.
    pub items: Vec<PopulationResponse>,
}

/// Changes to an organization; absent fields stay as they are, `null` clears a contact field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "contact_email": "digitalisierung@musterstadt.example",
    "population": {"value": 53500, "reference_date": "2024-12-31", "source": "IT.NRW, Bevölkerungsstand 31.12.2024"}
}))]
pub struct UpdateOrganization {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A function mailbox; `null` removes it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 254)]
    pub contact_email: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 3, value_type = Option<String>, nullable, max_length = 50)]
    pub contact_phone: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub website_url: Option<Option<String>>,
    /// A new population figure. It is added to the history; it becomes the current figure when
    /// its reference date is not older than the current one.
    pub population: Option<NewPopulationFigure>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPopulationFigure {
    /// Inhabitants, 1 to 10,000,000.
    #[schema(minimum = 1, maximum = 10_000_000, example = 53500)]
    pub value: i64,
    /// The date the figure refers to; not in the future.
    #[schema(example = "2024-12-31")]
    pub reference_date: NaiveDate,
    /// Where the figure comes from, e.g. an IT.NRW table; up to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub source: Option<String>,
}

/// A checked update.
#[derive(Clone)]
pub(super) struct OrganizationUpdate {
    pub(super) changes: OrganizationChanges,
    pub(super) population: Option<(NaiveDate, i32, Option<String>)>,
}

impl UpdateOrganization {
    pub(super) fn validate(self) -> Result<OrganizationUpdate, ApiError> {
        let mut v = Validator::new();
        let mut changes = OrganizationChanges {
            name: self.name.map(|name| v.text("/name", &name, 1, 200)),
            ..Default::default()
        };
        changes.contact_email = self
            .contact_email
            .map(|email| email.map(|e| v.email("/contact_email", &e)));
        changes.contact_phone = self.contact_phone.map(|phone| {
            phone.map(|p| {
                let p = v.text("/contact_phone", &p, 3, 50);
                v.check(
                    p.chars()
                        .all(|c| c.is_ascii_digit() || " +-/()".contains(c)),
                    "/contact_phone",
                    "may hold digits, spaces and + - / ( ) only",
                );
                p
            })
        });
        changes.website_url = self
            .website_url
            .map(|url| url.map(|u| v.url("/website_url", &u)));
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
        Ok(v.finish(OrganizationUpdate {
            changes,
            population,
        })?)
    }
}
