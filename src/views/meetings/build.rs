//! Rows to responses, with the visibility rules applied in one place: every JSON response and
//! every export is built from what these functions return for the caller's [`Audience`].

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::types::*;
use super::{Audience, berlin, meeting_url, state_of};
use crate::db::committee::action_items::{self, ActionItem};
use crate::db::committee::agenda::{self, AgendaItem, ItemProject, OrganizationVotes};
use crate::db::committee::attendance::{self, Attendance};
use crate::db::committee::meetings::Meeting;
use crate::db::committee::members::{self, CommitteeMember};
use crate::db::committee::minutes::{self, Minutes};
use crate::domain::meetings::{
    ActionItemStatus, AgendaResult, AttendanceStatus, CommitteeRole, TIME_ZONE,
};
use crate::error::ApiError;

pub fn meeting_response(meeting: &Meeting, public_url: &str) -> MeetingResponse {
    let state = state_of(meeting);
    let location =
        (meeting.location_address.is_some() || meeting.location_room.is_some()).then(|| {
            LocationResponse {
                address: meeting.location_address.clone(),
                room: meeting.location_room.clone(),
            }
        });
    MeetingResponse {
        id: meeting.id,
        number: meeting.number,
        title: meeting.title.clone(),
        starts_at: berlin(meeting.starts_at),
        ends_at: berlin(meeting.ends_at),
        time_zone: TIME_ZONE.name(),
        location,
        online_url: meeting.online_url.clone(),
        public: meeting.public,
        state,
        allowed_next_states: state.allowed_next().to_vec(),
        cancellation_reason: meeting.cancellation_reason.clone(),
        ical_sequence: meeting.ical_sequence,
        url: meeting_url(public_url, meeting.id),
        created_at: meeting.created_at,
        updated_at: meeting.updated_at,
    }
}

/// Agenda items with their projects and votes (loaded by the caller for all items at once).
pub fn agenda_item_responses(
    items: Vec<AgendaItem>,
    projects: &[ItemProject],
    votes: &[OrganizationVotes],
) -> Vec<AgendaItemResponse> {
    items
        .into_iter()
        .map(|item| {
            let item_projects = projects
                .iter()
                .filter(|p| p.agenda_item_id == item.id)
                .map(|p| ProjectRef {
                    id: p.project_id,
                    code: p.code.clone(),
                    title: p.title.clone(),
                })
                .collect();
            let item_votes = votes
                .iter()
                .filter(|v| v.agenda_item_id == item.id)
                .map(|v| OrganizationVotesResponse {
                    organization: v.organization_key.clone(),
                    yes: v.yes,
                    no: v.no,
                    abstentions: v.abstentions,
                })
                .collect();
            agenda_item_response(item, item_projects, item_votes)
        })
        .collect()
}

fn agenda_item_response(
    item: AgendaItem,
    projects: Vec<ProjectRef>,
    votes_by_organization: Vec<OrganizationVotesResponse>,
) -> AgendaItemResponse {
    let votes = match (item.votes_yes, item.votes_no, item.votes_abstentions) {
        (Some(yes), Some(no), Some(abstentions)) => Some(VotesResponse {
            yes,
            no,
            abstentions,
        }),
        _ => None,
    };
    AgendaItemResponse {
        id: item.id,
        meeting_id: item.meeting_id,
        position: item.position,
        number: item.number,
        title: item.title,
        public: item.public,
        presenter_organization: item.presenter_organization,
        projects,
        proposed_resolution: item.proposed_resolution,
        result: item.result.as_deref().and_then(AgendaResult::parse),
        resolution_text: item.resolution_text,
        votes,
        votes_by_organization,
        created_at: item.created_at,
        updated_at: item.updated_at,
    }
}

/// Loads the items of a meeting the audience may see, with projects and votes, in three
/// queries.
pub async fn load_agenda(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    audience: Audience,
) -> Result<Vec<AgendaItemResponse>, ApiError> {
    let items = agenda::for_meeting(conn, meeting_id, audience.is_public()).await?;
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let projects = agenda::projects_of(conn, &ids).await?;
    let votes = agenda::votes_of(conn, &ids).await?;
    Ok(agenda_item_responses(items, &projects, &votes))
}

/// One agenda item with its projects and votes.
pub async fn load_agenda_item(
    conn: &mut AsyncPgConnection,
    item: AgendaItem,
) -> Result<AgendaItemResponse, ApiError> {
    let ids = [item.id];
    let projects = agenda::projects_of(conn, &ids).await?;
    let votes = agenda::votes_of(conn, &ids).await?;
    Ok(agenda_item_responses(vec![item], &projects, &votes).remove(0))
}

