//! The action-item endpoints: parse, authorize, call the database, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::types::ActionItemPath;
use super::types::{ActionItemQuery, CreateActionItem, UpdateActionItem};
use super::write::check_project;
use crate::api::meetings::check_organization;
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::committee::action_items::{
    self, ActionItem, ActionItemChanges, ActionItemFilter, NewActionItem,
};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::ActionItemStatus;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created_versioned;
use crate::state::AppState;
use crate::views::meetings::build::{action_item_response, today};
use crate::views::meetings::types::ActionItemResponse;

fn respond(item: ActionItem) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(item.version)))
        .json(action_item_response(item, today()))
}

/// Lists action items in creation order (members only).
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_action_items",
    security(("bearer" = [])),
    params(ActionItemQuery, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of action items", body = Page<ActionItemResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/action-items")]
pub async fn list_action_items(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<ActionItemQuery>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let page = page.parse::<(DateTime<Utc>, Uuid)>()?;
    let today = today();
    let filter = ActionItemFilter {
        owner: query.owner.clone(),
        status: query.status.map(|s| s.as_str().to_owned()),
        meeting: query.meeting,
        overdue_on: query.overdue.unwrap_or(false).then_some(today),
        modified_since: since.get(),
    };
    let mut conn = db::connect(&state.pool).await?;
    let rows = action_items::list(&mut conn, &filter, page.after, page.fetch()).await?;
    let page = page
        .page(rows, |a| (a.created_at, a.id))
        .map(|a| action_item_response(a, today));
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one action item (members only).
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_action_item",
    security(("bearer" = [])),
    params(ActionItemPath),
    responses(
        (status = 200, description = "The action item", body = ActionItemResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
    ),
)]
#[get("/action-items/{id}")]
pub async fn get_action_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ActionItemPath>,
) -> ApiResult<HttpResponse> {
    let ActionItemPath { id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let item = action_items::find_live(&mut conn, id)
        .await
        .or_not_found("action item", id)?;
    Ok(respond(item))
}

/// Creates an action item (steering office only).
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_action_item",
    security(("bearer" = [])),
    request_body = CreateActionItem,
    responses(
        (status = 201, description = "The new action item", body = ActionItemResponse,
         headers(("ETag" = String, description = "Version tag"))),
    ),
)]
#[post("/action-items")]
pub async fn create_action_item(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateActionItem>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let title = v.text("/title", &body.title, 1, 300);
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let item = audited(&mut conn, &actor, move |conn| {
        let (body, title, mut v) = (body.clone(), title.clone(), v.clone());
        async move {
            check_organization(
                conn,
                &mut v,
                "/owner_organization",
                &body.owner_organization,
            )
            .await?;
            let mut meeting_id = None;
            if let Some(agenda_item) = body.agenda_item_id {
                meeting_id = crate::db::committee::agenda::meeting_of(conn, agenda_item).await?;
                v.check(
                    meeting_id.is_some(),
                    "/agenda_item_id",
                    "no such agenda item",
                );
            }
            if let Some(project) = body.project_id {
                check_project(conn, &mut v, project).await?;
            }
            v.finish(())?;
            let item = action_items::insert(
                conn,
                &NewActionItem {
                    title,
                    agenda_item_id: body.agenda_item_id,
                    meeting_id,
                    owner_organization: body.owner_organization.clone(),
                    due_date: body.due_date,
                    status: body
                        .status
                        .unwrap_or(ActionItemStatus::Open)
                        .as_str()
                        .to_owned(),
                    project_id: body.project_id,
                },
            )
            .await?;
            Ok(Recorded::new(item.clone()).with(
                Entry::created("action_item", item.id)
                    .org(item.owner_organization.clone())
                    .after(&item),
            ))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/action-items/{}", item.id);
    Ok(
        created_versioned(&state.config.public_url, path, item.version)
            .json(action_item_response(item, today())),
    )
}

/// Updates an action item: the steering office any field, the owner organization's admin or
/// editor its status and due date. Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_action_item",
    security(("bearer" = [])),
    params(
        ActionItemPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateActionItem,
    responses(
        (status = 200, description = "The updated action item", body = ActionItemResponse,
         headers(("ETag" = String, description = "The new version tag"))),
    ),
)]
#[patch("/action-items/{id}")]
pub async fn update_action_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ActionItemPath>,
    body: Json<UpdateActionItem>,
) -> ApiResult<HttpResponse> {
    let ActionItemPath { id } = path.into_inner();
    let principal = caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let current = action_items::find_live(&mut conn, id)
        .await
        .or_not_found("action item", id)?;
    caller.require(Right::Edit, &current.owner_organization)?;
    let is_coordinator = principal.is_coordinator();
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    if !is_coordinator
        && (body.title.is_some() || body.owner_organization.is_some() || body.project_id.is_some())
    {
        return Err(ApiError::forbidden(
            "the owner organization may change status and due_date only",
        ));
    }
    let mut v = Validator::new();
    let changes = ActionItemChanges {
        title: body.title.map(|t| v.text("/title", &t, 1, 300)),
        owner_organization: body.owner_organization,
        due_date: body.due_date,
        status: body.status.map(|s| s.as_str().to_owned()),
        project_id: body.project_id,
    };
    let actor = caller.actor()?;
    let item = audited(&mut conn, &actor, move |conn| {
        let (caller, changes, mut v) = (caller.clone(), changes.clone(), v.clone());
        async move {
            if let Some(owner) = &changes.owner_organization {
                check_organization(conn, &mut v, "/owner_organization", owner).await?;
            }
            if let Some(Some(project)) = changes.project_id {
                check_project(conn, &mut v, project).await?;
            }
            v.finish(())?;
            let before = action_items::lock_live(conn, id)
                .await
                .or_not_found("action item", id)?;
            // The owner may have changed since the check above; the locked row decides.
            caller.require(Right::Edit, &before.owner_organization)?;
            if_match.check(before.version)?;
            let after = action_items::update(conn, id, &changes).await?;
            Ok(Recorded::new(after.clone()).with(
                Entry::updated("action_item", id)
                    .org(before.owner_organization.clone())
                    .on_behalf_of(caller.on_behalf_of(&before.owner_organization))
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(item))
}

/// Deletes an action item (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_action_item",
    security(("bearer" = [])),
    params(
        ActionItemPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
    ),
)]
#[delete("/action-items/{id}")]
pub async fn delete_action_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ActionItemPath>,
) -> ApiResult<HttpResponse> {
    let ActionItemPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let before = action_items::lock_live(conn, id)
                .await
                .or_not_found("action item", id)?;
            if_match.check(before.version)?;
            let after = action_items::soft_delete(conn, id).await?;
            Ok(Recorded::new(()).with(
                Entry::deleted("action_item", id)
                    .org(before.owner_organization.clone())
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
