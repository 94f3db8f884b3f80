//! `GET /webhooks/{id}/deliveries`: the delivery log of one subscription.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::authorized_webhook;
use super::types::SubscriptionPath;
use super::types::{DeliveryResponse, DeliveryState};
use crate::auth::Caller;
use crate::db::{self, webhooks};
use crate::error::ApiResult;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries in this state.
    pub state: Option<DeliveryState>,
}

/// Lists a subscription's deliveries, newest event first: what was sent, how often, and what
/// the receiver answered. Finished deliveries stay listed for `SMARTREGION_WEBHOOK_RETENTION_DAYS`
/// (default 30) after they finished.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    security(("bearer" = [])),
    params(SubscriptionPath, DeliveryFilter, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of the delivery log", body = Page<DeliveryResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<SubscriptionPath>,
    filter: web::Query<DeliveryFilter>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let SubscriptionPath { id } = path.into_inner();
    caller.member()?;
    let page = page.parse::<i64>()?;
    let mut conn = db::connect(&state.pool).await?;
    let webhook = authorized_webhook(&mut conn, &caller, id, false).await?;
    let rows = webhooks::deliveries(
        &mut conn,
        webhook.id,
        filter.state.map(DeliveryState::as_str),
        since.get(),
        page.after,
        page.fetch(),
    )
    .await?;
    let page: Page<DeliveryResponse> = page
        .page(rows, |d| d.change_seq)
        .map(DeliveryResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}
