//! The organization endpoints: parse, authorize, call the database, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::types::{
    OrganizationKind, OrganizationResponse, OrganizationUpdate, PopulationHistoryResponse,
    PopulationResponse, UpdateOrganization,
};
use crate::auth::Caller;
use crate::db::costs::allocation;
use crate::db::organizations::{self, Organization};
use crate::db::projects::{self, Lookup};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationFilter {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
}

/// Lists the organizations, ordered by key. Public.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organizations",
    security((), ("bearer" = [])),
    params(OrganizationFilter, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of organizations", body = Page<OrganizationResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    filter: web::Query<OrganizationFilter>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.parse::<String>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = organizations::list(
        &mut conn,
        filter.kind.map(OrganizationKind::as_str),
        since.get(),
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
    params(("key" = String, Path, description = "Organization key", example = "99001004")),
    responses(
        (status = 200, description = "The organization", body = OrganizationResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
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
        .or_not_found("organization", &key)?;
    Ok(respond_with_etag(org))
}

/// The population figures of one organization, newest reference date first. Public.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organization_populations",
    security((), ("bearer" = [])),
    params(("key" = String, Path, description = "Organization key", example = "99001004"), ModifiedSince),
    responses(
        (status = 200, description = "Every population figure the organization had", body = PopulationHistoryResponse),
    ),
)]
#[get("/organizations/{key}/populations")]
pub async fn list_organization_populations(
    state: web::Data<AppState>,
    _caller: Caller,
    key: web::Path<String>,
    since: web::Query<ModifiedSince>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    if !organizations::exists(&mut conn, &key).await? {
        return Err(ApiError::not_found(format!(
            "organization {key} does not exist"
        )));
    }
    let items = organizations::population_history(&mut conn, &key, since.get())
        .await?
        .into_iter()
        .map(PopulationResponse::from)
        .collect();
    Ok(HttpResponse::Ok().json(PopulationHistoryResponse { items }))
}

/// Updates an organization (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "update_organization",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "Organization key", example = "99001004"),
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The updated organization", body = OrganizationResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
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
        let (key, update) = (key.clone(), update.clone());
        async move {
            let before = organizations::find_for_update(conn, &key)
                .await
                .or_not_found("organization", &key)?;
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
                        // Shares split by population on this date could not be computed
                        // without the figure; they are, now, in the same transaction.
                        for project_id in allocation::awaiting_population(conn, &key, date).await? {
                            if let Lookup::Live(_) =
                                projects::lookup(conn, project_id, true).await?
                            {
                                allocation::recompute(conn, project_id).await?;
                            }
                        }
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
