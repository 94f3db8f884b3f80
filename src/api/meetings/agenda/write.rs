//! The agenda's changes. Each runs inside the handler's audited transaction: it locks the
//! meeting, checks what needs the database (the organizations and projects named, the
//! version, the meeting's state), writes, touches the meeting and returns what it recorded.

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::types::{
    AgendaOrder, ItemUpdate, NewItem, check_projects_exist, check_result_consistency,
};
use crate::api::meetings::{check_organization, ensure_changeable, lock_meeting};
use crate::db::committee::agenda::{self, AgendaItem, NewAgendaItem, OrganizationVotes};
use crate::db::committee::meetings::{self as meeting_rows, Meeting};
use crate::db::write::{Entry, Recorded};
use crate::domain::meetings::MeetingPart;
use crate::domain::validation::Validator;
use crate::error::{ApiError, OrNotFound};
use crate::http::etag::IfMatch;

/// An agenda holds at most this many items.
const MAX_ITEMS: usize = 200;

pub(super) fn item_not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("agenda item {id} does not exist"))
}

fn agenda_changed(meeting_id: Uuid) -> Entry {
    Entry::updated("meeting", meeting_id).action("meeting.agenda_changed")
}

/// Adds `item` at the end of the agenda.
pub(super) async fn create(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    item: NewItem,
) -> Result<Recorded<AgendaItem>, ApiError> {
    let NewItem {
        number,
        title,
        public,
        presenter_organization,
        project_ids,
        proposed_resolution,
        mut v,
    } = item;
    let meeting = lock_meeting(conn, meeting_id).await?;
    if let Some(org) = &presenter_organization {
        check_organization(conn, &mut v, "/presenter_organization", org).await?;
    }
    check_projects_exist(conn, &mut v, &project_ids).await?;
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
            public,
            presenter_organization,
            proposed_resolution,
        },
    )
    .await?;
    agenda::set_projects(conn, item.id, &project_ids).await?;
    meeting_rows::touch(conn, meeting_id).await?;
    let entry = Entry::created("agenda_item", item.id)
        .after(&serde_json::json!({"item": item, "project_ids": project_ids}));
    Ok(Recorded::new(item)
        .with(entry)
        .with(agenda_changed(meeting_id)))
}

/// Changes an item, or records its result while the meeting is held.
pub(super) async fn update(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    item_id: Uuid,
    if_match: IfMatch,
    mut update: ItemUpdate,
) -> Result<Recorded<AgendaItem>, ApiError> {
    let meeting = lock_meeting(conn, meeting_id).await?;
    let before = agenda::find_live(conn, meeting_id, item_id)
        .await
        .or_not_found("agenda item", item_id)?;
    if_match.check(before.version)?;
    let mut v = Validator::new();
    if let Some(Some(org)) = &update.changes.presenter_organization {
        check_organization(conn, &mut v, "/presenter_organization", org).await?;
    }
    if let Some(ids) = &update.project_ids {
        check_projects_exist(conn, &mut v, ids).await?;
    }
    for (index, entry) in update.votes_by_organization.iter().flatten().enumerate() {
        let pointer = format!("/votes_by_organization/{index}/organization");
        check_organization(conn, &mut v, &pointer, &entry.organization).await?;
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
    // Bumps the item (version, updated_at) also when only its projects or votes change.
    let after = agenda::update(conn, item_id, &update.changes).await?;
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
    let after_projects = agenda::projects_of(conn, &[item_id]).await?;
    let after_votes = agenda::votes_of(conn, &[item_id]).await?;
    meeting_rows::touch(conn, meeting_id).await?;
    let action = if update.touches_results {
        "agenda_item.result_recorded"
    } else {
        "agenda_item.updated"
    };
    let entry = Entry::updated("agenda_item", item_id)
        .action(action)
        .before(&serde_json::json!({"item": before, "projects": before_projects, "votes": before_votes}))
        .after(&serde_json::json!({"item": after, "projects": after_projects, "votes": after_votes}));
    Ok(Recorded::new(after)
        .with(entry)
        .with(agenda_changed(meeting_id)))
}

/// Removes an item that has no result.
pub(super) async fn delete(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    item_id: Uuid,
    if_match: IfMatch,
) -> Result<Recorded<()>, ApiError> {
    let meeting = lock_meeting(conn, meeting_id).await?;
    let before = agenda::find_live(conn, meeting_id, item_id)
        .await
        .or_not_found("agenda item", item_id)?;
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
        .with(agenda_changed(meeting_id)))
}

/// Gives the items positions 1, 2, … in the order listed; the list must name every live item
/// once. Versioned by the meeting, whose new version it returns.
pub(super) async fn reorder(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    if_match: IfMatch,
    order: AgendaOrder,
) -> Result<Recorded<Meeting>, ApiError> {
    let meeting = lock_meeting(conn, meeting_id).await?;
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
