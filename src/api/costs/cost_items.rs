//! `/api/v1/projects/{id}/cost-items`: what a project costs, per fiscal year.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{PlanEditor, check_amount, check_year, coordinator_or_lead_admin, not_found_as};
use crate::auth::Caller;
use crate::db::costs::allocation::recompute;
use crate::db::costs::cost_items::{self, CostItemRow, CostItemValues};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::startup::AppState;

/// At most this many cost items per project.
const MAX_ITEMS_PER_PROJECT: i64 = 1_000;

/// What a cost item pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostCategory {
    Investment,
    Licence,
    Service,
    Personnel,
    Other,
}

impl CostCategory {
    fn as_str(self) -> &'static str {
        match self {
            Self::Investment => "investment",
            Self::Licence => "licence",
            Self::Service => "service",
            Self::Personnel => "personnel",
            Self::Other => "other",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "investment" => Self::Investment,
            "licence" => Self::Licence,
            "service" => Self::Service,
            "personnel" => Self::Personnel,
            _ => Self::Other,
        }
    }
}

/// Whether an item falls due once or every year of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecurrenceKind {
    /// Once, in `fiscal_year`.
    OneOff,
    /// Every year from `first_year` to `last_year`, with `amount_cents` each year.
    Recurring,
}

/// Whether an amount is an estimate or what was actually paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmountBasis {
    Estimate,
    Actual,
}

/// Whether an item counts in the allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostItemStatus {
    /// Proposed by the lead organization; does not count until the steering office accepts it.
    Proposed,
    /// Counts in the allocation.
    Accepted,
}

/// A cost item of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostItemResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    pub category: CostCategory,
    pub recurrence: RecurrenceKind,
    /// The fiscal year of a one-off item; `null` for recurring items.
    #[schema(example = 2027)]
    pub fiscal_year: Option<i32>,
    /// The first fiscal year the item falls into (the fiscal year of a one-off item).
    #[schema(example = 2027)]
    pub first_year: i32,
    /// The last fiscal year the item falls into (the fiscal year of a one-off item).
    #[schema(example = 2030)]
    pub last_year: i32,
    /// The amount in euro cents, in each year the item falls into.
    #[schema(example = 1_200_000)]
    pub amount_cents: i64,
    /// Whether funding programmes count this item among the eligible costs.
    pub eligible_for_funding: bool,
    pub basis: AmountBasis,
    #[schema(example = "LoRaWAN gateway licences")]
    pub description: String,
    pub status: CostItemStatus,
    /// The lead organization that proposed the item; `null` when the steering office entered it.
    #[schema(example = "05570004")]
    pub proposed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CostItemRow> for CostItemResponse {
    fn from(row: CostItemRow) -> Self {
        let recurrence = if row.recurrence == "recurring" {
            RecurrenceKind::Recurring
        } else {
            RecurrenceKind::OneOff
        };
        Self {
            id: row.id,
            project_id: row.project_id,
            category: CostCategory::parse(&row.category),
            fiscal_year: (recurrence == RecurrenceKind::OneOff).then_some(row.first_year),
            recurrence,
            first_year: row.first_year,
            last_year: row.last_year,
            amount_cents: row.amount_cents,
            eligible_for_funding: row.eligible_for_funding,
            basis: if row.basis == "actual" {
                AmountBasis::Actual
            } else {
                AmountBasis::Estimate
            },
            description: row.description,
            status: if row.status == "accepted" {
                CostItemStatus::Accepted
            } else {
                CostItemStatus::Proposed
            },
            proposed_by: row.proposed_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new cost item. One-off items name `fiscal_year`; recurring items name `first_year` and
/// `last_year`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "category": "licence", "recurrence": "recurring", "first_year": 2027, "last_year": 2030,
    "amount_cents": 1_200_000, "eligible_for_funding": true, "basis": "estimate",
    "description": "LoRaWAN network server licence"
}))]
pub struct CreateCostItem {
    #[schema(required = true)]
    pub category: Option<CostCategory>,
    #[schema(required = true)]
    pub recurrence: Option<RecurrenceKind>,
    /// Required for one-off items, 2000–2100.
    pub fiscal_year: Option<i32>,
    /// Required for recurring items, 2000–2100.
    pub first_year: Option<i32>,
    /// Required for recurring items, 2000–2100, not before `first_year`.
    pub last_year: Option<i32>,
    /// Euro cents per year, 0 to 100,000,000,000.
    #[schema(required = true, minimum = 0, maximum = 100_000_000_000_i64)]
    pub amount_cents: Option<i64>,
    #[schema(required = true)]
    pub eligible_for_funding: Option<bool>,
    #[schema(required = true)]
    pub basis: Option<AmountBasis>,
    /// 1 to 2000 characters.
    #[schema(required = true, min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// `accepted` (default) or `proposed`; the lead organization's proposals are always
    /// `proposed`.
    pub status: Option<CostItemStatus>,
}

