//! iCalendar (RFC 5545) with the `icalendar` crate: one VEVENT per meeting, times in
//! Europe/Berlin with a VTIMEZONE, a stable UID, SEQUENCE from the meeting's change counter,
//! `STATUS:CANCELLED` for cancelled meetings, LOCATION, the online link and a URL back.

use crate::profile::Profile;
use chrono::{DateTime, FixedOffset};
use icalendar::{
    Calendar, CalendarDateTime, Class, Component, Event, EventLike, EventStatus, Property,
};

use crate::domain::meetings::{MeetingState, TIME_ZONE};
use crate::views::meetings::types::{AgendaItemResponse, MeetingResponse};

/// The Europe/Berlin rules in force since 1996 (EU summer time: last Sunday of March 02:00
/// to last Sunday of October 03:00). A unit test parses it and checks the rules against
/// chrono-tz.
///
/// The crate builds no VTIMEZONE, and a parsed one would be written back with the DTSTAMP and
/// UID it adds to every component (not allowed in a VTIMEZONE), so this block is inserted as
/// it is, between the calendar's properties and its events.
const BERLIN_VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Europe/Berlin\r\n\
X-LIC-LOCATION:Europe/Berlin\r\n\
BEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0200\r\n\
TZNAME:CEST\r\n\
DTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
END:DAYLIGHT\r\n\
BEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\n\
TZNAME:CET\r\n\
DTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// A value for a TEXT property that the crate escapes (SUMMARY, LOCATION, DESCRIPTION). The
/// crate escapes `\\`, `,`, `;` and LF but not CR, and a bare CR ends a content line for many
/// parsers, so a stored title with one could add properties (`ATTENDEE`, `ATTACH`, ...) to
/// the event. Input validation refuses such text; this is the second line of defence for
/// whatever is stored: CR and CRLF become LF (written as `\\n`), other control characters
/// but the tab are dropped.
fn text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect()
}

/// A value that the crate writes as it is (URL, CONFERENCE, NAME, X-WR-CALNAME): every control
/// character, line breaks included, becomes a space, so that the value stays on its line.
fn raw(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The calendar's opening and properties, without components.
fn header(name: &str, profile: &Profile) -> String {
    let mut calendar = Calendar::empty();
    calendar.append_property(Property::new("VERSION", "2.0"));
    calendar.append_property(Property::new("PRODID", prodid(profile)));
    calendar.append_property(Property::new("CALSCALE", "GREGORIAN"));
    calendar.append_property(Property::new("METHOD", "PUBLISH"));
    calendar.name(&raw(name));
    calendar.timezone(TIME_ZONE.name());
    let text = calendar.to_string();
    text.strip_suffix(FEED_END)
        .expect("a calendar ends with END:VCALENDAR")
        .to_owned()
}

/// The calendar's PRODID: the cooperation's name and the export language.
fn prodid(profile: &Profile) -> String {
    format!(
        "-//{}//smartregion//{}",
        raw(&profile.name).replace("//", "/"),
        profile.export_locale.to_uppercase()
    )
}

/// The UID of a meeting's event: derived from its id and the profile's calendar domain only,
/// so it never changes.
pub fn uid(meeting: &MeetingResponse, profile: &Profile) -> String {
    format!("meeting-{}@{}", meeting.id, profile.calendar_uid_domain)
}

fn local(instant: DateTime<FixedOffset>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: instant.with_timezone(&TIME_ZONE).naive_local(),
        tzid: TIME_ZONE.name().to_owned(),
    }
}

