//! `/projects/{id}/indicators/{iid}/measurements[/{mid}]`: the dated values of an indicator.
//! Public to read; the steering office and the lead organization's admin or editor record them.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::indicators::{IndicatorPath, value};
use super::live_project;
use super::records::ProjectWork;
use crate::auth::Caller;
use crate::db::indicators::{self, Indicator, Measurement};
use crate::db::project_records::ProjectRecord;
use crate::db::write::{Entry, Recorded, ScopedFutureExt};
use crate::db::{self};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// The path of a measurement of a project's indicator.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MeasurementPath {
    /// Project id
    pub id: Uuid,
    /// Indicator id
    pub iid: Uuid,
    /// Measurement id
    pub mid: Uuid,
}

/// A dated value of an indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasurementResponse {
    pub id: Uuid,
    pub indicator_id: Uuid,
    #[schema(example = "2026-06-30")]
    pub measured_on: NaiveDate,
    #[schema(example = 120)]
    pub value: f64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Measurement> for MeasurementResponse {
    fn from(m: Measurement) -> Self {
        Self {
            id: m.id,
            indicator_id: m.indicator_id,
            measured_on: m.measured_on,
            value: m.value,
            note: m.note,
            created_at: m.created_at,
        }
    }
}

/// A new measurement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"measured_on": "2026-06-30", "value": 120, "note": "Quartalszählung"}))]
pub struct CreateMeasurement {
    /// One measurement per indicator and date.
    pub measured_on: NaiveDate,
    /// Between -1e15 and 1e15.
    #[schema(minimum = -1e15, maximum = 1e15)]
    pub value: f64,
    /// Up to 1,000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Lists an indicator's measurements by date. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_indicator_measurements",
    security((), ("bearer" = [])),
    params(IndicatorPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of measurements", body = Page<MeasurementResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/indicators/{iid}/measurements")]
pub async fn list_indicator_measurements(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    path: web::Path<IndicatorPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let IndicatorPath { id, iid } = path.into_inner();
    let page = page.parse::<NaiveDate>()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    Indicator::find(&mut conn, id, iid, false)
        .await
        .or_not_found("indicator", iid)?;
    let rows = indicators::list_measurements(&mut conn, iid, since.get(), page.after, page.fetch())
        .await?;
    let page = page
        .page(rows, |m| m.measured_on)
        .map(MeasurementResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Records a measurement (steering office, or `admin`/`editor` of the lead organization). A
/// second value for the same date is 409.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_indicator_measurement",
    security(("bearer" = [])),
    params(IndicatorPath),
    request_body = CreateMeasurement,
    responses(
        (status = 201, description = "The new measurement", body = MeasurementResponse),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[post("/projects/{id}/indicators/{iid}/measurements")]
pub async fn create_indicator_measurement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<IndicatorPath>,
    body: Json<CreateMeasurement>,
) -> ApiResult<HttpResponse> {
    let IndicatorPath { id, iid } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let x = value(&mut v, "/value", body.value);
    let note = body
        .note
        .map(|n| v.text("/note", &n, 0, 1000))
        .filter(|n| !n.is_empty());
    let (x, note) = v.finish((x, note))?;
    let m = work
        .run(move |conn, locked| {
            let note = note.clone();
            async move {
                Indicator::find(conn, id, iid, true)
                    .await
                    .or_not_found("indicator", iid)?;
                let m =
                    indicators::insert_measurement(conn, iid, body.measured_on, x, note.as_deref())
                        .await
                        .map_err(|e| match e {
                            diesel::result::Error::DatabaseError(
                                diesel::result::DatabaseErrorKind::UniqueViolation,
                                _,
                            ) => ApiError::conflict(format!(
                                "the indicator already has a measurement for {}",
                                body.measured_on
                            )),
                            other => other.into(),
                        })?;
                let entry = locked.entry(Entry::created("measurement", m.id).after(&m));
                Ok(Recorded::new(m).with(entry))
            }
            .scope_boxed()
        })
        .await?;
    // Its URL answers DELETE only: a measurement is read through the indicator's list.
    let path = format!(
        "/api/v1/projects/{id}/indicators/{iid}/measurements/{}",
        m.id
    );
    Ok(created(&state.config.public_url, path).json(MeasurementResponse::from(m)))
}

/// Removes a measurement (steering office, or `admin`/`editor` of the lead organization).
#[utoipa::path(
    tag = "projects",
    operation_id = "delete_indicator_measurement",
    security(("bearer" = [])),
    params(
        MeasurementPath,
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/projects/{id}/indicators/{iid}/measurements/{mid}")]
pub async fn delete_indicator_measurement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeasurementPath>,
) -> ApiResult<HttpResponse> {
    let MeasurementPath { id, iid, mid } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    work.run(move |conn, locked| {
        async move {
            Indicator::find(conn, id, iid, true)
                .await
                .or_not_found("indicator", iid)?;
            let before = indicators::find_measurement(conn, iid, mid)
                .await
                .or_not_found("measurement", mid)?;
            indicators::delete_measurement(conn, mid).await?;
            let entry = locked.entry(Entry::deleted("measurement", mid).before(&before));
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
