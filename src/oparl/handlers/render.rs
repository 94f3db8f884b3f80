//! Pages of rows to OParl objects, with what they embed loaded for the whole page at once.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use serde_json::Value;
use uuid::Uuid;

use super::Ctx;
use crate::db::oparl::{
    self as rows, AgendaItemRow, ConsultationRow, ConsultationSelection, FileRow, MeetingRow,
    PaperRow, Selection,
};
use crate::oparl::agenda_item::{self, AgendaContext};
use crate::oparl::meeting::{self, Embedded};
use crate::oparl::{file, paper};

type Loaded<T> = diesel::QueryResult<T>;

/// Agenda items (two queries: the public agenda of their meetings, their consultations).
pub async fn agenda_items(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    items: &[AgendaItemRow],
) -> Loaded<Vec<Value>> {
    let context = AgendaContext::load(conn, items).await?;
    Ok(items
        .iter()
        .map(|item| agenda_item::render(&ctx.urls, item, &context))
        .collect())
}

/// Files; `None` for a file whose content the public may not read.
pub async fn files(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    files: &[FileRow],
) -> Loaded<Vec<Option<Value>>> {
    let contents = file::contents(conn, files).await?;
    Ok(files
        .iter()
        .map(|f| {
            file::render(
                &ctx.urls,
                &ctx.profile.oparl.license,
                f,
                contents.get(&f.id),
            )
        })
        .collect())
}

/// Meetings with their agenda items and minutes (five queries).
pub async fn meetings(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    meetings: &[MeetingRow],
) -> Loaded<Vec<Value>> {
    let live: Vec<Uuid> = meetings
        .iter()
        .filter(|m| !m.deleted)
        .map(|m| m.id)
        .collect();
    let mut embedded = Embedded::default();
    if !live.is_empty() {
        let items = rows::agenda_items(conn, &Selection::embedded(live.clone())).await?;
        let context = AgendaContext::load(conn, &items).await?;
        let mut ordered: Vec<(Uuid, Option<usize>, Value)> = items
            .iter()
            .map(|item| {
                let value = agenda_item::render(&ctx.urls, item, &context);
                let order = value["order"].as_u64().map(|o| o as usize);
                (item.meeting_id, order, value)
            })
            .collect();
        ordered.sort_by_key(|(meeting, order, _)| (*meeting, *order));
        for (meeting, _, value) in ordered {
            embedded
                .agenda_items
                .entry(meeting)
                .or_default()
                .push(value);
        }
        let minutes = rows::files(conn, &Selection::embedded(live)).await?;
        let rendered = files(conn, ctx, &minutes).await?;
        for (row, value) in minutes.iter().zip(rendered) {
            if let Some(value) = value {
                embedded.results_protocol.insert(row.meeting_id, value);
            }
        }
    }
    Ok(meetings
        .iter()
        .map(|m| meeting::render(&ctx.urls, &ctx.public_url, m, &embedded))
        .collect())
}

/// Papers with their live consultations (one query).
pub async fn papers(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    papers: &[PaperRow],
) -> Loaded<Vec<Value>> {
    let live: Vec<Uuid> = papers.iter().filter(|p| !p.deleted).map(|p| p.id).collect();
    let links = if live.is_empty() {
        Vec::new()
    } else {
        rows::consultations(
            conn,
            &ConsultationSelection {
                limit: i64::MAX,
                projects: Some(live),
                ..Default::default()
            },
        )
        .await?
    };
    let mut by_project: HashMap<Uuid, Vec<&ConsultationRow>> = HashMap::new();
    for link in &links {
        by_project.entry(link.project_id).or_default().push(link);
    }
    Ok(papers
        .iter()
        .map(|p| paper::render(&ctx.urls, p, &by_project))
        .collect())
}
