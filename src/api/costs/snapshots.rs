//! `/api/v1/projects/{id}/allocation/snapshots`: frozen allocations, so that the numbers a
//! council approved stay as they were. Never changed once taken.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::YearRange;
use super::allocation::{AllocationStatus, AllocationYear, PayerResponse, from_stored};
use crate::api::projects::{ProjectPath, live_project};
use crate::auth::Caller;
use crate::db;
use crate::db::costs::allocation as store;
use crate::db::costs::participants::paying_participants;
use crate::db::costs::snapshots::{self, NewSnapshot, SnapshotRow};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::cost_sharing::Scenario;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// A frozen allocation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    #[schema(example = "Vorlage Rat Musterstadt 2027/014")]
    pub label: String,
    /// Whether it was taken with pending participants and expected funding.
    pub include_pending: bool,
    /// The cost key version used.
    #[schema(example = 2)]
    pub key_version: i32,
    /// The population reference date used, for keys that split by population.
    pub population_date: Option<NaiveDate>,
    /// The paying participants with their state and the population used.
    pub participants: Vec<PayerResponse>,
    #[schema(example = 2027)]
    pub from: i32,
    #[schema(example = 2030)]
    pub to: i32,
    /// Every year with its totals and each participant's share.
    pub years: Vec<AllocationYear>,
    pub created_at: DateTime<Utc>,
    /// The subject of the token that took it.
    pub created_by: String,
}

impl From<SnapshotRow> for SnapshotResponse {
    fn from(row: SnapshotRow) -> Self {
        Self {
            id: row.id,
            project_id: row.project_id,
            label: row.label,
            include_pending: row.include_pending,
            key_version: row.key_version,
            population_date: row.population_date,
            participants: serde_json::from_value(row.populations).unwrap_or_default(),
            from: row.from_year,
            to: row.to_year,
            years: serde_json::from_value(row.years).unwrap_or_default(),
            created_at: row.created_at,
            created_by: row.created_by,
        }
    }
}

/// What to freeze.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "Vorlage Rat Musterstadt 2027/014", "include_pending": true, "from": 2027, "to": 2030}))]
pub struct CreateSnapshot {
    /// What the snapshot is for, e.g. the council paper; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    /// Freeze the planning view (pending participants pay too, expected funding counts), as a
    /// council deciding on its participation needs it.
    #[serde(default)]
    pub include_pending: bool,
    /// First fiscal year (2000–2100); default: the first year of the plan.
    #[schema(minimum = 2000, maximum = 2100)]
    pub from: Option<i32>,
    /// Last fiscal year (2000–2100, not before `from`); default: the last year of the plan.
    #[schema(minimum = 2000, maximum = 2100)]
    pub to: Option<i32>,
}

/// Freezes the project's current allocation. Steering office only. 409 when the allocation is
/// not complete or the plan has no years.
#[utoipa::path(
    tag = "costs",
    operation_id = "create_allocation_snapshot",
    security(("bearer" = [])),
    params(ProjectPath),
    request_body = CreateSnapshot,
    responses(
        (status = 201, description = "The snapshot", body = SnapshotResponse,
         headers(("Location" = String, description = "The snapshot's URL"))),
        (status = 410, response = crate::error::responses::Gone),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/projects/{id}/allocation/snapshots")]
pub async fn create_allocation_snapshot(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<CreateSnapshot>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let label = v.text("/label", &body.label, 1, 200);
    v.finish(())?;
    let actor = caller.actor()?;
    let subject = actor.subject.clone();
    let project_id = id;
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        let (label, subject) = (label.clone(), subject.clone());
        async move {
            // Under the project lock the stored allocation is the current one.
            live_project(conn, project_id, true).await?;
            let scenario = Scenario::from_include_pending(body.include_pending);
            let stored = store::stored(conn, project_id, scenario, None).await?;
            let payers = paying_participants(conn, project_id, body.include_pending).await?;
            let plan_years = match (stored.years.first(), stored.years.last()) {
                (Some(first), Some(last)) => Some(first.fiscal_year..=last.fiscal_year),
                _ => None,
            };
            let range = YearRange {
                from: body.from,
                to: body.to,
            }
            .resolve(plan_years)?
            .ok_or_else(|| ApiError::conflict("the project has no costs to freeze yet"))?;
            let allocation = from_stored(
                project_id,
                body.include_pending,
                stored,
                Some(range.clone()),
                true,
                &payers,
            );
            if allocation.status != AllocationStatus::Complete {
                return Err(ApiError::conflict(format!(
                    "only a complete allocation can be frozen: {}",
                    allocation
                        .problem
                        .as_deref()
                        .unwrap_or("it is not complete")
                )));
            }
            let participants = allocation.participants.clone().unwrap_or_default();
            let new = NewSnapshot {
                project_id,
                include_pending: body.include_pending,
                key_version: allocation
                    .key_version
                    .ok_or_else(|| ApiError::internal("a complete allocation without key"))?,
                population_date: allocation.population_date,
                participants: participants
                    .iter()
                    .map(|p| p.organization_key.clone())
                    .collect(),
                populations: serde_json::to_value(&participants).map_err(ApiError::internal)?,
                from_year: *range.start(),
                to_year: *range.end(),
                years: serde_json::to_value(&allocation.years).map_err(ApiError::internal)?,
                label,
                created_by: subject,
            };
            let row = snapshots::insert(conn, &new).await?;
            Ok(Recorded::new(row.clone())
                .with(Entry::created("allocation_snapshot", row.id).after(&row)))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!(
        "/api/v1/projects/{}/allocation/snapshots/{}",
        row.project_id, row.id
    );
    Ok(created(&state.config.public_url, path).json(SnapshotResponse::from(row)))
}

/// The shares are per organization, so snapshots are read like the allocation's shares.
async fn require_shares(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    project_id: Uuid,
) -> Result<(), ApiError> {
    let principal = caller.member()?;
    let project = live_project(conn, project_id, false).await?;
    if super::sees_shares(conn, Some(principal), &project).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "organization {} takes no part in project {project_id}",
            principal.organization
        )))
    }
}

/// Lists the project's snapshots, oldest first. The steering office, the lead organization and
/// the organizations taking part.
#[utoipa::path(
    tag = "costs",
    operation_id = "list_allocation_snapshots",
    security(("bearer" = [])),
    params(ProjectPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of snapshots", body = Page<SnapshotResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/allocation/snapshots")]
pub async fn list_allocation_snapshots(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.member()?;
    let page = page.parse::<(DateTime<Utc>, Uuid)>()?;
    let mut conn = db::connect(&state.pool).await?;
    require_shares(&mut conn, &caller, id).await?;
    let rows = snapshots::list(&mut conn, id, since.get(), page.after, page.fetch()).await?;
    let page = page
        .page(rows, |r| (r.created_at, r.id))
        .map(SnapshotResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SnapshotPath {
    /// The project.
    pub id: Uuid,
    /// The snapshot.
    pub sid: Uuid,
}

/// Reads one snapshot. The steering office, the lead organization and the organizations taking
/// part.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_allocation_snapshot",
    security(("bearer" = [])),
    params(SnapshotPath),
    responses(
        (status = 200, description = "The snapshot", body = SnapshotResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/allocation/snapshots/{sid}")]
pub async fn get_allocation_snapshot(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SnapshotPath>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    require_shares(&mut conn, &caller, path.id).await?;
    let row = snapshots::find(&mut conn, path.id, path.sid)
        .await
        .or_not_found("snapshot", path.sid)?;
    Ok(HttpResponse::Ok().json(SnapshotResponse::from(row)))
}
