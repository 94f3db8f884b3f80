//! `/api/v1/strategy/goals[/{gid}]`: the strategy's goals with the projects and indicators
//! linked to them. Public reads; steering-office writes with `If-Match` on changes.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::types::{CreateGoal, GoalResponse, UpdateGoal};
use super::types::{GoalFilter, GoalPath};
use super::write::{check_links, goal_not_found, same_set, taken};
use crate::auth::Caller;
use crate::db::strategy::{self, Goal, GoalWithLinks};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// The responses for goals, with their links loaded for all of them in two queries.
async fn responses(
    conn: &mut AsyncPgConnection,
    goals: Vec<Goal>,
) -> Result<Vec<GoalResponse>, ApiError> {
    let ids: Vec<Uuid> = goals.iter().map(|g| g.id).collect();
    let mut projects = strategy::projects_of_goals(conn, &ids).await?;
    let mut indicators = strategy::indicators_of_goals(conn, &ids).await?;
    Ok(goals
        .into_iter()
        .map(|g| {
            let p = projects.remove(&g.id).unwrap_or_default();
            let i = indicators.remove(&g.id).unwrap_or_default();
            GoalResponse::new(g, p, i)
        })
        .collect())
}

async fn respond(
    conn: &mut AsyncPgConnection,
    goal: Goal,
    mut builder: actix_web::HttpResponseBuilder,
) -> ApiResult<HttpResponse> {
    let version = goal.version;
    let body = responses(conn, vec![goal]).await?.remove(0);
    Ok(builder
        .insert_header((header::ETAG, etag::header_value(version)))
        .json(body))
}

/// Lists the strategy's goals by title. Public.
#[utoipa::path(
    tag = "strategy",
    operation_id = "list_goals",
    security((), ("bearer" = [])),
    params(GoalFilter, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of goals", body = Page<GoalResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/strategy/goals")]
