//! The implementation report as a printable HTML page in German, with a print stylesheet, so
//! that a clerk can print it or save it as PDF and attach it to a council paper. Built with
//! maud, which escapes every value.

use crate::profile::Profile;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::domain::reporting::{
    milestone_state_de, project_status_de, resolution_outcome_de, traffic_light_de,
};
use crate::export::budget_csv::euros;
use crate::export::german::short_date;
use crate::views::report::ReportResponse;

/// The inline stylesheet; the page's Content-Security-Policy allows it by its hash.
pub const STYLE: &str = "\
body{font-family:'Segoe UI',Arial,sans-serif;font-size:11pt;line-height:1.4;color:#111;max-width:60em;margin:2em auto;padding:0 1em}
header p{margin:.2em 0}
h1{font-size:18pt;margin:.3em 0}
h2{font-size:13pt;margin-top:1.6em;border-bottom:1px solid #999}
h3{font-size:11pt;margin:1em 0 .3em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eee}
td.num,th.num{text-align:right;white-space:nowrap}
.muted{color:#555}
.missed{color:#a00;font-weight:bold}
.text{white-space:pre-wrap}
@page{size:A4;margin:2cm 2cm 2.5cm}
@media print{body{margin:0;max-width:none;font-size:10pt}a{color:inherit;text-decoration:none}\
h2,h3{break-after:avoid}tr,section.project{break-inside:avoid}}";

fn eur(cents: i64) -> String {
    format!("{} €", euros(cents))
}

/// The whole page.
pub fn render(report: &ReportResponse, profile: &Profile) -> String {
    let page: Markup = html! {
        (DOCTYPE)
        html lang=(profile.export_locale) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Umsetzungsbericht Smart Region – " (report.organization.name) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    p.muted { (profile.name) }
                    h1 { "Bericht zum Stand der Umsetzung" }
                    p { strong { (report.organization.name) } " (" (report.organization.key) ")" }
                    p { "Berichtszeitraum: " (short_date(report.from)) " bis " (short_date(report.to)) }
                    p.muted { "Stichtag für verfehlte Meilensteine: " (short_date(report.reference_date)) }
                }
                h2 { "1. Beteiligung an Projekten" }
                @if report.projects.is_empty() {
                    p { "Keine Beteiligung an Projekten." }
                }
                @for p in &report.projects {
                    section.project {
                        h3 { (p.project.code) " – " (p.project.title) }
                        table {
                            tr { th { "Projektstatus" } td { (project_status_de(&p.project.status)) } }
                            tr { th { "Beteiligung" } td { (crate::domain::participation::ParticipationState::parse(&p.participation_state).map_or("unbekannt", |s| s.label_de())) } }
                            tr { th { "Ratsbeschluss" } td {
                                @if let Some(r) = &p.resolution {
                                    (r.deciding_body) " vom " (short_date(r.decided_on)) ", Vorlage " (r.paper_reference) ": " (resolution_outcome_de(&r.outcome))
                                } @else if p.council_resolution_required {
                                    "noch nicht gefasst"
                                } @else {
                                    "nicht erforderlich"
                                }
                            } }
                            tr { th { "Fortschritt" } td { (p.project.progress_percent) " %" } }
                            tr { th { "Ampel" } td {
                                (traffic_light_de(p.project.traffic_light.as_deref()))
                                @if let Some(note) = &p.project.traffic_light_note { " – " (note) }
                            } }
                        }
                        @if let Some(r) = &p.latest_status_report {
                            p { strong { "Sachstand vom " (short_date(r.report_date)) ":" } }
                            p.text { (r.text) }
                            @if !r.next_steps.is_empty() { p.text { "Nächste Schritte: " (r.next_steps) } }
                            @if !r.risks.is_empty() { p.text { "Risiken: " (r.risks) } }
                        } @else {
                            p.muted { "Kein Sachstandsbericht im Berichtszeitraum." }
                        }
                        @if !p.milestones.is_empty() {
                            table {
                                tr { th { "Meilenstein" } th { "geplant" } th { "erreicht" } th { "Stand" } }
                                @for m in &p.milestones {
                                    tr {
                                        td { (m.title) }
                                        td { (short_date(m.planned_date)) }
                                        td { @if let Some(d) = m.actual_date { (short_date(d)) } }
                                        td {
                                            (milestone_state_de(&m.state))
                                            @if m.missed { " " span.missed { "(verfehlt)" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "2. Kostenanteile je Haushaltsjahr" }
                table {
                    tr { th { "Haushaltsjahr" } th.num { "verbindlich" } th.num { "vorbehaltlich Ratsbeschluss" } th.num { "Summe" } }
                    @for y in &report.budget.years {
                        tr {
                            td { (y.fiscal_year) }
                            td.num { (eur(y.committed_cents)) }
                            td.num { (eur(y.pending_cents)) }
                            td.num { (eur(y.total_cents)) }
                        }
                    }
                    tr {
                        th { "Summe" }
                        th.num { (eur(report.budget.totals.committed_cents)) }
                        th.num { (eur(report.budget.totals.pending_cents)) }
                        th.num { (eur(report.budget.totals.total_cents)) }
                    }
                }
                h2 { "3. Beschlüsse des Lenkungskreises" }
                @if report.decisions.is_empty() {
                    p { "Keine Beschlüsse zu diesen Projekten im Berichtszeitraum." }
                } @else {
                    table {
                        tr { th { "Sitzung" } th { "TOP" } th { "Betreff" } th { "Ergebnis" } th { "Beschlusstext" } }
                        @for d in &report.decisions {
                            tr {
                                td { (d.meeting.number) ". Sitzung, " (short_date(d.meeting.starts_at.date_naive())) }
                                td { (d.agenda_item.number) }
                                td { (d.agenda_item.title) }
                                td { @if let Some(r) = d.agenda_item.result { (r.label_de()) } }
                                td.text { @if let Some(t) = &d.agenda_item.resolution_text { (t) } }
                            }
                        }
                    }
                }
                h2 { "4. Offene Aufgaben" }
                @if report.action_items.is_empty() {
                    p { "Keine offenen Aufgaben." }
                } @else {
                    table {
                        tr { th { "Aufgabe" } th { "fällig" } th { "Stand" } }
                        @for a in &report.action_items {
                            tr {
                                td { (a.title) }
                                td { @if let Some(d) = a.due_date { (short_date(d)) } }
                                td {
                                    (a.status.label_de())
                                    @if a.overdue { " " span.missed { "(überfällig)" } }
                                }
                            }
                        }
                    }
                }
                h2 { "5. Projekte, an denen eine Beteiligung noch möglich ist" }
                @if report.joinable_projects.is_empty() {
                    p { "Keine." }
                } @else {
                    p.muted { "Anteil nach Probeberechnung: alle derzeit zahlenden Beteiligten (einschließlich ausstehender Ratsbeschlüsse) und " (report.organization.name) ", mit erwarteter Förderung." }
                    table {
                        tr { th { "Projekt" } th { "Status" } th { "Haushaltsjahre" } th.num { "Anteil gesamt" } }
                        @for j in &report.joinable_projects {
                            tr {
                                td { (j.project.code) " – " (j.project.title) }
                                td { (project_status_de(&j.project.status)) }
                                td {
                                    @for (i, y) in j.years.iter().enumerate() {
                                        @if i > 0 { br; }
                                        (y.fiscal_year) ": "
                                        @match y.share_cents { Some(c) => (eur(c)), None => "–" }
                                    }
                                    @if j.years.is_empty() { "keine Kosten geplant" }
                                }
                                td.num {
                                    @match j.total_share_cents {
                                        _ if j.years.is_empty() => "–",
                                        Some(c) => (eur(c)),
                                        None => "nicht berechenbar",
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "6. Was andere bereits tun und wo ein Anschluss möglich ist" }
                @if report.others_efforts.is_empty() {
                    p { "Keine ähnlichen Vorhaben gefunden." }
                } @else {
                    table {
                        tr { th { "Vorhaben" } th { "Wer" } th { "Status" } th { "Ähnlich zu eigener Initiative" } }
                        @for o in &report.others_efforts {
                            tr {
                                td { (o.effort.title) }
                                td { @if let Some(org) = &o.effort.organization { (org) } }
                                td { (o.effort.status) }
                                td { (o.own_initiative_title) }
                            }
                        }
                    }
                }
            }
        }
    };
    page.into_string()
}
