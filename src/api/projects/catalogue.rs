//! The catalogue: list, create, read, update and (soft) delete projects.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::types::{CreateProject, ProjectResponse, UpdateProject, check_spans};
use super::{check_references, live_project};
use crate::auth::Caller;
use crate::db::projects::{self, Project, ProjectCursor, ProjectFilter, ProjectSort};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::projects::Category;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::{self, ModifiedSince};
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// The order of a project list.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectSortParam {
    /// By code (default).
    Code,
    /// By title in German dictionary order (`Ä` with `A`; case only breaks ties).
    Title,
    /// By last change, oldest first (for synchronisation with `modified_since`).
    UpdatedAt,
}

/// The filters of the project list (documentation of the query string, parsed by
/// [`ListQuery::parse`], which also accepts `status` several times).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ProjectListParams {
    /// Only projects of this field of action (a code).
    #[param(example = "infrastructure")]
    field_of_action: Option<String>,
    /// Only lead or only potential projects.
    category: Option<Category>,
    /// Only projects in one of these states; repeat the parameter (`status=planned&status=approved`)
    /// or separate them with commas.
    #[param(style = Form, explode)]
    status: Option<Vec<ProjectStatus>>,
    /// Only projects led by this organization (a key).
    #[param(example = "99001004")]
    lead: Option<String>,
    /// Only projects with this tag.
    #[param(example = "nahversorgung")]
    tag: Option<String>,
    /// Only projects this organization takes part in (a key; states interested, intends to
    /// join, council decision pending or committed).
    #[param(
        pattern = "^([0-9]{5}|[0-9]{8}|[a-z][a-z0-9-]{1,31})$",
        example = "99001012"
    )]
    participant: Option<String>,
    /// Free text (1–200 characters) over code, title, summary and description: German
    /// full-text search (stemming, `websearch` syntax with quotes and `-`), or the text as a
    /// case-insensitive substring, so that parts of compound words match (`dorfladen` finds
    /// "Dorfladenbox").
    #[param(example = "dorfladen", min_length = 1, max_length = 200)]
    q: Option<String>,
    /// The order; a cursor only continues the order it was made for.
    sort: Option<ProjectSortParam>,
}

/// A parsed list query.
struct ListQuery {
    filter: ProjectFilter,
    sort: ProjectSort,
    page: PageQuery,
}

impl ListQuery {
    fn parse(query_string: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))?;
        let mut filter = ProjectFilter::default();
        let mut sort = ProjectSort::Code;
        let mut page = PageQuery {
            limit: None,
            cursor: None,
        };
        let bad = |name: &str, detail: &str| ApiError::bad_request(format!("{name}: {detail}"));
        for (name, value) in pairs {
            match name.as_str() {
                "field_of_action" => filter.field_of_action = Some(value),
                "category" => {
                    let category = Category::parse(&value)
                        .ok_or_else(|| bad("category", "must be lead or potential"))?;
                    filter.category = Some(category.as_str().to_owned());
                }
                "status" => {
                    for status in value.split(',').map(str::trim) {
                        let status = ProjectStatus::parse(status).ok_or_else(|| {
                            bad("status", &format!("{status} is not a project status"))
                        })?;
                        filter.statuses.push(status.as_str().to_owned());
                    }
                }
                "lead" => filter.lead = Some(value),
                "participant" => {
                    if !crate::domain::ids::is_organization_key(&value) {
                        return Err(bad("participant", "must be an organization key"));
                    }
                    filter.participant = Some(value);
                }
                "tag" => filter.tag = Some(value.trim().to_lowercase()),
                "q" => {
                    let q = value.trim();
                    if q.is_empty() || q.chars().count() > 200 || q.contains('\0') {
                        return Err(bad("q", "must be 1 to 200 characters"));
                    }
                    filter.q = Some(q.to_owned());
                }
                "modified_since" => {
                    filter.modified_since =
                        Some(modified_since::parse(&value).map_err(ApiError::bad_request)?);
                }
                "sort" => {
                    sort = match value.as_str() {
                        "code" => ProjectSort::Code,
                        "title" => ProjectSort::Title,
                        "updated_at" => ProjectSort::UpdatedAt,
                        _ => return Err(bad("sort", "must be code, title or updated_at")),
                    }
                }
                "limit" => {
                    page.limit = Some(
                        value
                            .parse()
                            .map_err(|_| bad("limit", "must be a whole number"))?,
                    )
                }
                "cursor" => page.cursor = Some(value),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown query parameter `{other}`"
                    )));
                }
            }
        }
        Ok(Self { filter, sort, page })
    }
}

