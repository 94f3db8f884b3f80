//! The feed-token endpoints: parse, authorize, call the database, answer.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::types::{
    CreateFeedToken, CreatedFeedTokenResponse, FeedTokenPath, FeedTokenQuery, FeedTokenResponse,
    RevokeFeedTokensQuery, RevokedFeedTokensResponse,
};
use super::write::{expiry, new_secret};
use crate::api::meetings::check_organization;
use crate::api::meetings::feed::token_hash;
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::committee::feed_tokens::{self, NewFeedToken};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::extract::Json;
use crate::http::idempotency::OneTimeSecret;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// Lists an organization's feed tokens: its admin, or the steering office.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_calendar_feed_tokens",
    security(("bearer" = [])),
    params(FeedTokenQuery, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of feed tokens", body = Page<FeedTokenResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/calendar-feed-tokens")]
pub async fn list_calendar_feed_tokens(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<FeedTokenQuery>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let principal = caller.member()?;
    let organization = query
        .organization
        .clone()
        .unwrap_or_else(|| principal.organization.clone());
    caller.require(Right::Admin, &organization)?;
    let page = page.parse::<(DateTime<Utc>, Uuid)>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = feed_tokens::list(
        &mut conn,
        Some(&organization),
        since.get(),
        page.after,
        page.fetch(),
    )
    .await?;
    let page = page
        .page(rows, |t| (t.created_at, t.id))
        .map(FeedTokenResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Creates a feed token for an organization: its admin, or the steering office. The response
/// holds the secret, which cannot be read again: a repeat with the same `Idempotency-Key` gets
/// a 409 problem naming the token, not the secret. An optional `expires_at` (at most 366 days
/// ahead) ends the token by itself.
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_calendar_feed_token",
    security(("bearer" = [])),
    request_body = CreateFeedToken,
    responses(
        (status = 201, description = "The new token with its secret", body = CreatedFeedTokenResponse),
        (status = 409, response = crate::error::responses::SecretShownOnce),
    ),
)]
#[post("/calendar-feed-tokens")]
pub async fn create_calendar_feed_token(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateFeedToken>,
) -> ApiResult<HttpResponse> {
    let principal = caller.member()?;
    if principal.right_for(&principal.organization) < Right::Admin {
        return Err(ApiError::forbidden(
            "only an organization's admin or the steering office creates feed tokens",
        ));
    }
    let body = body.into_inner()?;
    let organization = body
        .organization
        .clone()
        .unwrap_or_else(|| principal.organization.clone());
    caller.require(Right::Admin, &organization)?;
    let mut v = Validator::new();
    let label = v.text("/label", &body.label, 1, 200);
    expiry(&mut v, body.expires_at, Utc::now());
    let secret = new_secret()?;
    let new = NewFeedToken {
        organization_key: organization.clone(),
        label,
        token_sha256: token_hash(&secret),
        created_by: principal.subject.clone(),
        expires_at: body.expires_at,
    };
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&organization);
    let mut conn = db::connect(&state.pool).await?;
    let token = audited(&mut conn, &actor, move |conn| {
        let (new, on_behalf_of, mut v) = (new.clone(), on_behalf_of.clone(), v.clone());
        async move {
            check_organization(conn, &mut v, "/organization", &new.organization_key).await?;
            v.finish(())?;
            let token = feed_tokens::insert(conn, &new).await?;
            Ok(Recorded::new(token.clone()).with(
                Entry::created("calendar_feed_token", token.id)
                    .org(token.organization_key.clone())
                    .on_behalf_of(on_behalf_of)
                    .after(&token),
            ))
        }
        .scope_boxed()
    })
    .await?;
    let feed_url = format!(
        "{}/api/v1/meetings.ics?token={secret}",
        state.config.public_url
    );
    let id = token.id;
    // Its URL answers DELETE (revocation); tokens are read through the list.
    let path = format!("/api/v1/calendar-feed-tokens/{id}");
    let mut response = created(&state.config.public_url, path).json(CreatedFeedTokenResponse {
        token_info: token.into(),
        token: secret,
        feed_url,
    });
    // Keeps the token out of the stored answer of an `Idempotency-Key`.
    response.extensions_mut().insert(OneTimeSecret {
        id: id.to_string(),
        advice: format!(
            "If the token was lost, revoke it with DELETE /api/v1/calendar-feed-tokens/{id} and \
             create a new one."
        ),
    });
    Ok(response)
}

