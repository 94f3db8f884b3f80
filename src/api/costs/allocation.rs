//! `/api/v1/projects/{id}/allocation`: a project's costs, funding and own share per fiscal
//! year, and each paying participant's share of it; and the what-if preview.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::YearRange;
use super::key_body::CostKeyBody;
use crate::auth::Caller;
use crate::db::costs::allocation::{
    self as store, KeyChoice, PayingParticipant, Stored, compute, load_plan, paying_participants,
};
use crate::db::{self};
use crate::domain::cost_sharing::{ProjectAllocation, Scenario};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::startup::AppState;

/// Whether the shares could be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllocationStatus {
    /// Every year is split; the shares plus `unallocated_cents` equal the own share.
    Complete,
    /// The project has no cost key yet.
    NoCostKey,
    /// Nobody pays in this scenario.
    NoPayingParticipants,
    /// The key cannot split among the paying participants (`problem` says why), e.g. a fixed
    /// percentage is missing for a participant or a population figure is missing.
    KeyDoesNotFit,
}

impl AllocationStatus {
    fn parse(text: &str) -> Self {
        match text {
            "complete" => Self::Complete,
            "no_paying_participants" => Self::NoPayingParticipants,
            "key_does_not_fit" => Self::KeyDoesNotFit,
            _ => Self::NoCostKey,
        }
    }
}

/// A paying participant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayerResponse {
    #[schema(example = "05570004")]
    pub organization_key: String,
    /// `committed` or `council_decision_pending` (`hypothetical` in a preview that names its
    /// participants).
    #[schema(example = "committed")]
    pub state: String,
    /// The population the key used, when it splits by population.
    #[schema(example = 53278)]
    pub population: Option<i64>,
}

/// One fiscal year of an allocation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationYear {
    #[schema(example = 2027)]
    pub fiscal_year: i32,
    /// All cost items of the year, in cents.
    #[schema(example = 12_000_000)]
    pub total_cents: i64,
    /// The part eligible for funding.
    #[schema(example = 10_000_000)]
    pub eligible_cents: i64,
    /// Funding counted in this year (granted; in planning views expected too).
    #[schema(example = 6_500_000)]
    pub funding_cents: i64,
    /// `total_cents - funding_cents`: what the paying participants share.
    #[schema(example = 5_500_000)]
    pub own_share_cents: i64,
    /// What no participant takes because every one is at its cap.
    #[schema(example = 0)]
    pub unallocated_cents: i64,
    /// Each paying participant's share in cents, summing to `own_share_cents -
    /// unallocated_cents` exactly; `null` when the caller may not see shares or the allocation
    /// is not complete.
    #[schema(example = json!({"05570004": 2_750_000, "05570008": 2_750_000}))]
    pub shares_cents: Option<BTreeMap<String, i64>>,
}

/// A project's allocation per fiscal year.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationResponse {
    pub project_id: Uuid,
    /// Whether participants whose council decision is pending pay too and expected funding
    /// counts (`?include=pending`).
    pub include_pending: bool,
    pub status: AllocationStatus,
    /// Why the allocation is not complete.
    pub problem: Option<String>,
    /// The cost key version used; `null` without a key or in a preview with its own key.
    pub key_version: Option<i32>,
    /// The population reference date used, for keys that split by population.
    pub population_date: Option<NaiveDate>,
    /// Whether this caller sees the per-organization shares (the steering office, the lead
    /// organization and the organizations taking part).
    pub shares_visible: bool,
    /// The paying participants; `null` when shares are not visible.
    pub participants: Option<Vec<PayerResponse>>,
    /// The fiscal years shown, in order.
    pub years: Vec<AllocationYear>,
    /// When the stored allocation was last recomputed (`null` for a preview).
    pub computed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// `pending`: participants whose council decision is pending pay too, and planned and
    /// submitted funding counts with its expected grant.
    #[param(example = "pending")]
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

