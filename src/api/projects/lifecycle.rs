//! The lifecycle: `POST /projects/{id}/status` moves a project to its next state;
//! `GET /projects/{id}/status-history` lists every transition.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};
use utoipa::ToSchema;

use super::ProjectPath;
use super::catalogue::respond;
use super::live_project;
use crate::auth::Caller;
use crate::db::projects::{self, StatusChange};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::IfMatch;
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// A move to another lifecycle state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved", "reason": "Lenkungskreis vom 12.03.2026, TOP 4"}))]
pub struct ChangeProjectStatus {
    /// The state to move to; see the lifecycle in the tag description.
    pub status: ProjectStatus,
    /// Why, e.g. the meeting that decided it; up to 1,000 characters.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// One transition of a project's lifecycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeResponse {
    #[schema(example = 17)]
    pub id: i64,
    /// `null` for the state a project was created in.
    pub from_status: Option<ProjectStatus>,
    pub to_status: ProjectStatus,
    #[schema(example = "Lenkungskreis vom 12.03.2026, TOP 4")]
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
    /// The organization of the token that made the change.
    #[schema(example = "99001")]
    pub changed_by_organization: Option<String>,
    /// The token subject that made the change; members only (absent for anonymous callers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
}

impl StatusChangeResponse {
    fn new(change: StatusChange, member: bool) -> Self {
        Self {
            id: change.id,
            from_status: change.from_status.as_deref().and_then(ProjectStatus::parse),
            to_status: ProjectStatus::parse(&change.to_status).unwrap_or(ProjectStatus::Idea),
            reason: change.reason,
            changed_at: change.changed_at,
            changed_by_organization: change.actor_organization,
            changed_by: member.then_some(change.actor_subject),
        }
    }
}

/// Moves a project to another lifecycle state (steering office only). A transition the
/// lifecycle does not allow is 409 with `current_status` and `allowed_next_states` in the
/// problem. `If-Match` is optional here: the lifecycle check already refuses a move based on
/// a stale state, but a client that sends it gets 412 on any concurrent change.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_status",
    security(("bearer" = [])),
    params(
        ProjectPath,
        ("If-Match" = Option<String>, Header, description = "Optional: the ETag of the version read", example = "\"1\""),
    ),
    request_body = ChangeProjectStatus,
    responses(
        (status = 200, description = "The project in its new state", body = super::types::ProjectResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::TransitionRefused),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[post("/projects/{id}/status")]
pub async fn update_project_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    body: Json<ChangeProjectStatus>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = match req
        .headers()
        .contains_key(actix_web::http::header::IF_MATCH)
    {
        true => Some(IfMatch::from_request(&req)?),
        false => None,
    };
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let reason = body
        .reason
        .map(|r| v.text("/reason", &r, 0, 1000))
        .filter(|r| !r.is_empty());
    let reason = v.finish(reason)?;
    let to = body.status;
    let mut conn = db::connect(&state.pool).await?;
    let tx_actor = actor.clone();
    let project = audited(&mut conn, &actor, move |conn| {
        let (reason, tx_actor) = (reason.clone(), tx_actor.clone());
        async move {
            let before = live_project(conn, id, true).await?;
            if let Some(if_match) = if_match {
                if_match.check(before.version)?;
            }
            let from = ProjectStatus::parse(&before.status)
                .ok_or_else(|| ApiError::internal(format!("unknown status {}", before.status)))?;
            let held_from = match from {
                ProjectStatus::OnHold => projects::held_from(conn, id)
                    .await?
                    .as_deref()
                    .and_then(ProjectStatus::parse),
                _ => None,
            };
            from.transition(to, held_from).map_err(|refused| {
                let mut extensions = Map::new();
                extensions.insert("current_status".into(), json!(refused.from));
                extensions.insert("allowed_next_states".into(), json!(refused.allowed));
                ApiError::conflict_with(refused.to_string(), extensions)
            })?;
            let changes = projects::ProjectChanges {
                status: Some(to.as_str().to_owned()),
                ..Default::default()
            };
            let after = projects::update(conn, id, &changes).await?;
            let change = projects::record_status_change(
                conn,
                id,
                Some(from.as_str()),
                to.as_str(),
                reason.as_deref(),
                &tx_actor,
            )
            .await?;
            let mut entry = Entry::updated("project", id)
                .action("project.status_changed")
                .before(&json!({"status": from}))
                .after(&json!({"status": to, "reason": change.reason}));
            if let Some(lead) = after.lead_organization.clone() {
                entry = entry.org(lead);
            }
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    respond(&mut conn, &caller, project, HttpResponse::Ok()).await
}

/// Lists a project's lifecycle transitions, oldest first. Public; who made a change (the
/// token subject) is shown to members only.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_status_history",
    security((), ("bearer" = [])),
    params(ProjectPath, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of transitions", body = Page<StatusChangeResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/status-history")]
pub async fn list_project_status_history(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let page = page.parse::<i64>()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, id, false).await?;
    let rows =
        projects::status_history(&mut conn, project.id, since.get(), page.after, page.fetch())
            .await?;
    let member = caller.is_member();
    let page = page
        .page(rows, |c| c.id)
        .map(|c| StatusChangeResponse::new(c, member));
    Ok(page.respond(&req, &state.config.public_url))
}
