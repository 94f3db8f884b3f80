//! `/projects/{id}/milestones[/{mid}]`: dated milestones of a project. Public to read; the
//! steering office and the lead organization's admin or editor maintain them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{authorize_project_work, live_project, lock_project_for_work, project_entry};
use crate::auth::Caller;
use crate::db::milestones::{self, Milestone, MilestoneChanges, NewMilestone};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::projects::MilestoneState;
use crate::domain::validation::Validator;
use crate::error::{ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// A milestone of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    #[schema(example = "Förderantrag eingereicht")]
    pub title: String,
    #[schema(example = "2026-06-30")]
    pub planned_date: NaiveDate,
    /// When it was actually reached.
    pub actual_date: Option<NaiveDate>,
    pub state: MilestoneState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Milestone> for MilestoneResponse {
    fn from(m: Milestone) -> Self {
        Self {
            state: MilestoneState::parse(&m.state).unwrap_or(MilestoneState::Open),
            id: m.id,
            project_id: m.project_id,
            title: m.title,
            planned_date: m.planned_date,
            actual_date: m.actual_date,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A new milestone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Förderantrag eingereicht", "planned_date": "2026-06-30"}))]
pub struct CreateMilestone {
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub planned_date: NaiveDate,
    pub actual_date: Option<NaiveDate>,
    /// Default `open`.
    pub state: Option<MilestoneState>,
}

/// Changes to a milestone; absent fields stay, `null` clears `actual_date`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "done", "actual_date": "2026-06-20"}))]
pub struct UpdateMilestone {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    pub planned_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub actual_date: Option<Option<NaiveDate>>,
    pub state: Option<MilestoneState>,
}

fn respond(builder: &mut actix_web::HttpResponseBuilder, m: Milestone) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(m.version)))
        .json(MilestoneResponse::from(m))
}

/// Lists a project's milestones by planned date. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_milestones",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of milestones", body = Page<MilestoneResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/milestones")]
pub async fn list_project_milestones(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    id: web::Path<Uuid>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.parse::<(NaiveDate, Uuid)>()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, *id, false).await?;
    let rows =
        milestones::list(&mut conn, project.id, since.get(), page.after, page.fetch()).await?;
    let page = page
        .page(rows, |m| (m.planned_date, m.id))
        .map(MilestoneResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one milestone. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_milestone",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ("mid" = Uuid, Path, description = "Milestone id")),
    responses(
        (status = 200, description = "The milestone", body = MilestoneResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/milestones/{mid}")]
pub async fn get_project_milestone(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, id, false).await?;
    let m = milestones::find(&mut conn, id, mid, false)
        .await
        .or_not_found("milestone", mid)?;
    Ok(respond(&mut HttpResponse::Ok(), m))
}

/// Adds a milestone (steering office, or `admin`/`editor` of the lead organization).
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_milestone",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = CreateMilestone,
    responses(
        (status = 201, description = "The new milestone", body = MilestoneResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[post("/projects/{id}/milestones")]
pub async fn create_project_milestone(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CreateMilestone>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let (actor, _) = authorize_project_work(&mut conn, &caller, *id).await?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let new = NewMilestone {
        project_id: *id,
        title: v.text("/title", &body.title, 1, 300),
        planned_date: body.planned_date,
        actual_date: body.actual_date,
        state: body
            .state
            .unwrap_or(MilestoneState::Open)
            .as_str()
            .to_owned(),
    };
    let new = v.finish(new)?;
    let m = audited(&mut conn, &actor, move |conn| {
        let (caller, new) = (caller.clone(), new.clone());
        async move {
            let project = lock_project_for_work(conn, &caller, new.project_id).await?;
            let m = milestones::insert(conn, &new).await?;
            let entry = project_entry(
                Entry::created("milestone", m.id).after(&m),
                &caller,
                &project,
            );
            Ok(Recorded::new(m).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/projects/{}/milestones/{}", m.project_id, m.id);
    Ok(respond(&mut created(&state.config.public_url, path), m))
}

/// Changes a milestone (steering office, or `admin`/`editor` of the lead organization).
/// Needs `If-Match` with the milestone's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_milestone",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"), ("mid" = Uuid, Path, description = "Milestone id"),
        ("If-Match" = String, Header, description = "The ETag of the milestone version read", example = "\"1\""),
    ),
    request_body = UpdateMilestone,
    responses(
        (status = 200, description = "The milestone", body = MilestoneResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/projects/{id}/milestones/{mid}")]
pub async fn update_project_milestone(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<UpdateMilestone>,
) -> ApiResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let (actor, _) = authorize_project_work(&mut conn, &caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let changes = MilestoneChanges {
        title: body.title.map(|t| v.text("/title", &t, 1, 300)),
        planned_date: body.planned_date,
        actual_date: body.actual_date,
        state: body.state.map(|s| s.as_str().to_owned()),
    };
    let changes = v.finish(changes)?;
    let m = audited(&mut conn, &actor, move |conn| {
        let (caller, changes) = (caller.clone(), changes.clone());
        async move {
            let project = lock_project_for_work(conn, &caller, id).await?;
            let before = milestones::find(conn, id, mid, true)
                .await
                .or_not_found("milestone", mid)?;
            if_match.check(before.version)?;
            let after = milestones::update(conn, mid, &changes).await?;
            let entry = project_entry(
                Entry::updated("milestone", mid)
                    .before(&before)
                    .after(&after),
                &caller,
                &project,
            );
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(&mut HttpResponse::Ok(), m))
}

/// Removes a milestone (steering office, or `admin`/`editor` of the lead organization). Needs
/// `If-Match`; the audit trail keeps what it was.
#[utoipa::path(
    tag = "projects",
    operation_id = "delete_project_milestone",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"), ("mid" = Uuid, Path, description = "Milestone id"),
        ("If-Match" = String, Header, description = "The ETag of the milestone version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/projects/{id}/milestones/{mid}")]
pub async fn delete_project_milestone(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let (actor, _) = authorize_project_work(&mut conn, &caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    audited(&mut conn, &actor, move |conn| {
        let caller = caller.clone();
        async move {
            let project = lock_project_for_work(conn, &caller, id).await?;
            let before = milestones::find(conn, id, mid, true)
                .await
                .or_not_found("milestone", mid)?;
            if_match.check(before.version)?;
            milestones::delete(conn, mid).await?;
            let entry = project_entry(
                Entry::deleted("milestone", mid).before(&before),
                &caller,
                &project,
            );
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
