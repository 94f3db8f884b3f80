//! Value types of the project catalogue and the rules on them that need no database.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Generates `as_str`/`parse` for a snake_case enum stored as text.
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

/// Lead project (Leitprojekt) or potential project (Potentialprojekt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Lead,
    Potential,
}
text_enum!(Category { Lead => "lead", Potential => "potential" });

/// The progress traffic light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrafficLight {
    Green,
    Yellow,
    Red,
}
text_enum!(TrafficLight { Green => "green", Yellow => "yellow", Red => "red" });

/// Whether the project is relevant to gender equality (Gleichstellung), as council papers ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenderEqualityRelevance {
    Yes,
    No,
    Unknown,
}
text_enum!(GenderEqualityRelevance { Yes => "yes", No => "no", Unknown => "unknown" });

/// The state of a milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    Open,
    Done,
    Missed,
    Dropped,
}
text_enum!(MilestoneState { Open => "open", Done => "done", Missed => "missed", Dropped => "dropped" });

/// A project code set by the steering office: 1–6 capital letters, a dash, 1–4 digits and an
/// optional lowercase letter, e.g. `LP-07`, `PP-02`, `LP-12a`.
/// [`is_project_code`] as a regular expression, for the OpenAPI document.
pub const PROJECT_CODE_PATTERN: &str = "^[A-Z]{1,6}-[0-9]{1,4}[a-z]?$";

pub fn is_project_code(code: &str) -> bool {
    let Some((letters, rest)) = code.split_once('-') else {
        return false;
    };
    let digits = rest.trim_end_matches(|c: char| c.is_ascii_lowercase());
    let suffix = rest.len() - digits.len();
    (1..=6).contains(&letters.len())
        && letters.bytes().all(|b| b.is_ascii_uppercase())
        && (1..=4).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && suffix <= 1
}

/// Dates of a span: the end must not come before the start.
pub fn span_ok(start: Option<NaiveDate>, end: Option<NaiveDate>) -> bool {
    match (start, end) {
        (Some(start), Some(end)) => end >= start,
        _ => true,
    }
}

/// How long a status report may be corrected after it was posted.
pub const REPORT_CORRECTION_WINDOW: TimeDelta = TimeDelta::hours(24);

/// Whether a report posted at `created_at` may still be corrected at `now` (the database's
/// clock, so that every instance of the service agrees).
pub fn report_correctable(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at < REPORT_CORRECTION_WINDOW
}

/// The code the seed gives the `position`-th (1-based) known project of a category, in file
/// order: `LP-01`, `LP-02`, … for lead projects, `PP-01`, … for potential projects.
pub fn seed_code(category: Category, position: usize) -> String {
    let prefix = match category {
        Category::Lead => "LP",
        Category::Potential => "PP",
    };
    format!("{prefix}-{position:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_pattern_is_the_code_rule() {
        let schema = serde_json::json!({"type": "string", "pattern": PROJECT_CODE_PATTERN});
        for code in [
            "LP-07",
            "PP-02",
            "LP-12a",
            "A-1",
            "ABCDEF-1234",
            "ABCDEFG-1",
            "LP-12345",
            "LP-1ab",
            "lp-07",
            "LP07",
            "LP-",
            "-07",
            "LP-07A",
            "",
            "LP-0a7",
        ] {
            assert_eq!(
                jsonschema::is_valid(&schema, &serde_json::Value::from(code)),
                is_project_code(code),
                "{code:?}"
            );
        }
    }

    #[test]
    fn project_codes() {
        for ok in ["LP-07", "PP-02", "LP-12a", "A-1", "ABCDEF-1234"] {
            assert!(is_project_code(ok), "{ok}");
        }
        for bad in [
            "",
            "LP07",
            "lp-07",
            "LP-",
            "-07",
            "LP-07ab",
            "LP-12345",
            "ABCDEFG-1",
            "LP-0A",
            "LP-07A",
            "LP--07",
        ] {
            assert!(!is_project_code(bad), "{bad}");
        }
    }

    #[test]
    fn spans() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert!(span_ok(d("2026-01-01"), d("2026-01-01")));
        assert!(span_ok(d("2026-01-01"), None));
        assert!(span_ok(None, d("2026-01-01")));
        assert!(!span_ok(d("2026-01-02"), d("2026-01-01")));
    }

    #[test]
    fn reports_are_correctable_for_24_hours_only() {
        let posted = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(report_correctable(posted, posted));
        assert!(report_correctable(
            posted,
            posted + TimeDelta::hours(24) - TimeDelta::microseconds(1)
        ));
        assert!(!report_correctable(posted, posted + TimeDelta::hours(24)));
        assert!(!report_correctable(posted, posted + TimeDelta::days(30)));
    }

    #[test]
    fn seed_codes_and_enum_names() {
        assert_eq!(seed_code(Category::Lead, 1), "LP-01");
        assert_eq!(seed_code(Category::Potential, 12), "PP-12");
        assert!(is_project_code(&seed_code(Category::Lead, 99)));
        for s in MilestoneState::ALL {
            assert_eq!(MilestoneState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(TrafficLight::parse("amber"), None);
        assert_eq!(Category::parse("potential"), Some(Category::Potential));
        assert_eq!(
            GenderEqualityRelevance::parse("unknown"),
            Some(GenderEqualityRelevance::Unknown)
        );
    }
}
