//! The one write of the participation resource: create or change a participation, in one
//! audited transaction that locks the project first.

use actix_web::HttpRequest;
use actix_web::http::header;
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use serde_json::{Map, json};
use uuid::Uuid;

use super::request::CheckedPut;
use super::types::{ParticipationState, stored_state};
use crate::db::organizations;
use crate::db::participations::history::{self, NewHistoryEntry};
use crate::db::participations::{self, Participation, ParticipationData, ProjectRef, resolutions};
use crate::db::write::{Actor, Entry, Recorded};
use crate::domain::participation::{self as rules, Authority};
use crate::error::{ApiError, OrNotFound};
use crate::http::etag::{self, IfMatch};

/// What a PUT's conditional headers ask for. Creation needs no header (or `If-None-Match: *`
/// to make sure nothing is overwritten); changing an existing participation needs `If-Match`.
#[derive(Debug, Clone, Copy)]
pub enum Precondition {
    None,
    IfMatch(IfMatch),
    IfNoneMatchAny,
}

impl Precondition {
    pub fn from_request(req: &HttpRequest) -> Result<Self, ApiError> {
        if req.headers().contains_key(header::IF_MATCH) {
            return IfMatch::from_request(req).map(Self::IfMatch);
        }
        match req.headers().get(header::IF_NONE_MATCH) {
            None => Ok(Self::None),
            Some(value) if value.as_bytes().trim_ascii() == b"*" => Ok(Self::IfNoneMatchAny),
            Some(_) => Err(ApiError::bad_request(
                "If-None-Match accepts only `*` here (create only if absent)",
            )),
        }
    }

    fn check(self, existing_version: Option<i32>) -> Result<(), ApiError> {
        match (self, existing_version) {
            (Self::None | Self::IfNoneMatchAny, None) => Ok(()),
            (Self::None, Some(_)) => Err(ApiError::PreconditionRequired(
                "this participation exists: send If-Match with the ETag of the version you read"
                    .into(),
            )),
            (Self::IfMatch(if_match), Some(version)) => if_match.check(version),
            (Self::IfMatch(_), None) => Err(ApiError::PreconditionFailed(
                "If-Match names a participation that does not exist; create it without If-Match"
                    .into(),
            )),
            (Self::IfNoneMatchAny, Some(_)) => Err(ApiError::PreconditionFailed(
                "If-None-Match: * but the participation exists already".into(),
            )),
        }
    }
}

/// Who writes, for whom, with which authority.
#[derive(Clone)]
pub struct WriteContext {
    pub project_id: Uuid,
    pub organization: String,
    pub authority: Authority,
    pub on_behalf_of: Option<String>,
    pub precondition: Precondition,
    pub actor: Actor,
}

/// The result of a PUT.
pub enum Written {
    Created(Participation, ProjectRef),
    Updated(Participation, ProjectRef),
    /// The body repeated what is stored: nothing was written.
    Unchanged(Participation, ProjectRef),
}

