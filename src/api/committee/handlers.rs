//! The delegate endpoints: parse, authorize, call the database, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use super::types::MemberPath;
use super::types::{
    CommitteeMemberResponse, CreateCommitteeMember, MemberQuery, UpdateCommitteeMember, response,
};
use super::write::{DEFAULT_VOTING_RIGHT, erased_name, refuse_committee_fields};
use crate::api::meetings::{Audience, check_organization};
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::committee::erasure;
use crate::db::committee::members::{self, CommitteeMember, MemberChanges, NewCommitteeMember};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::CommitteeRole;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created_versioned;
use crate::state::AppState;

fn respond(member: CommitteeMember, audience: Audience) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(member.version)))
        .json(response(member, audience))
}

/// Lists the delegates by organization. Public; names only with consent for anonymous
/// callers.
#[utoipa::path(
    tag = "committee",
    operation_id = "list_committee_members",
    security((), ("bearer" = [])),
    params(MemberQuery, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of delegates", body = Page<CommitteeMemberResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/committee/members")]
pub async fn list_committee_members(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<MemberQuery>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let audience = Audience::of(&caller);
    let page = page.parse::<(String, Uuid)>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = members::list(
        &mut conn,
        query.organization.as_deref(),
        since.get(),
        page.after.clone(),
        page.fetch(),
    )
    .await?;
    let page = page
        .page(rows, |m| (m.organization_key.clone(), m.id))
        .map(|m| response(m, audience));
    Ok(page.respond(&req, &state.config.public_url))
}

/// Reads one delegate. Public; the name only with consent for anonymous callers.
#[utoipa::path(
    tag = "committee",
    operation_id = "get_committee_member",
    security((), ("bearer" = [])),
    params(MemberPath),
    responses(
        (status = 200, description = "The delegate", body = CommitteeMemberResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
    ),
)]
#[get("/committee/members/{mid}")]
pub async fn get_committee_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MemberPath>,
) -> ApiResult<HttpResponse> {
    let MemberPath { mid } = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let member = members::find_live(&mut conn, mid)
        .await
        .or_not_found("committee member", mid)?;
    Ok(respond(member, Audience::of(&caller)))
}

