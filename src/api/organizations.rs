//! `/api/v1/organizations`: the members of the cooperation. Public to read; the steering office
//! maintains names, contacts and population figures.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::db::organizations::{self, Organization, OrganizationChanges, PopulationFigure};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::startup::AppState;

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
    /// A member that is no municipality, e.g. the business-development company gfw.
    Agency,
}

impl OrganizationKind {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "kreis" => Some(Self::Kreis),
            "stadt" => Some(Self::Stadt),
            "gemeinde" => Some(Self::Gemeinde),
            "agency" => Some(Self::Agency),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
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
    #[schema(example = "digitalisierung@ahlen.de")]
    pub email: Option<String>,
    #[schema(example = "+49 2382 59-0")]
    pub phone: Option<String>,
    #[schema(example = "https://www.ahlen.de")]
    pub website_url: Option<String>,
}

/// A population figure with the date it refers to and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct PopulationResponse {
    #[schema(example = 53278)]
    pub value: i32,
    #[schema(example = "2023-12-31")]
    pub reference_date: NaiveDate,
    #[schema(example = "https://de.wikipedia.org/wiki/Ahlen")]
    pub source: Option<String>,
}

/// A member of the cooperation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationResponse {
    /// Official municipality key (AGS; 5 digits for the district, 8 for a town) or a slug such
    /// as `gfw`. Stable forever.
    #[schema(example = "05570004")]
    pub key: String,
    #[schema(example = "Ahlen")]
    pub name: String,
    pub kind: OrganizationKind,
    pub contact: ContactResponse,
    /// The current population figure; `null` for members without one (the gfw).
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationFilter {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// Only organizations changed at or after this instant (RFC 3339): `updated_at >=
    /// modified_since`. `updated_at` is the start of the changing transaction, so a change
    /// that committed slowly can carry an earlier time than the moment it became visible; for
    /// an exact sync, follow the change feed (`/api/v1/changes`).
    #[param(example = "2026-11-01T00:00:00Z")]
    pub modified_since: Option<DateTime<Utc>>,
}

/// Lists the organizations, ordered by key. Public.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organizations",
    security((), ("bearer" = [])),
    params(OrganizationFilter, PageQuery),
    responses(
        (status = 200, description = "One page of organizations", body = Page<OrganizationResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    filter: web::Query<OrganizationFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.parse::<String>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = organizations::list(
        &mut conn,
        filter.kind.map(OrganizationKind::as_str),
        filter.modified_since,
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let page = page
        .page(rows, |org| org.key.clone())
        .map(OrganizationResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one organization. Public.
#[utoipa::path(
    tag = "organizations",
    operation_id = "get_organization",
    security((), ("bearer" = [])),
    params(("key" = String, Path, description = "Organization key", example = "05570004")),
    responses(
        (status = 200, description = "The organization", body = OrganizationResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/organizations/{key}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    _caller: Caller,
    key: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let org = organizations::find(&mut conn, &key)
        .await
        .map_err(|e| not_found_as(e, &key))?;
    Ok(respond_with_etag(org))
}

/// The population figures of one organization, newest reference date first. Public.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organization_populations",
    security((), ("bearer" = [])),
    params(("key" = String, Path, description = "Organization key", example = "05570004")),
    responses(
        (status = 200, description = "Every population figure the organization had", body = PopulationHistoryResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/organizations/{key}/populations")]
pub async fn list_organization_populations(
    state: web::Data<AppState>,
    _caller: Caller,
    key: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    if !organizations::exists(&mut conn, &key).await? {
        return Err(not_found_as(diesel::result::Error::NotFound, &key));
    }
    let items = organizations::population_history(&mut conn, &key)
        .await?
        .into_iter()
        .map(PopulationResponse::from)
        .collect();
    Ok(HttpResponse::Ok().json(PopulationHistoryResponse { items }))
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
    "contact_email": "digitalisierung@ahlen.de",
    "population": {"value": 53500, "reference_date": "2024-12-31", "source": "IT.NRW, Bevölkerungsstand 31.12.2024"}
}))]
pub struct UpdateOrganization {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A function mailbox; `null` removes it.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 254)]
    pub contact_email: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 50)]
    pub contact_phone: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "super::double_option")]
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
    #[schema(max_length = 500)]
    pub source: Option<String>,
}

/// A checked update.
struct OrganizationUpdate {
    changes: OrganizationChanges,
    population: Option<(NaiveDate, i32, Option<String>)>,
}

impl UpdateOrganization {
    fn validate(self) -> Result<OrganizationUpdate, ApiError> {
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
        v.finish(OrganizationUpdate {
            changes,
            population,
        })
    }
}

/// Updates an organization (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "update_organization",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "Organization key", example = "05570004"),
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The updated organization", body = OrganizationResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[patch("/organizations/{key}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    key: web::Path<String>,
    body: Json<UpdateOrganization>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let update = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let key = key.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let org = audited(&mut conn, &actor, move |conn| {
        async move {
            let before = organizations::find_for_update(conn, &key)
                .await
                .map_err(|e| not_found_as(e, &key))?;
            if_match.check(before.version)?;
            let OrganizationUpdate {
                mut changes,
                population,
            } = update;
            let mut recorded = Recorded::new(());
            if let Some((date, value, source)) = population {
                match organizations::find_population(conn, &key, date).await? {
                    // The figure a cost key used must never change under it.
                    Some(existing) if existing.population != value => {
                        return Err(ApiError::conflict(format!(
                            "a population figure for {date} already exists with the value {}; \
                             figures are never rewritten",
                            existing.population
                        )));
                    }
                    Some(_) => {}
                    None => {
                        let figure = organizations::insert_population(
                            conn,
                            &key,
                            date,
                            value,
                            source.as_deref(),
                        )
                        .await?;
                        recorded = recorded.with(
                            Entry::created("population_figure", format!("{key}/{date}"))
                                .org(key.clone())
                                .after(&figure),
                        );
                    }
                }
                if before.population_date.is_none_or(|current| date >= current) {
                    changes.population = Some(Some(value));
                    changes.population_date = Some(Some(date));
                    changes.population_source = Some(source);
                }
            }
            let unchanged = changes.name.is_none()
                && changes.contact_email.is_none()
                && changes.contact_phone.is_none()
                && changes.website_url.is_none()
                && changes.population.is_none();
            if unchanged {
                return Ok(Recorded {
                    value: before,
                    entries: recorded.entries,
                });
            }
            let after = organizations::update(conn, &key, &changes).await?;
            Ok(Recorded {
                value: after.clone(),
                entries: recorded.entries,
            }
            .with(
                Entry::updated("organization", &key)
                    .org(key.clone())
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond_with_etag(org))
}

fn respond_with_etag(org: Organization) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(org.version)))
        .json(OrganizationResponse::from(org))
}

fn not_found_as(error: diesel::result::Error, key: &str) -> ApiError {
    match error {
        diesel::result::Error::NotFound => {
            ApiError::not_found(format!("organization {key} does not exist"))
        }
        other => other.into(),
    }
}