/// The response from a stored allocation, for the years `range` (zero years where the plan has
/// none).
pub(crate) fn from_stored(
    project_id: Uuid,
    include_pending: bool,
    stored: Stored,
    range: Option<RangeInclusive<i32>>,
    shares_visible: bool,
    states: &[PayingParticipant],
) -> AllocationResponse {
    let header = stored.header;
    let status = header.as_ref().map_or(AllocationStatus::NoCostKey, |h| {
        AllocationStatus::parse(&h.status)
    });
    let payers: Vec<String> = header
        .as_ref()
        .map(|h| h.payers.clone())
        .unwrap_or_default();
    let populations: BTreeMap<String, i64> = header
        .as_ref()
        .and_then(|h| serde_json::from_value(h.populations.clone()).ok())
        .unwrap_or_default();
    let by_year: BTreeMap<i32, &store::StoredYear> =
        stored.years.iter().map(|y| (y.fiscal_year, y)).collect();
    let complete = status == AllocationStatus::Complete;
    let years = range
        .into_iter()
        .flatten()
        .map(|year| {
            let row = by_year.get(&year);
            let shares = (shares_visible && complete).then(|| match stored.shares.get(&year) {
                Some(shares) => shares.clone(),
                None => payers.iter().map(|org| (org.clone(), 0)).collect(),
            });
            AllocationYear {
                fiscal_year: year,
                total_cents: row.map_or(0, |r| r.total_cents),
                eligible_cents: row.map_or(0, |r| r.eligible_cents),
                funding_cents: row.map_or(0, |r| r.funding_cents),
                own_share_cents: row.map_or(0, |r| r.own_share_cents),
                unallocated_cents: row.map_or(0, |r| r.unallocated_cents),
                shares_cents: shares,
            }
        })
        .collect();
    AllocationResponse {
        project_id,
        include_pending,
        status,
        problem: header.as_ref().and_then(|h| h.problem.clone()),
        key_version: header.as_ref().and_then(|h| h.key_version),
        population_date: header.as_ref().and_then(|h| h.population_date),
        shares_visible,
        participants: shares_visible.then(|| {
            payers
                .iter()
                .map(|org| PayerResponse {
                    organization_key: org.clone(),
                    // The stored allocation lists the participants it was computed for, which
                    // (recomputed under the project lock on every change) are the current ones.
                    state: states
                        .iter()
                        .find(|p| &p.organization_key == org)
                        .map_or("committed", |p| p.state.as_str())
                        .to_owned(),
                    population: populations.get(org).copied(),
                })
                .collect()
        }),
        years,
        computed_at: header.map(|h| h.computed_at),
    }
}

/// The response from a fresh computation (a preview).
fn from_computed(
    project_id: Uuid,
    include_pending: bool,
    computed: store::Computed,
    hypothetical: bool,
) -> AllocationResponse {
    let ProjectAllocation { years, outcome } = computed.allocation;
    let complete = outcome == crate::domain::cost_sharing::Outcome::Complete;
    AllocationResponse {
        project_id,
        include_pending,
        status: AllocationStatus::parse(outcome.status()),
        problem: outcome.problem(),
        key_version: computed.key_version,
        population_date: computed.population_date,
        shares_visible: true,
        participants: Some(
            computed
                .payers
                .iter()
                .map(|p| PayerResponse {
                    organization_key: p.organization_key.clone(),
                    state: if hypothetical {
                        "hypothetical".into()
                    } else {
                        p.state.as_str().into()
                    },
                    population: computed.populations.get(&p.organization_key).copied(),
                })
                .collect(),
        ),
        years: years
            .into_iter()
            .map(|y| AllocationYear {
                fiscal_year: y.figures.year,
                total_cents: y.figures.total_cents,
                eligible_cents: y.figures.eligible_cents,
                funding_cents: y.figures.funding_cents,
                own_share_cents: y.figures.own_share_cents,
                unallocated_cents: y.unallocated_cents,
                shares_cents: complete.then_some(y.shares_cents),
            })
            .collect(),
        computed_at: None,
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
    params(("id" = Uuid, Path, description = "The project"), AllocationQuery),
    responses(
        (status = 200, description = "The allocation", body = AllocationResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/projects/{id}/allocation")]
pub async fn get_allocation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<AllocationQuery>,
) -> ApiResult<HttpResponse> {
    let include_pending = query.include_pending()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = super::find_project(&mut conn, *id).await?;
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
    "participants": ["05570004", "05570008", "05570044"],
    "key": {"type": "equal"},
    "from": 2027, "to": 2029
}))]
pub struct PreviewRequest {
    /// The organizations that would pay (1–15 distinct keys); default: the current paying
    /// participants.
    pub participants: Option<Vec<String>>,
    /// Like `?include=pending`: pending participants pay too (unless `participants` is given)
    /// and expected funding counts.
    #[serde(default)]
    pub include_pending: bool,
    /// Another key; default: the current key.
    pub key: Option<CostKeyBody>,
    /// First fiscal year; default: the first year of the plan.
    pub from: Option<i32>,
    /// Last fiscal year; default: the last year of the plan.
    pub to: Option<i32>,
}

/// Answers a what-if question without writing anything: what each organization would pay for
/// another set of participants and/or another key. Any authenticated member may ask.
#[utoipa::path(
    tag = "costs",
    operation_id = "preview_allocation",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The project")),
    request_body = PreviewRequest,
    responses(
        (status = 200, description = "The hypothetical allocation", body = AllocationResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[post("/projects/{id}/allocation/preview")]
pub async fn preview_allocation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PreviewRequest>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let body = body.into_inner()?;
    let project_id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    super::find_project(&mut conn, project_id).await?;
    let response = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| -> Result<_, ApiError> { preview(conn, project_id, body).await })
        .await?;
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
            let known = store::hypothetical_participants(conn, keys).await?;
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
