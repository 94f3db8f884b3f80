//! `/api/v1/calendar-feed-tokens[/{id}]`: tokens with which calendar applications subscribe to
//! the members' meeting feed (`GET /api/v1/meetings.ics?token=`). An organization's admin
//! creates and revokes its organization's tokens, the steering office any. The token is shown
//! once, at creation; only its SHA-256 is stored, and the answer is never kept for an
//! `Idempotency-Key` replay.
//!
//! A token may expire (`expires_at`, at most [`MAX_LIFETIME_DAYS`] ahead); an expired token is
//! refused like a revoked one. The service cannot see a person's current roles (there is no user
//! directory), so a token cannot follow its creator's rights by itself: when someone leaves or
//! loses the admin role, the organization's admin or the steering office revokes every token
//! that person created with `DELETE /calendar-feed-tokens?created_by=<subject>`.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::meetings::check_organization;
use crate::api::meetings::feed::token_hash;
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::committee::feed_tokens::{self, FeedToken, NewFeedToken};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::extract::Json;
use crate::http::idempotency::OneTimeSecret;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// The path of a feed token.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FeedTokenPath {
    /// Feed token id
    pub id: Uuid,
}

/// The longest a feed token may be valid, counted from its creation.
pub const MAX_LIFETIME_DAYS: i64 = 366;

/// A feed token (without the secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedTokenResponse {
    pub id: Uuid,
    #[schema(example = "99001004")]
    pub organization: String,
    /// What the token is for.
    #[schema(example = "Kalender Bürgermeisterbüro")]
    pub label: String,
    /// The subject (`sub`) of the token that created it.
    #[schema(example = "it@musterstadt")]
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When the token stops opening the feed; `null`: valid until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// Set once revoked; the token no longer opens the feed.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<FeedToken> for FeedTokenResponse {
    fn from(t: FeedToken) -> Self {
        Self {
            id: t.id,
            organization: t.organization_key,
            label: t.label,
            created_by: t.created_by,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new feed token with its secret, shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedFeedTokenResponse {
    #[serde(flatten)]
    pub token_info: FeedTokenResponse,
    /// The secret; it cannot be read again.
    #[schema(example = "srf_Zq3v0eV1m6bq5xP4cHc3m8kq2fJ0aT7yWkR9sN1uL4o")]
    pub token: String,
    /// The URL to subscribe to.
    #[schema(
        example = "https://smartregion.musterland.example/api/v1/meetings.ics?token=srf_Zq3v0eV1m6bq5xP4cHc3m8kq2fJ0aT7yWkR9sN1uL4o"
    )]
    pub feed_url: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedTokenQuery {
    /// The organization whose tokens to list (default: the caller's).
    #[param(example = "99001004")]
    pub organization: Option<String>,
}

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

/// A new feed token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization": "99001004", "label": "Kalender Bürgermeisterbüro",
                          "expires_at": "2027-06-30T22:00:00Z"}))]
pub struct CreateFeedToken {
    /// The organization the token belongs to (default: the caller's).
    pub organization: Option<String>,
    /// What it is for, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    /// When the token stops opening the feed: in the future and at most 366 days ahead.
    /// Omitted: valid until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks an expiry against `now`: in the future, at most [`MAX_LIFETIME_DAYS`] ahead.
fn expiry(v: &mut Validator, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    if let Some(at) = expires_at {
        if at <= now {
            v.error("/expires_at", "must be in the future");
        } else if at > now + TimeDelta::days(MAX_LIFETIME_DAYS) {
            v.error(
                "/expires_at",
                format!("must be at most {MAX_LIFETIME_DAYS} days ahead"),
            );
        }
    }
}

/// 32 random bytes from the operating system, URL-safe.
fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(format!("srf_{}", URL_SAFE_NO_PAD.encode(bytes)))
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevokeFeedTokensQuery {
    /// The subject (`sub`) whose tokens to revoke, as `created_by` shows it; required.
    // Optional here so that anonymous callers get their 401 before a 400 for a missing value.
    #[param(
        required = true,
        example = "it@musterstadt",
        min_length = 1,
        max_length = 255
    )]
    pub created_by: Option<String>,
    /// The organization whose tokens to revoke (default: the caller's).
    #[param(example = "99001004")]
    pub organization: Option<String>,
}

/// What a revocation of several tokens did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedFeedTokensResponse {
    /// How many tokens were revoked now (tokens revoked before are not counted).
    #[schema(example = 2)]
    pub revoked: usize,
    /// Their ids.
    pub ids: Vec<Uuid>,
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
