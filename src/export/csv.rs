//! The agenda with results and votes as CSV for German Excel (see [`excel_csv`]), German
//! headings.

use crate::export::OrganizationNames;
use crate::export::excel_csv;
use crate::export::german::{short_date, time};
use crate::views::meetings::types::MeetingDocument;

pub const HEADINGS: [&str; 15] = [
    "Sitzung",
    "Datum",
    "Beginn",
    "TOP",
    "Betreff",
    "Öffentlich",
    "Vortragende Organisation",
    "Projekte",
    "Beschlussvorschlag",
    "Ergebnis",
    "Beschlusstext",
    "Ja",
    "Nein",
    "Enthaltungen",
    "Stimmen je Organisation",
];

/// One row per agenda item the audience may see.
pub fn agenda(
    document: &MeetingDocument,
    names: &OrganizationNames,
) -> Result<Vec<u8>, csv::Error> {
    let meeting = &document.meeting;
    let number = format!("{}. Sitzung", meeting.number);
    let date = short_date(meeting.starts_at.date_naive());
    let start = time(meeting.starts_at);
    let rows = document.agenda_items.iter().map(|item| {
        let projects = item
            .projects
            .iter()
            .map(|p| format!("{} {}", p.code, p.title))
            .collect::<Vec<_>>()
            .join(", ");
        let count = |f: fn(&crate::views::meetings::types::VotesResponse) -> i32| {
            item.votes
                .as_ref()
                .map(|v| f(v).to_string())
                .unwrap_or_default()
        };
        let per_organization = item
            .votes_by_organization
            .iter()
            .map(|v| {
                format!(
                    "{}: {} ja, {} nein, {} Enthaltungen",
                    names.name(&v.organization),
                    v.yes,
                    v.no,
                    v.abstentions
                )
            })
            .collect::<Vec<_>>()
            .join(" | ");
        [
            number.clone(),
            date.clone(),
            start.clone(),
            item.number.clone(),
            item.title.clone(),
            if item.public { "ja" } else { "nein" }.to_owned(),
            item.presenter_organization
                .as_deref()
                .map(|k| names.name(k))
                .unwrap_or("")
                .to_owned(),
            projects,
            item.proposed_resolution.clone().unwrap_or_default(),
            item.result.map(|r| r.label_de()).unwrap_or("").to_owned(),
            item.resolution_text.clone().unwrap_or_default(),
            count(|v| v.yes),
            count(|v| v.no),
            count(|v| v.abstentions),
            per_organization,
        ]
    });
    let headings: Vec<String> = HEADINGS.iter().map(|h| (*h).to_owned()).collect();
    excel_csv::render(&headings, rows)
}