/// Revokes a feed token: the admin of its organization, or the steering office. Revoking a
/// revoked token changes nothing.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_calendar_feed_token",
    security(("bearer" = [])),
    params(FeedTokenPath),
    responses(
        (status = 204, description = "Revoked"),
    ),
)]
#[delete("/calendar-feed-tokens/{id}")]
pub async fn delete_calendar_feed_token(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FeedTokenPath>,
) -> ApiResult<HttpResponse> {
    let FeedTokenPath { id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let current = feed_tokens::find(&mut conn, id)
        .await
        .or_not_found("feed token", id)?;
    caller.require(Right::Admin, &current.organization_key)?;
    if current.revoked_at.is_some() {
        return Ok(HttpResponse::NoContent().finish());
    }
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&current.organization_key);
    audited(&mut conn, &actor, move |conn| {
        let on_behalf_of = on_behalf_of.clone();
        async move {
            let before = feed_tokens::lock(conn, id).await?;
            let after = feed_tokens::revoke(conn, id).await?;
            Ok(Recorded::new(()).with(
                Entry::updated("calendar_feed_token", id)
                    .action("calendar_feed_token.revoked")
                    .org(before.organization_key.clone())
                    .on_behalf_of(on_behalf_of)
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes every live feed token of an organization that one subject created: its admin, or
/// the steering office. For when a person leaves or loses the admin role: tokens do not follow
/// their creator's rights by themselves.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_calendar_feed_tokens",
    security(("bearer" = [])),
    params(RevokeFeedTokensQuery),
    responses(
        (status = 200, description = "The tokens revoked now", body = RevokedFeedTokensResponse),
        (status = 422, response = crate::error::responses::UnprocessableEntity),
    ),
)]
#[delete("/calendar-feed-tokens")]
pub async fn delete_calendar_feed_tokens(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RevokeFeedTokensQuery>,
) -> ApiResult<HttpResponse> {
    let principal = caller.member()?;
    let query = query.into_inner();
    let organization = query
        .organization
        .unwrap_or_else(|| principal.organization.clone());
    caller.require(Right::Admin, &organization)?;
    let Some(created_by) = query.created_by else {
        return Err(ApiError::bad_request(
            "the query parameter created_by is required",
        ));
    };
    if created_by.trim().is_empty() || created_by.chars().count() > 255 {
        return Err(ApiError::invalid_field(
            "/query/created_by",
            "must be a token subject of 1 to 255 characters",
        ));
    }
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&organization);
    let mut conn = db::connect(&state.pool).await?;
    let ids = audited(&mut conn, &actor, move |conn| {
        let (created_by, on_behalf_of, organization) = (
            created_by.clone(),
            on_behalf_of.clone(),
            organization.clone(),
        );
        async move {
            let live = feed_tokens::lock_live_by_creator(conn, &organization, &created_by).await?;
            let mut recorded = Recorded::new(Vec::with_capacity(live.len()));
            for before in live {
                let after = feed_tokens::revoke(conn, before.id).await?;
                recorded.value.push(after.id);
                recorded = recorded.with(
                    Entry::updated("calendar_feed_token", after.id)
                        .action("calendar_feed_token.revoked")
                        .org(after.organization_key.clone())
                        .on_behalf_of(on_behalf_of.clone())
                        .before(&before)
                        .after(&after),
                );
            }
            Ok(recorded)
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Ok().json(RevokedFeedTokensResponse {
        revoked: ids.len(),
        ids,
    }))
}
