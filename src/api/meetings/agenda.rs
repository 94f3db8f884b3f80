//! `/api/v1/meetings/{id}/agenda-items[/{aid}]` and the reorder endpoint `.../order`.
//! Results (result, resolution text, votes) are fields of an agenda item that can be set only
//! while the meeting is held.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::types::AgendaItemResponse;
use super::view::{load_agenda, load_agenda_item};
use super::{
    Audience, check_organization, ensure_changeable, or_meeting_not_found, visible_meeting,
};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::agenda::{
    self, AgendaItem, AgendaItemChanges, NewAgendaItem, OrganizationVotes,
};
use crate::db::committee::meetings as meeting_rows;
use crate::db::schema::projects;
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::meetings::{AgendaResult, MeetingPart, VoteCount, per_organization_matches};
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::startup::AppState;

const MAX_PROJECTS: usize = 20;
const MAX_ITEMS: usize = 200;

/// The agenda of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaResponse {
    /// In agenda order; for the public only the public items.
    pub items: Vec<AgendaItemResponse>,
}

fn item_not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("agenda item {id} does not exist"))
}

fn or_item_not_found(id: Uuid) -> impl Fn(diesel::result::Error) -> ApiError {
    move |error| match error {
        diesel::result::Error::NotFound => item_not_found(id),
        other => other.into(),
    }
}

fn respond(item: AgendaItemResponse, version: i32) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(version)))
        .json(item)
}

/// Lists the agenda of a meeting, in order. Anonymous callers see public items of public
/// meetings only.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_agenda_items",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The agenda", body = AgendaResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/meetings/{id}/agenda-items")]
pub async fn list_agenda_items(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let audience = Audience::of(&caller);
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, *id, audience).await?;
    let items = load_agenda(&mut conn, meeting.id, audience).await?;
    Ok(HttpResponse::Ok().json(AgendaResponse { items }))
}

/// Reads one agenda item. Non-public items are 404 to anonymous callers.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_agenda_item",
    security((), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Meeting id"),
        ("aid" = Uuid, Path, description = "Agenda item id"),
    ),
    responses(
        (status = 200, description = "The agenda item", body = AgendaItemResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/meetings/{id}/agenda-items/{aid}")]
pub async fn get_agenda_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (meeting_id, item_id) = path.into_inner();
    let audience = Audience::of(&caller);
    let mut conn = db::connect(&state.pool).await?;
    visible_meeting(&mut conn, meeting_id, audience).await?;
    let item = agenda::find_live(&mut conn, meeting_id, item_id)
        .await
        .map_err(or_item_not_found(item_id))?;
    if audience.is_public() && !item.public {
        return Err(item_not_found(item_id));
    }
    let version = item.version;
    Ok(respond(load_agenda_item(&mut conn, item).await?, version))
}

/// A new agenda item; it is added at the end of the agenda.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "number": "3", "title": "Ausbau des Glasfasernetzes in Gewerbegebieten", "public": true,
    "presenter_organization": "05570004", "project_ids": [],
    "proposed_resolution": "Der Lenkungskreis empfiehlt die Umsetzung."
}))]
pub struct CreateAgendaItem {
    /// The printed number, 1 to 20 characters ("3", "3.1").
    #[schema(min_length = 1, max_length = 20)]
    pub number: String,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Whether the public may see the item.
    pub public: bool,
    /// The presenting organization's key.
    pub presenter_organization: Option<String>,
    /// The projects concerned, at most 20, no duplicates.
    #[serde(default)]
    pub project_ids: Vec<Uuid>,
    /// The proposed resolution, up to 20000 characters.
    #[schema(max_length = 20000)]
    pub proposed_resolution: Option<String>,
}

/// Votes as recorded.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VotesInput {
    /// 0 or more.
    #[schema(minimum = 0)]
    pub yes: i32,
    #[schema(minimum = 0)]
    pub no: i32,
    #[schema(minimum = 0)]
    pub abstentions: i32,
}

/// The votes of one organization.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationVotesInput {
    pub organization: String,
    #[schema(minimum = 0)]
    pub yes: i32,
    #[schema(minimum = 0)]
    pub no: i32,
    #[schema(minimum = 0)]
    pub abstentions: i32,
}

