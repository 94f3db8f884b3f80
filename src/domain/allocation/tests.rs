//! Unit tests of the allocation rules beyond the worked examples.
use super::*;

fn payer(org: &str, population: Option<u64>) -> Payer {
    Payer {
        org_key: org.to_owned(),
        population,
        is_district: org.len() == 5,
    }
}

fn key(rule: KeyRule) -> CostKey {
    CostKey {
        rule,
        district_share_bp: None,
        caps_cents: BTreeMap::new(),
    }
}

fn shares(allocation: &Allocation) -> Vec<(&str, i64)> {
    allocation
        .shares_cents
        .iter()
        .map(|(org, &cents)| (org.as_str(), cents))
        .collect()
}

#[test]
fn zero_own_share_gives_zero_shares() {
    let payers = [payer("b", Some(2)), payer("a", Some(1))];
    let mut k = key(KeyRule::Population);
    k.caps_cents.insert("a".into(), 0);
    let allocation = allocate(0, &k, &payers).unwrap();
    assert_eq!(shares(&allocation), [("a", 0), ("b", 0)]);
    assert_eq!(allocation.unallocated_cents, 0);
}

#[test]
fn fixed_percentages_after_a_cap_use_the_relative_percentages() {
    // 50/30/20 of 1000: a would pay 500 but is capped at 100; the 900 left go 3:2.
    let percentages = [("a", 5000), ("b", 3000), ("c", 2000)]
        .map(|(org, bp)| (org.to_owned(), bp))
        .into();
    let mut k = key(KeyRule::FixedPercentages(percentages));
    k.caps_cents.insert("a".into(), 100);
    let payers = [payer("a", None), payer("b", None), payer("c", None)];
    let allocation = allocate(1000, &k, &payers).unwrap();
    assert_eq!(shares(&allocation), [("a", 100), ("b", 540), ("c", 360)]);
}

#[test]
fn caps_cascade_over_several_rounds() {
    // Equal thirds of 900 = 300; a capped at 100 -> b, c get 400 each; b capped at 350 ->
    // c gets 450.
    let mut k = key(KeyRule::Equal);
    k.caps_cents.insert("a".into(), 100);
    k.caps_cents.insert("b".into(), 350);
    let payers = [payer("a", None), payer("b", None), payer("c", None)];
    let allocation = allocate(900, &k, &payers).unwrap();
    assert_eq!(shares(&allocation), [("a", 100), ("b", 350), ("c", 450)]);
}

#[test]
fn mixed_key_is_reapplied_to_the_remaining_payers_after_a_cap() {
    // 50 % equal, 50 % by population 1/1/2 on 1200: a = b = 200 + 150, c = 200 + 300.
    // c capped at 300: the 900 left are split by the mixed key among a and b alone.
    let mut k = key(KeyRule::Mixed {
        equal_part_bp: 5000,
    });
    k.caps_cents.insert("c".into(), 300);
    let payers = [
        payer("a", Some(1)),
        payer("b", Some(1)),
        payer("c", Some(2)),
    ];
    let allocation = allocate(1200, &k, &payers).unwrap();
    assert_eq!(shares(&allocation), [("a", 450), ("b", 450), ("c", 300)]);
}

#[test]
fn capped_district_hands_its_excess_to_the_towns() {
    let mut k = key(KeyRule::Equal);
    k.district_share_bp = Some(5000);
    k.caps_cents.insert("05570".into(), 100);
    let payers = [payer("05570", None), payer("a1", None), payer("b1", None)];
    let allocation = allocate(1000, &k, &payers).unwrap();
    assert_eq!(
        shares(&allocation),
        [("05570", 100), ("a1", 450), ("b1", 450)]
    );
}

