//! OParl date-times: `yyyy-mm-ddThh:mm:ss±hh:mm` in Europe/Berlin, whole seconds, explicit
//! offset (stricter than RFC 3339, which also allows `Z` and fractions).

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::meetings::TIME_ZONE;

/// An instant as OParl writes it, in Europe/Berlin.
pub fn datetime(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&TIME_ZONE)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A calendar date (`yyyy-mm-dd`).
pub fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The Europe/Berlin date of an instant.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&TIME_ZONE).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winter_and_summer_offsets_without_fractions() {
        let winter = DateTime::parse_from_rfc3339("2026-03-26T16:00:00.123456Z")
            .unwrap()
            .to_utc();
        assert_eq!(datetime(winter), "2026-03-26T17:00:00+01:00");
        let summer = DateTime::parse_from_rfc3339("2026-07-01T22:30:05Z")
            .unwrap()
            .to_utc();
        assert_eq!(datetime(summer), "2026-07-02T00:30:05+02:00");
        assert_eq!(local_date(summer).to_string(), "2026-07-02");
    }
}
