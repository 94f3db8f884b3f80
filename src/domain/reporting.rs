//! Pure rules of the implementation report: the period, when a milestone counts as missed,
//! whether an indicator reached its target, and the German labels the printable report uses.

use chrono::{Datelike, NaiveDate};

/// Longest period one report covers (about ten years).
pub const MAX_PERIOD_DAYS: i64 = 3660;

/// The years a period may lie in: those of the fiscal years the cost plan knows.
pub const PERIOD_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Exactly the dates of [`PERIOD_YEARS`] as `YYYY-MM-DD` (the days of each month, 29 February
/// in the leap years 2000–2096), as the document's pattern for `from` and `to`. A pattern
/// that matched invalid dates too would need `format: date` beside it, and test generators
/// that draw dates of any year and keep those of the pattern give up on it.
pub const PERIOD_DATE_PATTERN: &str = "^(?:(?:20[0-9]{2}|2100)-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|20(?:[02468][048]|[13579][26])-02-29)$";

/// A checked reporting period, `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `from` and `to` as `YYYY-MM-DD`, `from` not after `to`, at most [`MAX_PERIOD_DAYS`].
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, String> {
        let date = |name: &str, text: Option<&str>| -> Result<NaiveDate, String> {
            let text = text.ok_or_else(|| format!("`{name}` is required (YYYY-MM-DD)"))?;
            // Exactly YYYY-MM-DD: chrono also reads `2026-1-01`, which the document's pattern
            // refuses.
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .filter(|date| date.format("%Y-%m-%d").to_string() == text)
                .ok_or_else(|| format!("`{name}` must be a date YYYY-MM-DD, got `{text}`"))?;
            if !PERIOD_YEARS.contains(&date.year()) {
                return Err(format!(
                    "`{name}` must lie in the years {} to {}, got `{text}`",
                    PERIOD_YEARS.start(),
                    PERIOD_YEARS.end()
                ));
            }
            Ok(date)
        };
        let from = date("from", from)?;
        let to = date("to", to)?;
        if from > to {
            return Err("`from` must not be after `to`".into());
        }
        if (to - from).num_days() > MAX_PERIOD_DAYS {
            return Err(format!("a report covers at most {MAX_PERIOD_DAYS} days"));
        }
        Ok(Self { from, to })
    }

    /// The day against which "missed" is judged: the end of the period, or today when the
    /// period has not ended yet.
    pub fn reference_date(&self, today: NaiveDate) -> NaiveDate {
        self.to.min(today)
    }
}

/// Whether a milestone counts as missed on `reference`: marked missed, or still open after its
/// planned date.
pub fn milestone_missed(state: &str, planned: NaiveDate, reference: NaiveDate) -> bool {
    state == "missed" || (state == "open" && planned < reference)
}

/// Whether the latest value reached the target, in the direction from baseline to target (a
/// target below the baseline is reached by falling to it). `None` without target or value.
pub fn target_reached(
    baseline: Option<f64>,
    target: Option<f64>,
    latest: Option<f64>,
) -> Option<bool> {
    let (target, latest) = (target?, latest?);
    let falling = baseline.is_some_and(|b| target < b);
    Some(if falling {
        latest <= target
    } else {
        latest >= target
    })
}

pub fn project_status_de(status: &str) -> &'static str {
    match status {
        "idea" => "Idee",
        "planned" => "geplant",
        "approved" => "beschlossen",
        "in_implementation" => "in Umsetzung",
        "completed" => "abgeschlossen",
        "on_hold" => "pausiert",
        "discarded" => "verworfen",
        _ => "unbekannt",
    }
}

pub fn traffic_light_de(light: Option<&str>) -> &'static str {
    match light {
        Some("green") => "grün",
        Some("yellow") => "gelb",
        Some("red") => "rot",
        _ => "–",
    }
}

pub fn milestone_state_de(state: &str) -> &'static str {
    match state {
        "open" => "offen",
        "done" => "erreicht",
        "missed" => "verfehlt",
        "dropped" => "entfallen",
        _ => "unbekannt",
    }
}

pub fn resolution_outcome_de(outcome: &str) -> &'static str {
    match outcome {
        "approved" => "zugestimmt",
        "approved_with_changes" => "mit Änderungen zugestimmt",
        "rejected" => "abgelehnt",
        _ => "unbekannt",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_checked() {
        let p = Period::parse(Some("2026-01-01"), Some("2026-06-30")).unwrap();
        assert_eq!((p.from, p.to), (d("2026-01-01"), d("2026-06-30")));
        assert!(Period::parse(None, Some("2026-06-30")).is_err());
        assert!(Period::parse(Some("2026-13-01"), Some("2026-06-30")).is_err());
        assert!(Period::parse(Some("2026-07-01"), Some("2026-06-30")).is_err());
        assert!(Period::parse(Some("2000-01-01"), Some("2026-06-30")).is_err());
        assert!(Period::parse(Some("2026-06-30"), Some("2026-06-30")).is_ok());
        assert!(Period::parse(Some("0200-01-09"), Some("0200-01-09")).is_err());
        assert!(Period::parse(Some("1999-12-31"), Some("2000-01-01")).is_err());
        assert!(Period::parse(Some("2100-12-31"), Some("2101-01-01")).is_err());
        assert!(Period::parse(Some("2000-01-01"), Some("2000-01-01")).is_ok());
        assert!(Period::parse(Some("2100-12-31"), Some("2100-12-31")).is_ok());
    }

    #[test]
    fn the_reference_date_never_lies_in_the_future() {
        let p = Period::parse(Some("2026-01-01"), Some("2026-12-31")).unwrap();
        assert_eq!(p.reference_date(d("2026-03-01")), d("2026-03-01"));
        assert_eq!(p.reference_date(d("2027-03-01")), d("2026-12-31"));
    }

    #[test]
    fn missed_milestones() {
        let r = d("2026-06-30");
        assert!(milestone_missed("missed", d("2026-07-10"), r));
        assert!(milestone_missed("open", d("2026-06-29"), r));
        assert!(!milestone_missed("open", d("2026-06-30"), r));
        assert!(!milestone_missed("done", d("2026-01-01"), r));
        assert!(!milestone_missed("dropped", d("2026-01-01"), r));
    }

    #[test]
    fn targets_in_both_directions() {
        assert_eq!(
            target_reached(Some(0.0), Some(100.0), Some(100.0)),
            Some(true)
        );
        assert_eq!(
            target_reached(Some(0.0), Some(100.0), Some(99.0)),
            Some(false)
        );
        assert_eq!(
            target_reached(Some(50.0), Some(10.0), Some(9.0)),
            Some(true)
        );
        assert_eq!(
            target_reached(Some(50.0), Some(10.0), Some(11.0)),
            Some(false)
        );
        assert_eq!(target_reached(None, Some(10.0), Some(11.0)), Some(true));
        assert_eq!(target_reached(None, None, Some(11.0)), None);
        assert_eq!(target_reached(None, Some(1.0), None), None);
    }

    #[test]
    fn german_labels() {
        assert_eq!(project_status_de("in_implementation"), "in Umsetzung");
        assert_eq!(traffic_light_de(Some("yellow")), "gelb");
        assert_eq!(traffic_light_de(None), "–");
        assert_eq!(milestone_state_de("missed"), "verfehlt");
        assert_eq!(resolution_outcome_de("approved"), "zugestimmt");
    }
}
