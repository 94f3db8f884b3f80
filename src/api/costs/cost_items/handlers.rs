//! The cost-item endpoints: parse, authorize, call the database, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::types::{CostItemResponse, CreateCostItem, UpdateCostItem};
use crate::api::costs::{coordinator_or_lead_admin, plan_rows};
use crate::api::projects::{ProjectPath, live_project, lock_project_authorized};
use crate::auth::Caller;
use crate::db;
use crate::db::costs::allocation::recompute;
use crate::db::costs::cost_items::{self, CostItemRow};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag;
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// At most this many cost items per project.
const MAX_ITEMS_PER_PROJECT: i64 = 1_000;

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
    params(ProjectPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of cost items", body = Page<CostItemResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/cost-items")]
pub async fn list_cost_items(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.member()?;
    let page = page.parse::<Uuid>()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    let rows = cost_items::list(&mut conn, id, since.get(), page.after, page.fetch()).await?;
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
        (status = 410, response = crate::error::responses::Gone),
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
    live_project(&mut conn, path.id, false).await?;
    let row = cost_items::find(&mut conn, path.id, path.cid)
        .await
        .or_not_found("cost item", path.cid)?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Adds a cost item. The steering office adds accepted items (they count at once); the admin of
/// the project's lead organization proposes items, which count once the steering office
/// accepts them.
#[utoipa::path(
    tag = "costs",
    operation_id = "create_cost_item",
    security(("bearer" = [])),
    params(ProjectPath),
    request_body = CreateCostItem,
    responses(
        (status = 201, description = "The new cost item", body = CostItemResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The item's URL"))),
        (status = 410, response = crate::error::responses::Gone),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/projects/{id}/cost-items")]
pub async fn create_cost_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<CreateCostItem>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id: project_id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, project_id, false).await?;
    let editor = coordinator_or_lead_admin(&caller, &project)?;
    let values = body.into_inner()?.validate(&editor)?;
    let actor = caller.actor()?;
    let row = audited(&mut conn, &actor, move |conn| {
        let (caller, editor, values) = (caller.clone(), editor.clone(), values.clone());
        async move {
            // The right decided above, again on the locked project (its lead may have changed).
            lock_project_authorized(conn, project_id, |p| coordinator_or_lead_admin(&caller, p))
                .await?;
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
    let path = format!("/api/v1/projects/{}/cost-items/{}", row.project_id, row.id);
    Ok(respond(created(&state.config.public_url, path), row))
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
        (status = 410, response = crate::error::responses::Gone),
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
    let ItemPath { id, cid } = path.into_inner();
    let row = plan_rows::update::<CostItemRow, _>(&state, &req, &caller, (id, cid), body).await?;
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
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/projects/{id}/cost-items/{cid}")]
pub async fn delete_cost_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> ApiResult<HttpResponse> {
    let ItemPath { id, cid } = path.into_inner();
    plan_rows::delete::<CostItemRow>(&state, &req, &caller, (id, cid)).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn respond(mut builder: actix_web::HttpResponseBuilder, row: CostItemRow) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(CostItemResponse::from(row))
}
