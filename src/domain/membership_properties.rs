//! The allocation rule with membership over time, on random members, periods, keys and costs:
//! a year's own share is split among that year's members only, exactly.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::{Memberships, Period};
use crate::domain::allocation::{FULL_BP, KeyRule, Payer};
use crate::domain::cost_plan::{CostItem, Recurrence};
use crate::domain::cost_sharing::{KeyDefinition, Outcome, PlanInput, Scenario, allocate_project};

const FIRST: i32 = 2024;
const LAST: i32 = 2031;

fn first_of(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 3, 1).expect("a date")
}

/// A period from a join year (none: founding member) and a number of years it lasted (none:
/// still a member).
fn period() -> impl Strategy<Value = Period> {
    (
        prop::option::of(FIRST - 1..=LAST + 1),
        prop::option::of(0i32..5),
    )
        .prop_map(|(joined, years)| Period {
            joined_on: joined.map(first_of),
            left_on: years.map(|n| first_of(joined.unwrap_or(FIRST - 2) + n)),
        })
}

#[derive(Debug, Clone)]
struct Case {
    payers: Vec<Payer>,
    memberships: Memberships,
    rule: KeyRule,
    items: Vec<CostItem>,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..6).prop_flat_map(|n| {
        (
            prop::collection::vec((1u64..1_000_000, prop::collection::vec(period(), 1..3)), n),
            0u8..4,
            prop::collection::vec(1u64..1_000, n),
            prop::collection::vec((FIRST..=LAST, 0i64..10_000_000_000), 1..4),
        )
            .prop_map(move |(orgs, rule, weights, costs)| {
                let keys: Vec<String> = (0..n).map(|i| format!("99001{i:03}")).collect();
                let payers = keys
                    .iter()
                    .zip(&orgs)
                    .map(|(key, (population, _))| Payer {
                        org_key: key.clone(),
                        population: Some(*population),
                        is_district: false,
                    })
                    .collect();
                let memberships = Memberships(
                    keys.iter()
                        .zip(&orgs)
                        .map(|(key, (_, periods))| (key.clone(), periods.clone()))
                        .collect(),
                );
                let rule = match rule {
                    0 => KeyRule::Equal,
                    1 => KeyRule::Population,
                    2 => {
                        // Equal percentages, the first payer takes the rounding rest.
                        let each = FULL_BP / n as u32;
                        let mut bp: BTreeMap<String, u32> =
                            keys.iter().map(|k| (k.clone(), each)).collect();
                        *bp.get_mut(&keys[0]).expect("a first payer") += FULL_BP - each * n as u32;
                        KeyRule::FixedPercentages(bp)
                    }
                    _ => KeyRule::CustomWeights(keys.iter().cloned().zip(weights).collect()),
                };
                let items = costs
                    .into_iter()
                    .map(|(first, amount)| CostItem {
                        recurrence: Recurrence::Recurring { first, last: LAST },
                        amount_cents: amount,
                        eligible: false,
                    })
                    .collect();
                Case {
                    payers,
                    memberships,
                    rule,
                    items,
                }
            })
    })
}

proptest! {
    #[test]
    fn only_the_members_of_a_year_share_it_and_exactly(case in case()) {
        let key = KeyDefinition {
            rule: case.rule.clone(),
            population_date: None,
            district_share_bp: None,
            caps_cents: BTreeMap::new(),
        };
        let input = PlanInput {
            items: &case.items,
            applications: &[],
            key: Some(&key),
            payers: &case.payers,
            memberships: Some(&case.memberships),
        };
        let allocation = allocate_project(input, Scenario::Committed, FIRST..=LAST);
        prop_assert_eq!(&allocation.outcome, &Outcome::Complete);
        for year in &allocation.years {
            let members: Vec<&str> = case
                .payers
                .iter()
                .map(|p| p.org_key.as_str())
                .filter(|org| case.memberships.member_in_year(org, year.figures.year))
                .collect();
            let sharing: Vec<&str> = year.shares_cents.keys().map(String::as_str).collect();
            prop_assert_eq!(&sharing, &members, "year {}", year.figures.year);
            let sum: i64 = year.shares_cents.values().sum();
            prop_assert_eq!(sum + year.unallocated_cents, year.figures.own_share_cents);
            if !members.is_empty() {
                prop_assert_eq!(year.unallocated_cents, 0);
            }
        }
    }

    #[test]
    fn members_of_every_year_pay_as_without_periods(case in case()) {
        let always = Memberships(
            case.payers
                .iter()
                .map(|p| (p.org_key.clone(), vec![Period { joined_on: None, left_on: None }]))
                .collect(),
        );
        let key = KeyDefinition {
            rule: case.rule.clone(),
            population_date: None,
            district_share_bp: None,
            caps_cents: BTreeMap::new(),
        };
        let input = PlanInput {
            items: &case.items,
            applications: &[],
            key: Some(&key),
            payers: &case.payers,
            memberships: Some(&always),
        };
        let with = allocate_project(input, Scenario::Committed, FIRST..=LAST);
        let without = allocate_project(
            PlanInput { memberships: None, ..input },
            Scenario::Committed,
            FIRST..=LAST,
        );
        prop_assert_eq!(with, without);
    }
}
