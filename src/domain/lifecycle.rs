//! The project lifecycle: which status may follow which.
//!
//! ```text
//! idea -> planned -> approved -> in_implementation -> completed
//!            \           |            /
//!             +------ on_hold -------+      (and back to the state it was held in)
//! discarded: from every state but completed (completed and discarded are final)
//! ```

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a project stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Collected, not yet worked out.
    Idea,
    /// Worked out, waiting for approval and participants.
    Planned,
    /// Approved by the bodies taking part.
    Approved,
    /// Being implemented.
    InImplementation,
    /// Finished (final).
    Completed,
    /// Paused; resumes to the state it was paused in.
    OnHold,
    /// Dropped (final).
    Discarded,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 7] = [
        ProjectStatus::Idea,
        ProjectStatus::Planned,
        ProjectStatus::Approved,
        ProjectStatus::InImplementation,
        ProjectStatus::Completed,
        ProjectStatus::OnHold,
        ProjectStatus::Discarded,
    ];

    /// The states a project may be put on hold from, and resumed to.
    pub const HOLDABLE: [ProjectStatus; 3] = [
        ProjectStatus::Planned,
        ProjectStatus::Approved,
        ProjectStatus::InImplementation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Idea => "idea",
            ProjectStatus::Planned => "planned",
            ProjectStatus::Approved => "approved",
            ProjectStatus::InImplementation => "in_implementation",
            ProjectStatus::Completed => "completed",
            ProjectStatus::OnHold => "on_hold",
            ProjectStatus::Discarded => "discarded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The states that may follow this one, in lifecycle order. `held_from` is the state a
    /// project on hold was paused in (from its status history); when it is unknown, a project
    /// on hold may resume to any state it could have been paused in.
    pub fn allowed_next(self, held_from: Option<ProjectStatus>) -> Vec<ProjectStatus> {
        use ProjectStatus::*;
        match self {
            Idea => vec![Planned, Discarded],
            Planned => vec![Approved, OnHold, Discarded],
            Approved => vec![InImplementation, OnHold, Discarded],
            InImplementation => vec![Completed, OnHold, Discarded],
            OnHold => {
                let mut next: Vec<ProjectStatus> = match held_from {
                    Some(origin) if Self::HOLDABLE.contains(&origin) => vec![origin],
                    _ => Self::HOLDABLE.to_vec(),
                };
                next.push(Discarded);
                next
            }
            Completed | Discarded => Vec::new(),
        }
    }

    /// Checks a transition; refused ones carry the states that would have been allowed.
    pub fn transition(
        self,
        to: ProjectStatus,
        held_from: Option<ProjectStatus>,
    ) -> Result<ProjectStatus, TransitionRefused> {
        let allowed = self.allowed_next(held_from);
        if allowed.contains(&to) {
            Ok(to)
        } else {
            Err(TransitionRefused {
                from: self,
                to,
                allowed,
            })
        }
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRefused {
    pub from: ProjectStatus,
    pub to: ProjectStatus,
    pub allowed: Vec<ProjectStatus>,
}

impl std::fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let allowed: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
        write!(
            f,
            "a project cannot move from {} to {}; allowed next: {}",
            self.from.as_str(),
            self.to.as_str(),
            if allowed.is_empty() {
                "none (final state)".to_owned()
            } else {
                allowed.join(", ")
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ProjectStatus::*;
    use super::*;

    /// The issue's table, written out independently of `allowed_next`: (from, to) pairs that
    /// are allowed for a project that is not on hold.
    const ALLOWED: &[(ProjectStatus, ProjectStatus)] = &[
        (Idea, Planned),
        (Idea, Discarded),
        (Planned, Approved),
        (Planned, OnHold),
        (Planned, Discarded),
        (Approved, InImplementation),
        (Approved, OnHold),
        (Approved, Discarded),
        (InImplementation, Completed),
        (InImplementation, OnHold),
        (InImplementation, Discarded),
    ];

    #[test]
    fn every_pair_of_states_outside_on_hold() {
        let mut checked = 0;
        for from in ProjectStatus::ALL.into_iter().filter(|s| *s != OnHold) {
            for to in ProjectStatus::ALL {
                let expected = ALLOWED.contains(&(from, to));
                let result = from.transition(to, None);
                assert_eq!(result.is_ok(), expected, "{from:?} -> {to:?}");
                if let Err(refused) = result {
                    assert_eq!(refused.allowed, from.allowed_next(None));
                    assert!(!refused.allowed.contains(&to));
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 6 * 7);
    }

    #[test]
    fn every_pair_from_on_hold_for_every_origin() {
        for origin in ProjectStatus::HOLDABLE {
            for to in ProjectStatus::ALL {
                let expected = to == origin || to == Discarded;
                assert_eq!(
                    OnHold.transition(to, Some(origin)).is_ok(),
                    expected,
                    "on_hold (from {origin:?}) -> {to:?}"
                );
            }
        }
        // Without a known origin, any holdable state may be resumed.
        for to in ProjectStatus::ALL {
            let expected = ProjectStatus::HOLDABLE.contains(&to) || to == Discarded;
            assert_eq!(OnHold.transition(to, None).is_ok(), expected, "{to:?}");
        }
    }

    #[test]
    fn final_states_and_self_transitions() {
        for s in [Completed, Discarded] {
            assert!(s.allowed_next(None).is_empty());
        }
        for s in ProjectStatus::ALL {
            assert!(s.transition(s, Some(Planned)).is_err(), "{s:?} -> itself");
        }
        for s in ProjectStatus::ALL.into_iter().filter(|s| *s != Completed) {
            if s != Discarded {
                assert!(s.transition(Discarded, None).is_ok(), "{s:?} -> discarded");
            }
        }
        assert!(Completed.transition(Discarded, None).is_err());
    }

    #[test]
    fn names_round_trip_and_refusals_explain_themselves() {
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        assert_eq!(ProjectStatus::parse("done"), None);
        let refused = Idea.transition(Completed, None).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "a project cannot move from idea to completed; allowed next: planned, discarded"
        );
    }
}