#[test]
fn district_takes_what_capped_towns_cannot() {
    let mut k = key(KeyRule::Equal);
    k.district_share_bp = Some(2500);
    k.caps_cents.insert("a1".into(), 100);
    k.caps_cents.insert("b1".into(), 200);
    let payers = [payer("05570", None), payer("a1", None), payer("b1", None)];
    let allocation = allocate(1000, &k, &payers).unwrap();
    assert_eq!(
        shares(&allocation),
        [("05570", 700), ("a1", 100), ("b1", 200)]
    );
    assert_eq!(allocation.unallocated_cents, 0);

    // ... but no more than its own cap.
    k.caps_cents.insert("05570".into(), 600);
    let allocation = allocate(1000, &k, &payers).unwrap();
    assert_eq!(
        shares(&allocation),
        [("05570", 600), ("a1", 100), ("b1", 200)]
    );
    assert_eq!(allocation.unallocated_cents, 100);
}

#[test]
fn district_as_only_payer_pays_everything() {
    let mut k = key(KeyRule::FixedPercentages(BTreeMap::new()));
    k.district_share_bp = Some(3000);
    let allocation = allocate(1001, &k, &[payer("05570", None)]).unwrap();
    assert_eq!(shares(&allocation), [("05570", 1001)]);
}

#[test]
fn fractional_district_share_is_rounded_with_the_others() {
    // 33.33 % of 100 cents = 33.33 for the district, 66.67 split 33.335 / 33.335.
    let mut k = key(KeyRule::Equal);
    k.district_share_bp = Some(3333);
    let payers = [payer("b1", None), payer("05570", None), payer("a1", None)];
    let allocation = allocate(100, &k, &payers).unwrap();
    assert_eq!(shares(&allocation), [("05570", 33), ("a1", 34), ("b1", 33)]);
}

#[test]
fn district_without_district_share_is_an_ordinary_payer() {
    let payers = [payer("05570", Some(3)), payer("a1", Some(1))];
    let allocation = allocate(400, &key(KeyRule::Population), &payers).unwrap();
    assert_eq!(shares(&allocation), [("05570", 300), ("a1", 100)]);
}

#[test]
fn largest_amounts_within_the_documented_bound_do_not_overflow() {
    let payers: Vec<Payer> = (0..200)
        .map(|i| payer(&format!("{i:08}"), Some(10_000_000 - i)))
        .collect();
    let mut k = key(KeyRule::Mixed {
        equal_part_bp: 3333,
    });
    k.district_share_bp = Some(1);
    let mut payers = payers;
    payers.push(payer("05570", None));
    k.caps_cents.insert("00000007".into(), 1_234_567);
    let own = 1_000_000_000_000;
    let allocation = allocate(own, &k, &payers).unwrap();
    assert_eq!(allocation.shares_cents.values().sum::<i64>(), own);
    assert_eq!(allocation.shares_cents["00000007"], 1_234_567);
}

#[test]
fn overflow_is_reported_not_panicked() {
    // Populations near u64::MAX make the mixed key's weights exceed 10^23, far beyond the
    // documented bound.
    let payers: Vec<Payer> = (0..3)
        .map(|i| payer(&format!("{i}"), Some(u64::MAX - 2 * i)))
        .collect();
    let k = key(KeyRule::Mixed { equal_part_bp: 1 });
    assert_eq!(
        allocate(i64::MAX, &k, &payers),
        Err(AllocationError::ArithmeticOverflow)
    );
}