pub async fn put(
    conn: &mut AsyncPgConnection,
    ctx: WriteContext,
    change: CheckedPut,
) -> Result<Recorded<Written>, ApiError> {
    let WriteContext {
        project_id,
        organization,
        authority,
        on_behalf_of,
        precondition,
        actor,
    } = ctx;
    // The project lock comes first: every change that affects a project's cost shares takes
    // it, so the cost-sharing work can recompute the shares here without races.
    let project = crate::api::projects::live_project(conn, project_id, true).await?;
    let project = ProjectRef {
        id: project.id,
        code: project.code,
        title: project.title,
    };
    let org = organizations::find(conn, &organization)
        .await
        .or_not_found("organization", &organization)?;
    let existing = participations::find_for_update(conn, project_id, &organization).await?;
    precondition.check(existing.as_ref().map(|p| p.version))?;

    let from = existing.as_ref().map(|p| stored_state(&p.state));
    let to = change.state;
    // Only members take part: an organization that left keeps its history and may withdraw
    // or decline, but enters no other state.
    let withdrawing = matches!(
        to,
        rules::ParticipationState::Withdrawn | rules::ParticipationState::Declined
    );
    if from != Some(to)
        && !withdrawing
        && !crate::db::memberships::is_member_on(
            conn,
            &organization,
            chrono::Utc::now().date_naive(),
        )
        .await?
    {
        return Err(ApiError::conflict(format!(
            "organization {organization} is no member of the cooperation today; it cannot take \
             part in projects"
        )));
    }
    if !rules::may_change(authority, from, to) {
        return Err(ApiError::forbidden(
            "an editor may only record interested and intends_to_join, and only while the \
             participation is in one of them; ask the organization's admin",
        ));
    }
    let current_required = existing.as_ref().map_or_else(
        || rules::council_resolution_required_by_default(&org.kind),
        |p| p.council_resolution_required,
    );
    let required = change
        .council_resolution_required
        .unwrap_or(current_required);
    if authority == Authority::Editor && required != current_required {
        return Err(ApiError::forbidden(
            "only the organization's admin may change council_resolution_required",
        ));
    }
    if let Err(invalid) = rules::check_transition(from, to) {
        let allowed: Vec<ParticipationState> =
            invalid.allowed.iter().map(|s| (*s).into()).collect();
        let mut extensions = Map::new();
        extensions.insert(
            "current_state".into(),
            json!(from.map(ParticipationState::from)),
        );
        extensions.insert("allowed_next_states".into(), json!(allowed));
        return Err(ApiError::conflict_with(invalid.to_string(), extensions));
    }
    let outcome = change.resolution.as_ref().map(|(outcome, _)| *outcome);
    if let Err(rule) = rules::check_resolution(from, to, required, outcome) {
        let pointer = match rule {
            rules::ResolutionRule::Missing => "/council_resolution",
            rules::ResolutionRule::StateMustFollowOutcome { .. } => "/state",
        };
        return Err(ApiError::invalid_field(pointer, rule.to_string()));
    }

    let (withdrawal_effective_date, withdrawal_reason) = change.withdrawal.unzip();
    let data = ParticipationData {
        state: to.as_str().to_owned(),
        council_resolution_required: required,
        staff_fte_hundredths: change.staff_fte_hundredths,
        contact_role: change.contact_role,
        note: change.note,
        joined_on: change.joined_on,
        left_on: change.left_on,
        withdrawal_effective_date,
        withdrawal_reason,
    };
    if let Some(before) = &existing
        && change.resolution.is_none()
        && before.data() == data
    {
        return Ok(Recorded::new(Written::Unchanged(before.clone(), project)));
    }

    let (row, entry) = match &existing {
        None => {
            let row = participations::insert(conn, project_id, &organization, &data).await?;
            let entry = Entry::created("participation", row.id).after(&row);
            (row, entry)
        }
        Some(before) => {
            let row = participations::update(conn, before.id, &data).await?;
            let entry = Entry::updated("participation", row.id)
                .before(before)
                .after(&row);
            (row, entry)
        }
    };
    let mut recorded = Recorded::new(()).with(
        entry
            .org(organization.clone())
            .on_behalf_of(on_behalf_of.clone()),
    );
    let resolution_id = match &change.resolution {
        Some((_, new)) => {
            // A resolution may name the allocation snapshot the council approved: one of
            // this project's.
            if let Some(snapshot_id) = new.allocation_snapshot_id
                && crate::db::costs::snapshots::find(conn, project_id, snapshot_id)
                    .await
                    .optional()?
                    .is_none()
            {
                return Err(ApiError::invalid_field(
                    "/council_resolution/allocation_snapshot_id",
                    format!("project {project_id} has no allocation snapshot {snapshot_id}"),
                ));
            }
            let resolution = resolutions::insert(conn, row.id, new).await?;
            recorded = recorded.with(
                Entry::created("council_resolution", resolution.resolution.id)
                    .org(organization.clone())
                    .on_behalf_of(on_behalf_of.clone())
                    .after(&resolution),
            );
            Some(resolution.resolution.id)
        }
        None => None,
    };
    history::insert(
        conn,
        &NewHistoryEntry {
            participation_id: row.id,
            from_state: from.map(rules::ParticipationState::as_str),
            to_state: to.as_str(),
            actor_subject: &actor.subject,
            actor_organization: actor.organization.as_deref(),
            on_behalf_of: on_behalf_of.as_deref(),
            reason: change.reason.as_deref(),
            council_resolution_id: resolution_id,
        },
    )
    .await?;
    // Opt-ins and withdrawals change who pays: the project's stored allocation and the
    // budget summaries follow in this transaction, under the project lock taken above.
    if from != Some(to) {
        crate::db::costs::allocation::recompute(conn, project_id).await?;
    }
    let written = if existing.is_some() {
        Written::Updated(row, project)
    } else {
        Written::Created(row, project)
    };
    Ok(Recorded {
        value: written,
        entries: recorded.entries,
    })
}

/// The `ETag` header of a participation.
pub fn etag_header(row: &Participation) -> (header::HeaderName, header::HeaderValue) {
    (header::ETAG, etag::header_value(row.version))
}