/// Adds a delegate: the steering office for any organization, an organization's admin for
/// its own (as `member` or `deputy`, without voting right: committee offices and voting rights
/// are the steering office's, 403).
#[utoipa::path(
    tag = "committee",
    operation_id = "create_committee_member",
    security(("bearer" = [])),
    request_body = CreateCommitteeMember,
    responses(
        (status = 201, description = "The new delegate", body = CommitteeMemberResponse,
         headers(("ETag" = String, description = "Version tag"))),
    ),
)]
#[post("/committee/members")]
pub async fn create_committee_member(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateCommitteeMember>,
) -> ApiResult<HttpResponse> {
    // The organization is in the body; anonymous callers and tokens without an admin role
    // are refused before it is read, the organization right right after.
    let principal = caller.member()?;
    if !principal.is_coordinator() && principal.right_for(&principal.organization) < Right::Admin {
        return Err(ApiError::forbidden(
            "only the steering office or an organization's admin manages delegates",
        ));
    }
    let body = body.into_inner()?;
    let principal = caller.require(Right::Admin, &body.organization)?;
    let role = body.role.unwrap_or(CommitteeRole::Member);
    if !principal.is_coordinator() {
        refuse_committee_fields(
            CommitteeRole::Member,
            role,
            DEFAULT_VOTING_RIGHT,
            body.voting_right,
        )?;
    }
    let mut v = Validator::new();
    let new = NewCommitteeMember {
        organization_key: body.organization.clone(),
        name: v.text("/name", &body.name, 1, 200),
        function: body.function.map(|f| v.text("/function", &f, 1, 200)),
        role: role.as_str().to_owned(),
        voting_right: body.voting_right,
        start_date: body.start_date,
        end_date: body.end_date,
        name_public_consent: body.name_public_consent,
    };
    if let Some(end) = body.end_date {
        v.check(
            end >= body.start_date,
            "/end_date",
            "must not be before start_date",
        );
    }
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&body.organization);
    let mut conn = db::connect(&state.pool).await?;
    let member = audited(&mut conn, &actor, move |conn| {
        let (new, on_behalf_of, mut v) = (new.clone(), on_behalf_of.clone(), v.clone());
        async move {
            check_organization(conn, &mut v, "/organization", &new.organization_key).await?;
            v.finish(())?;
            let member = members::insert(conn, &new).await?;
            Ok(Recorded::new(member.clone()).with(
                Entry::created("committee_member", member.id)
                    .org(member.organization_key.clone())
                    .on_behalf_of(on_behalf_of)
                    .after(&member),
            ))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/committee/members/{}", member.id);
    Ok(
        created_versioned(&state.config.public_url, path, member.version)
            .json(response(member, Audience::Member)),
    )
}

/// Updates a delegate: the steering office, or the admin of the delegate's organization
/// (which may not change a committee office or the voting right, 403). Needs `If-Match`.
#[utoipa::path(
    tag = "committee",
    operation_id = "update_committee_member",
    security(("bearer" = [])),
    params(
        MemberPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    request_body = UpdateCommitteeMember,
    responses(
        (status = 200, description = "The updated delegate", body = CommitteeMemberResponse,
         headers(("ETag" = String, description = "The new version tag"))),
    ),
)]
#[patch("/committee/members/{mid}")]
pub async fn update_committee_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MemberPath>,
    body: Json<UpdateCommitteeMember>,
) -> ApiResult<HttpResponse> {
    let MemberPath { mid: id } = path.into_inner();
    let principal = caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let current = members::find_live(&mut conn, id)
        .await
        .or_not_found("committee member", id)?;
    caller.require(Right::Admin, &current.organization_key)?;
    let is_coordinator = principal.is_coordinator();
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    let (new_role, new_voting_right) = (body.role, body.voting_right);
    let mut v = Validator::new();
    let changes = MemberChanges {
        name: body.name.map(|n| v.text("/name", &n, 1, 200)),
        function: body
            .function
            .map(|f| f.map(|f| v.text("/function", &f, 1, 200))),
        role: body.role.map(|r| r.as_str().to_owned()),
        voting_right: body.voting_right,
        start_date: body.start_date,
        end_date: body.end_date,
        name_public_consent: body.name_public_consent,
    };
    let start = changes.start_date.unwrap_or(current.start_date);
    let end = changes.end_date.unwrap_or(current.end_date);
    if let Some(end) = end {
        v.check(end >= start, "/end_date", "must not be before start_date");
    }
    v.finish(())?;
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&current.organization_key);
    let member = audited(&mut conn, &actor, move |conn| {
        let (changes, on_behalf_of) = (changes.clone(), on_behalf_of.clone());
        async move {
            let before = members::lock_live(conn, id)
                .await
                .or_not_found("committee member", id)?;
            if_match.check(before.version)?;
            // Compared with the locked row, so that what counts as a change is what is stored.
            if !is_coordinator {
                let role = CommitteeRole::parse(&before.role).unwrap_or(CommitteeRole::Member);
                refuse_committee_fields(
                    role,
                    new_role.unwrap_or(role),
                    before.voting_right,
                    new_voting_right.unwrap_or(before.voting_right),
                )?;
            }
            let after = members::update(conn, id, &changes).await?;
            Ok(Recorded::new(after.clone()).with(
                Entry::updated("committee_member", id)
                    .org(after.organization_key.clone())
                    .on_behalf_of(on_behalf_of)
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(member, Audience::Member))
}

/// Removes a delegate (kept for old minutes): the steering office, or the admin of the
/// delegate's organization. Needs `If-Match`.
#[utoipa::path(
    tag = "committee",
    operation_id = "delete_committee_member",
    security(("bearer" = [])),
    params(
        MemberPath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Removed"),
    ),
)]
#[delete("/committee/members/{mid}")]
pub async fn delete_committee_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MemberPath>,
) -> ApiResult<HttpResponse> {
    let MemberPath { mid: id } = path.into_inner();
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let current = members::find_live(&mut conn, id)
        .await
        .or_not_found("committee member", id)?;
    caller.require(Right::Admin, &current.organization_key)?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let on_behalf_of = caller.on_behalf_of(&current.organization_key);
    audited(&mut conn, &actor, move |conn| {
        let on_behalf_of = on_behalf_of.clone();
        async move {
            let before = members::lock_live(conn, id)
                .await
                .or_not_found("committee member", id)?;
            if_match.check(before.version)?;
            let after = members::soft_delete(conn, id).await?;
            Ok(Recorded::new(()).with(
                Entry::deleted("committee_member", id)
                    .org(after.organization_key.clone())
                    .on_behalf_of(on_behalf_of)
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Erases a delegate's name on request (GDPR Art. 17). The steering office only; also for a
/// removed delegate (old minutes name them). The name becomes the function (or committee role)
/// and organization, e.g. "Bürgermeisterin (Musterstadt)", everywhere the service keeps it: the
/// delegate, the minutes, agenda items and action items that quote it (their versions and the
/// meetings' calendar sequence move on), the stored answers of idempotent requests, and the
/// `before`/`after` documents of older audit entries (see docs/personal-data.md). Minutes,
/// attendance and OParl keep pointing at the same delegate id. The audit entry of the erasure
/// (`action: "erased"`) holds no trace of the name. An erased name cannot be erased again (409).
#[utoipa::path(
    tag = "committee",
    operation_id = "create_committee_member_erasure",
    security(("bearer" = [])),
    params(MemberPath),
    responses(
        (status = 200, description = "The delegate with the name erased", body = CommitteeMemberResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/committee/members/{mid}/erasure")]
pub async fn create_committee_member_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MemberPath>,
) -> ApiResult<HttpResponse> {
    let MemberPath { mid: id } = path.into_inner();
    caller.require_coordinator()?;
    let mut conn = db::connect(&state.pool).await?;
    let current = members::find_any(&mut conn, id)
        .await
        .or_not_found("committee member", id)?;
    let organization = db::organizations::find(&mut conn, &current.organization_key).await?;
    let actor = caller.actor()?;
    let organization_name = &organization.name;
    let member = audited(&mut conn, &actor, move |conn| {
        async move {
            let before = members::lock_any(conn, id)
                .await
                .or_not_found("committee member", id)?;
            if before.name_erased_at.is_some() {
                return Err(ApiError::conflict(format!(
                    "the name of committee member {id} is already erased"
                )));
            }
            let name = before.name.clone();
            let replacement = erased_name(&before, organization_name);
            let mut entries = Vec::new();
            let mut meetings = std::collections::BTreeSet::new();
            // Entries for the rewritten rows name what changed, never the text (that would
            // put the name back into the audit trail).
            for row in erasure::rewrite_minutes(conn, &name, &replacement).await? {
                meetings.extend(row.meeting_id);
                entries.push(Entry::updated("minutes", row.id).action("name_erased"));
            }
            for row in erasure::rewrite_agenda_items(conn, &name, &replacement).await? {
                meetings.extend(row.meeting_id);
                entries.push(Entry::updated("agenda_item", row.id).action("name_erased"));
            }
            for row in erasure::rewrite_action_items(conn, &name, &replacement).await? {
                meetings.extend(row.meeting_id);
                entries.push(Entry::updated("action_item", row.id).action("name_erased"));
            }
            // Calendars replace their copy of a meeting whose texts changed.
            for meeting in meetings {
                db::committee::meetings::touch(conn, meeting).await?;
                entries.push(Entry::updated("meeting", meeting).action("name_erased"));
            }
            erasure::forget_stored_answers(conn, &name).await?;
            erasure::erase_member_name(conn, id, &replacement)
                .await?
                .ok_or_else(|| {
                    ApiError::conflict(format!(
                        "the name of committee member {id} is already erased"
                    ))
                })?;
            let after = members::lock_any(conn, id).await?;
            entries.push(
                Entry::updated("committee_member", id)
                    .action("erased")
                    .org(after.organization_key.clone())
                    .after(&after),
            );
            Ok(entries
                .into_iter()
                .fold(Recorded::new(after), Recorded::with))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(member, Audience::Member))
}