/// Changes to a cost item; absent fields stay as they are. Steering office only.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_cents": 1_350_000, "basis": "actual", "status": "accepted"}))]
pub struct UpdateCostItem {
    pub category: Option<CostCategory>,
    pub recurrence: Option<RecurrenceKind>,
    /// For one-off items, 2000–2100.
    pub fiscal_year: Option<i32>,
    /// For recurring items, 2000–2100.
    pub first_year: Option<i32>,
    /// For recurring items, 2000–2100, not before `first_year`.
    pub last_year: Option<i32>,
    /// Euro cents per year, 0 to 100,000,000,000.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub amount_cents: Option<i64>,
    pub eligible_for_funding: Option<bool>,
    pub basis: Option<AmountBasis>,
    /// 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// `accepted` accepts a proposal.
    pub status: Option<CostItemStatus>,
}

impl CreateCostItem {
    fn validate(self, editor: &PlanEditor) -> Result<CostItemValues, ApiError> {
        let mut v = Validator::new();
        let status = match editor {
            PlanEditor::Coordinator => self.status.unwrap_or(CostItemStatus::Accepted),
            PlanEditor::LeadAdmin(_) => {
                v.check(
                    self.status != Some(CostItemStatus::Accepted),
                    "/status",
                    "only the steering office accepts cost items; a lead organization proposes them",
                );
                CostItemStatus::Proposed
            }
        };
        let draft = Draft {
            category: required(&mut v, "/category", self.category),
            recurrence: required(&mut v, "/recurrence", self.recurrence),
            fiscal_year: self.fiscal_year,
            first_year: self.first_year,
            last_year: self.last_year,
            amount_cents: required(&mut v, "/amount_cents", self.amount_cents),
            eligible_for_funding: required(
                &mut v,
                "/eligible_for_funding",
                self.eligible_for_funding,
            ),
            basis: required(&mut v, "/basis", self.basis),
            description: required(&mut v, "/description", self.description),
            status,
        };
        draft.validate(v)
    }
}

fn required<T>(v: &mut Validator, pointer: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        v.error(pointer, "is required");
    }
    value
}

/// A cost item's complete new state before checking.
struct Draft {
    category: Option<CostCategory>,
    recurrence: Option<RecurrenceKind>,
    fiscal_year: Option<i32>,
    first_year: Option<i32>,
    last_year: Option<i32>,
    amount_cents: Option<i64>,
    eligible_for_funding: Option<bool>,
    basis: Option<AmountBasis>,
    description: Option<String>,
    status: CostItemStatus,
}

