//! The implementation report as one CSV table for German Excel (UTF-8 with BOM, semicolons,
//! euro amounts with a decimal comma, German headings): one row per project, status report,
//! milestone, budget year, decision, action item and joinable project, the first column naming
//! the section.

use super::budget_csv::euros;
use super::excel_csv;
use crate::domain::reporting::{
    milestone_state_de, project_status_de, resolution_outcome_de, traffic_light_de,
};
use crate::export::german::short_date;
use crate::views::report::ReportResponse;

pub const HEADINGS: [&str; 9] = [
    "Abschnitt",
    "Projekt",
    "Titel",
    "Datum",
    "Stand",
    "Angaben",
    "verbindlich (EUR)",
    "vorbehaltlich Ratsbeschluss (EUR)",
    "bei Beitritt (EUR)",
];

fn row(cells: [String; 9]) -> Vec<String> {
    cells.into()
}

pub fn render(report: &ReportResponse) -> Result<Vec<u8>, csv::Error> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let empty = String::new;
    for p in &report.projects {
        let participation =
            crate::domain::participation::ParticipationState::parse(&p.participation_state)
                .map_or("unbekannt", |s| s.label_de());
        let resolution = match &p.resolution {
            Some(r) => format!(
                "Ratsbeschluss: {}, Vorlage {}, {}",
                r.deciding_body,
                r.paper_reference,
                resolution_outcome_de(&r.outcome)
            ),
            None => "kein Ratsbeschluss".to_owned(),
        };
        rows.push(row([
            "Projekt".into(),
            p.project.code.clone(),
            p.project.title.clone(),
            p.resolution
                .as_ref()
                .map(|r| short_date(r.decided_on))
                .unwrap_or_default(),
            format!(
                "{} / {}",
                project_status_de(&p.project.status),
                participation
            ),
            format!(
                "{resolution}; Fortschritt {} %; Ampel {}",
                p.project.progress_percent,
                traffic_light_de(p.project.traffic_light.as_deref())
            ),
            empty(),
            empty(),
            empty(),
        ]));
        if let Some(r) = &p.latest_status_report {
            rows.push(row([
                "Sachstand".into(),
                p.project.code.clone(),
                p.project.title.clone(),
                short_date(r.report_date),
                traffic_light_de(Some(&r.traffic_light)).into(),
                r.text.clone(),
                empty(),
                empty(),
                empty(),
            ]));
        }
        for m in &p.milestones {
            let mut state = milestone_state_de(&m.state).to_owned();
            if m.missed && m.state != "missed" {
                state.push_str(" (verfehlt)");
            }
            rows.push(row([
                "Meilenstein".into(),
                p.project.code.clone(),
                m.title.clone(),
                short_date(m.planned_date),
                state,
                empty(),
                empty(),
                empty(),
                empty(),
            ]));
        }
    }
    for y in &report.budget.years {
        rows.push(row([
            "Kostenanteil".into(),
            empty(),
            format!("Haushaltsjahr {}", y.fiscal_year),
            empty(),
            empty(),
            empty(),
            euros(y.committed_cents),
            euros(y.pending_cents),
            empty(),
        ]));
    }
    rows.push(row([
        "Kostenanteil".into(),
        empty(),
        "Summe".into(),
        empty(),
        empty(),
        empty(),
        euros(report.budget.totals.committed_cents),
        euros(report.budget.totals.pending_cents),
        empty(),
    ]));
    for d in &report.decisions {
        let codes: Vec<&str> = d
            .agenda_item
            .projects
            .iter()
            .map(|p| p.code.as_str())
            .collect();
        rows.push(row([
            "Beschluss".into(),
            codes.join(", "),
            d.agenda_item.title.clone(),
            short_date(d.meeting.starts_at.date_naive()),
            d.agenda_item
                .result
                .map(|r| r.label_de().to_owned())
                .unwrap_or_default(),
            d.agenda_item.resolution_text.clone().unwrap_or_default(),
            empty(),
            empty(),
            empty(),
        ]));
    }
    for a in &report.action_items {
        let mut state = a.status.label_de().to_owned();
        if a.overdue {
            state.push_str(" (überfällig)");
        }
        rows.push(row([
            "Aufgabe".into(),
            empty(),
            a.title.clone(),
            a.due_date.map(short_date).unwrap_or_default(),
            state,
            empty(),
            empty(),
            empty(),
            empty(),
        ]));
    }
    for j in &report.joinable_projects {
        let years: Vec<String> = j
            .years
            .iter()
            .map(|y| match y.share_cents {
                Some(c) => format!("{}: {}", y.fiscal_year, euros(c)),
                None => format!("{}: –", y.fiscal_year),
            })
            .collect();
        rows.push(row([
            "Beteiligung möglich".into(),
            j.project.code.clone(),
            j.project.title.clone(),
            empty(),
            project_status_de(&j.project.status).into(),
            years.join(" | "),
            empty(),
            empty(),
            j.total_share_cents.map(euros).unwrap_or_default(),
        ]));
    }
    for o in &report.others_efforts {
        let e = &o.effort;
        let section = match e.kind {
            crate::views::similarity::EffortKind::Project => "Ähnliches Projekt",
            crate::views::similarity::EffortKind::Initiative => "Ähnliche Initiative",
        };
        rows.push(row([
            section.into(),
            e.organization.clone().unwrap_or_default(),
            e.title.clone(),
            empty(),
            e.status.clone(),
            format!(
                "ähnlich zu: {} (Ähnlichkeit {:.2})",
                o.own_initiative_title, e.score
            ),
            empty(),
            empty(),
            empty(),
        ]));
    }
    let headings: Vec<String> = HEADINGS.iter().map(|h| (*h).to_owned()).collect();
    excel_csv::render(&headings, rows)
}
