//! Reading initiatives: the list (filters, search, keyset pages) and one initiative.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::InitiativePath;
use super::readable_initiative;
use super::types::InitiativeResponse;
use crate::auth::Caller;
use crate::db::initiatives::{self, InitiativeCursor, InitiativeFilter, InitiativeSort};
use crate::db::{self};
use crate::domain::initiatives::{InitiativeStatus, Visibility};
use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::modified_since::{self, ModifiedSince};
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// The order of an initiative list.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InitiativeSortParam {
    /// By registration, oldest first (default).
    CreatedAt,
    /// By last change, oldest first (for synchronisation with `modified_since`).
    UpdatedAt,
}

/// The filters of the initiative list (documentation of the query string, parsed by
/// [`ListQuery::parse`], which also accepts `status` several times).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct InitiativeListParams {
    /// Only initiatives of this municipality (an organization key).
    #[param(example = "99001004")]
    organization: Option<String>,
    /// Only initiatives of this field of action (a code).
    #[param(example = "infrastructure")]
    field_of_action: Option<String>,
    /// Only initiatives in one of these states; repeat the parameter or separate with commas.
    #[param(style = Form, explode)]
    status: Option<Vec<InitiativeStatus>>,
    /// Only initiatives with this tag.
    #[param(example = "nahversorgung")]
    tag: Option<String>,
    /// Only initiatives linked to this joint project.
    project: Option<Uuid>,
    /// Only initiatives carried by this working group.
    working_group: Option<Uuid>,
    /// Only public or only members-only initiatives (anonymous callers see public ones only).
    visibility: Option<Visibility>,
    /// Free text (1–200 characters) over title, summary and tags: German full-text search
    /// (stemming, `websearch` syntax), or the text as a case-insensitive substring of title and
    /// summary, so that parts of compound words match.
    #[param(example = "dorfladen", min_length = 1, max_length = 200)]
    q: Option<String>,
    /// The order; a cursor only continues the order it was made for.
    sort: Option<InitiativeSortParam>,
}

struct ListQuery {
    filter: InitiativeFilter,
    sort: InitiativeSort,
    page: PageQuery,
}

impl ListQuery {
    fn parse(query_string: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))?;
        let mut filter = InitiativeFilter::default();
        let mut sort = InitiativeSort::CreatedAt;
        let mut page = PageQuery {
            limit: None,
            cursor: None,
        };
        let bad = |name: &str, detail: &str| ApiError::bad_request(format!("{name}: {detail}"));
        for (name, value) in pairs {
            match name.as_str() {
                "organization" => {
                    if !crate::domain::ids::is_organization_key(&value) {
                        return Err(bad("organization", "must be an organization key"));
                    }
                    filter.organization = Some(value);
                }
                "field_of_action" => filter.field_of_action = Some(value),
                "status" => {
                    for status in value.split(',').map(str::trim) {
                        let status = InitiativeStatus::parse(status).ok_or_else(|| {
                            bad("status", &format!("{status} is not an initiative status"))
                        })?;
                        filter.statuses.push(status.as_str().to_owned());
                    }
                }
                "tag" => filter.tag = Some(value.trim().to_lowercase()),
                "project" => {
                    filter.project = Some(
                        value
                            .parse()
                            .map_err(|_| bad("project", "must be a project id"))?,
                    )
                }
                "working_group" => {
                    filter.working_group = Some(
                        value
                            .parse()
                            .map_err(|_| bad("working_group", "must be a working group id"))?,
                    )
                }
                "visibility" => {
                    let visibility = Visibility::parse(&value)
                        .ok_or_else(|| bad("visibility", "must be public or members"))?;
                    filter.visibility = Some(visibility.as_str().to_owned());
                }
                "q" => {
                    let q = value.trim();
                    if q.is_empty() || q.chars().count() > 200 || q.contains('\0') {
                        return Err(bad("q", "must be 1 to 200 characters"));
                    }
                    filter.q = Some(q.to_owned());
                }
                "modified_since" => {
                    filter.modified_since =
                        Some(modified_since::parse(&value).map_err(ApiError::bad_request)?);
                }
                "sort" => {
                    sort = match value.as_str() {
                        "created_at" => InitiativeSort::CreatedAt,
                        "updated_at" => InitiativeSort::UpdatedAt,
                        _ => return Err(bad("sort", "must be created_at or updated_at")),
                    }
                }
                "limit" => {
                    page.limit = Some(
                        value
                            .parse()
                            .map_err(|_| bad("limit", "must be a whole number"))?,
                    )
                }
                "cursor" => page.cursor = Some(value),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown query parameter `{other}`"
                    )));
                }
            }
        }
        Ok(Self { filter, sort, page })
    }
}

/// Lists local initiatives. Public ones for everybody; members also see members-only ones.
#[utoipa::path(
    tag = "initiatives",
    operation_id = "list_initiatives",
    security((), ("bearer" = [])),
    params(InitiativeListParams, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of initiatives", body = Page<InitiativeResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/initiatives")]
pub async fn list_initiatives(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let mut query = ListQuery::parse(req.query_string())?;
    query.filter.include_members_only = caller.is_member();
    let page = query.page.parse::<InitiativeCursor>()?;
    if page.after.as_ref().is_some_and(|c| c.sort() != query.sort) {
        return Err(ApiError::bad_request(
            "cursor was handed out for another sort order",
        ));
    }
    let mut conn = db::connect(&state.pool).await?;
    let rows = initiatives::list(
        &mut conn,
        &query.filter,
        query.sort,
        page.after.as_ref(),
        page.fetch(),
    )
    .await?;
    let page = page
        .page(rows, |i| InitiativeCursor::of(query.sort, i))
        .map(InitiativeResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one initiative. Public ones for everybody; a members-only one is 404 for anonymous
/// callers. A deleted initiative is 410.
#[utoipa::path(
    tag = "initiatives",
    operation_id = "get_initiative",
    security((), ("bearer" = [])),
    params(InitiativePath),
    responses(
        (status = 200, description = "The initiative", body = InitiativeResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to change the initiative"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/initiatives/{id}")]
pub async fn get_initiative(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<InitiativePath>,
) -> ApiResult<HttpResponse> {
    let InitiativePath { id } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let initiative = readable_initiative(&mut conn, &caller, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(initiative.version)))
        .json(InitiativeResponse::from(initiative)))
}
