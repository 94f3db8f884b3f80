//! The working-group endpoints: parse, authorize, call the database, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::types::{
    CreateWorkingGroup, GroupMemberPath, UpdateWorkingGroup, WorkingGroupPath, WorkingGroupResponse,
};
use crate::auth::{Caller, Right};
use crate::db::working_groups::{self, GroupFilter, GroupView, WorkingGroup};
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

/// A live group: 404 when there is none, 410 when it was deleted.
async fn live_group(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    lock: bool,
) -> Result<WorkingGroup, ApiError> {
    match working_groups::find(conn, id, lock).await? {
        None => Err(ApiError::not_found(format!(
            "working group {id} does not exist"
        ))),
        Some(g) if g.deleted_at.is_some() => {
            Err(ApiError::Gone(format!("working group {id} was deleted")))
        }
        Some(g) => Ok(g),
    }
}

async fn group_view(conn: &mut AsyncPgConnection, group: WorkingGroup) -> ApiResult<GroupView> {
    Ok(working_groups::views(conn, vec![group])
        .await?
        .pop()
        .expect("one view per group"))
}

fn respond(view: GroupView, mut builder: actix_web::HttpResponseBuilder) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(view.group.version)))
        .json(WorkingGroupResponse::from(view))
}

/// Checks the organizations, fields of action and projects a request names.
async fn check_references(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    organization_keys: &[(&str, &str)],
    field_codes: &[String],
    projects: &[Uuid],
) -> ApiResult<()> {
    let known = crate::db::organizations::keys(conn).await?;
    for (pointer, key) in organization_keys {
        v.check(
            known.contains(*key),
            pointer,
            "is not an organization of the cooperation",
        );
    }
    let fields = crate::db::fields_of_action::codes(conn).await?;
    for (i, code) in field_codes.iter().enumerate() {
        v.check(
            fields.contains(code),
            &format!("/fields_of_action/{i}"),
            "is not a field of action",
        );
    }
    let live = working_groups::live_projects(conn, projects).await?;
    for (i, id) in projects.iter().enumerate() {
        v.check(
            live.contains(id),
            &format!("/project_ids/{i}"),
            "is not a project of the catalogue",
        );
    }
    Ok(())
}

/// The filters of the working-group list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkingGroupFilter {
    /// Only groups this organization is a member of (a key).
    #[param(example = "99001004")]
    pub member: Option<String>,
    /// Only groups serving or carrying this joint project.
    pub project: Option<Uuid>,
    /// Only groups serving this field of action (a code).
    pub field_of_action: Option<String>,
}

/// Lists the working groups, networks and project groups by name. Public.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "list_working_groups",
    security((), ("bearer" = [])),
    params(WorkingGroupFilter, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of working groups", body = Page<WorkingGroupResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/working-groups")]