#[test]
fn invalid_inputs_are_named_precisely() {
    use AllocationError::*;
    let two = [payer("a", Some(1)), payer("b", None)];
    let bp = |entries: &[(&str, u32)]| {
        KeyRule::FixedPercentages(entries.iter().map(|&(o, v)| (o.to_owned(), v)).collect())
    };
    let weights = |entries: &[(&str, u64)]| {
        KeyRule::CustomWeights(entries.iter().map(|&(o, v)| (o.to_owned(), v)).collect())
    };
    let org = |o: &str| o.to_owned();

    let cases: Vec<(CostKey, Vec<Payer>, AllocationError)> = vec![
        (key(KeyRule::Equal), vec![], NoPayers),
        (
            key(KeyRule::Equal),
            vec![payer("a", None), payer("a", None)],
            DuplicatePayer { org: org("a") },
        ),
        (
            key(KeyRule::Population),
            two.to_vec(),
            MissingPopulation { org: org("b") },
        ),
        (
            key(KeyRule::Population),
            vec![payer("a", Some(0))],
            ZeroPopulation { org: org("a") },
        ),
        (
            key(KeyRule::Mixed {
                equal_part_bp: 10_001,
            }),
            two.to_vec(),
            BasisPointsOutOfRange {
                field: "equal_part_bp",
                value: 10_001,
            },
        ),
        (
            key(bp(&[("a", 10_000)])),
            two.to_vec(),
            MissingPercentage { org: org("b") },
        ),
        (
            key(bp(&[("a", 5000), ("b", 4000), ("x", 1000)])),
            two.to_vec(),
            PercentageForNonPayer { org: org("x") },
        ),
        (
            key(bp(&[("a", 10_000), ("b", 0)])),
            two.to_vec(),
            ZeroPercentage { org: org("b") },
        ),
        (
            key(bp(&[("a", 5000), ("b", 4999)])),
            two.to_vec(),
            PercentagesDoNotSum { sum: 9999 },
        ),
        (
            key(weights(&[("a", 1)])),
            two.to_vec(),
            MissingWeight { org: org("b") },
        ),
        (
            key(weights(&[("a", 1), ("b", 1), ("c", 1)])),
            two.to_vec(),
            WeightForNonPayer { org: org("c") },
        ),
        (
            key(weights(&[("a", 1), ("b", 0)])),
            two.to_vec(),
            ZeroWeight { org: org("b") },
        ),
    ];
    for (k, payers, expected) in cases {
        assert_eq!(allocate(100, &k, &payers), Err(expected));
    }

    assert_eq!(
        allocate(-1, &key(KeyRule::Equal), &two),
        Err(NegativeAmount {
            own_share_cents: -1
        })
    );

    let mut k = key(KeyRule::Equal);
    k.caps_cents.insert(org("b"), -5);
    assert_eq!(
        allocate(1, &k, &two),
        Err(NegativeCap {
            org: org("b"),
            cap_cents: -5
        })
    );
    k.caps_cents = [(org("z"), 5)].into();
    assert_eq!(allocate(1, &k, &two), Err(CapForNonPayer { org: org("z") }));

    let mut k = key(KeyRule::Equal);
    k.district_share_bp = Some(2000);
    assert_eq!(allocate(1, &k, &two), Err(DistrictShareWithoutDistrict));
    let districts = [payer("05570", None), payer("05571", None)];
    assert_eq!(
        allocate(1, &k, &districts),
        Err(MultipleDistricts {
            first: org("05570"),
            second: org("05571")
        })
    );
    k.district_share_bp = Some(10_001);
    assert_eq!(
        allocate(1, &k, &districts),
        Err(BasisPointsOutOfRange {
            field: "district_share_bp",
            value: 10_001
        })
    );

    let with_district = [payer("05570", None), payer("a1", None)];
    let mut k = key(bp(&[("05570", 5000), ("a1", 5000)]));
    k.district_share_bp = Some(2000);
    assert_eq!(
        allocate(1, &k, &with_district),
        Err(PercentageForDistrict { org: org("05570") })
    );
    k.rule = weights(&[("05570", 1), ("a1", 1)]);
    assert_eq!(
        allocate(1, &k, &with_district),
        Err(WeightForDistrict { org: org("05570") })
    );
}

#[test]
fn errors_display_the_offending_value() {
    let message = AllocationError::PercentagesDoNotSum { sum: 9999 }.to_string();
    assert_eq!(
        message,
        "the percentages sum to 9999 bp instead of 10000 bp"
    );
    let message = AllocationError::MissingPopulation {
        org: "05570044".into(),
    }
    .to_string();
    assert!(message.contains("05570044"));
}