/// One meeting as a VEVENT; `agenda` is what the audience may see of its agenda.
pub fn event(meeting: &MeetingResponse, agenda: &[AgendaItemResponse], profile: &Profile) -> Event {
    let mut event = Event::new();
    event
        .uid(&uid(meeting, profile))
        .sequence(meeting.ical_sequence.max(0) as u32)
        .timestamp(meeting.updated_at)
        .created(meeting.created_at)
        .last_modified(meeting.updated_at)
        .summary(&text(&meeting.title))
        .starts(local(meeting.starts_at))
        .ends(local(meeting.ends_at))
        .url(&raw(&meeting.url))
        .class(if meeting.public {
            Class::Public
        } else {
            Class::Confidential
        })
        .status(match meeting.state {
            MeetingState::Cancelled => EventStatus::Cancelled,
            MeetingState::Planned => EventStatus::Tentative,
            _ => EventStatus::Confirmed,
        });
    let location = meeting.location.as_ref().map(|l| {
        [l.address.as_deref(), l.room.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    match (location, &meeting.online_url) {
        (Some(place), _) if !place.is_empty() => {
            event.location(&text(&place));
        }
        (_, Some(url)) => {
            event.location(&text(url));
        }
        _ => {}
    }
    if let Some(url) = &meeting.online_url {
        // RFC 7986: the link to join, for clients that offer a "join" button.
        event.append_multi_property(
            Property::new("CONFERENCE", raw(url))
                .add_parameter("VALUE", "URI")
                .add_parameter("FEATURE", "VIDEO")
                .done(),
        );
    }
    event.description(&text(&description(meeting, agenda)));
    event.done()
}

fn description(meeting: &MeetingResponse, agenda: &[AgendaItemResponse]) -> String {
    let mut lines = Vec::new();
    if let Some(reason) = &meeting.cancellation_reason {
        lines.push(format!("Abgesagt: {reason}"));
        lines.push(String::new());
    }
    if !agenda.is_empty() {
        lines.push("Tagesordnung:".to_owned());
        for item in agenda {
            let marker = if item.public {
                ""
            } else {
                " (nichtöffentlich)"
            };
            lines.push(format!("TOP {} {}{marker}", item.number, item.title));
        }
    }
    if let Some(url) = &meeting.online_url {
        lines.push(String::new());
        lines.push(format!("Online-Teilnahme: {url}"));
    }
    lines.push(String::new());
    lines.push(format!("Details: {}", meeting.url));
    lines.join("\n")
}

/// A calendar with one meeting.
pub fn single(
    meeting: &MeetingResponse,
    agenda: &[AgendaItemResponse],
    profile: &Profile,
) -> String {
    let mut text = feed_start(&meeting.title, profile);
    text.push_str(&feed_event(meeting, agenda, profile));
    text.push_str(FEED_END);
    text
}

/// The feed is streamed: its start (calendar properties and VTIMEZONE), then one event at a
/// time, then [`FEED_END`].
pub fn feed_start(name: &str, profile: &Profile) -> String {
    header(name, profile) + BERLIN_VTIMEZONE
}

pub const FEED_END: &str = "END:VCALENDAR\r\n";

/// One event of the feed.
pub fn feed_event(
    meeting: &MeetingResponse,
    agenda: &[AgendaItemResponse],
    profile: &Profile,
) -> String {
    event(meeting, agenda, profile).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::meetings::types::LocationResponse;
    use chrono::{Datelike, NaiveDate, Offset, TimeZone, Weekday};
    use icalendar::CalendarComponent;

    fn last_sunday(year: i32, month: u32) -> NaiveDate {
        let mut day = NaiveDate::from_ymd_opt(year, month + 1, 1)
            .unwrap()
            .pred_opt()
            .unwrap();
        while day.weekday() != Weekday::Sun {
            day = day.pred_opt().unwrap();
        }
        day
    }

    fn hostile_meeting() -> MeetingResponse {
        let at = chrono::DateTime::parse_from_rfc3339("2026-05-07T17:00:00+02:00").unwrap();
        MeetingResponse {
            id: uuid::Uuid::nil(),
            number: 1,
            title: "Sitzung\rATTENDEE:mailto:boss@example.org\r\nATTACH:http://evil.example/x"
                .into(),
            starts_at: at,
            ends_at: at,
            time_zone: "Europe/Berlin",
            location: Some(LocationResponse {
                address: Some("Markt 1\rORGANIZER:mailto:x@example.org".into()),
                room: Some("Saal\u{b}1".into()),
            }),
            online_url: Some("https://meet.example.org/a\r\nATTENDEE:mailto:y@example.org".into()),
            public: true,
            state: MeetingState::Cancelled,
            allowed_next_states: vec![],
            cancellation_reason: Some("Grund\rRRULE:FREQ=DAILY".into()),
            ical_sequence: 1,
            url: "https://example.org/m\nX-INJECTED:1".into(),
            created_at: at.to_utc(),
            updated_at: at.to_utc(),
        }
    }

    /// Stored text with CR, LF or other control characters stays inside its property: every
    /// content line is a known property or a folded continuation, and no line ends early.
    #[test]
    fn hostile_stored_text_cannot_add_properties() {
        let text = single(&hostile_meeting(), &[], &Profile::embedded());
        let body = text.strip_suffix("\r\n").unwrap();
        let allowed = [
            "BEGIN",
            "END",
            "VERSION",
            "PRODID",
            "CALSCALE",
            "METHOD",
            "NAME",
            "X-WR-CALNAME",
            "X-WR-TIMEZONE",
            "TZID",
            "X-LIC-LOCATION",
            "TZOFFSETFROM",
            "TZOFFSETTO",
            "TZNAME",
            "DTSTART",
            "RRULE",
            "UID",
            "SEQUENCE",
            "DTSTAMP",
            "CREATED",
            "LAST-MODIFIED",
            "SUMMARY",
            "DTEND",
            "URL",
            "CLASS",
            "STATUS",
            "LOCATION",
            "CONFERENCE",
            "DESCRIPTION",
        ];
        let mut rrules = 0;
        for line in body.split("\r\n") {
            assert!(!line.contains(['\r', '\n', '\u{b}']), "{line:?}");
            if line.starts_with(' ') {
                continue;
            }
            let name = line.split([':', ';']).next().unwrap();
            assert!(
                allowed.contains(&name),
                "injected property: {line:?}\n{text}"
            );
            rrules += usize::from(name == "RRULE");
        }
        // The two of the VTIMEZONE, none in the event.
        assert_eq!(rrules, 2, "{text}");
        let calendar: Calendar = text.parse().unwrap();
        let event = calendar.events().next().unwrap();
        assert_eq!(event.get_summary().unwrap().lines().count(), 3);
        assert!(event.property_value("ATTENDEE").is_none());
        assert!(event.property_value("ATTACH").is_none());
    }

    /// The built-in VTIMEZONE switches exactly when chrono-tz's Europe/Berlin does.
    #[test]
    fn vtimezone_rules_agree_with_the_tz_database() {
        for year in 1996..=2037 {
            for (month, utc_hour, summer_before) in [(3, 1, false), (10, 1, true)] {
                let day = last_sunday(year, month);
                let switch =
                    chrono::Utc.from_utc_datetime(&day.and_hms_opt(utc_hour, 0, 0).unwrap());
                let offset = |t: chrono::DateTime<chrono::Utc>| {
                    TIME_ZONE
                        .offset_from_utc_datetime(&t.naive_utc())
                        .fix()
                        .local_minus_utc()
                };
                let before = offset(switch - chrono::Duration::minutes(1));
                let after = offset(switch);
                let (summer, winter) = (7200, 3600);
                if summer_before {
                    assert_eq!((before, after), (summer, winter), "{year}-{month}");
                } else {
                    assert_eq!((before, after), (winter, summer), "{year}-{month}");
                }
            }
        }
        // The block parses, and says what the checks above verified.
        let calendar: Calendar = format!("BEGIN:VCALENDAR\r\n{BERLIN_VTIMEZONE}END:VCALENDAR\r\n")
            .parse()
            .unwrap();
        let zone = match &calendar.components[..] {
            [CalendarComponent::Other(zone)] => zone,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(zone.property_value("TZID"), Some("Europe/Berlin"));
        let rules: Vec<_> = zone
            .components()
            .iter()
            .map(|c| {
                (
                    c.component_kind(),
                    c.property_value("RRULE").unwrap().to_owned(),
                    c.property_value("DTSTART").unwrap().to_owned(),
                    c.property_value("TZOFFSETTO").unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            rules,
            [
                (
                    "DAYLIGHT".to_owned(),
                    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU".to_owned(),
                    "19700329T020000".to_owned(),
                    "+0200".to_owned()
                ),
                (
                    "STANDARD".to_owned(),
                    "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU".to_owned(),
                    "19701025T030000".to_owned(),
                    "+0100".to_owned()
                ),
            ]
        );
    }
}