impl Draft {
    fn validate(self, mut v: Validator) -> Result<CostItemValues, ApiError> {
        let (first_year, last_year) = match self.recurrence {
            Some(RecurrenceKind::OneOff) => {
                v.check(
                    self.first_year.is_none() && self.last_year.is_none(),
                    "/first_year",
                    "one-off items name fiscal_year, not first_year and last_year",
                );
                let year = required(&mut v, "/fiscal_year", self.fiscal_year);
                if let Some(year) = year {
                    check_year(&mut v, "/fiscal_year", year);
                }
                (year.unwrap_or(0), year.unwrap_or(0))
            }
            Some(RecurrenceKind::Recurring) => {
                v.check(
                    self.fiscal_year.is_none(),
                    "/fiscal_year",
                    "recurring items name first_year and last_year, not fiscal_year",
                );
                let first = required(&mut v, "/first_year", self.first_year);
                let last = required(&mut v, "/last_year", self.last_year);
                if let (Some(first), Some(last)) = (first, last) {
                    check_year(&mut v, "/first_year", first);
                    check_year(&mut v, "/last_year", last);
                    v.check(last >= first, "/last_year", "must not be before first_year");
                }
                (first.unwrap_or(0), last.unwrap_or(0))
            }
            None => (0, 0),
        };
        let amount_cents = self.amount_cents.unwrap_or(0);
        check_amount(&mut v, "/amount_cents", amount_cents);
        let description = self
            .description
            .map(|d| v.text("/description", &d, 1, 2000))
            .unwrap_or_default();
        v.finish(CostItemValues {
            category: self.category.map_or("other", CostCategory::as_str).into(),
            recurrence: match self.recurrence {
                Some(RecurrenceKind::Recurring) => "recurring",
                _ => "one_off",
            }
            .into(),
            first_year,
            last_year,
            amount_cents,
            eligible_for_funding: self.eligible_for_funding.unwrap_or(false),
            basis: match self.basis {
                Some(AmountBasis::Actual) => "actual",
                _ => "estimate",
            }
            .into(),
            description,
            status: match self.status {
                CostItemStatus::Accepted => "accepted",
                CostItemStatus::Proposed => "proposed",
            }
            .into(),
        })
    }
}

