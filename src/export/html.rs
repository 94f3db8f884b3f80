//! A printable agenda (before the meeting) or printable minutes (once it is held), in German,
//! with a print stylesheet so that any browser saves it as a tidy PDF. Built with maud, which
//! escapes every value.

use crate::profile::Profile;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::domain::meetings::MeetingState;
use crate::export::OrganizationNames;
use crate::export::german::{long_date, short_date, time};
use crate::views::meetings::types::{
    AgendaItemResponse, DelegateRef, MeetingDocument, MinutesResponse,
};

/// The inline stylesheet; the page's Content-Security-Policy allows it by its hash.
pub const STYLE: &str = "\
body{font-family:'Segoe UI',Arial,sans-serif;font-size:11pt;line-height:1.4;color:#111;max-width:48em;margin:2em auto;padding:0 1em}
header p{margin:.2em 0}
h1{font-size:18pt;margin:.3em 0}
h2{font-size:13pt;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eee}
.muted{color:#555}
.cancelled{border:2px solid #a00;color:#a00;padding:.5em;font-weight:bold}
.text{white-space:pre-wrap}
.signatures{display:flex;gap:4em;margin-top:3em}
.signatures div{border-top:1px solid #111;padding-top:.3em;min-width:14em}
@page{size:A4;margin:2cm 2cm 2.5cm}
@media print{body{margin:0;max-width:none;font-size:10pt}a{color:inherit;text-decoration:none}\
h2{break-after:avoid}tr,.signatures{break-inside:avoid}.no-print{display:none}}";

/// Whether the document is the minutes (the meeting took place) or the agenda.
fn is_minutes(state: MeetingState) -> bool {
    matches!(state, MeetingState::Held | MeetingState::MinutesApproved)
}

fn person(delegate: Option<&DelegateRef>) -> String {
    match delegate {
        Some(DelegateRef {
            name: Some(name), ..
        }) => name.clone(),
        Some(_) => "(Name nicht veröffentlicht)".to_owned(),
        None => String::new(),
    }
}

/// The whole page.
pub fn render(document: &MeetingDocument, names: &OrganizationNames, profile: &Profile) -> String {
    let meeting = &document.meeting;
    let minutes_view = is_minutes(meeting.state);
    let heading = if minutes_view {
        "Niederschrift"
    } else {
        "Einladung und Tagesordnung"
    };
    let (public_items, non_public_items): (Vec<_>, Vec<_>) =
        document.agenda_items.iter().partition(|i| i.public);
    let page: Markup = html! {
        (DOCTYPE)
        html lang=(profile.export_locale) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (heading) " – " (meeting.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    p.muted { (profile.committee_name) }
                    h1 { (heading) }
                    p { strong { (meeting.number) ". Sitzung: " (meeting.title) } }
                    p { "Datum: " (long_date(meeting.starts_at.date_naive())) }
                    p { "Zeit: " (time(meeting.starts_at)) " bis " (time(meeting.ends_at)) " Uhr" }
                    @if let Some(location) = &meeting.location {
                        p { "Ort: "
                            @if let Some(address) = &location.address { (address) }
                            @if let Some(room) = &location.room { ", " (room) }
                        }
                    }
                    @if let Some(url) = &meeting.online_url {
                        p { "Online-Teilnahme: " a href=(url) { (url) } }
                    }
                    @if !meeting.public {
                        p { strong { "Nichtöffentliche Sitzung" } }
                    }
                    @if let Some(reason) = &meeting.cancellation_reason {
                        p.cancelled { "Die Sitzung ist abgesagt. Grund: " (reason) }
                    }
                }
                @if minutes_view && !document.attendance.is_empty() {
                    h2 { "Anwesenheit" }
                    table {
                        thead { tr { th { "Organisation" } th { "Status" } th { "Delegierte" } th { "Zeit" } } }
                        tbody {
                            @for entry in &document.attendance {
                                tr {
                                    td { (names.name(&entry.organization)) }
                                    td { (entry.status.label_de()) }
                                    td { (entry.delegates.iter().filter_map(|d| d.name.clone()).collect::<Vec<_>>().join(", ")) }
                                    td {
                                        @if let Some(arrived) = entry.arrived_at { (time(arrived)) }
                                        @if entry.arrived_at.is_some() || entry.left_at.is_some() { " – " }
                                        @if let Some(left) = entry.left_at { (time(left)) }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Öffentlicher Teil" }
                (agenda_table(&public_items, minutes_view, names))
                @if !non_public_items.is_empty() {
                    h2 { "Nichtöffentlicher Teil" }
                    (agenda_table(&non_public_items, minutes_view, names))
                }
                @if let Some(minutes) = &document.minutes {
                    (minutes_section(minutes))
                }
                @if !document.action_items.is_empty() {
                    h2 { "Aufgaben" }
                    table {
                        thead { tr { th { "Aufgabe" } th { "Zuständig" } th { "Fällig" } th { "Status" } } }
                        tbody {
                            @for item in &document.action_items {
                                tr {
                                    td { (item.title) }
                                    td { (names.name(&item.owner_organization)) }
                                    td { @if let Some(due) = item.due_date { (short_date(due)) } }
                                    td { (item.status.label_de()) }
                                }
                            }
                        }
                    }
                }
                p.muted.no-print { "Online: " a href=(meeting.url) { (meeting.url) } }
            }
        }
    };
    page.into_string()
}

fn agenda_table(
    items: &[&AgendaItemResponse],
    minutes_view: bool,
    names: &OrganizationNames,
) -> Markup {
    html! {
        @if items.is_empty() {
            p.muted { "Keine Tagesordnungspunkte." }
        } @else {
            table {
                thead {
                    tr {
                        th { "TOP" }
                        th { "Betreff" }
                        th { "Vortrag" }
                        th { @if minutes_view { "Ergebnis" } @else { "Beschlussvorschlag" } }
                    }
                }
                tbody {
                    @for item in items {
                        tr {
                            td { (item.number) }
                            td {
                                (item.title)
                                @if !item.projects.is_empty() {
                                    br;
                                    span.muted { "Projekte: " (item.projects.iter().map(|p| format!("{} {}", p.code, p.title)).collect::<Vec<_>>().join(", ")) }
                                }
                            }
                            td { @if let Some(org) = &item.presenter_organization { (names.name(org)) } }
                            td {
                                @if minutes_view {
                                    @if let Some(result) = item.result {
                                        strong { (result.label_de()) }
                                        @if let Some(votes) = &item.votes {
                                            br; "Ja " (votes.yes) ", Nein " (votes.no) ", Enthaltungen " (votes.abstentions)
                                        }
                                        @for v in &item.votes_by_organization {
                                            br; span.muted { (names.name(&v.organization)) ": " (v.yes) "/" (v.no) "/" (v.abstentions) }
                                        }
                                        @if let Some(text) = &item.resolution_text {
                                            div.text { (text) }
                                        }
                                    }
                                } @else if let Some(proposal) = &item.proposed_resolution {
                                    div.text { (proposal) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn minutes_section(minutes: &MinutesResponse) -> Markup {
    html! {
        h2 { "Niederschrift" }
        @if minutes.approved {
            p { "Genehmigt"
                @if let Some(at) = minutes.approved_at { " am " (short_date(crate::views::meetings::berlin(at).date_naive())) }
                "." }
        } @else {
            p.muted { "Entwurf – noch nicht genehmigt." }
        }
        div.text { (minutes.public_text) }
        @if let Some(text) = &minutes.non_public_text {
            @if !text.is_empty() {
                h2 { "Niederschrift – nichtöffentlicher Teil" }
                div.text { (text) }
            }
        }
        div.signatures {
            div { "Vorsitz: " (person(minutes.chair.as_ref())) }
            div { "Schriftführung: " (person(minutes.secretary.as_ref())) }
        }
    }
}
