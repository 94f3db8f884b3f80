//! `GET /api/v1/audit`: the audit trail, for the steering office.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::db::audit::{self, AuditFilter, AuditRecord};
use crate::db::{self};
use crate::error::{ApiError, ApiResult};
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// Who performed a write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActor {
    /// The token subject, or `system:<name>` for the service itself.
    #[schema(example = "office@musterland")]
    pub subject: String,
    /// The organization of the token.
    #[schema(example = "99001")]
    pub organization: Option<String>,
    #[schema(example = json!(["coordinator"]))]
    pub roles: Vec<String>,
}

/// One audited change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    /// Increasing with every entry.
    #[schema(example = 42)]
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    pub actor: AuditActor,
    /// Set when the steering office acted for an organization.
    pub on_behalf_of: Option<String>,
    /// What was done.
    #[schema(example = "organization.updated")]
    pub action: String,
    /// The kind of record changed.
    #[schema(example = "organization")]
    pub entity: String,
    #[schema(example = "99001004")]
    pub entity_id: String,
    /// The organization whose data changed.
    #[schema(example = "99001004")]
    pub organization: Option<String>,
    /// The record before the change (`null` when created).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The record after the change (`null` when deleted).
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

impl From<AuditRecord> for AuditEntryResponse {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            occurred_at: r.occurred_at,
            request_id: r.request_id,
            actor: AuditActor {
                subject: r.actor_subject,
                organization: r.actor_organization,
                roles: r.actor_roles,
            },
            on_behalf_of: r.on_behalf_of,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            organization: r.organization_key,
            before: r.before,
            after: r.after,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this kind of record, e.g. `organization`.
    #[param(example = "organization")]
    pub entity: Option<String>,
    /// Only entries about this record (with `entity`).
    pub entity_id: Option<String>,
    /// Only entries about this organization's data.
    #[param(example = "99001004")]
    pub organization: Option<String>,
    /// Entries at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// Reads the audit trail, newest first (steering office only).
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_entries",
    security(("bearer" = [])),
    params(AuditQuery, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of audit entries, newest first", body = Page<AuditEntryResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/audit")]
pub async fn list_audit_entries(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<AuditQuery>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let page = page.parse::<i64>()?;
    let query = query.into_inner();
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::bad_request("`from` must not be after `to`"));
    }
    let filter = AuditFilter {
        entity: query.entity,
        entity_id: query.entity_id,
        organization: query.organization,
        // Audit entries never change: modified_since is a lower bound on when they were written.
        from: query.from.max(since.get()),
        to: query.to,
    };
    let mut conn = db::connect(&state.pool).await?;
    let rows = audit::list(&mut conn, &filter, page.after, page.fetch()).await?;
    let page = page.page(rows, |r| r.id).map(AuditEntryResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}
