//! `/api/v1/webhooks`: an organization's subscriptions to the change feed, delivered as signed
//! POST requests by the background worker (`crate::webhooks`), and their delivery log.
//!
//! Who may do what (decided at the top of every handler): an organization's `admin` or
//! `integration` manages its own organization's subscriptions; the steering office
//! (`coordinator`) manages everybody's; everyone else is 403.

pub mod deliveries;
pub mod handlers;
pub mod types;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{Caller, Principal, Role};
use crate::db::webhooks::{self, Webhook};
use crate::error::ApiError;

/// The steering office, or an `admin` or `integration` of `organization`.
pub(crate) fn require_webhook_admin<'c>(
    caller: &'c Caller,
    organization: &str,
) -> Result<&'c Principal, ApiError> {
    let principal = caller.member()?;
    if principal.is_coordinator() {
        return Ok(principal);
    }
    if principal.organization != organization {
        return Err(ApiError::forbidden(format!(
            "a token of organization {} may not manage the webhooks of organization {organization}",
            principal.organization
        )));
    }
    if principal.has_role(Role::Admin) || principal.has_role(Role::Integration) {
        Ok(principal)
    } else {
        Err(ApiError::forbidden(
            "managing webhooks needs the role admin or integration",
        ))
    }
}

/// A subscription the caller may manage: 401, 404, then 403.
pub(crate) async fn authorized_webhook(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    lock: bool,
) -> Result<Webhook, ApiError> {
    caller.member()?;
    let webhook = webhooks::find(conn, id, lock).await.map_err(|e| match e {
        diesel::result::Error::NotFound => {
            ApiError::not_found(format!("webhook {id} does not exist"))
        }
        other => other.into(),
    })?;
    require_webhook_admin(caller, &webhook.organization_key)?;
    Ok(webhook)
}
