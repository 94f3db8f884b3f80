//! Dates and times as German readers expect them, in Europe/Berlin.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Weekday};

const MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Montag",
        Weekday::Tue => "Dienstag",
        Weekday::Wed => "Mittwoch",
        Weekday::Thu => "Donnerstag",
        Weekday::Fri => "Freitag",
        Weekday::Sat => "Samstag",
        Weekday::Sun => "Sonntag",
    }
}

/// `Donnerstag, 26. März 2026`
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{}, {}. {} {}",
        weekday(date.weekday()),
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// `26.03.2026`
pub fn short_date(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// `17:00`
pub fn time(instant: DateTime<FixedOffset>) -> String {
    instant.format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_a_german_agenda() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 26).unwrap();
        assert_eq!(long_date(date), "Donnerstag, 26. März 2026");
        assert_eq!(short_date(date), "26.03.2026");
        let t = DateTime::parse_from_rfc3339("2026-03-30T09:05:00+02:00").unwrap();
        assert_eq!(time(t), "09:05");
        assert_eq!(long_date(t.date_naive()), "Montag, 30. März 2026");
    }
}
