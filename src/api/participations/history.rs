//! `GET /api/v1/projects/{id}/participations/{org}/history`: every change of a participation.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::participation_not_found;
use super::types::{ParticipationState, stored_state};
use crate::api::participations::types::ParticipationPath;
use crate::api::projects::live_project;
use crate::auth::Caller;
use crate::db::participations::history::{self, HistoryEntry};
use crate::db::{self, participations};
use crate::error::ApiResult;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// Who made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryActorResponse {
    /// The organization of the token that made the change.
    #[schema(example = "99001")]
    pub organization: Option<String>,
    /// The token subject; member-only (absent for anonymous callers).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "office@musterland")]
    pub subject: Option<String>,
}

/// One change of a participation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationHistoryEntryResponse {
    /// Increasing with every change.
    #[schema(example = 7)]
    pub id: i64,
    /// `null` when the participation was created.
    pub from_state: Option<ParticipationState>,
    /// Equal to `from_state` when only other fields changed.
    pub to_state: ParticipationState,
    pub changed_at: DateTime<Utc>,
    pub actor: HistoryActorResponse,
    /// The organization the steering office acted for, when it recorded the change.
    #[schema(example = "99001012")]
    pub on_behalf_of: Option<String>,
    /// Why, as the caller gave it.
    #[schema(example = "Ratsbeschluss vom 08.04.2025")]
    pub reason: Option<String>,
    /// The council resolution recorded with this change.
    pub council_resolution_id: Option<Uuid>,
}

impl ParticipationHistoryEntryResponse {
    fn new(entry: HistoryEntry, show_subject: bool) -> Self {
        Self {
            id: entry.id,
            from_state: entry.from_state.as_deref().map(|s| stored_state(s).into()),
            to_state: stored_state(&entry.to_state).into(),
            changed_at: entry.changed_at,
            actor: HistoryActorResponse {
                organization: entry.actor_organization,
                subject: show_subject.then_some(entry.actor_subject),
            },
            on_behalf_of: entry.on_behalf_of,
            reason: entry.reason,
            council_resolution_id: entry.council_resolution_id,
        }
    }
}

/// Lists the changes of one participation, oldest first. Public; the actor's token subject
/// only for members.
#[utoipa::path(
    tag = "participations",
    operation_id = "list_participation_history",
    security((), ("bearer" = [])),
    params(
        ParticipationPath,
        ModifiedSince,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of changes", body = Page<ParticipationHistoryEntryResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/participations/{org}/history")]
pub async fn list_participation_history(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ParticipationPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ParticipationPath {
        id: project_id,
        org,
    } = path.into_inner();
    let page = page.parse::<i64>()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, project_id, false).await?;
    let participation = participations::find(&mut conn, project_id, &org)
        .await?
        .ok_or_else(|| participation_not_found(project_id, &org))?;
    let rows = history::list(
        &mut conn,
        participation.id,
        since.get(),
        page.after,
        page.fetch(),
    )
    .await?;
    let show_subject = caller.is_member();
    let page = page
        .page(rows, |entry| entry.id)
        .map(|entry| ParticipationHistoryEntryResponse::new(entry, show_subject));
    Ok(page.respond(&req, &state.config.public_url))
}
