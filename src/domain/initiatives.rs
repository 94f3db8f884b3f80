//! Local initiatives: a municipality's own digital initiatives beside the joint projects. The
//! rules here (status transitions, dates, the contact role, visibility) are pure, so they are
//! tested alone; `api::initiatives` applies them to requests and stored rows.
//!
//! ```text
//! idea -> planned -> running -> completed
//!   \        \          \
//!    +--------+----------+---> stopped -> idea | planned   (taken up again)
//! idea -> running (started without a planning phase); planned -> idea (back to the drawer)
//! completed is final.
//! ```

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an initiative stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InitiativeStatus {
    /// Thought of, not yet planned.
    Idea,
    /// Planned: budget, staff or a start date are being arranged.
    Planned,
    /// Running (needs `start_date`).
    Running,
    /// Finished (needs `start_date` and `end_date`; final).
    Completed,
    /// Stopped before it was finished; may be taken up again as an idea or plan.
    Stopped,
}

impl InitiativeStatus {
    pub const ALL: [InitiativeStatus; 5] = [
        InitiativeStatus::Idea,
        InitiativeStatus::Planned,
        InitiativeStatus::Running,
        InitiativeStatus::Completed,
        InitiativeStatus::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InitiativeStatus::Idea => "idea",
            InitiativeStatus::Planned => "planned",
            InitiativeStatus::Running => "running",
            InitiativeStatus::Completed => "completed",
            InitiativeStatus::Stopped => "stopped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The states that may follow this one.
    pub fn allowed_next(self) -> &'static [InitiativeStatus] {
        use InitiativeStatus::*;
        match self {
            Idea => &[Planned, Running, Stopped],
            Planned => &[Idea, Running, Stopped],
            Running => &[Completed, Stopped],
            Completed => &[],
            Stopped => &[Idea, Planned],
        }
    }

    /// Whether an initiative may move from `self` to `next` (staying is always allowed).
    pub fn may_become(self, next: InitiativeStatus) -> bool {
        self == next || self.allowed_next().contains(&next)
    }

    /// Whether an initiative in this state is still being pursued (idea, planned, running):
    /// what overlap detection and the "what others do" report look at.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            InitiativeStatus::Idea | InitiativeStatus::Planned | InitiativeStatus::Running
        )
    }
}

/// Who may read an initiative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everybody, anonymous callers included.
    Public,
    /// Members of the cooperation only: never shown to anonymous callers, in OParl or in
    /// public exports.
    Members,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Members => "members",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(Visibility::Public),
            "members" => Some(Visibility::Members),
            _ => None,
        }
    }
}

/// What is wrong with the dates an initiative would have in `status`, as `(field, message)`.
pub fn date_problems(
    status: InitiativeStatus,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        problems.push(("end_date", "must not be before start_date"));
    }
    if matches!(
        status,
        InitiativeStatus::Running | InitiativeStatus::Completed
    ) && start.is_none()
    {
        problems.push(("start_date", "is needed once the initiative runs"));
    }
    if status == InitiativeStatus::Completed && end.is_none() {
        problems.push(("end_date", "is needed for a completed initiative"));
    }
    problems
}

/// Words that introduce a person rather than a role ("Herr Müller", "Dr. Schmidt").
const PERSON_MARKERS: &[&str] = &[
    "herr", "herrn", "frau", "dr", "dr.", "prof", "prof.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.",
];

/// What is wrong with a contact role, if anything. The contact is a function or unit
/// ("Stabsstelle Digitalisierung", "Fachbereich 3, Wirtschaftsförderung"), never a person:
/// published initiatives must not carry personal data. Names cannot be recognised reliably;
/// this refuses what plainly reaches a person: salutations and titles, e-mail addresses and
/// telephone numbers. The API documentation says the rest.
pub fn contact_role_problem(role: &str) -> Option<&'static str> {
    if role.contains('@') {
        return Some("must be a role or unit, not an e-mail address");
    }
    let digits = role.chars().filter(char::is_ascii_digit).count();
    if digits >= 5 {
        return Some("must be a role or unit, not a telephone number");
    }
    let has_marker = role
        .split(|c: char| c.is_whitespace() || c == ',')
        .any(|word| PERSON_MARKERS.contains(&word.to_lowercase().as_str()));
    if has_marker {
        return Some("must be a role or unit (e.g. Stabsstelle Digitalisierung), not a person");
    }
    None
}

/// The lowest score a stored pair of similar initiatives has (`initiative_overlaps`); the
/// configured threshold may not be lower.
pub const PAIR_FLOOR: f64 = 0.2;

#[cfg(test)]
mod tests {
    use super::*;
    use InitiativeStatus::*;

    fn d(text: &str) -> Option<NaiveDate> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn transitions_follow_the_lifecycle() {
        assert!(Idea.may_become(Planned));
        assert!(Idea.may_become(Running));
        assert!(Planned.may_become(Idea));
        assert!(Running.may_become(Completed));
        assert!(Stopped.may_become(Planned));
        assert!(Running.may_become(Running));
        assert!(!Idea.may_become(Completed));
        assert!(!Running.may_become(Idea));
        assert!(!Stopped.may_become(Running));
        for next in InitiativeStatus::ALL {
            assert_eq!(Completed.may_become(next), next == Completed);
        }
    }

    #[test]
    fn every_state_reads_back_from_its_name() {
        for status in InitiativeStatus::ALL {
            assert_eq!(InitiativeStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(InitiativeStatus::parse("approved"), None);
        assert_eq!(Visibility::parse("members"), Some(Visibility::Members));
        assert_eq!(Visibility::parse("secret"), None);
    }

    #[test]
    fn dates_fit_the_status() {
        assert!(date_problems(Idea, None, None).is_empty());
        assert_eq!(
            date_problems(Running, None, None),
            [("start_date", "is needed once the initiative runs")]
        );
        assert_eq!(
            date_problems(Completed, d("2026-01-01"), None),
            [("end_date", "is needed for a completed initiative")]
        );
        assert_eq!(
            date_problems(Planned, d("2026-02-01"), d("2026-01-01")),
            [("end_date", "must not be before start_date")]
        );
        assert!(date_problems(Completed, d("2026-01-01"), d("2026-01-01")).is_empty());
    }

    #[test]
    fn a_contact_is_a_role_never_a_person() {
        assert_eq!(contact_role_problem("Stabsstelle Digitalisierung"), None);
        assert_eq!(
            contact_role_problem("Fachbereich 3, Wirtschaftsförderung"),
            None
        );
        assert_eq!(contact_role_problem("Frauenbeauftragte"), None);
        assert!(contact_role_problem("Herr Müller").is_some());
        assert!(contact_role_problem("Dr. Schmidt, IT").is_some());
        assert!(contact_role_problem("FRAU Meier").is_some());
        assert!(contact_role_problem("it@ahlen.de").is_some());
        assert!(contact_role_problem("02382 59-0").is_some());
    }
}
