//! The agenda with results and votes as CSV for German Excel: semicolons, UTF-8 with a byte
//! order mark (without it Excel reads the file as Windows-1252), German headings.

use crate::api::meetings::types::MeetingDocument;
use crate::export::OrganizationNames;
use crate::export::german::{short_date, time};

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

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One row per agenda item the audience may see.
pub fn agenda(
    document: &MeetingDocument,
    names: &OrganizationNames,
) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        // Excel on Windows expects CRLF line ends.
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    writer.write_record(HEADINGS)?;
    let meeting = &document.meeting;
    let number = format!("{}. Sitzung", meeting.number);
    let date = short_date(meeting.starts_at.date_naive());
    let start = time(meeting.starts_at);
    for item in &document.agenda_items {
        let projects = item
            .projects
            .iter()
            .map(|p| format!("{} {}", p.code, p.title))
            .collect::<Vec<_>>()
            .join(", ");
        let count = |f: fn(&crate::api::meetings::types::VotesResponse) -> i32| {
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
        writer.write_record([
            number.as_str(),
            date.as_str(),
            start.as_str(),
            item.number.as_str(),
            item.title.as_str(),
            if item.public { "ja" } else { "nein" },
            item.presenter_organization
                .as_deref()
                .map(|k| names.name(k))
                .unwrap_or(""),
            projects.as_str(),
            item.proposed_resolution.as_deref().unwrap_or(""),
            item.result.map(|r| r.label_de()).unwrap_or(""),
            item.resolution_text.as_deref().unwrap_or(""),
            count(|v| v.yes).as_str(),
            count(|v| v.no).as_str(),
            count(|v| v.abstentions).as_str(),
            per_organization.as_str(),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