/// Changes to an agenda item; absent fields stay as they are, `null` clears an optional one.
/// `result`, `resolution_text`, `votes` and `votes_by_organization` can be set only while the
/// meeting is held; the other fields until it is held.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "result": "adopted", "resolution_text": "Der Lenkungskreis empfiehlt die Umsetzung.",
    "votes": {"yes": 2, "no": 0, "abstentions": 1},
    "votes_by_organization": [
        {"organization": "05570004", "yes": 1, "no": 0, "abstentions": 0},
        {"organization": "05570008", "yes": 1, "no": 0, "abstentions": 1}
    ]
}))]
pub struct UpdateAgendaItem {
    #[schema(min_length = 1, max_length = 20)]
    pub number: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    pub public: Option<bool>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub presenter_organization: Option<Option<String>>,
    /// Replaces the projects concerned (at most 20).
    pub project_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 20000)]
    pub proposed_resolution: Option<Option<String>>,
    /// The outcome; `null` clears the result with its text and votes.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<AgendaResult>, nullable)]
    pub result: Option<Option<AgendaResult>>,
    /// The resolution as adopted, up to 20000 characters; needs a result.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 20000)]
    pub resolution_text: Option<Option<String>>,
    /// Total votes; needs a result.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<VotesInput>, nullable)]
    pub votes: Option<Option<VotesInput>>,
    /// Replaces the votes per organization; their sums must equal `votes`.
    pub votes_by_organization: Option<Vec<OrganizationVotesInput>>,
}

impl UpdateAgendaItem {
    fn touches_results(&self) -> bool {
        self.result.is_some()
            || self.resolution_text.is_some()
            || self.votes.is_some()
            || self.votes_by_organization.is_some()
    }

    fn touches_agenda(&self) -> bool {
        self.number.is_some()
            || self.title.is_some()
            || self.public.is_some()
            || self.presenter_organization.is_some()
            || self.project_ids.is_some()
            || self.proposed_resolution.is_some()
    }
}

fn check_project_ids(v: &mut Validator, ids: &[Uuid]) {
    v.check(
        ids.len() <= MAX_PROJECTS,
        "/project_ids",
        "at most 20 projects",
    );
    let unique: HashSet<_> = ids.iter().collect();
    v.check(
        unique.len() == ids.len(),
        "/project_ids",
        "must not repeat a project",
    );
}

/// Points at every id that names no live project.
async fn check_projects_exist(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    ids: &[Uuid],
) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: Vec<Uuid> = projects::table
        .filter(projects::id.eq_any(ids.to_vec()))
        .filter(projects::deleted_at.is_null())
        .select(projects::id)
        .load(conn)
        .await?;
    for (index, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            v.error(
                format!("/project_ids/{index}"),
                format!("project {id} does not exist"),
            );
        }
    }
    Ok(())
}

/// Creates an agenda item at the end of the agenda (steering office only).
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_agenda_item",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    request_body = CreateAgendaItem,
    responses(
        (status = 201, description = "The new agenda item", body = AgendaItemResponse,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[post("/meetings/{id}/agenda-items")]
pub async fn create_agenda_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CreateAgendaItem>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let number = v.text("/number", &body.number, 1, 20);
    let title = v.text("/title", &body.title, 1, 300);
    let proposed_resolution = body
        .proposed_resolution
        .as_deref()
        .map(|r| v.text("/proposed_resolution", r, 1, 20_000));
    check_project_ids(&mut v, &body.project_ids);
    let actor = caller.actor()?;
    let meeting_id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let item = audited(&mut conn, &actor, move |conn| {
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            if let Some(org) = &body.presenter_organization {
                check_organization(conn, &mut v, "/presenter_organization", org).await?;
            }
            check_projects_exist(conn, &mut v, &body.project_ids).await?;
            v.finish(())?;
            ensure_changeable(&meeting, MeetingPart::Agenda)?;
            let position = agenda::next_position(conn, meeting_id).await?;
            if position as usize > MAX_ITEMS {
                return Err(ApiError::conflict("an agenda holds at most 200 items"));
            }
            let item = agenda::insert(
                conn,
                &NewAgendaItem {
                    meeting_id,
                    position,
                    number,
                    title,
                    public: body.public,
                    presenter_organization: body.presenter_organization,
                    proposed_resolution,
                },
            )
            .await?;
            agenda::set_projects(conn, item.id, &body.project_ids).await?;
            meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(item.clone())
                .with(
                    Entry::created("agenda_item", item.id)
                        .after(&serde_json::json!({"item": item, "project_ids": body.project_ids})),
                )
                .with(Entry::updated("meeting", meeting_id).action("meeting.agenda_changed")))
        }
        .scope_boxed()
    })
    .await?;
    let version = item.version;
    let mut conn = db::connect(&state.pool).await?;
    let response = load_agenda_item(&mut conn, item).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag::header_value(version)))
        .json(response))
}

