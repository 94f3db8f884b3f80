//! The participation (opt-in) rules: the states, the documented transition table, who may make
//! which move, and what a council resolution requires. Pure: the HTTP layer asks, this answers.
//!
//! | from                       | allowed next states                                         |
//! |----------------------------|-------------------------------------------------------------|
//! | (no participation yet)     | `interested`, `intends_to_join`, `declined`                 |
//! | `interested`               | `intends_to_join`, `declined`                               |
//! | `intends_to_join`          | `interested`, `council_decision_pending`, `committed`, `declined` |
//! | `council_decision_pending` | `intends_to_join`, `committed`, `declined`                  |
//! | `committed`                | `withdrawn`                                                 |
//! | `withdrawn`                | `interested` (rejoining starts again at the beginning)      |
//! | `declined`                 | `interested`                                                |
//!
//! Staying in the same state is no transition: it updates the other fields only.
//! `declined` is deciding not to take part (before committing); `withdrawn` is leaving after
//! having committed, and needs an effective date and a reason.

#[cfg(test)]
mod tests;

use std::fmt;

/// Where a participation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParticipationState {
    Interested,
    IntendsToJoin,
    CouncilDecisionPending,
    Committed,
    Withdrawn,
    Declined,
}

use ParticipationState::*;

impl ParticipationState {
    pub const ALL: [ParticipationState; 6] = [
        Interested,
        IntendsToJoin,
        CouncilDecisionPending,
        Committed,
        Withdrawn,
        Declined,
    ];

    /// The states a new participation may start in.
    pub const INITIAL: [ParticipationState; 3] = [Interested, IntendsToJoin, Declined];

    /// The states in which an organization counts as taking part (or about to) in a project.
    pub const ACTIVE: [ParticipationState; 4] =
        [Interested, IntendsToJoin, CouncilDecisionPending, Committed];

    pub fn as_str(self) -> &'static str {
        match self {
            Interested => "interested",
            IntendsToJoin => "intends_to_join",
            CouncilDecisionPending => "council_decision_pending",
            Committed => "committed",
            Withdrawn => "withdrawn",
            Declined => "declined",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The German label used in exports for the steering committee.
    pub fn label_de(self) -> &'static str {
        match self {
            Interested => "Interesse",
            IntendsToJoin => "Beitritt beabsichtigt",
            CouncilDecisionPending => "Ratsbeschluss ausstehend",
            Committed => "Verbindlich beteiligt",
            Withdrawn => "Ausgetreten",
            Declined => "Abgelehnt",
        }
    }

    /// The documented transition table (see the module documentation).
    pub fn allowed_next(self) -> &'static [ParticipationState] {
        match self {
            Interested => &[IntendsToJoin, Declined],
            IntendsToJoin => &[Interested, CouncilDecisionPending, Committed, Declined],
            CouncilDecisionPending => &[IntendsToJoin, Committed, Declined],
            Committed => &[Withdrawn],
            Withdrawn => &[Interested],
            Declined => &[Interested],
        }
    }
}

impl fmt::Display for ParticipationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The states reachable from `from` (`None`: no participation yet).
pub fn allowed_from(from: Option<ParticipationState>) -> &'static [ParticipationState] {
    match from {
        None => &ParticipationState::INITIAL,
        Some(state) => state.allowed_next(),
    }
}

/// A move the transition table does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTransition {
    pub from: Option<ParticipationState>,
    pub to: ParticipationState,
    pub allowed: &'static [ParticipationState],
}

impl fmt::Display for InvalidTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.from {
            Some(from) => write!(f, "a participation cannot move from {from} to {}", self.to),
            None => write!(f, "a new participation cannot start as {}", self.to),
        }
    }
}

/// Checks a move against the table; staying in the same state is always fine.
pub fn check_transition(
    from: Option<ParticipationState>,
    to: ParticipationState,
) -> Result<(), InvalidTransition> {
    let allowed = allowed_from(from);
    if from == Some(to) || allowed.contains(&to) {
        Ok(())
    } else {
        Err(InvalidTransition { from, to, allowed })
    }
}

/// What a caller may do with one organization's participations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// The organization's editor: only between `interested` and `intends_to_join`.
    Editor,
    /// The organization's admin, or the steering office on its behalf: every state.
    Admin,
}

/// The states an editor may work in.
const EDITOR_STATES: [ParticipationState; 2] = [Interested, IntendsToJoin];

/// Whether `authority` may change a participation from `from` to `to` (or edit it in place).
/// An editor may neither touch a participation outside the editor states nor move it out.
pub fn may_change(
    authority: Authority,
    from: Option<ParticipationState>,
    to: ParticipationState,
) -> bool {
    match authority {
        Authority::Admin => true,
        Authority::Editor => {
            from.is_none_or(|f| EDITOR_STATES.contains(&f)) && EDITOR_STATES.contains(&to)
        }
    }
}

/// What a council decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolutionOutcome {
    Approved,
    ApprovedWithChanges,
    Rejected,
}

impl ResolutionOutcome {
    pub const ALL: [ResolutionOutcome; 3] =
        [Self::Approved, Self::ApprovedWithChanges, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::ApprovedWithChanges => "approved_with_changes",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }

    pub fn approves(self) -> bool {
        !matches!(self, Self::Rejected)
    }

    /// The state a participation is in after a resolution with this outcome.
    pub fn resulting_state(self) -> ParticipationState {
        if self.approves() { Committed } else { Declined }
    }
}

/// Why a change breaks the council-resolution rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolutionRule {
    /// Committing needs an approving resolution in the same request.
    Missing,
    /// A resolution decides the state: approving ones commit, rejecting ones decline.
    StateMustFollowOutcome {
        outcome: ResolutionOutcome,
        required_state: ParticipationState,
    },
}

impl fmt::Display for ResolutionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolutionRule::Missing => f.write_str(
                "committing needs the council resolution that approved it, because this \
                 participation requires one",
            ),
            ResolutionRule::StateMustFollowOutcome {
                outcome,
                required_state,
            } => write!(
                f,
                "a council resolution with outcome {} moves the participation to {}",
                outcome.as_str(),
                required_state
            ),
        }
    }
}

/// Checks the council-resolution rules for a change from `from` to `to` that records
/// `resolution` (if any), when the participation `required` a resolution to commit.
pub fn check_resolution(
    from: Option<ParticipationState>,
    to: ParticipationState,
    required: bool,
    resolution: Option<ResolutionOutcome>,
) -> Result<(), ResolutionRule> {
    if let Some(outcome) = resolution {
        let required_state = outcome.resulting_state();
        if to != required_state {
            return Err(ResolutionRule::StateMustFollowOutcome {
                outcome,
                required_state,
            });
        }
        return Ok(());
    }
    if to == Committed && from != Some(Committed) && required {
        return Err(ResolutionRule::Missing);
    }
    Ok(())
}

/// The default of `council_resolution_required` for an organization kind: the district and
/// the municipalities decide in their councils, an agency does not.
pub fn council_resolution_required_by_default(organization_kind: &str) -> bool {
    matches!(organization_kind, "kreis" | "stadt" | "gemeinde")
}
