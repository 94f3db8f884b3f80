//! `/projects/{id}/indicators[/{iid}[/measurements[/{mid}]]]`: indicators for the strategy's
//! evaluation and their dated measurements. Public to read; the steering office and the lead
//! organization's admin or editor maintain them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{authorize_project_work, live_project, lock_project_for_work, project_entry};
use crate::auth::Caller;
use crate::db::indicators::{self, Indicator, IndicatorChanges, NewIndicator};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

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

fn respond(builder: &mut actix_web::HttpResponseBuilder, i: Indicator) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(i.version)))
        .json(IndicatorResponse::from(i))
}

/// Lists a project's indicators in the order they were defined. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_indicators",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ModifiedSince, PageQuery),
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
    id: web::Path<Uuid>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.parse::<(DateTime<Utc>, Uuid)>()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, *id, false).await?;
    let rows =
        indicators::list(&mut conn, project.id, since.get(), page.after, page.fetch()).await?;
    let page = page
        .page(rows, |i| (i.created_at, i.id))
        .map(IndicatorResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one indicator. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_indicator",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ("iid" = Uuid, Path, description = "Indicator id")),
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
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, iid) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    let i = indicators::find(&mut conn, id, iid, false)
        .await
        .or_not_found("indicator", iid)?;
    Ok(respond(&mut HttpResponse::Ok(), i))
}

/// Defines an indicator (steering office, or `admin`/`editor` of the lead organization).
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_indicator",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
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
    id: web::Path<Uuid>,
    body: Json<CreateIndicator>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let (actor, _) = authorize_project_work(&mut conn, &caller, *id).await?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let new = NewIndicator {
        project_id: *id,
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
    let new = v.finish(new)?;
    let i = audited(&mut conn, &actor, move |conn| {
        let (caller, new) = (caller.clone(), new.clone());
        async move {
            let project = lock_project_for_work(conn, &caller, new.project_id).await?;
            let i = indicators::insert(conn, &new).await?;
            let entry = project_entry(
                Entry::created("indicator", i.id).after(&i),
                &caller,
                &project,
            );
            Ok(Recorded::new(i).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/projects/{}/indicators/{}", i.project_id, i.id);
    Ok(respond(&mut created(&state.config.public_url, path), i))
}

/// Changes an indicator (steering office, or `admin`/`editor` of the lead organization). Needs
/// `If-Match` with the indicator's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_indicator",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"), ("iid" = Uuid, Path, description = "Indicator id"),
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
    path: web::Path<(Uuid, Uuid)>,
    body: Json<UpdateIndicator>,
) -> ApiResult<HttpResponse> {
    let (id, iid) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let (actor, _) = authorize_project_work(&mut conn, &caller, id).await?;
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
    let changes = v.finish(changes)?;
    let i = audited(&mut conn, &actor, move |conn| {
        let (caller, changes) = (caller.clone(), changes.clone());
        async move {
            let project = lock_project_for_work(conn, &caller, id).await?;
            let before = indicators::find(conn, id, iid, true)
                .await
                .or_not_found("indicator", iid)?;
            if_match.check(before.version)?;
            let after = indicators::update(conn, iid, &changes).await?;
            let entry = project_entry(
                Entry::updated("indicator", iid)
                    .before(&before)
                    .after(&after),
                &caller,
                &project,
            );
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(&mut HttpResponse::Ok(), i))
}

/// Removes an indicator without measurements (steering office, or `admin`/`editor` of the lead
/// organization); one with measurements is 409. Needs `If-Match`.
#[utoipa::path(
    tag = "projects",
    operation_id = "delete_project_indicator",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"), ("iid" = Uuid, Path, description = "Indicator id"),
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
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, iid) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let (actor, _) = authorize_project_work(&mut conn, &caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    audited(&mut conn, &actor, move |conn| {
        let caller = caller.clone();
        async move {
            let project = lock_project_for_work(conn, &caller, id).await?;
            let before = indicators::find(conn, id, iid, true)
                .await
                .or_not_found("indicator", iid)?;
            if_match.check(before.version)?;
            if indicators::has_measurements(conn, iid).await? {
                return Err(ApiError::conflict(
                    "the indicator has measurements; delete them first",
                ));
            }
            indicators::delete(conn, iid).await?;
            let entry = project_entry(
                Entry::deleted("indicator", iid).before(&before),
                &caller,
                &project,
            );
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