/// Lists the projects of the catalogue. Public; `internal_note` only for members.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_projects",
    security((), ("bearer" = [])),
    params(ProjectListParams, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of projects", body = Page<ProjectResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let query = ListQuery::parse(req.query_string())?;
    let page = query.page.parse::<ProjectCursor>()?;
    if page.after.as_ref().is_some_and(|c| c.sort() != query.sort) {
        return Err(ApiError::bad_request(
            "cursor was handed out for another sort order",
        ));
    }
    let mut conn = db::connect(&state.pool).await?;
    // One statement for the page and the lists it embeds.
    let rows = projects::list_with_lists(
        &mut conn,
        &query.filter,
        query.sort,
        page.after.as_ref(),
        page.fetch(),
    )
    .await?;
    let Page { items, next_cursor } =
        page.page(rows, |p| ProjectCursor::of(query.sort, &p.project));
    let member = caller.is_member();
    let page = Page {
        items: items
            .into_iter()
            .map(|p| ProjectResponse::new(p.project, member, p.lists))
            .collect(),
        next_cursor,
    };
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one project. Public; `internal_note` only for members. A deleted project is 410.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses(
        (status = 200, description = "The project", body = ProjectResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to change the project"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}")]
pub async fn get_project(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, *id, false).await?;
    respond(&mut conn, &caller, project, HttpResponse::Ok()).await
}

/// The response for one project, with its participants and ETag.
pub(crate) async fn respond(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    project: Project,
    mut builder: actix_web::HttpResponseBuilder,
) -> ApiResult<HttpResponse> {
    let lists = projects::lists_of(conn, project.id).await?;
    Ok(builder
        .insert_header((header::ETAG, etag::header_value(project.version)))
        .json(ProjectResponse::new(project, caller.is_member(), lists)))
}

/// A unique violation as a conflict naming the taken value.
fn taken(error: DieselError) -> ApiError {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &error {
        match info.constraint_name() {
            Some("projects_code") => {
                return ApiError::conflict(
                    "another project has this code (codes stay reserved after a deletion)",
                );
            }
            Some("projects_external_id") => {
                return ApiError::conflict("another project has this external_id");
            }
            _ => {}
        }
    }
    error.into()
}

/// Creates a project in status `idea` (steering office only).
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project",
    security(("bearer" = [])),
    request_body = CreateProject,
    responses(
        (status = 201, description = "The new project", body = ProjectResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The project's URL"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/projects")]
pub async fn create_project(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateProject>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let mut v = Validator::new();
    let new = body.into_inner()?.validate(&mut v);
    let mut conn = db::connect(&state.pool).await?;
    check_references(
        &mut conn,
        &mut v,
        Some(&new.field_of_action),
        new.lead_organization.as_deref(),
    )
    .await?;
    let new = v.finish(new)?;
    let tx_actor = actor.clone();
    let project = audited(&mut conn, &actor, move |conn| {
        let (new, tx_actor) = (new.clone(), tx_actor.clone());
        async move {
            let project = projects::insert(conn, &new).await.map_err(taken)?;
            projects::record_status_change(
                conn,
                project.id,
                None,
                &project.status,
                Some("created"),
                &tx_actor,
            )
            .await?;
            let mut entry = Entry::created("project", project.id).after(&project);
            if let Some(lead) = &project.lead_organization {
                entry = entry.org(lead.clone());
            }
            Ok(Recorded::new(project).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let builder = created(
        &state.config.public_url,
        format_args!("/api/v1/projects/{}", project.id),
    );
    respond(&mut conn, &caller, project, builder).await
}

/// Updates a project (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"),
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateProject,
    responses(
        (status = 200, description = "The updated project", body = ProjectResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/projects/{id}")]
pub async fn update_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UpdateProject>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
    let mut v = Validator::new();
    let changes = body.into_inner()?.validate(&mut v);
    let mut conn = db::connect(&state.pool).await?;
    check_references(
        &mut conn,
        &mut v,
        changes.field_of_action.as_deref(),
        changes
            .lead_organization
            .as_ref()
            .and_then(|l| l.as_deref()),
    )
    .await?;
    let changes = v.finish(changes)?;
    let id = id.into_inner();
    let project = audited(&mut conn, &actor, move |conn| {
        let changes = changes.clone();
        async move {
            let before = live_project(conn, id, true).await?;
            if_match.check(before.version)?;
            let mut v = Validator::new();
            check_spans(&mut v, &before, &changes);
            v.finish(())?;
            if changes.is_empty() {
                return Ok(Recorded::new(before));
            }
            let after = projects::update(conn, id, &changes).await.map_err(taken)?;
            let mut entry = Entry::updated("project", id).before(&before).after(&after);
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

/// Deletes a project (steering office only; soft: it leaves every list, its id answers 410
/// Gone, its code stays reserved, and the change feed records it as deleted). Needs `If-Match`.
#[utoipa::path(
    tag = "projects",
    operation_id = "delete_project",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"),
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/projects/{id}")]
pub async fn delete_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
    let id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let before = live_project(conn, id, true).await?;
            if_match.check(before.version)?;
            let after = projects::soft_delete(conn, id).await?;
            // A deleted project costs nobody anything any more: its shares leave the budgets.
            crate::db::costs::allocation::clear(conn, id).await?;
            let mut entry = Entry::deleted("project", id).before(&before);
            if let Some(lead) = after.lead_organization.clone() {
                entry = entry.org(lead);
            }
            Ok(Recorded::new(()).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
