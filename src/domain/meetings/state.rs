//! The meeting lifecycle: `planned → invited → held → minutes_approved`, and `cancelled`
//! (with a reason) from `planned` or `invited`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a meeting stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    /// Scheduled; the agenda is being prepared.
    Planned,
    /// The invitation with the agenda has gone out.
    Invited,
    /// The meeting took place; results and minutes are recorded.
    Held,
    /// The minutes were approved: minutes, results and attendance are frozen.
    MinutesApproved,
    /// Called off (with a reason).
    Cancelled,
}

impl MeetingState {
    pub const ALL: [MeetingState; 5] = [
        MeetingState::Planned,
        MeetingState::Invited,
        MeetingState::Held,
        MeetingState::MinutesApproved,
        MeetingState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Planned => "planned",
            MeetingState::Invited => "invited",
            MeetingState::Held => "held",
            MeetingState::MinutesApproved => "minutes_approved",
            MeetingState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The German name, for printed agendas and minutes.
    pub fn label_de(self) -> &'static str {
        match self {
            MeetingState::Planned => "geplant",
            MeetingState::Invited => "eingeladen",
            MeetingState::Held => "durchgeführt",
            MeetingState::MinutesApproved => "Niederschrift genehmigt",
            MeetingState::Cancelled => "abgesagt",
        }
    }

    /// The states a meeting may move to from this one.
    pub fn allowed_next(self) -> &'static [MeetingState] {
        use MeetingState::*;
        match self {
            Planned => &[Invited, Cancelled],
            Invited => &[Held, Cancelled],
            Held => &[MinutesApproved],
            MinutesApproved | Cancelled => &[],
        }
    }

    /// Checks a transition; a cancellation needs a reason.
    pub fn transition(
        self,
        to: MeetingState,
        reason: Option<&str>,
    ) -> Result<MeetingState, StateError> {
        if !self.allowed_next().contains(&to) {
            return Err(StateError::InvalidTransition { from: self, to });
        }
        if to == MeetingState::Cancelled && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(StateError::ReasonRequired);
        }
        Ok(to)
    }

    /// Whether `part` of a meeting in this state may still change.
    pub fn may_change(self, part: MeetingPart) -> Result<(), StateError> {
        use MeetingPart::*;
        use MeetingState::*;
        let allowed = match (self, part) {
            // A cancelled meeting and one with approved minutes are a closed record.
            (Cancelled | MinutesApproved, _) => false,
            (Planned | Invited | Held, Details | Agenda | Attendance) => true,
            // Results and minutes describe what happened: only once the meeting is held.
            (Held, Results | Minutes) => true,
            (Planned | Invited, Results | Minutes) => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(StateError::Frozen { state: self, part })
        }
    }
}

/// What of a meeting a write changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingPart {
    /// Title, time, place, visibility.
    Details,
    /// Agenda items: adding, editing, removing, reordering (results aside).
    Agenda,
    Attendance,
    /// Results, resolution texts and votes of agenda items.
    Results,
    Minutes,
}

impl MeetingPart {
    fn label(self) -> &'static str {
        match self {
            MeetingPart::Details => "the meeting's details",
            MeetingPart::Agenda => "the agenda",
            MeetingPart::Attendance => "the attendance",
            MeetingPart::Results => "results",
            MeetingPart::Minutes => "the minutes",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    InvalidTransition {
        from: MeetingState,
        to: MeetingState,
    },
    ReasonRequired,
    Frozen {
        state: MeetingState,
        part: MeetingPart,
    },
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::InvalidTransition { from, to } => write!(
                f,
                "a meeting cannot move from {} to {}",
                from.as_str(),
                to.as_str()
            ),
            StateError::ReasonRequired => f.write_str("a cancellation needs a reason"),
            StateError::Frozen { state, part } => match (state, part) {
                (MeetingState::MinutesApproved, _) => write!(
                    f,
                    "the minutes are approved: {} can no longer change",
                    part.label()
                ),
                (MeetingState::Cancelled, _) => write!(
                    f,
                    "the meeting is cancelled: {} can no longer change",
                    part.label()
                ),
                _ => write!(
                    f,
                    "{} can be recorded only once the meeting is held (it is {})",
                    part.label(),
                    state.as_str()
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MeetingState::*;
    use super::*;

    #[test]
    fn every_transition_is_decided() {
        let allowed = [
            (Planned, Invited),
            (Planned, Cancelled),
            (Invited, Held),
            (Invited, Cancelled),
            (Held, MinutesApproved),
        ];
        for from in MeetingState::ALL {
            for to in MeetingState::ALL {
                let result = from.transition(to, Some("Terminkollision"));
                if allowed.contains(&(from, to)) {
                    assert_eq!(result, Ok(to), "{from:?} -> {to:?}");
                } else {
                    assert_eq!(
                        result,
                        Err(StateError::InvalidTransition { from, to }),
                        "{from:?} -> {to:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn allowed_next_matches_transition() {
        for from in MeetingState::ALL {
            let next: Vec<_> = MeetingState::ALL
                .into_iter()
                .filter(|to| from.transition(*to, Some("x")).is_ok())
                .collect();
            assert_eq!(next, from.allowed_next(), "{from:?}");
        }
    }

    #[test]
    fn cancelling_needs_a_reason() {
        for from in [Planned, Invited] {
            assert_eq!(
                from.transition(Cancelled, None),
                Err(StateError::ReasonRequired)
            );
            assert_eq!(
                from.transition(Cancelled, Some("  ")),
                Err(StateError::ReasonRequired)
            );
            assert_eq!(from.transition(Cancelled, Some("Krankheit")), Ok(Cancelled));
        }
    }

    #[test]
    fn what_may_change_in_each_state() {
        use MeetingPart::*;
        let parts = [Details, Agenda, Attendance, Results, Minutes];
        let expected = |state: MeetingState, part: MeetingPart| match state {
            Planned | Invited => matches!(part, Details | Agenda | Attendance),
            Held => true,
            MinutesApproved | Cancelled => false,
        };
        for state in MeetingState::ALL {
            for part in parts {
                assert_eq!(
                    state.may_change(part).is_ok(),
                    expected(state, part),
                    "{state:?} {part:?}"
                );
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for state in MeetingState::ALL {
            assert_eq!(MeetingState::parse(state.as_str()), Some(state));
        }
        assert_eq!(MeetingState::parse("done"), None);
    }
}
