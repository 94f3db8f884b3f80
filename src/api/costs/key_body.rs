//! The cost key as clients send and read it, and its checks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FULL_BP, MAX_AMOUNT_CENTS, check_amount, check_bp};
use crate::db::costs::cost_keys::CostKeyRow;
use crate::db::costs::participants::{self, PayingParticipant};
use crate::domain::allocation::KeyRule;
use crate::domain::cost_sharing::KeyDefinition;
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// The largest custom weight.
pub const MAX_WEIGHT: i64 = 1_000_000_000;

/// How the own share is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// Equal parts.
    Equal,
    /// By population on `population_date`.
    Population,
    /// `basis_points` per organization, summing to 10,000.
    FixedPercentages,
    /// `equal_part_bp` split equally, the rest by population on `population_date`.
    Mixed,
    /// By `weights` (e.g. usage units).
    CustomWeights,
}

/// A cost key: the rule, optionally a district share paid first, and optionally caps.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "type": "population", "population_date": "2023-12-31", "district_share_bp": 2000,
    "caps_cents": {"99001004": 5_000_000}, "note": "Kreis trägt 20 %, Rest nach Einwohnern"
}))]
pub struct CostKeyBody {
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// The population reference date (`population` and `mixed`): each payer's figure for
    /// exactly this date is used, see `/organizations/{key}/populations`.
    pub population_date: Option<NaiveDate>,
    /// `mixed` only: the part split equally, 0–10,000 basis points.
    #[schema(minimum = 0, maximum = 10000, example = 5000)]
    pub equal_part_bp: Option<i64>,
    /// `fixed_percentages` only: basis points (1–10,000) per organization key, summing to
    /// exactly 10,000; with a district share, over the organizations other than the district.
    #[schema(example = json!({"99001004": 6000, "99001008": 4000}))]
    pub basis_points: Option<BTreeMap<String, i64>>,
    /// `custom_weights` only: a weight (1–1,000,000,000) per organization key.
    #[schema(example = json!({"99001004": 120, "99001008": 80}))]
    pub weights: Option<BTreeMap<String, i64>>,
    /// The district pays this part (0–10,000 basis points) first; the key splits the rest.
    #[schema(minimum = 0, maximum = 10000, example = 2000)]
    pub district_share_bp: Option<i64>,
    /// The most an organization pays per fiscal year, in cents (0–100,000,000,000); the excess
    /// goes to the others by the same key.
    #[serde(default)]
    #[schema(example = json!({"99001004": 5_000_000}))]
    pub caps_cents: BTreeMap<String, i64>,
    /// Why the key is as it is; up to 2000 characters.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A checked key.
#[derive(Debug, Clone)]
pub struct CheckedKey {
    pub key: KeyDefinition,
    pub note: Option<String>,
}

impl CostKeyBody {
    /// Checks the key on its own and against the database: the organizations it names exist,
    /// and every paying participant it splits by population has a figure on its reference date.
    /// All problems in one 422; `prefix` is the key's pointer in the request body.
    pub async fn check(
        self,
        conn: &mut AsyncPgConnection,
        prefix: &str,
        payers: &[PayingParticipant],
    ) -> Result<CheckedKey, ApiError> {
        let mut v = Validator::new();
        let at = |field: &str| format!("{prefix}/{field}");
        let forbid = |v: &mut Validator, present: bool, field: &str, which: &str| {
            if present {
                v.error(at(field), format!("only a {which} key has {field}"));
            }
        };
        let kind = self.key_type;
        forbid(
            &mut v,
            kind != KeyType::FixedPercentages && self.basis_points.is_some(),
            "basis_points",
            "fixed_percentages",
        );
        forbid(
            &mut v,
            kind != KeyType::CustomWeights && self.weights.is_some(),
            "weights",
            "custom_weights",
        );
        forbid(
            &mut v,
            kind != KeyType::Mixed && self.equal_part_bp.is_some(),
            "equal_part_bp",
            "mixed",
        );
        forbid(
            &mut v,
            !matches!(kind, KeyType::Population | KeyType::Mixed) && self.population_date.is_some(),
            "population_date",
            "population or mixed",
        );

        let mut named: BTreeSet<(String, String)> = BTreeSet::new();
        let rule = match kind {
            KeyType::Equal => KeyRule::Equal,
            KeyType::Population => KeyRule::Population,
            KeyType::Mixed => {
                let bp = self.equal_part_bp.unwrap_or(-1);
                if self.equal_part_bp.is_none() {
                    v.error(at("equal_part_bp"), "is required for a mixed key");
                } else {
                    check_bp(&mut v, &at("equal_part_bp"), bp, false);
                }
                KeyRule::Mixed {
                    equal_part_bp: u32::try_from(bp).unwrap_or(0),
                }
            }
            KeyType::FixedPercentages => {
                let map = self.basis_points.clone().unwrap_or_default();
                if map.is_empty() {
                    v.error(
                        at("basis_points"),
                        "is required for a fixed_percentages key: basis points per organization",
                    );
                }
                for (org, &bp) in &map {
                    check_bp(
                        &mut v,
                        &at(&format!("basis_points/{}", escape(org))),
                        bp,
                        true,
                    );
                    named.insert(("basis_points".into(), org.clone()));
                }
                let sum: i64 = map.values().map(|bp| (*bp).clamp(0, FULL_BP)).sum();
                if !map.is_empty() && sum != FULL_BP {
                    v.error(
                        at("basis_points"),
                        format!(
                            "the percentages must sum to exactly 10000 basis points, not {sum}"
                        ),
                    );
                }
                KeyRule::FixedPercentages(
                    map.into_iter()
                        .map(|(org, bp)| (org, u32::try_from(bp).unwrap_or(0)))
                        .collect(),
                )
            }
            KeyType::CustomWeights => {
                let map = self.weights.clone().unwrap_or_default();
                if map.is_empty() {
                    v.error(
                        at("weights"),
                        "is required for a custom_weights key: a weight per organization",
                    );
                }
                for (org, &weight) in &map {
                    v.check(
                        (1..=MAX_WEIGHT).contains(&weight),
                        &at(&format!("weights/{}", escape(org))),
                        "must be between 1 and 1000000000",
                    );
                    named.insert(("weights".into(), org.clone()));
                }
                KeyRule::CustomWeights(
                    map.into_iter()
                        .map(|(org, w)| (org, u64::try_from(w).unwrap_or(0)))
                        .collect(),
                )
            }
        };
        if let Some(bp) = self.district_share_bp {
            check_bp(&mut v, &at("district_share_bp"), bp, false);
        }
        for (org, &cap) in &self.caps_cents {
            check_amount(&mut v, &at(&format!("caps_cents/{}", escape(org))), cap);
            named.insert(("caps_cents".into(), org.clone()));
        }
        let note = self
            .note
            .as_deref()
            .map(|n| v.text(&at("note"), n, 0, 2000))
            .filter(|n| !n.is_empty());

        // Unknown organizations, and the district among the keyed ones with a district share.
        let orgs: Vec<String> = named.iter().map(|(_, org)| org.clone()).collect();
        let known = participants::hypothetical_participants(conn, &orgs).await?;
        for (field, org) in &named {
            let pointer = at(&format!("{field}/{}", escape(org)));
            match known.iter().find(|p| &p.organization_key == org) {
                None => v.error(
                    pointer,
                    format!("{org} is not an organization of the cooperation"),
                ),
                Some(p)
                    if p.is_district
                        && self.district_share_bp.is_some()
                        && field != "caps_cents" =>
                {
                    v.error(
                        pointer,
                        "the district pays the district share and takes no part in the key",
                    );
                }
                Some(_) => {}
            }
        }

        let key = KeyDefinition {
            rule,
            population_date: self.population_date,
            district_share_bp: self.district_share_bp.and_then(|bp| u32::try_from(bp).ok()),
            caps_cents: self
                .caps_cents
                .into_iter()
                .map(|(org, cap)| (org, cap.clamp(0, MAX_AMOUNT_CENTS)))
                .collect(),
        };
        if key.needs_population() {
            match self.population_date {
                None => v.error(
                    at("population_date"),
                    "is required for a key that splits by population",
                ),
                Some(date) => {
                    let keyed: Vec<String> = payers
                        .iter()
                        .filter(|p| !(p.is_district && key.district_share_bp.is_some()))
                        .map(|p| p.organization_key.clone())
                        .collect();
                    let found = participants::populations_on(conn, &keyed, date).await?;
                    let missing: Vec<&str> = keyed
                        .iter()
                        .filter(|org| !found.contains_key(*org))
                        .map(String::as_str)
                        .collect();
                    if !missing.is_empty() {
                        v.error(
                            at("population_date"),
                            format!(
                                "no population figure on {date} for the paying participant(s) {}; record it at /organizations/{{key}} or choose another date",
                                missing.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        Ok(v.finish(CheckedKey { key, note })?)
    }
}

/// JSON-pointer escaping of a map key.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// One version of a project's cost key.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostKeyResponse {
    /// Versions count from 1; every change adds one.
    #[schema(example = 2)]
    pub version: i32,
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// The population reference date (`population` and `mixed`).
    #[schema(example = "2023-12-31")]
    pub population_date: Option<NaiveDate>,
    /// `mixed`: the part split equally, in basis points.
    pub equal_part_bp: Option<i64>,
    /// `fixed_percentages`: basis points per organization.
    pub basis_points: Option<BTreeMap<String, i64>>,
    /// `custom_weights`: weight per organization.
    pub weights: Option<BTreeMap<String, i64>>,
    /// The district's share paid first, in basis points.
    pub district_share_bp: Option<i64>,
    /// Caps per organization, in cents per fiscal year.
    pub caps_cents: BTreeMap<String, i64>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The subject of the token that set this version.
    pub created_by: String,
}

impl From<CostKeyRow> for CostKeyResponse {
    fn from(row: CostKeyRow) -> Self {
        let key = row.to_definition();
        let (key_type, equal_part_bp, basis_points, weights) = match key.rule {
            KeyRule::Equal => (KeyType::Equal, None, None, None),
            KeyRule::Population => (KeyType::Population, None, None, None),
            KeyRule::Mixed { equal_part_bp } => {
                (KeyType::Mixed, Some(i64::from(equal_part_bp)), None, None)
            }
            KeyRule::FixedPercentages(map) => (
                KeyType::FixedPercentages,
                None,
                Some(map.into_iter().map(|(k, v)| (k, i64::from(v))).collect()),
                None,
            ),
            KeyRule::CustomWeights(map) => (
                KeyType::CustomWeights,
                None,
                None,
                Some(
                    map.into_iter()
                        .map(|(k, v)| (k, i64::try_from(v).unwrap_or(i64::MAX)))
                        .collect(),
                ),
            ),
        };
        Self {
            version: row.version,
            key_type,
            population_date: key.population_date,
            equal_part_bp,
            basis_points,
            weights,
            district_share_bp: key.district_share_bp.map(i64::from),
            caps_cents: key.caps_cents,
            note: row.note,
            created_at: row.created_at,
            created_by: row.created_by,
        }
    }
}
