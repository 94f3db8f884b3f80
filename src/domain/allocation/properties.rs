//! Properties of the allocation that must hold for every valid input, checked on random keys,
//! payers, district shares and caps.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use super::{Allocation, CostKey, FULL_BP, KeyRule, Payer, allocate};
use proptest::prelude::*;

const MAX_OWN_SHARE: i64 = 1_000_000_000_000;
const DISTRICT: &str = "05570";

/// A valid allocation problem.
#[derive(Debug, Clone)]
struct Scenario {
    own_share_cents: i64,
    key: CostKey,
    payers: Vec<Payer>,
}

/// Which key rule to generate; the parameters come from separate draws.
#[derive(Debug, Clone, Copy)]
enum RuleKind {
    Equal,
    Population,
    FixedPercentages,
    Mixed,
    CustomWeights,
}

/// `n` positive basis points summing to 10 000: the gaps between `n - 1` distinct cut points.
fn percentages(n: usize) -> impl Strategy<Value = Vec<u32>> {
    prop::collection::btree_set(1..FULL_BP, n - 1).prop_map(|cuts| {
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(FULL_BP);
        bounds.windows(2).map(|w| w[1] - w[0]).collect()
    })
}

/// Scenarios with `payer_count` payers besides the district (which joins when the key has a
/// district share). With `with_caps`, about half the payers get a cap between 0 and twice an
/// equal share, so that caps bind often and sometimes everyone is capped.
fn scenario(
    payer_count: RangeInclusive<usize>,
    with_caps: bool,
) -> impl Strategy<Value = Scenario> {
    let kind = prop_oneof![
        Just(RuleKind::Equal),
        Just(RuleKind::Population),
        Just(RuleKind::FixedPercentages),
        Just(RuleKind::Mixed),
        Just(RuleKind::CustomWeights),
    ];
    (
        0..=MAX_OWN_SHARE,
        // Random eight-digit keys, so that sorting and tie-breaking see arbitrary orders.
        prop::collection::btree_set(0u32..100_000_000, payer_count),
        kind,
        prop::option::of(0..=FULL_BP),
        0..=FULL_BP,
    )
        .prop_flat_map(move |(own, orgs, kind, district_share_bp, equal_part_bp)| {
            let n = orgs.len();
            (
                Just((own, orgs, kind, district_share_bp, equal_part_bp)),
                prop::collection::vec(1u64..=10_000_000, n),
                prop::collection::vec(1u64..=1_000_000_000, n),
                percentages(n),
                // One more than the payers: the last one is the district's.
                prop::collection::vec(prop::option::of(0u32..=2 * FULL_BP), n + 1),
            )
        })
        .prop_map(
            move |(
                (own, orgs, kind, district_share_bp, equal_part_bp),
                pops,
                weights,
                bps,
                caps,
            )| {
                let orgs: Vec<String> = orgs.iter().map(|o| format!("{o:08}")).collect();
                let rule = match kind {
                    RuleKind::Equal => KeyRule::Equal,
                    RuleKind::Population => KeyRule::Population,
                    RuleKind::FixedPercentages => KeyRule::FixedPercentages(by_org(&orgs, bps)),
                    RuleKind::Mixed => KeyRule::Mixed { equal_part_bp },
                    RuleKind::CustomWeights => KeyRule::CustomWeights(by_org(&orgs, weights)),
                };
                let mut payers: Vec<Payer> = orgs
                    .iter()
                    .zip(&pops)
                    .map(|(org, &pop)| Payer {
                        org_key: org.clone(),
                        population: Some(pop),
                        is_district: false,
                    })
                    .collect();
                if district_share_bp.is_some() {
                    payers.push(Payer {
                        org_key: DISTRICT.to_owned(),
                        population: None,
                        is_district: true,
                    });
                }
                // Caps relative to an equal share: cap = own · rel / (10000 · payers).
                let equal_unit = i128::from(own) / i128::from(FULL_BP) / payers.len() as i128;
                let caps_cents = payers
                    .iter()
                    .zip(&caps)
                    .filter(|_| with_caps)
                    .filter_map(|(payer, cap)| {
                        let cap = i64::try_from(equal_unit * i128::from((*cap)?)).unwrap();
                        Some((payer.org_key.clone(), cap))
                    })
                    .collect();
                Scenario {
                    own_share_cents: own,
                    key: CostKey {
                        rule,
                        district_share_bp,
                        caps_cents,
                    },
                    payers,
                }
            },
        )
}