/// A delegate as the audience may see them: without consent, the public gets no name.
pub fn delegate_ref(member: &CommitteeMember, audience: Audience) -> DelegateRef {
    DelegateRef {
        id: member.id,
        name: (!audience.is_public() || member.name_public_consent).then(|| member.name.clone()),
        role: CommitteeRole::parse(&member.role).unwrap_or(CommitteeRole::Member),
    }
}

pub type MembersById = HashMap<Uuid, CommitteeMember>;

pub async fn members_by_id(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<MembersById, ApiError> {
    Ok(members::find_many(conn, ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

pub fn attendance_response(
    record: Attendance,
    members: &MembersById,
    audience: Audience,
) -> AttendanceResponse {
    let delegates = record
        .delegate_member_ids
        .iter()
        .filter_map(|id| members.get(id))
        // The public sees only delegates who consented; the others are not listed at all.
        .filter(|m| !audience.is_public() || m.name_public_consent)
        .map(|m| delegate_ref(m, audience))
        .collect();
    AttendanceResponse {
        id: record.id,
        meeting_id: record.meeting_id,
        organization: record.organization_key,
        status: AttendanceStatus::parse(&record.status).unwrap_or(AttendanceStatus::Absent),
        delegates,
        arrived_at: record.arrived_at.map(berlin),
        left_at: record.left_at.map(berlin),
        created_at: record.created_at,
        updated_at: record.updated_at,
    }
}

/// The attendance of a meeting with the delegates' names resolved in one query.
pub async fn load_attendance(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    audience: Audience,
) -> Result<Vec<AttendanceResponse>, ApiError> {
    let records = attendance::for_meeting(conn, meeting_id).await?;
    let ids: Vec<Uuid> = records
        .iter()
        .flat_map(|r| r.delegate_member_ids.iter().copied())
        .collect();
    let members = members_by_id(conn, &ids).await?;
    Ok(records
        .into_iter()
        .map(|r| attendance_response(r, &members, audience))
        .collect())
}

/// The minutes as the audience may see them: the public sees only approved minutes, and only
/// their public part.
pub fn minutes_response(
    record: Minutes,
    members: &MembersById,
    audience: Audience,
) -> Option<MinutesResponse> {
    let approved = record.approved_at.is_some();
    if audience.is_public() && !approved {
        return None;
    }
    let person = |id: Option<Uuid>| {
        id.and_then(|id| members.get(&id))
            .map(|m| delegate_ref(m, audience))
    };
    Some(MinutesResponse {
        id: record.id,
        meeting_id: record.meeting_id,
        public_text: record.public_text,
        non_public_text: (!audience.is_public()).then_some(record.non_public_text),
        secretary: person(record.secretary_member_id),
        chair: person(record.chair_member_id),
        approved,
        approved_at: record.approved_at,
        approved_at_meeting_id: record.approved_at_meeting_id,
        created_at: record.created_at,
        updated_at: record.updated_at,
    })
}

pub async fn load_minutes(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    audience: Audience,
) -> Result<Option<MinutesResponse>, ApiError> {
    let Some(record) = minutes::find(conn, meeting_id).await? else {
        return Ok(None);
    };
    let ids: Vec<Uuid> = [record.secretary_member_id, record.chair_member_id]
        .into_iter()
        .flatten()
        .collect();
    let members = members_by_id(conn, &ids).await?;
    Ok(minutes_response(record, &members, audience))
}

/// Today in Europe/Berlin: due dates are local dates.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&TIME_ZONE).date_naive()
}

pub fn action_item_response(item: ActionItem, today: NaiveDate) -> ActionItemResponse {
    let status = ActionItemStatus::parse(&item.status).unwrap_or(ActionItemStatus::Open);
    ActionItemResponse {
        overdue: status.is_pending() && item.due_date.is_some_and(|due| due < today),
        id: item.id,
        title: item.title,
        agenda_item_id: item.agenda_item_id,
        meeting_id: item.meeting_id,
        owner_organization: item.owner_organization,
        due_date: item.due_date,
        status,
        project_id: item.project_id,
        created_at: item.created_at,
        updated_at: item.updated_at,
    }
}

/// The whole meeting as the audience may see it; every export renders this.
pub async fn load_document(
    conn: &mut AsyncPgConnection,
    meeting: &Meeting,
    audience: Audience,
    public_url: &str,
) -> Result<MeetingDocument, ApiError> {
    let agenda_items = load_agenda(conn, meeting.id, audience).await?;
    let attendance = load_attendance(conn, meeting.id, audience).await?;
    let minutes = load_minutes(conn, meeting.id, audience).await?;
    let action_items = if audience.is_public() {
        Vec::new()
    } else {
        let today = today();
        action_items::for_meeting(conn, meeting.id)
            .await?
            .into_iter()
            .map(|a| action_item_response(a, today))
            .collect()
    };
    Ok(MeetingDocument {
        meeting: meeting_response(meeting, public_url),
        agenda_items,
        attendance,
        minutes,
        action_items,
    })
}
