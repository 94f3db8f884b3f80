//! The closed vocabularies of the committee's records, with their German labels for exports.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal / $de:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            /// The German label used in CSV, HTML and calendar exports.
            pub fn label_de(self) -> &'static str {
                match self {
                    $($name::$variant => $de,)+
                }
            }
        }
    };
}

vocabulary! {
    /// The outcome of an agenda item.
    AgendaResult {
        /// Adopted as proposed.
        Adopted = "adopted" / "beschlossen",
        /// Adopted with changes.
        AdoptedWithChanges = "adopted_with_changes" / "mit Änderungen beschlossen",
        Rejected = "rejected" / "abgelehnt",
        /// Taken note of (no resolution).
        Noted = "noted" / "zur Kenntnis genommen",
        /// Moved to a later meeting.
        Deferred = "deferred" / "vertagt",
        /// Withdrawn by the presenter.
        Withdrawn = "withdrawn" / "zurückgezogen",
    }
}

vocabulary! {
    /// How an organization attended a meeting.
    AttendanceStatus {
        Present = "present" / "anwesend",
        Excused = "excused" / "entschuldigt",
        Absent = "absent" / "abwesend",
        /// Represented by a deputy.
        Substitute = "substitute" / "vertreten",
    }
}

vocabulary! {
    /// The progress of an action item.
    ActionItemStatus {
        Open = "open" / "offen",
        InProgress = "in_progress" / "in Bearbeitung",
        Done = "done" / "erledigt",
        Dropped = "dropped" / "entfallen",
    }
}

vocabulary! {
    /// A delegate's role in the committee.
    CommitteeRole {
        Chair = "chair" / "Vorsitz",
        DeputyChair = "deputy_chair" / "stellvertretender Vorsitz",
        Secretary = "secretary" / "Schriftführung",
        Member = "member" / "Mitglied",
        Deputy = "deputy" / "Stellvertretung",
    }
}

impl ActionItemStatus {
    /// Whether an item with this status still waits for work.
    pub fn is_pending(self) -> bool {
        matches!(self, ActionItemStatus::Open | ActionItemStatus::InProgress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for v in AgendaResult::ALL {
            assert_eq!(AgendaResult::parse(v.as_str()), Some(*v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        for v in AttendanceStatus::ALL {
            assert_eq!(AttendanceStatus::parse(v.as_str()), Some(*v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        for v in ActionItemStatus::ALL {
            assert_eq!(ActionItemStatus::parse(v.as_str()), Some(*v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        for v in CommitteeRole::ALL {
            assert_eq!(CommitteeRole::parse(v.as_str()), Some(*v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        assert_eq!(AgendaResult::parse("accepted"), None);
    }

    #[test]
    fn pending_action_items() {
        assert!(ActionItemStatus::Open.is_pending());
        assert!(ActionItemStatus::InProgress.is_pending());
        assert!(!ActionItemStatus::Done.is_pending());
        assert!(!ActionItemStatus::Dropped.is_pending());
    }
}