fn by_org<V>(orgs: &[String], values: Vec<V>) -> BTreeMap<String, V> {
    orgs.iter().cloned().zip(values).collect()
}

/// A scenario together with the same payers in another order.
fn with_shuffled(
    scenarios: impl Strategy<Value = Scenario>,
) -> impl Strategy<Value = (Scenario, Vec<Payer>)> {
    scenarios.prop_flat_map(|s| {
        let payers = s.payers.clone();
        (Just(s), Just(payers).prop_shuffle())
    })
}

fn run(s: &Scenario) -> Allocation {
    allocate(s.own_share_cents, &s.key, &s.payers)
        .unwrap_or_else(|err| panic!("valid scenario rejected: {err}"))
}

/// The key's weight for a payer of the group, for the proportional keys (not mixed).
fn proportional_weight(key: &KeyRule, payer: &Payer) -> Option<i128> {
    match key {
        KeyRule::Equal => Some(1),
        KeyRule::Population => payer.population.map(i128::from),
        KeyRule::FixedPercentages(bps) => bps.get(&payer.org_key).map(|&bp| i128::from(bp)),
        KeyRule::CustomWeights(weights) => weights.get(&payer.org_key).map(|&w| i128::from(w)),
        KeyRule::Mixed { .. } => None,
    }
}

/// The exact share of every payer without caps, as numerator and denominator, computed straight
/// from the formulas in the domain documentation.
fn exact_without_caps(s: &Scenario) -> BTreeMap<String, (i128, i128)> {
    let own = i128::from(s.own_share_cents);
    let full = i128::from(FULL_BP);
    let group: Vec<&Payer> = s.payers.iter().filter(|p| !p.is_district).collect();
    let mut exact = BTreeMap::new();
    // The amount the key splits, as a fraction over `rest_den`.
    let (rest_num, rest_den) = match s.key.district_share_bp {
        Some(d) => {
            let d = i128::from(d);
            let district_num = if group.is_empty() {
                own * full
            } else {
                own * d
            };
            exact.insert(DISTRICT.to_owned(), (district_num, full));
            (own * (full - d), full)
        }
        None => (own, 1),
    };
    let n = group.len() as i128;
    let pop_sum: i128 = group
        .iter()
        .map(|p| i128::from(p.population.unwrap()))
        .sum();
    for payer in &group {
        let (weight, total) = match &s.key.rule {
            KeyRule::Mixed { equal_part_bp } => {
                let e = i128::from(*equal_part_bp);
                let pop = i128::from(payer.population.unwrap());
                (e * pop_sum + (full - e) * n * pop, full * n * pop_sum)
            }
            rule => {
                let total = group
                    .iter()
                    .map(|p| proportional_weight(rule, p).unwrap())
                    .sum();
                (proportional_weight(rule, payer).unwrap(), total)
            }
        };
        exact.insert(payer.org_key.clone(), (rest_num * weight, rest_den * total));
    }
    exact
}

