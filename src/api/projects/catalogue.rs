//! The catalogue: list, create, read, update and (soft) delete projects.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::ProjectPath;
use super::list_query::{ListQuery, ProjectListParams};
use super::types::{CreateProject, ProjectResponse, UpdateProject, check_spans};
use super::{check_references, live_project};
use crate::auth::Caller;
use crate::db::projects::{self, Project, ProjectCursor};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

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
    params(ProjectPath),
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
    path: web::Path<ProjectPath>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, id, false).await?;
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
        ProjectPath,
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
    path: web::Path<ProjectPath>,
    body: Json<UpdateProject>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
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
        ProjectPath,
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
    path: web::Path<ProjectPath>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
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
