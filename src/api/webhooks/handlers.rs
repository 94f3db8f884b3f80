//! Create, list, read, change and delete webhook subscriptions.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::types::SubscriptionPath;
use super::types::{
    CreateWebhook, UpdateWebhook, WebhookResponse, WebhookWithSecretResponse, description,
    event_types, generated_secret, secret,
};
use super::{authorized_webhook, require_webhook_admin};
use crate::auth::Caller;
use crate::config::WebhookConfig;
use crate::db::webhooks::{self, NewWebhook, Webhook, WebhookChanges};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self, organizations};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::idempotency::OneTimeSecret;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created_versioned;
use crate::state::AppState;
use crate::webhooks::target;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookOrganizationQuery {
    /// The organization whose subscriptions to create or list; default: the token's own.
    /// Only the steering office may name another organization.
    #[param(example = "99001004")]
    pub organization: Option<String>,
}

impl WebhookOrganizationQuery {
    fn key<'a>(&'a self, caller: &'a Caller) -> Result<&'a str, ApiError> {
        match &self.organization {
            Some(key) => Ok(key.as_str()),
            None => Ok(caller.member()?.organization.as_str()),
        }
    }
}

/// The answer for one subscription, with its ETag.
async fn respond(
    conn: &mut db::DbConn,
    webhook: Webhook,
    mut builder: actix_web::HttpResponseBuilder,
) -> ApiResult<HttpResponse> {
    let failures = failures_of(conn, &[webhook.id]).await?;
    Ok(builder
        .insert_header((header::ETAG, etag::header_value(webhook.version)))
        .json(WebhookResponse::new(
            webhook,
            failures.first().copied().unwrap_or(0),
        )))
}

async fn failures_of(conn: &mut db::DbConn, ids: &[Uuid]) -> ApiResult<Vec<i32>> {
    let counts = webhooks::consecutive_failures(conn, ids).await?;
    Ok(ids
        .iter()
        .map(|id| {
            counts
                .iter()
                .find(|(of, _)| of == id)
                .map_or(0, |(_, count)| *count)
        })
        .collect())
}

/// Checks a target URL against the syntax, port and address rules; records a field error.
async fn check_url(v: &mut Validator, url: &str, config: &WebhookConfig) -> String {
    match target::check(url, config.allow_private, &config.allowed_ports).await {
        Ok(url) => url.as_str().to_owned(),
        Err(message) => {
            v.error("/url", message);
            url.trim().to_owned()
        }
    }
}