/// The properties every allocation has, caps or not.
fn check_invariants(s: &Scenario, shuffled: &[Payer]) -> Result<(), TestCaseError> {
    let allocation = run(s);
    let shares = &allocation.shares_cents;

    let orgs: Vec<&String> = shares.keys().collect();
    let mut expected_orgs: Vec<&String> = s.payers.iter().map(|p| &p.org_key).collect();
    expected_orgs.sort();
    prop_assert_eq!(orgs, expected_orgs, "one share per payer");

    prop_assert!(allocation.unallocated_cents >= 0);
    prop_assert_eq!(
        shares.values().sum::<i64>(),
        s.own_share_cents - allocation.unallocated_cents,
        "shares add up to the own share minus the unallocated rest"
    );
    for (org, &share) in shares {
        prop_assert!(share >= 0, "{} pays {}", org, share);
        if let Some(&cap) = s.key.caps_cents.get(org) {
            prop_assert!(share <= cap, "{} pays {} above its cap {}", org, share, cap);
        }
    }
    if allocation.unallocated_cents > 0 {
        for (org, &share) in shares {
            prop_assert_eq!(
                s.key.caps_cents.get(org),
                Some(&share),
                "something is unallocated although {} is not at its cap",
                org
            );
        }
    }

    // Water-filling: the excess went to the uncapped by the key. For a payer i below its cap and
    // any other j of the group, j pays no more per unit of weight than i, up to the rounding of
    // both shares: s_j · w_i < (s_i + 1) · w_j + w_i.
    let group: Vec<&Payer> = s.payers.iter().filter(|p| !p.is_district).collect();
    for i in &group {
        let s_i = i128::from(shares[&i.org_key]);
        let below_cap = s
            .key
            .caps_cents
            .get(&i.org_key)
            .is_none_or(|&c| s_i < c.into());
        let Some(w_i) = proportional_weight(&s.key.rule, i) else {
            break;
        };
        if !below_cap {
            continue;
        }
        for j in &group {
            let s_j = i128::from(shares[&j.org_key]);
            let w_j = proportional_weight(&s.key.rule, j).unwrap();
            prop_assert!(
                s_j * w_i < (s_i + 1) * w_j + w_i,
                "{} pays {} for weight {} but uncapped {} pays {} for weight {}",
                j.org_key,
                s_j,
                w_j,
                i.org_key,
                s_i,
                w_i
            );
        }
    }

    prop_assert_eq!(&run(s), &allocation, "same input, same output");
    let reordered = allocate(s.own_share_cents, &s.key, shuffled).unwrap();
    prop_assert_eq!(&reordered, &allocation, "payer order does not matter");
    Ok(())
}

/// Without caps, every share is its exact value rounded down or up.
fn check_close_to_exact(s: &Scenario) -> Result<(), TestCaseError> {
    let allocation = run(s);
    prop_assert_eq!(allocation.unallocated_cents, 0);
    prop_assert_eq!(
        allocation.shares_cents.values().sum::<i64>(),
        s.own_share_cents
    );
    for (org, (num, den)) in exact_without_caps(s) {
        let share = i128::from(allocation.shares_cents[&org]);
        prop_assert!(
            (share * den - num).abs() < den,
            "{} pays {} but its exact share is {}/{}",
            org,
            share,
            num,
            den
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn allocations_add_up_respect_caps_and_are_deterministic(
        (s, shuffled) in with_shuffled(scenario(1..=14, true))
    ) {
        check_invariants(&s, &shuffled)?;
    }

    #[test]
    fn without_caps_every_share_is_within_a_cent_of_its_exact_value(
        (s, shuffled) in with_shuffled(scenario(1..=14, false))
    ) {
        check_close_to_exact(&s)?;
        check_invariants(&s, &shuffled)?;
    }
}

proptest! {
    // Larger inputs, fewer cases: each allocation with caps may take up to 200 rounds.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn two_hundred_payers_with_caps(
        (s, shuffled) in with_shuffled(scenario(100..=200, true))
    ) {
        check_invariants(&s, &shuffled)?;
    }

    #[test]
    fn two_hundred_payers_without_caps(
        (s, shuffled) in with_shuffled(scenario(100..=200, false))
    ) {
        check_close_to_exact(&s)?;
        check_invariants(&s, &shuffled)?;
    }
}
