//! AgendaItems: the public items of a public meeting. `order` runs 0..n-1 over the agenda as
//! the public sees it (public items only, in position order); `number` is the printed number.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Object, Urls, tombstone};
use crate::db::committee::agenda;
use crate::db::oparl::{self as rows, AgendaItemRow, ConsultationRow, ConsultationSelection};
use crate::domain::meetings::AgendaResult;

/// What an item's rendering needs beyond its row: its `order`, and the Consultation it names.
#[derive(Debug, Default)]
pub struct AgendaContext {
    orders: HashMap<Uuid, usize>,
    consultations: HashMap<Uuid, Uuid>,
}

/// An AgendaItem names one Consultation: the one of its first live project by code. (Every
/// project's Paper embeds all of its Consultations.)
pub fn named_consultations(links: &[ConsultationRow]) -> HashMap<Uuid, Uuid> {
    let mut first: HashMap<Uuid, &ConsultationRow> = HashMap::new();
    for link in links.iter().filter(|l| !l.deleted) {
        first
            .entry(link.agenda_item_id)
            .and_modify(|current| {
                if link.code < current.code {
                    *current = link;
                }
            })
            .or_insert(link);
    }
    first
        .into_iter()
        .map(|(item, link)| (item, link.project_id))
        .collect()
}

impl AgendaContext {
    /// Loads the agenda of the items' meetings as the public sees it (the meetings module's
    /// own query) and the items' links, in two queries.
    pub async fn load(
        conn: &mut AsyncPgConnection,
        items: &[AgendaItemRow],
    ) -> diesel::QueryResult<Self> {
        let live: Vec<&AgendaItemRow> = items.iter().filter(|i| !i.deleted).collect();
        if live.is_empty() {
            return Ok(Self::default());
        }
        let mut meetings: Vec<Uuid> = live.iter().map(|i| i.meeting_id).collect();
        meetings.sort();
        meetings.dedup();
        let agenda = agenda::for_meetings(conn, &meetings, true).await?;
        let mut orders = HashMap::new();
        let mut counters: HashMap<Uuid, usize> = HashMap::new();
        for item in &agenda {
            let next = counters.entry(item.meeting_id).or_default();
            orders.insert(item.id, *next);
            *next += 1;
        }
        let links = rows::consultations(
            conn,
            &ConsultationSelection {
                limit: i64::MAX,
                agenda_items: Some(live.iter().map(|i| i.id).collect()),
                ..Default::default()
            },
        )
        .await?;
        Ok(Self {
            orders,
            consultations: named_consultations(&links),
        })
    }
}

fn authoritative(result: Option<AgendaResult>) -> Option<bool> {
    result.map(|r| {
        matches!(
            r,
            AgendaResult::Adopted | AgendaResult::AdoptedWithChanges | AgendaResult::Rejected
        )
    })
}

/// Whether a consultation led to a resolution; absent before the meeting decided.
pub fn consultation_authoritative(result: Option<&str>) -> Option<bool> {
    authoritative(result.and_then(AgendaResult::parse))
}

pub fn render(urls: &Urls, row: &AgendaItemRow, context: &AgendaContext) -> Value {
    if row.deleted {
        // The AgendaItem schema requires `order` even of a deleted item, which has no place
        // on the agenda any more; 0 says nothing about where it was.
        let mut gone = tombstone(urls.agenda_item(row.id), "AgendaItem", row.stamps());
        gone["order"] = json!(0);
        return gone;
    }
    let result = row.result.as_deref().and_then(AgendaResult::parse);
    Object::new(urls.agenda_item(row.id), "AgendaItem")
        .set("meeting", json!(urls.meeting(row.meeting_id)))
        .set("number", json!(row.number))
        .set("order", context.orders.get(&row.id).map(|o| json!(o)))
        .set("name", json!(row.title))
        .set("public", json!(true))
        .set(
            "consultation",
            context
                .consultations
                .get(&row.id)
                .map(|project| json!(urls.consultation(row.id, *project))),
        )
        .text("result", result.map(AgendaResult::label_de))
        .text("resolutionText", row.resolution_text.as_deref())
        .stamps(row.stamps())
        .build()
}