pub async fn list_working_groups(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    filter: web::Query<WorkingGroupFilter>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.parse::<(String, Uuid)>()?;
    let filter = filter.into_inner();
    let filter = GroupFilter {
        member: filter.member,
        project: filter.project,
        field_of_action: filter.field_of_action,
        modified_since: since.get(),
    };
    let mut conn = db::connect(&state.pool).await?;
    let rows = working_groups::list(&mut conn, &filter, page.after.as_ref(), page.fetch()).await?;
    let page = page
        .page(rows, |v| (v.group.name.clone(), v.group.id))
        .map(WorkingGroupResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one working group. Public. A deleted group is 410.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "get_working_group",
    security((), ("bearer" = [])),
    params(WorkingGroupPath),
    responses(
        (status = 200, description = "The working group", body = WorkingGroupResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/working-groups/{id}")]
pub async fn get_working_group(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<WorkingGroupPath>,
) -> ApiResult<HttpResponse> {
    let WorkingGroupPath { id } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let group = live_group(&mut conn, id, false).await?;
    let view = group_view(&mut conn, group).await?;
    Ok(respond(view, HttpResponse::Ok()))
}

/// Creates a working group (steering office only).
#[utoipa::path(
    tag = "working-groups",
    operation_id = "create_working_group",
    security(("bearer" = [])),
    request_body = CreateWorkingGroup,
    responses(
        (status = 201, description = "The new working group", body = WorkingGroupResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The group's URL"))),
    ),
)]
#[post("/working-groups")]
pub async fn create_working_group(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateWorkingGroup>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let mut v = Validator::new();
    let (new, members, projects) = body.into_inner()?.validate(&mut v);
    let mut conn = db::connect(&state.pool).await?;
    let member_pointers: Vec<String> = (0..members.len())
        .map(|i| format!("/members/{i}"))
        .collect();
    let mut keys: Vec<(&str, &str)> = members
        .iter()
        .zip(&member_pointers)
        .map(|(k, p)| (p.as_str(), k.as_str()))
        .collect();
    if let Some(host) = &new.host_organization {
        keys.push(("/host_organization", host));
    }
    check_references(&mut conn, &mut v, &keys, &new.fields_of_action, &projects).await?;
    let new = v.finish(new)?;
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let (members, new, projects) = (&members, &new, &projects);
    let view = audited(&mut conn, &actor, move |conn| {
        async move {
            let group = working_groups::insert(conn, new).await?;
            for member in members {
                working_groups::add_member(conn, group.id, member).await?;
            }
            working_groups::set_projects(conn, group.id, projects).await?;
            let view = working_groups::views(conn, vec![group])
                .await?
                .pop()
                .expect("one view per group");
            let entry = Entry::created("working_group", view.group.id).after(&view);
            Ok(Recorded::new(view).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/working-groups/{}", view.group.id);
    Ok(respond(view, created(&state.config.public_url, path)))
}

/// Changes a working group (steering office only); `project_ids` replaces the projects it
/// serves. Needs `If-Match`.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "update_working_group",
    security(("bearer" = [])),
    params(
        WorkingGroupPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateWorkingGroup,
    responses(
        (status = 200, description = "The changed working group", body = WorkingGroupResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/working-groups/{id}")]
pub async fn update_working_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<WorkingGroupPath>,
    body: Json<UpdateWorkingGroup>,
) -> ApiResult<HttpResponse> {
    let WorkingGroupPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
    let mut v = Validator::new();
    let (changes, projects) = body.into_inner()?.validate(&mut v);
    let mut conn = db::connect(&state.pool).await?;
    let host: Vec<(&str, &str)> = changes
        .host_organization
        .as_ref()
        .and_then(|h| h.as_deref())
        .map(|h| vec![("/host_organization", h)])
        .unwrap_or_default();
    check_references(
        &mut conn,
        &mut v,
        &host,
        changes.fields_of_action.as_deref().unwrap_or_default(),
        projects.as_deref().unwrap_or_default(),
    )
    .await?;
    let changes = v.finish(changes)?;
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let (changes, projects) = (&changes, &projects);
    let view = audited(&mut conn, &actor, move |conn| {
        async move {
            let before_group = live_group(conn, id, true).await?;
            if_match.check(before_group.version)?;
            let before = working_groups::views(conn, vec![before_group.clone()])
                .await?
                .pop()
                .expect("one view per group");
            let projects_change = projects.clone().filter(|p| *p != before.project_ids);
            if changes.is_empty() && projects_change.is_none() {
                return Ok(Recorded::new(before));
            }
            if let Some(projects) = &projects_change {
                working_groups::set_projects(conn, id, projects).await?;
            }
            let group = working_groups::update(conn, id, changes).await?;
            let after = working_groups::views(conn, vec![group])
                .await?
                .pop()
                .expect("one view per group");
            let entry = Entry::updated("working_group", id)
                .before(&before)
                .after(&after);
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(view, HttpResponse::Ok()))
}

/// Deletes a working group (steering office only; soft: it leaves every list, its id answers
/// 410). Needs `If-Match`.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "delete_working_group",
    security(("bearer" = [])),
    params(
        WorkingGroupPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/working-groups/{id}")]
pub async fn delete_working_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<WorkingGroupPath>,
) -> ApiResult<HttpResponse> {
    let WorkingGroupPath { id } = path.into_inner();
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let if_match = IfMatch::from_request(&req)?;
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let before = live_group(conn, id, true).await?;
            if_match.check(before.version)?;
            working_groups::soft_delete(conn, id).await?;
            Ok(Recorded::new(()).with(Entry::deleted("working_group", id).before(&before)))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds an organization to a group's members: the organization's admin for itself, or the
/// steering office. Adding a member again changes nothing.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "put_working_group_member",
    security(("bearer" = [])),
    params(GroupMemberPath),
    responses(
        (status = 200, description = "The working group with its members", body = WorkingGroupResponse,
         headers(("ETag" = String, description = "The group's version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[put("/working-groups/{id}/members/{org}")]
pub async fn put_working_group_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupMemberPath>,
) -> ApiResult<HttpResponse> {
    change_membership(state, caller, path.into_inner(), true).await
}

/// Takes an organization out of a group's members: the organization's admin for itself, or
/// the steering office. 404 when it is no member.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "delete_working_group_member",
    security(("bearer" = [])),
    params(GroupMemberPath),
    responses(
        (status = 200, description = "The working group with its members", body = WorkingGroupResponse,
         headers(("ETag" = String, description = "The group's version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[delete("/working-groups/{id}/members/{org}")]
pub async fn delete_working_group_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupMemberPath>,
) -> ApiResult<HttpResponse> {
    change_membership(state, caller, path.into_inner(), false).await
}

async fn change_membership(
    state: web::Data<AppState>,
    caller: Caller,
    GroupMemberPath { id, org }: GroupMemberPath,
    join: bool,
) -> ApiResult<HttpResponse> {
    caller.require(Right::Admin, &org)?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let exists = crate::db::organizations::exists(&mut conn, &org).await?;
    if !exists {
        return Err(ApiError::not_found(format!(
            "organization {org} does not exist"
        )));
    }
    let on_behalf_of = caller.on_behalf_of(&org);
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let (on_behalf_of, org) = (&on_behalf_of, &org);
    let view = audited(&mut conn, &actor, move |conn| {
        async move {
            let group = live_group(conn, id, true).await?;
            let changed = if join {
                working_groups::add_member(conn, id, org).await?
            } else {
                working_groups::remove_member(conn, id, org).await?
            };
            if !changed && !join {
                return Err(ApiError::not_found(format!(
                    "organization {org} is no member of working group {id}"
                )));
            }
            if !changed {
                return Ok(Recorded::new(group_view(conn, group).await?));
            }
            let group = working_groups::touch(conn, id).await?;
            let after = group_view(conn, group).await?;
            let action = if join {
                "working_group.member.add"
            } else {
                "working_group.member.remove"
            };
            let entry = Entry::updated("working_group", id)
                .action(action)
                .org(org.clone())
                .on_behalf_of(on_behalf_of.clone())
                .after(&after);
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(view, HttpResponse::Ok()))
}