impl UpdateCostItem {
    /// The item's new state: the current one with these changes.
    fn apply_to(self, row: &CostItemRow) -> Result<CostItemValues, ApiError> {
        let current = CostItemResponse::from(row.clone());
        let recurrence = self.recurrence.unwrap_or(current.recurrence);
        // Years carry over only where the recurrence keeps them meaningful.
        let (fiscal_year, first_year, last_year) = match recurrence {
            RecurrenceKind::OneOff => (
                self.fiscal_year.or(if self.recurrence.is_none() {
                    current.fiscal_year
                } else {
                    None
                }),
                self.first_year,
                self.last_year,
            ),
            RecurrenceKind::Recurring => (
                self.fiscal_year,
                self.first_year.or(Some(current.first_year)),
                self.last_year.or(Some(current.last_year)),
            ),
        };
        Draft {
            category: Some(self.category.unwrap_or(current.category)),
            recurrence: Some(recurrence),
            fiscal_year,
            first_year,
            last_year,
            amount_cents: Some(self.amount_cents.unwrap_or(current.amount_cents)),
            eligible_for_funding: Some(
                self.eligible_for_funding
                    .unwrap_or(current.eligible_for_funding),
            ),
            basis: Some(self.basis.unwrap_or(current.basis)),
            description: Some(self.description.unwrap_or(current.description)),
            status: self.status.unwrap_or(current.status),
        }
        .validate(Validator::new())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemPath {
    /// The project.
    pub id: Uuid,
    /// The cost item.
    pub cid: Uuid,
}

/// Lists a project's cost items (proposals included), ordered by id. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "list_cost_items",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The project"), PageQuery),
    responses(
        (status = 200, description = "One page of cost items", body = Page<CostItemResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/projects/{id}/cost-items")]
pub async fn list_cost_items(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let page = page.parse::<Uuid>()?;
    let mut conn = db::connect(&state.pool).await?;
    super::find_project(&mut conn, *id).await?;
    let rows = cost_items::list(&mut conn, *id, page.after, page.fetch()).await?;
    let page = page.page(rows, |r| r.id).map(CostItemResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one cost item. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_cost_item",
    security(("bearer" = [])),
    params(ItemPath),
    responses(
        (status = 200, description = "The cost item", body = CostItemResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/projects/{id}/cost-items/{cid}")]
pub async fn get_cost_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    super::find_project(&mut conn, path.id).await?;
    let row = cost_items::find(&mut conn, path.id, path.cid)
        .await
        .map_err(|e| not_found_as(e, "cost item", path.cid))?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Adds a cost item. The steering office adds accepted items (they count at once); the admin of
/// the project's lead organization proposes items, which count once the steering office
/// accepts them.
#[utoipa::path(
    tag = "costs",
    operation_id = "create_cost_item",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The project")),
    request_body = CreateCostItem,
    responses(
        (status = 201, description = "The new cost item", body = CostItemResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The item's URL"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[post("/projects/{id}/cost-items")]
pub async fn create_cost_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CreateCostItem>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let project_id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let project = super::find_project(&mut conn, project_id).await?;
    let editor = coordinator_or_lead_admin(&caller, &project)?;
    let values = body.into_inner()?.validate(&editor)?;
    let actor = caller.actor()?;
    let row = audited(&mut conn, &actor, move |conn| {
        async move {
            super::lock_project(conn, project_id).await?;
            if cost_items::count(conn, project_id).await? >= MAX_ITEMS_PER_PROJECT {
                return Err(ApiError::conflict(format!(
                    "a project has at most {MAX_ITEMS_PER_PROJECT} cost items"
                )));
            }
            let row = cost_items::insert(conn, project_id, &values, editor.proposer()).await?;
            if row.is_accepted() {
                recompute(conn, project_id).await?;
            }
            let mut entry = Entry::created("cost_item", row.id).after(&row);
            if let Some(org) = editor.proposer() {
                entry = entry.org(org);
            }
            Ok(Recorded::new(row).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let location = format!("/api/v1/projects/{}/cost-items/{}", row.project_id, row.id);
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    Ok(respond(response, row))
}

/// Changes a cost item, e.g. accepts a proposal (`status: accepted`). Steering office only;
/// needs `If-Match`.
#[utoipa::path(
    tag = "costs",
    operation_id = "update_cost_item",
    security(("bearer" = [])),
    params(ItemPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\"")),
    request_body = UpdateCostItem,
    responses(
        (status = 200, description = "The updated cost item", body = CostItemResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[patch("/projects/{id}/cost-items/{cid}")]
pub async fn update_cost_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ItemPath>,
    body: Json<UpdateCostItem>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let changes = body.into_inner()?;
    let actor = caller.actor()?;
    let ItemPath {
        id: project_id,
        cid,
    } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        async move {
            super::lock_project(conn, project_id).await?;
            let before = cost_items::find_for_update(conn, project_id, cid)
                .await
                .map_err(|e| not_found_as(e, "cost item", cid))?;
            if_match.check(before.version)?;
            let values = changes.apply_to(&before)?;
            let after = cost_items::update(conn, cid, &values).await?;
            if before.is_accepted() || after.is_accepted() {
                recompute(conn, project_id).await?;
            }
            Ok(Recorded::new(after.clone()).with(
                Entry::updated("cost_item", cid)
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Removes a cost item. Steering office only; needs `If-Match`.
#[utoipa::path(
    tag = "costs",
    operation_id = "delete_cost_item",
    security(("bearer" = [])),
    params(ItemPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\"")),
    responses(
        (status = 204, description = "The item is gone"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[delete("/projects/{id}/cost-items/{cid}")]
pub async fn delete_cost_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let ItemPath {
        id: project_id,
        cid,
    } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            super::lock_project(conn, project_id).await?;
            let before = cost_items::find_for_update(conn, project_id, cid)
                .await
                .map_err(|e| not_found_as(e, "cost item", cid))?;
            if_match.check(before.version)?;
            cost_items::delete(conn, cid).await?;
            if before.is_accepted() {
                recompute(conn, project_id).await?;
            }
            Ok(Recorded::new(()).with(Entry::deleted("cost_item", cid).before(&before)))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn respond(mut builder: actix_web::HttpResponseBuilder, row: CostItemRow) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(CostItemResponse::from(row))
}
