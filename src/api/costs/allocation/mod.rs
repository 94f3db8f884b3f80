//! `/api/v1/projects/{id}/allocation`: a project's costs, funding and own share per fiscal
//! year, and each paying participant's share of it; and the what-if preview.

mod types;

pub use self::types::*;

use std::ops::RangeInclusive;

use actix_web::{HttpResponse, get, post, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::YearRange;
use super::key_body::CostKeyBody;
use crate::api::projects::{ProjectPath, live_project};
use crate::auth::Caller;
use crate::db;
use crate::db::costs::allocation::{self as store, KeyChoice, compute, load_plan};
use crate::db::costs::participants::{hypothetical_participants, paying_participants};
use crate::domain::cost_sharing::Scenario;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// `pending`: participants whose council decision is pending pay too, and planned and
    /// submitted funding counts with its expected grant.
    #[param(example = "pending", pattern = "^pending$")]
    pub include: Option<String>,
    /// First fiscal year (2000–2100); default: the first year of the plan.
    #[param(minimum = 2000, maximum = 2100, example = 2027)]
    pub from: Option<i32>,
    /// Last fiscal year (2000–2100, at most 49 after `from`); default: the last year of the plan.
    #[param(minimum = 2000, maximum = 2100, example = 2030)]
    pub to: Option<i32>,
}

impl AllocationQuery {
    fn years(&self) -> YearRange {
        YearRange {
            from: self.from,
            to: self.to,
        }
    }

    fn include_pending(&self) -> Result<bool, ApiError> {
        match self.include.as_deref() {
            None => Ok(false),
            Some("pending") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "include may only be `pending`, got `{other}`"
            ))),
        }
    }
}

/// Reads a stored allocation and the participants' states in one snapshot of the database.
pub(crate) async fn read_stored(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    include_pending: bool,
    years: YearRange,
    shares_visible: bool,
) -> Result<AllocationResponse, ApiError> {
    let scenario = Scenario::from_include_pending(include_pending);
    let (stored, payers) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| -> Result<_, ApiError> {
            let stored = store::stored(conn, project_id, scenario, None).await?;
            let payers = paying_participants(conn, project_id, include_pending).await?;
            Ok((stored, payers))
        })
        .await?;
    let plan_years = match (stored.years.first(), stored.years.last()) {
        (Some(first), Some(last)) => Some(first.fiscal_year..=last.fiscal_year),
        _ => None,
    };
    let range = years.resolve(plan_years)?;
    Ok(from_stored(
        project_id,
        include_pending,
        stored,
        range,
        shares_visible,
        &payers,
    ))
}

/// The project's allocation per fiscal year. Public: anonymous callers and organizations not
/// taking part see the years' totals, funding and own share only; the steering office, the
/// lead organization and the organizations taking part see every share too.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_allocation",
    security((), ("bearer" = [])),
    params(ProjectPath, AllocationQuery),
    responses(
        (status = 200, description = "The allocation", body = AllocationResponse),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/allocation")]
pub async fn get_allocation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    query: web::Query<AllocationQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let include_pending = query.include_pending()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, id, false).await?;
    let shares_visible = super::sees_shares(&mut conn, caller.principal(), &project).await?;
    let response = read_stored(
        &mut conn,
        project.id,
        include_pending,
        query.years(),
        shares_visible,
    )
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// A what-if question: the project's allocation for other participants and/or another key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "participants": ["99001004", "99001008", "99001016"],
    "key": {"type": "equal"},
    "from": 2027, "to": 2029
}))]
pub struct PreviewRequest {
    /// The organizations that would pay (1–15 distinct keys); default: the current paying
    /// participants.
    #[schema(min_items = 1, max_items = 15)]
    pub participants: Option<Vec<String>>,
    /// Like `?include=pending`: pending participants pay too (unless `participants` is given)
    /// and expected funding counts.
    #[serde(default)]
    pub include_pending: bool,
    /// Another key; default: the current key.
    pub key: Option<CostKeyBody>,
    /// First fiscal year; default: the first year of the plan.
    #[schema(minimum = 2000, maximum = 2100)]
    pub from: Option<i32>,
    /// Last fiscal year; default: the last year of the plan.
    #[schema(minimum = 2000, maximum = 2100)]
    pub to: Option<i32>,
}

/// Answers a what-if question without writing anything: what each organization would pay for
/// another set of participants and/or another key. Any authenticated member may ask; who sees
/// the per-organization shares follows the allocation's rule (the steering office, the lead
/// organization and the organizations taking part). Every other member sees the years' totals
/// and only its own organization's share (when it pays in the question asked), so that it can
/// ask what joining would cost it, as its implementation report does.
#[utoipa::path(
    tag = "costs",
    operation_id = "preview_allocation",
    security(("bearer" = [])),
    params(ProjectPath),
    request_body = PreviewRequest,
    responses(
        (status = 200, description = "The hypothetical allocation", body = AllocationResponse),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[post("/projects/{id}/allocation/preview")]
pub async fn preview_allocation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<PreviewRequest>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id: project_id } = path.into_inner();
    caller.member()?;
    let body = body.into_inner()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, project_id, false).await?;
    let shares_visible = super::sees_shares(&mut conn, caller.principal(), &project).await?;
    let response = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| -> Result<_, ApiError> { preview(conn, project_id, body).await })
        .await?;
    let response = match caller.principal() {
        Some(principal) if !shares_visible => response.only_own_share(&principal.organization),
        _ => response,
    };
    Ok(HttpResponse::Ok().json(response))
}

async fn preview(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    body: PreviewRequest,
) -> Result<AllocationResponse, ApiError> {
    let plan = load_plan(conn, project_id).await?;
    let hypothetical = body.participants.is_some();
    let payers = match &body.participants {
        None => paying_participants(conn, project_id, body.include_pending).await?,
        Some(keys) => {
            let mut v = Validator::new();
            v.check(
                (1..=15).contains(&keys.len()),
                "/participants",
                "must name 1 to 15 organizations",
            );
            let known = hypothetical_participants(conn, keys).await?;
            for (index, key) in keys.iter().enumerate() {
                if keys[..index].contains(key) {
                    v.error(
                        format!("/participants/{index}"),
                        format!("{key} is listed twice"),
                    );
                } else if !known.iter().any(|p| &p.organization_key == key) {
                    v.error(
                        format!("/participants/{index}"),
                        format!("{key} is not an organization of the cooperation"),
                    );
                }
            }
            v.finish(known)?
        }
    };
    let key = match body.key {
        Some(key) => Some(key.check(conn, "/key", &payers).await?.key),
        None => None,
    };
    let range = YearRange {
        from: body.from,
        to: body.to,
    }
    .resolve(plan.years())?
    .unwrap_or_else(empty_years);
    let choice = match &key {
        Some(key) => KeyChoice::Hypothetical(key),
        None => KeyChoice::Stored,
    };
    let scenario = Scenario::from_include_pending(body.include_pending);
    let computed = compute(conn, &plan, choice, payers, scenario, range).await?;
    Ok(from_computed(
        project_id,
        body.include_pending,
        computed,
        hypothetical,
    ))
}

fn empty_years() -> RangeInclusive<i32> {
    #[expect(clippy::reversed_empty_ranges, reason = "deliberately empty")]
    let empty = 1..=0;
    empty
}