/// A checked update of an agenda item.
struct ItemUpdate {
    changes: AgendaItemChanges,
    project_ids: Option<Vec<Uuid>>,
    votes_by_organization: Option<Vec<OrganizationVotesInput>>,
    touches_results: bool,
    touches_agenda: bool,
}

impl UpdateAgendaItem {
    fn validate(self) -> Result<ItemUpdate, ApiError> {
        let mut v = Validator::new();
        let touches_results = self.touches_results();
        let touches_agenda = self.touches_agenda();
        if let Some(ids) = &self.project_ids {
            check_project_ids(&mut v, ids);
        }
        if let Some(Some(votes)) = self.votes {
            v.check(
                VoteCount {
                    yes: votes.yes,
                    no: votes.no,
                    abstentions: votes.abstentions,
                }
                .is_valid(),
                "/votes",
                "counts must not be negative",
            );
        }
        if let Some(per_org) = &self.votes_by_organization {
            let mut seen = HashSet::new();
            for (index, entry) in per_org.iter().enumerate() {
                v.check(
                    entry.yes >= 0 && entry.no >= 0 && entry.abstentions >= 0,
                    &format!("/votes_by_organization/{index}"),
                    "counts must not be negative",
                );
                v.check(
                    seen.insert(entry.organization.clone()),
                    &format!("/votes_by_organization/{index}/organization"),
                    "each organization once",
                );
            }
        }
        let changes = AgendaItemChanges {
            number: self.number.map(|n| v.text("/number", &n, 1, 20)),
            title: self.title.map(|t| v.text("/title", &t, 1, 300)),
            public: self.public,
            presenter_organization: self.presenter_organization,
            proposed_resolution: self
                .proposed_resolution
                .map(|r| r.map(|r| v.text("/proposed_resolution", &r, 1, 20_000))),
            result: self.result.map(|r| r.map(|r| r.as_str().to_owned())),
            resolution_text: self
                .resolution_text
                .map(|t| t.map(|t| v.text("/resolution_text", &t, 1, 20_000))),
            votes_yes: self.votes.map(|votes| votes.map(|x| x.yes)),
            votes_no: self.votes.map(|votes| votes.map(|x| x.no)),
            votes_abstentions: self.votes.map(|votes| votes.map(|x| x.abstentions)),
            decided_at: None,
        };
        v.finish(ItemUpdate {
            changes,
            project_ids: self.project_ids,
            votes_by_organization: self.votes_by_organization,
            touches_results,
            touches_agenda,
        })
    }
}

