//! `GET /api/v1/changes`: the change feed, for systems that keep their own copy in sync.
//!
//! A client stores the `seq` of the last change it processed and asks for `after=<seq>`; it
//! gets every later change it may see exactly once, in sequence order, also while writes are
//! committing (see `db::changes` for how no change is ever skipped).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::db::changes::{self, FeedScope};
use crate::db::{self};
use crate::domain::feed;
use crate::error::{ApiError, ApiResult};
use crate::http::modified_since::ModifiedSince;
use crate::state::AppState;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;
const MAX_ENTITIES: usize = 20;

pub use crate::views::changes::{ChangeOperation, ChangeResponse};

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeedResponse {
    /// Changes in sequence order.
    pub items: Vec<ChangeResponse>,
    /// The `after` to ask with next: the `seq` of the last item, or the `after` of this request
    /// when there were no items.
    #[schema(example = 1042)]
    pub next_after: i64,
    /// Whether more changes are ready now; when `false`, poll again later.
    pub has_more: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeFeedQuery {
    /// Only changes with a higher sequence number (default 0: from the beginning).
    #[param(minimum = 0, example = 1042)]
    pub after: Option<i64>,
    /// How many changes to return (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000, example = 100)]
    pub limit: Option<i64>,
    /// Only changes to these kinds of record, comma-separated (at most 20; each 1 to 64
    /// lower-case letters and `_`, starting with a letter).
    #[param(
        pattern = "^ *[a-z][a-z_]{0,63} *(, *[a-z][a-z_]{0,63} *){0,19}$",
        example = "organization,population_figure"
    )]
    pub entity: Option<String>,
}

/// A checked feed request.
struct FeedRequest {
    after: i64,
    limit: i64,
    entities: Option<Vec<String>>,
}

impl ChangeFeedQuery {
    fn parse(self) -> Result<FeedRequest, ApiError> {
        let after = self.after.unwrap_or(0);
        if after < 0 {
            return Err(ApiError::bad_request("after must not be negative"));
        }
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {limit}"
            )));
        }
        let entities = match self.entity {
            None => None,
            Some(text) => {
                let names: Vec<String> = text.split(',').map(|n| n.trim().to_owned()).collect();
                if names.len() > MAX_ENTITIES {
                    return Err(ApiError::bad_request(format!(
                        "entity lists at most {MAX_ENTITIES} kinds"
                    )));
                }
                if let Some(bad) = names.iter().find(|n| !feed::is_entity_name(n)) {
                    return Err(ApiError::bad_request(format!(
                        "`{bad}` is not an entity name (lower-case letters and _)"
                    )));
                }
                Some(names)
            }
        };
        Ok(FeedRequest {
            after,
            limit,
            entities,
        })
    }
}

/// Reads the change feed: every change after `after` that the caller may see, in sequence
/// order. `modified_since` lets a new client start at a point in time instead of a sequence
/// number; from then on it asks with `after`. Members only. The coordinator sees every change; other members see changes to
/// records every member may read (organizations, population figures, fields of action,
/// projects) and changes to their own organization's data.
#[utoipa::path(
    tag = "changes",
    operation_id = "list_changes",
    security(("bearer" = [])),
    params(ChangeFeedQuery, ModifiedSince),
    responses(
        (status = 200, description = "The next changes in sequence order", body = ChangeFeedResponse,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when more changes are ready"))),
    ),
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<ChangeFeedQuery>,
    since: web::Query<ModifiedSince>,
) -> ApiResult<HttpResponse> {
    let principal = caller.member()?;
    let request = query.into_inner().parse()?;
    let member_wide = feed::member_wide_entities();
    let scope = if principal.is_coordinator() {
        FeedScope::Everything
    } else {
        FeedScope::Member {
            organization: &principal.organization,
            member_wide: &member_wide,
        }
    };
    let mut conn = db::connect(&state.pool).await?;
    // Positions are given after commit: number what has committed, so that every write
    // acknowledged before this request is in the answer (see `db::changes`).
    changes::number_committed(&mut conn).await?;
    let mut rows = changes::after(
        &mut conn,
        request.after,
        since.get(),
        request.entities.as_deref(),
        scope,
        request.limit + 1,
    )
    .await?;
    let has_more = rows.len() as i64 > request.limit;
    rows.truncate(request.limit as usize);
    let public_url = &state.config.public_url;
    let next_after = rows.last().map_or(request.after, |r| r.seq);
    let body = ChangeFeedResponse {
        items: rows
            .into_iter()
            .map(|r| ChangeResponse::new(r, public_url))
            .collect(),
        next_after,
        has_more,
    };
    let mut response = HttpResponse::Ok();
    if has_more {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        pairs.retain(|(name, _)| name != "after");
        pairs.push(("after".into(), next_after.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        response.insert_header((
            header::LINK,
            format!("<{public_url}{}?{query}>; rel=\"next\"", req.path()),
        ));
    }
    Ok(response.json(body))
}
