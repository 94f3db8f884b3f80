//! `/projects/{id}/indicators[/{iid}[/measurements[/{mid}]]]`: indicators for the strategy's
//! evaluation and their dated measurements. Public to read; the steering office and the lead
//! organization's admin or editor maintain them.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::ProjectPath;
use super::records::{self, ProjectWork, RecordView};
use crate::auth::Caller;
use crate::db::indicators::{Indicator, IndicatorChanges, NewIndicator};
use crate::domain::validation::Validator;
use crate::error::ApiResult;
use crate::http::etag::IfMatch;
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// The path of an indicator of a project.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IndicatorPath {
    /// Project id
    pub id: Uuid,
    /// Indicator id
    pub iid: Uuid,
}

/// The largest magnitude of an indicator value (the database refuses more).
const VALUE_LIMIT: f64 = 1e15;

/// An indicator of a project. Values are measurements (counts, percentages, kWh), never money.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    #[schema(example = "Angeschlossene Sensoren")]
    pub name: String,
    #[schema(example = "Anzahl")]
    pub unit: String,
    pub description: String,
    /// The value before the project.
    #[schema(example = 0)]
    pub baseline: Option<f64>,
    /// The value the project aims for.
    #[schema(example = 500)]
    pub target: Option<f64>,
    pub target_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RecordView for Indicator {
    type View = IndicatorResponse;
}

impl From<Indicator> for IndicatorResponse {
    fn from(i: Indicator) -> Self {
        Self {
            id: i.id,
            project_id: i.project_id,
            name: i.name,
            unit: i.unit,
            description: i.description,
            baseline: i.baseline,
            target: i.target,
            target_date: i.target_date,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A new indicator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Angeschlossene Sensoren", "unit": "Anzahl", "baseline": 0, "target": 500, "target_date": "2027-12-31"}))]
pub struct CreateIndicator {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// 1 to 50 characters.
    #[schema(min_length = 1, max_length = 50)]
    pub unit: String,
    /// Up to 5,000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// Between -1e15 and 1e15.
    #[schema(minimum = -1e15, maximum = 1e15)]
    pub baseline: Option<f64>,
    /// Between -1e15 and 1e15.
    #[schema(minimum = -1e15, maximum = 1e15)]
    pub target: Option<f64>,
    pub target_date: Option<NaiveDate>,
}

/// Changes to an indicator; absent fields stay, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"target": 600}))]
pub struct UpdateIndicator {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 50)]
    pub unit: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<f64>, nullable, minimum = -1e15, maximum = 1e15)]
    pub baseline: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<f64>, nullable, minimum = -1e15, maximum = 1e15)]
    pub target: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub target_date: Option<Option<NaiveDate>>,
}

pub(super) fn value(v: &mut Validator, pointer: &str, x: f64) -> f64 {
    v.check(
        x.is_finite() && x.abs() <= VALUE_LIMIT,
        pointer,
        "must be between -1e15 and 1e15",
    );
    x
}

/// Lists a project's indicators in the order they were defined. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_indicators",
    security((), ("bearer" = [])),
    params(ProjectPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of indicators", body = Page<IndicatorResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/indicators")]
pub async fn list_project_indicators(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    records::list::<Indicator>(&state, &req, id, &since, &page).await
}

/// Reads one indicator. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_indicator",
    security((), ("bearer" = [])),
    params(IndicatorPath),
    responses(
        (status = 200, description = "The indicator", body = IndicatorResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/indicators/{iid}")]
pub async fn get_project_indicator(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<IndicatorPath>,
) -> ApiResult<HttpResponse> {
    let IndicatorPath { id, iid } = path.into_inner();
    let indicator = records::read::<Indicator>(&state, id, iid).await?;
    Ok(records::respond(&mut HttpResponse::Ok(), indicator))
}

/// Defines an indicator (steering office, or `admin`/`editor` of the lead organization).
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_indicator",
    security(("bearer" = [])),
    params(ProjectPath),
    request_body = CreateIndicator,
    responses(
        (status = 201, description = "The new indicator", body = IndicatorResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[post("/projects/{id}/indicators")]
pub async fn create_project_indicator(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<CreateIndicator>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let new = NewIndicator {
        project_id: id,
        name: v.text("/name", &body.name, 1, 200),
        unit: v.text("/unit", &body.unit, 1, 50),
        description: v.text(
            "/description",
            body.description.as_deref().unwrap_or(""),
            0,
            5000,
        ),
        baseline: body.baseline.map(|x| value(&mut v, "/baseline", x)),
        target: body.target.map(|x| value(&mut v, "/target", x)),
        target_date: body.target_date,
    };
    let indicator = work.create::<Indicator>(v.finish(new)?).await?;
    Ok(records::respond_created(&state, indicator))
}

/// Changes an indicator (steering office, or `admin`/`editor` of the lead organization). Needs
/// `If-Match` with the indicator's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_indicator",
    security(("bearer" = [])),
    params(
        IndicatorPath,
        ("If-Match" = String, Header, description = "The ETag of the indicator version read", example = "\"1\""),
    ),
    request_body = UpdateIndicator,
    responses(
        (status = 200, description = "The indicator", body = IndicatorResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/projects/{id}/indicators/{iid}")]
pub async fn update_project_indicator(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<IndicatorPath>,
    body: Json<UpdateIndicator>,
) -> ApiResult<HttpResponse> {
    let IndicatorPath { id, iid } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let changes = IndicatorChanges {
        name: body.name.map(|t| v.text("/name", &t, 1, 200)),
        unit: body.unit.map(|t| v.text("/unit", &t, 1, 50)),
        description: body
            .description
            .map(|t| v.text("/description", &t, 0, 5000)),
        baseline: body
            .baseline
            .map(|x| x.map(|x| value(&mut v, "/baseline", x))),
        target: body.target.map(|x| x.map(|x| value(&mut v, "/target", x))),
        target_date: body.target_date,
    };
    let indicator = work
        .update::<Indicator>(iid, if_match, v.finish(changes)?)
        .await?;
    Ok(records::respond(&mut HttpResponse::Ok(), indicator))
}

/// Removes an indicator without measurements (steering office, or `admin`/`editor` of the lead
/// organization); one with measurements is 409. Needs `If-Match`.
#[utoipa::path(
    tag = "projects",
    operation_id = "delete_project_indicator",
    security(("bearer" = [])),
    params(
        IndicatorPath,
        ("If-Match" = String, Header, description = "The ETag of the indicator version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/projects/{id}/indicators/{iid}")]
pub async fn delete_project_indicator(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<IndicatorPath>,
) -> ApiResult<HttpResponse> {
    let IndicatorPath { id, iid } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    work.delete::<Indicator>(iid, if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}
