use super::*;

/// The documented table, written out again independently of `allowed_next`, as the
/// (from, to) pairs that are transitions; `""` is "no participation yet".
const TABLE: &[(&str, &str)] = &[
    ("", "interested"),
    ("", "intends_to_join"),
    ("", "declined"),
    ("interested", "intends_to_join"),
    ("interested", "declined"),
    ("intends_to_join", "interested"),
    ("intends_to_join", "council_decision_pending"),
    ("intends_to_join", "committed"),
    ("intends_to_join", "declined"),
    ("council_decision_pending", "intends_to_join"),
    ("council_decision_pending", "committed"),
    ("council_decision_pending", "declined"),
    ("committed", "withdrawn"),
    ("withdrawn", "interested"),
    ("declined", "interested"),
];

fn froms() -> Vec<Option<ParticipationState>> {
    std::iter::once(None)
        .chain(ParticipationState::ALL.into_iter().map(Some))
        .collect()
}

fn name(state: Option<ParticipationState>) -> &'static str {
    state.map_or("", ParticipationState::as_str)
}

#[test]
fn every_pair_follows_the_documented_table() {
    let mut checked = 0;
    for from in froms() {
        for to in ParticipationState::ALL {
            let listed = TABLE.contains(&(name(from), to.as_str()));
            let same = from == Some(to);
            let result = check_transition(from, to);
            assert_eq!(result.is_ok(), listed || same, "{} -> {to}", name(from));
            if let Err(error) = result {
                let expected: Vec<&str> = TABLE
                    .iter()
                    .filter(|(f, _)| *f == name(from))
                    .map(|(_, t)| *t)
                    .collect();
                let allowed: Vec<&str> = error.allowed.iter().map(|s| s.as_str()).collect();
                assert_eq!(allowed, expected, "allowed after {}", name(from));
                assert_eq!(error.from, from);
                assert_eq!(error.to, to);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 7 * 6);
}

#[test]
fn no_state_lists_itself_and_rejoining_starts_at_interested() {
    for state in ParticipationState::ALL {
        assert!(!state.allowed_next().contains(&state), "{state}");
    }
    assert_eq!(Withdrawn.allowed_next(), &[Interested]);
    assert_eq!(Declined.allowed_next(), &[Interested]);
}

#[test]
fn states_round_trip_through_their_names() {
    for state in ParticipationState::ALL {
        assert_eq!(ParticipationState::parse(state.as_str()), Some(state));
        assert!(!state.label_de().is_empty());
    }
    assert_eq!(ParticipationState::parse("joined"), None);
    for outcome in ResolutionOutcome::ALL {
        assert_eq!(ResolutionOutcome::parse(outcome.as_str()), Some(outcome));
    }
}

#[test]
fn an_admin_may_make_every_move_an_editor_only_between_interest_and_intent() {
    let editor_states = ["interested", "intends_to_join"];
    for from in froms() {
        for to in ParticipationState::ALL {
            assert!(may_change(Authority::Admin, from, to));
            let editor_may = (from.is_none() || editor_states.contains(&name(from)))
                && editor_states.contains(&to.as_str());
            assert_eq!(
                may_change(Authority::Editor, from, to),
                editor_may,
                "editor {} -> {to}",
                name(from)
            );
        }
    }
}

#[test]
fn committing_needs_an_approving_resolution_when_one_is_required() {
    for from in [Some(IntendsToJoin), Some(CouncilDecisionPending)] {
        assert_eq!(
            check_resolution(from, Committed, true, None),
            Err(ResolutionRule::Missing)
        );
        assert_eq!(check_resolution(from, Committed, false, None), Ok(()));
        for outcome in [
            ResolutionOutcome::Approved,
            ResolutionOutcome::ApprovedWithChanges,
        ] {
            assert_eq!(
                check_resolution(from, Committed, true, Some(outcome)),
                Ok(())
            );
            assert_eq!(
                check_resolution(from, Committed, false, Some(outcome)),
                Ok(())
            );
        }
    }
    // Editing a committed participation in place is no new commitment.
    assert_eq!(
        check_resolution(Some(Committed), Committed, true, None),
        Ok(())
    );
}

#[test]
fn a_rejected_resolution_moves_to_declined_and_nowhere_else() {
    for from in froms() {
        for to in ParticipationState::ALL {
            for required in [true, false] {
                let result =
                    check_resolution(from, to, required, Some(ResolutionOutcome::Rejected));
                if to == Declined {
                    assert_eq!(result, Ok(()));
                } else {
                    assert_eq!(
                        result,
                        Err(ResolutionRule::StateMustFollowOutcome {
                            outcome: ResolutionOutcome::Rejected,
                            required_state: Declined,
                        })
                    );
                }
            }
        }
    }
}

#[test]
fn an_approving_resolution_only_goes_with_committed() {
    for to in ParticipationState::ALL {
        let result = check_resolution(
            Some(CouncilDecisionPending),
            to,
            true,
            Some(ResolutionOutcome::Approved),
        );
        assert_eq!(result.is_ok(), to == Committed, "{to}");
    }
}

#[test]
fn states_other_than_committed_need_no_resolution() {
    for from in froms() {
        for to in ParticipationState::ALL
            .into_iter()
            .filter(|s| *s != Committed)
        {
            assert_eq!(check_resolution(from, to, true, None), Ok(()));
        }
    }
}

#[test]
fn municipalities_and_the_district_need_council_resolutions_by_default() {
    for kind in ["kreis", "stadt", "gemeinde"] {
        assert!(council_resolution_required_by_default(kind));
    }
    assert!(!council_resolution_required_by_default("agency"));
}