/// The result rules on the item as it would be after the change: text and votes need a
/// result, and votes per organization must add up to the totals.
fn check_result_consistency(current: &AgendaItem, update: &mut ItemUpdate) -> Result<(), ApiError> {
    let mut v = Validator::new();
    let changes = &mut update.changes;
    let result = changes.result.clone().unwrap_or(current.result.clone());
    if result.is_none() {
        // Clearing the result clears what depends on it.
        if changes.result.is_some() {
            changes.resolution_text = Some(None);
            changes.votes_yes = Some(None);
            changes.votes_no = Some(None);
            changes.votes_abstentions = Some(None);
            update.votes_by_organization.get_or_insert_with(Vec::new);
        }
        v.check(
            !matches!(changes.resolution_text, Some(Some(_))),
            "/resolution_text",
            "needs a result",
        );
        v.check(
            !matches!(changes.votes_yes, Some(Some(_))),
            "/votes",
            "needs a result",
        );
        v.check(
            update
                .votes_by_organization
                .as_ref()
                .is_none_or(|votes| votes.is_empty()),
            "/votes_by_organization",
            "needs a result",
        );
    }
    let totals = match (
        changes.votes_yes.unwrap_or(current.votes_yes),
        changes.votes_no.unwrap_or(current.votes_no),
        changes
            .votes_abstentions
            .unwrap_or(current.votes_abstentions),
    ) {
        (Some(yes), Some(no), Some(abstentions)) => Some(VoteCount {
            yes,
            no,
            abstentions,
        }),
        _ => None,
    };
    if let Some(per_org) = &update.votes_by_organization
        && !per_org.is_empty()
    {
        let counts: Vec<VoteCount> = per_org
            .iter()
            .map(|e| VoteCount {
                yes: e.yes,
                no: e.no,
                abstentions: e.abstentions,
            })
            .collect();
        match totals {
            Some(totals) => v.check(
                per_organization_matches(totals, &counts),
                "/votes_by_organization",
                "the counts per organization must add up to votes",
            ),
            None => v.error("/votes", "votes per organization need the total votes"),
        }
    }
    if update.touches_results {
        changes.decided_at = Some(result.is_some().then(chrono::Utc::now));
    }
    v.finish(())
}

/// Updates an agenda item, or records its result once the meeting is held (steering office
/// only). Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_agenda_item",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Meeting id"),
        ("aid" = Uuid, Path, description = "Agenda item id"),
        ("If-Match" = String, Header, description = "The ETag of the item", example = "\"1\""),
    ),
    request_body = UpdateAgendaItem,
    responses(
        (status = 200, description = "The updated agenda item", body = AgendaItemResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[patch("/meetings/{id}/agenda-items/{aid}")]
pub async fn update_agenda_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<UpdateAgendaItem>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let mut update = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let (meeting_id, item_id) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let item = audited(&mut conn, &actor, move |conn| {
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            let before = agenda::find_live(conn, meeting_id, item_id)
                .await
                .map_err(or_item_not_found(item_id))?;
            if_match.check(before.version)?;
            let mut v = Validator::new();
            if let Some(Some(org)) = &update.changes.presenter_organization {
                check_organization(conn, &mut v, "/presenter_organization", org).await?;
            }
            if let Some(ids) = &update.project_ids {
                check_projects_exist(conn, &mut v, ids).await?;
            }
            if let Some(votes) = &update.votes_by_organization {
                for (index, entry) in votes.iter().enumerate() {
                    check_organization(
                        conn,
                        &mut v,
                        &format!("/votes_by_organization/{index}/organization"),
                        &entry.organization,
                    )
                    .await?;
                }
            }
            v.finish(())?;
            if update.touches_agenda {
                ensure_changeable(&meeting, MeetingPart::Agenda)?;
            }
            if update.touches_results {
                ensure_changeable(&meeting, MeetingPart::Results)?;
            }
            check_result_consistency(&before, &mut update)?;
            let before_projects = agenda::projects_of(conn, &[item_id]).await?;
            let before_votes = agenda::votes_of(conn, &[item_id]).await?;
            let mut after = agenda::update(conn, item_id, &update.changes).await?;
            if let Some(ids) = &update.project_ids {
                agenda::set_projects(conn, item_id, ids).await?;
            }
            if let Some(votes) = &update.votes_by_organization {
                let rows: Vec<OrganizationVotes> = votes
                    .iter()
                    .map(|e| OrganizationVotes {
                        agenda_item_id: item_id,
                        organization_key: e.organization.clone(),
                        yes: e.yes,
                        no: e.no,
                        abstentions: e.abstentions,
                    })
                    .collect();
                agenda::set_votes(conn, item_id, &rows).await?;
            }
            if update.project_ids.is_some() || update.votes_by_organization.is_some() {
                after.updated_at = agenda::find_live(conn, meeting_id, item_id).await?.updated_at;
            }
            let after_projects = agenda::projects_of(conn, &[item_id]).await?;
            let after_votes = agenda::votes_of(conn, &[item_id]).await?;
            meeting_rows::touch(conn, meeting_id).await?;
            let action = if update.touches_results {
                "agenda_item.result_recorded"
            } else {
                "agenda_item.updated"
            };
            Ok(Recorded::new(after.clone())
                .with(
                    Entry::updated("agenda_item", item_id)
                        .action(action)
                        .before(&serde_json::json!({"item": before, "projects": before_projects, "votes": before_votes}))
                        .after(&serde_json::json!({"item": after, "projects": after_projects, "votes": after_votes})),
                )
                .with(Entry::updated("meeting", meeting_id).action("meeting.agenda_changed")))
        }
        .scope_boxed()
    })
    .await?;
    let version = item.version;
    let mut conn = db::connect(&state.pool).await?;
    Ok(respond(load_agenda_item(&mut conn, item).await?, version))
}

