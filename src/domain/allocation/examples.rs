//! The worked examples in `cost-allocation-examples.json` (shared with the domain docs) must be
//! reproduced to the cent.

use std::collections::BTreeMap;
use std::path::Path;

use super::{CostKey, KeyRule, Payer, allocate};
use serde::Deserialize;

/// Relative to `CARGO_MANIFEST_DIR`; a copy of `shared/data/cost-allocation-examples.json`, kept in
/// the repository so that the test does not depend on where `shared/` is checked out.
const EXAMPLES: &str = "tests/data/cost-allocation-examples.json";

/// District organisation keys are the five-digit district AGS; municipalities have eight digits.
const DISTRICT_KEY_LEN: usize = 5;

#[derive(Deserialize)]
struct ExampleFile {
    examples: Vec<Example>,
}

#[derive(Deserialize)]
struct Example {
    title: String,
    own_share_cents: i64,
    key: ExampleKey,
    paying_participants: Vec<String>,
    expected_shares_cents: BTreeMap<String, i64>,
    expected_unallocated_cents: i64,
    population_used: Option<BTreeMap<String, u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleKey {
    #[serde(rename = "type")]
    kind: String,
    basis_points: Option<BTreeMap<String, u32>>,
    weights: Option<BTreeMap<String, u64>>,
    equal_part_bp: Option<u32>,
    district_share_bp: Option<u32>,
    caps_cents: Option<BTreeMap<String, i64>>,
}

impl Example {
    /// The payers in the given order; populations from `population_used`.
    fn payers<'a>(&self, orgs: impl Iterator<Item = &'a String>) -> Vec<Payer> {
        orgs.map(|org| Payer {
            org_key: org.clone(),
            population: self
                .population_used
                .as_ref()
                .and_then(|populations| populations.get(org).copied()),
            is_district: org.len() == DISTRICT_KEY_LEN,
        })
        .collect()
    }
}

impl ExampleKey {
    fn to_cost_key(&self) -> CostKey {
        let rule = match self.kind.as_str() {
            "equal" => KeyRule::Equal,
            "population" => KeyRule::Population,
            "fixed_percentages" => {
                KeyRule::FixedPercentages(self.basis_points.clone().expect("basis_points"))
            }
            "mixed" => KeyRule::Mixed {
                equal_part_bp: self.equal_part_bp.expect("equal_part_bp"),
            },
            "custom_weights" => KeyRule::CustomWeights(self.weights.clone().expect("weights")),
            other => panic!("unknown key type {other}"),
        };
        CostKey {
            rule,
            district_share_bp: self.district_share_bp,
            caps_cents: self.caps_cents.clone().unwrap_or_default(),
        }
    }
}

fn load() -> ExampleFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn every_worked_example_is_reproduced_exactly() {
    let file = load();
    assert!(!file.examples.is_empty());
    for example in &file.examples {
        let payers = example.payers(example.paying_participants.iter());
        let allocation = allocate(example.own_share_cents, &example.key.to_cost_key(), &payers)
            .unwrap_or_else(|err| panic!("{}: {err}", example.title));
        assert_eq!(
            allocation.shares_cents, example.expected_shares_cents,
            "{}",
            example.title
        );
        assert_eq!(
            allocation.unallocated_cents, example.expected_unallocated_cents,
            "{}",
            example.title
        );
    }
}

/// The examples' order of payers carries no meaning: reversing it changes nothing.
#[test]
fn worked_examples_do_not_depend_on_payer_order() {
    for example in load().examples {
        let key = example.key.to_cost_key();
        let forward = allocate(
            example.own_share_cents,
            &key,
            &example.payers(example.paying_participants.iter()),
        );
        let backward = allocate(
            example.own_share_cents,
            &key,
            &example.payers(example.paying_participants.iter().rev()),
        );
        assert_eq!(forward, backward, "{}", example.title);
    }
}
