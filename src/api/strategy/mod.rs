//! `/api/v1/strategy` and `/api/v1/strategy/goals[/{gid}]`: the strategy's vision, guiding
//! principles and goals. Everybody reads (anonymous callers included); only the steering
//! office (`coordinator`) writes. Projects and indicators are linked to goals on the goal
//! (`project_ids`, `indicator_ids`); a project shows its goals in its `goals` list.

pub mod goals;
pub mod types;
mod write;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use types::{PutStrategy, StrategyResponse};

use crate::auth::Caller;
use crate::db::strategy;
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::validation::Validator;
use crate::error::ApiResult;
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::state::AppState;

/// Reads the strategy's vision and guiding principles. Public.
#[utoipa::path(
    tag = "strategy",
    operation_id = "get_strategy",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The strategy", body = StrategyResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to change the strategy"))),
    ),
)]
#[get("/strategy")]
pub async fn get_strategy(state: web::Data<AppState>, _caller: Caller) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let row = strategy::find(&mut conn, false).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(StrategyResponse::from(row)))
}

/// Replaces the vision and guiding principles (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "strategy",
    operation_id = "put_strategy",
    security(("bearer" = [])),
    params(("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\"")),
    request_body = PutStrategy,
    responses(
        (status = 200, description = "The new strategy text", body = StrategyResponse,
         headers(("ETag" = String, description = "The new version tag"))),
    ),
)]
#[put("/strategy")]
pub async fn put_strategy(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: Json<PutStrategy>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
    let mut v = Validator::new();
    let (vision, principles) = body.into_inner()?.validate(&mut v);
    v.finish(())?;
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        let (principles, vision) = (principles.clone(), vision.clone());
        async move {
            let before = strategy::find(conn, true).await?;
            if_match.check(before.version)?;
            if before.vision == vision && before.guiding_principles == principles {
                return Ok(Recorded::new(before));
            }
            let after = strategy::update(conn, &vision, &principles).await?;
            let entry = Entry::updated("strategy", "strategy")
                .before(&before)
                .after(&after);
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(StrategyResponse::from(row)))
}
