//! `/projects/{id}/milestones[/{mid}]`: dated milestones of a project. Public to read; the
//! steering office and the lead organization's admin or editor maintain them.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::ProjectPath;
use super::records::{self, ProjectWork, RecordView};
use crate::auth::Caller;
use crate::db::milestones::{Milestone, MilestoneChanges, NewMilestone};
use crate::domain::projects::MilestoneState;
use crate::domain::validation::Validator;
use crate::error::ApiResult;
use crate::http::etag::IfMatch;
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// The path of a milestone of a project.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MilestonePath {
    /// Project id
    pub id: Uuid,
    /// Milestone id
    pub mid: Uuid,
}

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

impl RecordView for Milestone {
    type View = MilestoneResponse;
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

/// Lists a project's milestones by planned date. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_milestones",
    security((), ("bearer" = [])),
    params(ProjectPath, ModifiedSince, PageQuery),
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
    path: web::Path<ProjectPath>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    records::list::<Milestone>(&state, &req, id, &since, &page).await
}

/// Reads one milestone. Public.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_milestone",
    security((), ("bearer" = [])),
    params(MilestonePath),
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
    path: web::Path<MilestonePath>,
) -> ApiResult<HttpResponse> {
    let MilestonePath { id, mid } = path.into_inner();
    let milestone = records::read::<Milestone>(&state, id, mid).await?;
    Ok(records::respond(&mut HttpResponse::Ok(), milestone))
}

/// Adds a milestone (steering office, or `admin`/`editor` of the lead organization).
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_milestone",
    security(("bearer" = [])),
    params(ProjectPath),
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
    path: web::Path<ProjectPath>,
    body: Json<CreateMilestone>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let new = NewMilestone {
        project_id: id,
        title: v.text("/title", &body.title, 1, 300),
        planned_date: body.planned_date,
        actual_date: body.actual_date,
        state: body
            .state
            .unwrap_or(MilestoneState::Open)
            .as_str()
            .to_owned(),
    };
    let milestone = work.create::<Milestone>(v.finish(new)?).await?;
    Ok(records::respond_created(&state, milestone))
}

/// Changes a milestone (steering office, or `admin`/`editor` of the lead organization).
/// Needs `If-Match` with the milestone's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_milestone",
    security(("bearer" = [])),
    params(
        MilestonePath,
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
    path: web::Path<MilestonePath>,
    body: Json<UpdateMilestone>,
) -> ApiResult<HttpResponse> {
    let MilestonePath { id, mid } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let changes = MilestoneChanges {
        title: body.title.map(|t| v.text("/title", &t, 1, 300)),
        planned_date: body.planned_date,
        actual_date: body.actual_date,
        state: body.state.map(|s| s.as_str().to_owned()),
    };
    let milestone = work
        .update::<Milestone>(mid, if_match, v.finish(changes)?)
        .await?;
    Ok(records::respond(&mut HttpResponse::Ok(), milestone))
}

/// Removes a milestone (steering office, or `admin`/`editor` of the lead organization). Needs
/// `If-Match`; the audit trail keeps what it was.
#[utoipa::path(
    tag = "projects",
    operation_id = "delete_project_milestone",
    security(("bearer" = [])),
    params(
        MilestonePath,
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
    path: web::Path<MilestonePath>,
) -> ApiResult<HttpResponse> {
    let MilestonePath { id, mid } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
    let if_match = IfMatch::from_request(&req)?;
    work.delete::<Milestone>(mid, if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}