/// Removes an agenda item without a result (steering office only). Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_agenda_item",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Meeting id"),
        ("aid" = Uuid, Path, description = "Agenda item id"),
        ("If-Match" = String, Header, description = "The ETag of the item", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[delete("/meetings/{id}/agenda-items/{aid}")]
pub async fn delete_agenda_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let actor = caller.actor()?;
    let (meeting_id, item_id) = path.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            let before = agenda::find_live(conn, meeting_id, item_id)
                .await
                .map_err(or_item_not_found(item_id))?;
            if_match.check(before.version)?;
            ensure_changeable(&meeting, MeetingPart::Agenda)?;
            if before.result.is_some() {
                return Err(ApiError::conflict(
                    "the item has a recorded result; clear the result first",
                ));
            }
            let after = agenda::soft_delete(conn, item_id).await?;
            meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(())
                .with(
                    Entry::deleted("agenda_item", item_id)
                        .before(&before)
                        .after(&after),
                )
                .with(Entry::updated("meeting", meeting_id).action("meeting.agenda_changed")))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The new order of the agenda.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaOrder {
    /// Every live item of the meeting, each once, in the new order.
    pub item_ids: Vec<Uuid>,
}

/// Reorders the agenda (steering office only): the items get positions 1, 2, … in the order
/// given. Needs `If-Match` with the meeting's ETag.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_agenda_order",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Meeting id"),
        ("If-Match" = String, Header, description = "The ETag of the meeting", example = "\"4\""),
    ),
    request_body = AgendaOrder,
    responses(
        (status = 200, description = "The reordered agenda", body = AgendaResponse,
         headers(("ETag" = String, description = "The meeting's new version tag"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[put("/meetings/{id}/agenda-items/order")]
pub async fn update_agenda_order(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<AgendaOrder>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let order = body.into_inner()?;
    let actor = caller.actor()?;
    let meeting_id = id.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let meeting = audited(&mut conn, &actor, move |conn| {
        async move {
            let meeting = meeting_rows::lock_live(conn, meeting_id)
                .await
                .map_err(or_meeting_not_found(meeting_id))?;
            if_match.check(meeting.version)?;
            let current = agenda::for_meeting(conn, meeting_id, false).await?;
            let mut v = Validator::new();
            let mut seen = HashSet::new();
            for (index, id) in order.item_ids.iter().enumerate() {
                if !seen.insert(*id) {
                    v.error(format!("/item_ids/{index}"), "listed twice");
                } else if !current.iter().any(|item| item.id == *id) {
                    v.error(
                        format!("/item_ids/{index}"),
                        format!("agenda item {id} is not on this agenda"),
                    );
                }
            }
            v.check(
                current.iter().all(|item| seen.contains(&item.id)),
                "/item_ids",
                "must list every item of the agenda",
            );
            v.finish(())?;
            ensure_changeable(&meeting, MeetingPart::Agenda)?;
            let before: Vec<Uuid> = current.iter().map(|i| i.id).collect();
            agenda::reorder(conn, &current, &order.item_ids).await?;
            let after = meeting_rows::touch(conn, meeting_id).await?;
            Ok(Recorded::new(after).with(
                Entry::updated("meeting", meeting_id)
                    .action("meeting.agenda_reordered")
                    .before(&serde_json::json!({"item_ids": before}))
                    .after(&serde_json::json!({"item_ids": order.item_ids})),
            ))
        }
        .scope_boxed()
    })
    .await?;
    let mut conn = db::connect(&state.pool).await?;
    let items = load_agenda(&mut conn, meeting_id, Audience::Member).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::header_value(meeting.version)))
        .json(AgendaResponse { items }))
}