/// Creates a webhook subscription (an organization's `admin` or `integration`, or the
/// steering office for any organization). The answer holds the signing secret, once: a repeat
/// with the same `Idempotency-Key` gets a 409 problem naming the subscription, not the secret.
///
/// An organization has at most `SMARTREGION_WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG` subscriptions
/// (default 10, active or not); one more is 409 with the limit in `limit`. Target URLs use
/// the ports `SMARTREGION_WEBHOOK_ALLOWED_PORTS` (default 443 and 80), else 422.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "create_webhook",
    security(("bearer" = [])),
    params(WebhookOrganizationQuery),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "The new subscription with its secret", body = WebhookWithSecretResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The subscription's URL"))),
        (status = 409, response = crate::error::responses::WebhookCreateConflict),
    ),
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<WebhookOrganizationQuery>,
    body: Json<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    let organization = query.key(&caller)?.to_owned();
    require_webhook_admin(&caller, &organization)?;
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&organization);
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let event_types = event_types(&mut v, &body.event_types);
    let secret_text = match &body.secret {
        Some(text) => secret(&mut v, text),
        None => generated_secret(),
    };
    let description = description(&mut v, body.description);
    let url = check_url(&mut v, &body.url, &state.config.webhooks).await;
    let mut conn = db::connect(&state.pool).await?;
    if !organizations::exists(&mut conn, &organization).await? {
        v.error("/query/organization", "is not an organization key");
    }
    let id = Uuid::new_v4();
    let new = v.finish(NewWebhook {
        id,
        organization_key: organization.clone(),
        url,
        event_types,
        secret: state.config.webhooks.secrets.seal(id, &secret_text),
        active: body.active.unwrap_or(true),
        description,
    })?;
    let limit = state.config.webhooks.max_subscriptions_per_org;
    // The subscription starts after the newest change; numbering first (outside the write's
    // transaction) makes that include every change committed before this request.
    db::changes::number_committed(&mut conn).await?;
    let webhook = audited(&mut conn, &actor, move |conn| {
        let (new, on_behalf_of, organization) =
            (new.clone(), on_behalf_of.clone(), organization.clone());
        async move {
            // Counted under a lock per organization, so that concurrent requests cannot
            // both take the last place.
            let count = webhooks::lock_and_count(conn, &new.organization_key).await?;
            if count >= i64::from(limit) {
                return Err(ApiError::conflict_with(
                    format!(
                        "organization {} already has {count} webhook subscriptions, the most \
                         allowed; delete one first",
                        new.organization_key
                    ),
                    serde_json::Map::from_iter([("limit".to_owned(), limit.into())]),
                ));
            }
            let webhook = webhooks::insert(conn, &new).await?;
            let entry = Entry::created("webhook", webhook.id)
                .org(organization)
                .on_behalf_of(on_behalf_of)
                .after(&webhook);
            Ok(Recorded::new(webhook).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/webhooks/{}", webhook.id);
    // The answer carries the secret as given or generated, not its stored (sealed) form.
    let secret = secret_text;
    let id = webhook.id;
    let mut response = created_versioned(&state.config.public_url, path, webhook.version).json(
        WebhookWithSecretResponse {
            webhook: WebhookResponse::new(webhook, 0),
            secret,
        },
    );
    // Keeps the secret out of the stored answer of an `Idempotency-Key`.
    response.extensions_mut().insert(OneTimeSecret {
        id: id.to_string(),
        advice: format!(
            "If the secret was lost, set a new one with PATCH /api/v1/webhooks/{id} (field \
             `secret`)."
        ),
    });
    Ok(response)
}

/// Lists webhook subscriptions, ordered by id: the caller's organization's (an `admin` or
/// `integration`), or any organization's or all (the steering office; without
/// `organization`, all).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhooks",
    security(("bearer" = [])),
    params(WebhookOrganizationQuery, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of subscriptions", body = Page<WebhookResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<WebhookOrganizationQuery>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let principal = caller.member()?;
    let organization = match (&query.organization, principal.is_coordinator()) {
        (None, true) => None,
        _ => Some(query.key(&caller)?.to_owned()),
    };
    if let Some(key) = &organization {
        require_webhook_admin(&caller, key)?;
    }
    let page = page.parse::<Uuid>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = webhooks::list(
        &mut conn,
        organization.as_deref(),
        since.get(),
        page.after,
        page.fetch(),
    )
    .await?;
    let page = page.page(rows, |w| w.id);
    let ids: Vec<Uuid> = page.items.iter().map(|w| w.id).collect();
    let failures = failures_of(&mut conn, &ids).await?;
    let page = Page {
        items: page
            .items
            .into_iter()
            .zip(failures)
            .map(|(w, f)| WebhookResponse::new(w, f))
            .collect(),
        next_cursor: page.next_cursor,
    };
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one webhook subscription (without its secret).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "get_webhook",
    security(("bearer" = [])),
    params(SubscriptionPath),
    responses(
        (status = 200, description = "The subscription", body = WebhookResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to change it"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SubscriptionPath>,
) -> ApiResult<HttpResponse> {
    let SubscriptionPath { id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let webhook = authorized_webhook(&mut conn, &caller, id, false).await?;
    respond(&mut conn, webhook, HttpResponse::Ok()).await
}

/// Changes a webhook subscription. Needs `If-Match`. Setting `active` to `true` resumes a
/// subscription the service disabled.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "update_webhook",
    security(("bearer" = [])),
    params(
        SubscriptionPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "The changed subscription", body = WebhookResponse,
         headers(("ETag" = String, description = "The new version tag"))),
    ),
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<SubscriptionPath>,
    body: Json<UpdateWebhook>,
) -> ApiResult<HttpResponse> {
    let SubscriptionPath { id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    // Authorization before the body; checked again under the row lock below.
    authorized_webhook(&mut conn, &caller, id, false).await?;
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let mut changes = WebhookChanges {
        event_types: body.event_types.map(|t| event_types(&mut v, &t)),
        secret: body
            .secret
            .map(|s| state.config.webhooks.secrets.seal(id, &secret(&mut v, &s))),
        active: body.active,
        description: body.description.map(|d| description(&mut v, d)),
        ..Default::default()
    };
    if let Some(url) = &body.url {
        changes.url = Some(check_url(&mut v, url, &state.config.webhooks).await);
    }
    let changes = v.finish(changes)?;
    let actor = caller.actor()?;
    let tx_caller = caller.clone();
    let webhook = audited(&mut conn, &actor, move |conn| {
        let (changes, tx_caller) = (changes.clone(), tx_caller.clone());
        async move {
            // The cursor before the subscription row, in the order of the delivery worker
            // and of DELETE; the other way round deadlocked with the worker.
            webhooks::lock_cursor(conn, id).await?;
            let before = authorized_webhook(conn, &tx_caller, id, true).await?;
            if_match.check(before.version)?;
            let mut changes = changes;
            let resumes = changes.active == Some(true) && !before.active;
            if resumes {
                changes.disabled_reason = Some(None);
                webhooks::reset_failures(conn, id).await?;
            }
            if changes.is_empty() {
                return Ok(Recorded::new(before));
            }
            let after = webhooks::update(conn, id, &changes).await?;
            let org = after.organization_key.clone();
            let entry = Entry::updated("webhook", id)
                .org(org.clone())
                .on_behalf_of(tx_caller.on_behalf_of(&org))
                .before(&before)
                .after(&after);
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    respond(&mut conn, webhook, HttpResponse::Ok()).await
}

/// Deletes a webhook subscription with its delivery log; events not yet delivered are
/// dropped. Needs `If-Match`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "delete_webhook",
    security(("bearer" = [])),
    params(
        SubscriptionPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
    ),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<SubscriptionPath>,
) -> ApiResult<HttpResponse> {
    let SubscriptionPath { id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    authorized_webhook(&mut conn, &caller, id, false).await?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let tx_caller = caller.clone();
    audited(&mut conn, &actor, move |conn| {
        let tx_caller = tx_caller.clone();
        async move {
            // The worker's lock order first (see `lock_for_removal`), then the row itself.
            webhooks::lock_for_removal(conn, id).await?;
            let before = authorized_webhook(conn, &tx_caller, id, true).await?;
            if_match.check(before.version)?;
            webhooks::delete(conn, id).await?;
            let org = before.organization_key.clone();
            let entry = Entry::deleted("webhook", id)
                .org(org.clone())
                .on_behalf_of(tx_caller.on_behalf_of(&org))
                .before(&before);
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
