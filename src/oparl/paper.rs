//! Papers (projects, `reference` = project code) with their Consultations embedded, and the
//! Consultations on their own: one per link between a public agenda item and a project.

use std::collections::HashMap;

use serde_json::{Value, json};
use uuid::Uuid;

use super::agenda_item::consultation_authoritative;
use super::{Object, Urls, tombstone};
use crate::db::oparl::{ConsultationRow, PaperRow};

pub fn consultation(urls: &Urls, row: &ConsultationRow) -> Value {
    let id = urls.consultation(row.agenda_item_id, row.project_id);
    if row.deleted {
        return tombstone(id, "Consultation", row.stamps());
    }
    Object::new(id, "Consultation")
        .set("paper", json!(urls.paper(row.project_id)))
        .set("agendaItem", json!(urls.agenda_item(row.agenda_item_id)))
        .set("meeting", json!(urls.meeting(row.meeting_id)))
        .set("organization", json!([urls.committee()]))
        .set(
            "authoritative",
            consultation_authoritative(row.result.as_deref()).map(Value::Bool),
        )
        .stamps(row.stamps())
        .build()
}

fn paper_type(category: &str) -> &'static str {
    match category {
        "lead" => "Leitprojekt",
        _ => "Potentialprojekt",
    }
}

/// `consultations`: the live consultations by project.
pub fn render(
    urls: &Urls,
    row: &PaperRow,
    consultations: &HashMap<Uuid, Vec<&ConsultationRow>>,
) -> Value {
    if row.deleted {
        return tombstone(urls.paper(row.id), "Paper", row.stamps());
    }
    let embedded: Vec<Value> = consultations
        .get(&row.id)
        .map(|list| list.iter().map(|c| consultation(urls, c)).collect())
        .unwrap_or_default();
    Object::new(urls.paper(row.id), "Paper")
        .set("body", json!(urls.body()))
        .set("name", json!(row.title))
        .set("reference", json!(row.code))
        .set("paperType", json!(paper_type(&row.category)))
        .set(
            "underDirectionOf",
            row.lead_organization
                .as_ref()
                .map(|key| json!([urls.institution(key)])),
        )
        .set("consultation", Value::Array(embedded))
        .stamps(row.stamps())
        .build()
}