pub async fn list_goals(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    filter: web::Query<GoalFilter>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.parse::<String>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = strategy::list_goals(
        &mut conn,
        filter.field_of_action.as_deref(),
        since.get(),
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let Page { items, next_cursor } = page.page(rows, |g| g.title.to_lowercase());
    let page = Page {
        items: responses(&mut conn, items).await?,
        next_cursor,
    };
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one goal with its projects and indicators. Public.
#[utoipa::path(
    tag = "strategy",
    operation_id = "get_goal",
    security((), ("bearer" = [])),
    params(GoalPath),
    responses(
        (status = 200, description = "The goal", body = GoalResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to change the goal"))),
    ),
)]
#[get("/strategy/goals/{gid}")]
pub async fn get_goal(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<GoalPath>,
) -> ApiResult<HttpResponse> {
    let GoalPath { gid } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let goal = strategy::find_goal(&mut conn, gid, false)
        .await
        .map_err(goal_not_found(gid))?;
    respond(&mut conn, goal, HttpResponse::Ok()).await
}

/// Creates a goal (steering office only).
#[utoipa::path(
    tag = "strategy",
    operation_id = "create_goal",
    security(("bearer" = [])),
    request_body = CreateGoal,
    responses(
        (status = 201, description = "The new goal", body = GoalResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The goal's URL"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/strategy/goals")]
pub async fn create_goal(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateGoal>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let mut v = Validator::new();
    let input = body.into_inner()?.validate(&mut v);
    let mut conn = db::connect(&state.pool).await?;
    check_links(
        &mut conn,
        &mut v,
        Some(&input.data.field_of_action),
        input.project_ids.as_deref(),
        input.indicator_ids.as_deref(),
    )
    .await?;
    let input = v.finish(input)?;
    let goal = audited(&mut conn, &actor, move |conn| {
        let input = input.clone();
        async move {
            let goal = strategy::insert_goal(conn, &input.data)
                .await
                .map_err(taken)?;
            let project_ids = input.project_ids.unwrap_or_default();
            let indicator_ids = input.indicator_ids.unwrap_or_default();
            strategy::replace_links(conn, goal.id, &project_ids, &indicator_ids).await?;
            let after = GoalWithLinks {
                goal: goal.clone(),
                project_ids,
                indicator_ids,
            };
            let entry = Entry::created("strategy_goal", goal.id).after(&after);
            Ok(Recorded::new(goal).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/strategy/goals/{}", goal.id);
    let builder = created(&state.config.public_url, path);
    respond(&mut conn, goal, builder).await
}

/// Changes a goal and/or replaces its linked projects or indicators (steering office only).
/// Needs `If-Match`.
#[utoipa::path(
    tag = "strategy",
    operation_id = "update_goal",
    security(("bearer" = [])),
    params(
        GoalPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateGoal,
    responses(
        (status = 200, description = "The updated goal", body = GoalResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[patch("/strategy/goals/{gid}")]
pub async fn update_goal(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<GoalPath>,
    body: Json<UpdateGoal>,
) -> ApiResult<HttpResponse> {
    let GoalPath { gid: id } = path.into_inner();
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
    let mut v = Validator::new();
    let changes = body.into_inner()?.validate(&mut v);
    let mut conn = db::connect(&state.pool).await?;
    strategy::find_goal(&mut conn, id, false)
        .await
        .map_err(goal_not_found(id))?;
    check_links(
        &mut conn,
        &mut v,
        changes.field_of_action.as_deref(),
        changes.project_ids.as_deref(),
        changes.indicator_ids.as_deref(),
    )
    .await?;
    let changes = v.finish(changes)?;
    let goal = audited(&mut conn, &actor, move |conn| {
        let changes = changes.clone();
        async move {
            let before = strategy::find_goal(conn, id, true)
                .await
                .map_err(goal_not_found(id))?;
            if_match.check(before.version)?;
            let links_before = crate::db::strategy::links_of_goal(conn, id).await?;
            let data = changes.apply(&before);
            let project_ids = changes
                .project_ids
                .clone()
                .unwrap_or_else(|| links_before.0.clone());
            let indicator_ids = changes
                .indicator_ids
                .clone()
                .unwrap_or_else(|| links_before.1.clone());
            let unchanged = data.title == before.title
                && data.description == before.description
                && data.field_of_action == before.field_of_action
                && same_set(&project_ids, &links_before.0)
                && same_set(&indicator_ids, &links_before.1);
            if unchanged {
                return Ok(Recorded::new(before));
            }
            let after = strategy::update_goal(conn, id, &data)
                .await
                .map_err(taken)?;
            strategy::replace_links(conn, id, &project_ids, &indicator_ids).await?;
            let entry = Entry::updated("strategy_goal", id)
                .before(&GoalWithLinks {
                    goal: before,
                    project_ids: links_before.0,
                    indicator_ids: links_before.1,
                })
                .after(&GoalWithLinks {
                    goal: after.clone(),
                    project_ids,
                    indicator_ids,
                });
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    respond(&mut conn, goal, HttpResponse::Ok()).await
}

/// Deletes a goal with its links (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "strategy",
    operation_id = "delete_goal",
    security(("bearer" = [])),
    params(
        GoalPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
    ),
)]
#[delete("/strategy/goals/{gid}")]
pub async fn delete_goal(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<GoalPath>,
) -> ApiResult<HttpResponse> {
    let GoalPath { gid: id } = path.into_inner();
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let before = strategy::find_goal(conn, id, true)
                .await
                .map_err(goal_not_found(id))?;
            if_match.check(before.version)?;
            let (project_ids, indicator_ids) = crate::db::strategy::links_of_goal(conn, id).await?;
            strategy::delete_goal(conn, id).await?;
            let entry = Entry::deleted("strategy_goal", id).before(&GoalWithLinks {
                goal: before,
                project_ids,
                indicator_ids,
            });
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
