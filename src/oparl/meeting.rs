//! Meetings with their public agenda items, place and approved minutes embedded.

use std::collections::HashMap;

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Object, Stamps, Urls, location, time, tombstone};
use crate::db::oparl::MeetingRow;
use crate::domain::meetings::MeetingState;

fn state_de(state: MeetingState) -> &'static str {
    match state {
        MeetingState::Planned => "geplant",
        MeetingState::Invited => "eingeladen",
        MeetingState::Held => "durchgeführt",
        MeetingState::MinutesApproved => "Niederschrift genehmigt",
        MeetingState::Cancelled => "abgesagt",
    }
}

/// What a meeting embeds, rendered already (each also served on its own URL).
#[derive(Debug, Default)]
pub struct Embedded {
    /// Agenda items by meeting, in agenda order.
    pub agenda_items: HashMap<Uuid, Vec<Value>>,
    /// The minutes' File by meeting.
    pub results_protocol: HashMap<Uuid, Value>,
}

pub fn render(urls: &Urls, public_url: &str, row: &MeetingRow, embedded: &Embedded) -> Value {
    if row.deleted {
        return tombstone(urls.meeting(row.id), "Meeting", row.stamps());
    }
    let state = MeetingState::parse(&row.state).unwrap_or(MeetingState::Planned);
    let place = (row.location_address.is_some() || row.location_room.is_some()).then(|| {
        location::location(
            urls,
            row.id,
            row.location_address.as_deref(),
            row.location_room.as_deref(),
            Stamps {
                created: row.created,
                modified: row.updated_at,
            },
        )
    });
    Object::new(urls.meeting(row.id), "Meeting")
        .set("name", json!(row.title))
        .set("meetingState", json!(state_de(state)))
        .set("cancelled", json!(state == MeetingState::Cancelled))
        .set("start", json!(time::datetime(row.starts_at)))
        .set("end", json!(time::datetime(row.ends_at)))
        .set("location", place)
        .set("organization", json!([urls.committee()]))
        .set(
            "resultsProtocol",
            embedded.results_protocol.get(&row.id).cloned(),
        )
        .set(
            "agendaItem",
            embedded
                .agenda_items
                .get(&row.id)
                .map(|items| Value::Array(items.clone())),
        )
        .set("web", json!(urls.meeting_web(public_url, row.id)))
        .stamps(row.stamps())
        .build()
}
