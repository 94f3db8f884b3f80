//! The allocation's response types, built from a stored allocation or a fresh computation.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::costs::allocation::{self as store, Stored};
use crate::db::costs::participants::PayingParticipant;
use crate::domain::cost_sharing::ProjectAllocation;

pub use crate::views::allocation::AllocationStatus;

/// A paying participant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayerResponse {
    #[schema(example = "99001004")]
    pub organization_key: String,
    /// `committed` or `council_decision_pending` (`hypothetical` in a preview that names its
    /// participants).
    #[schema(example = "committed")]
    pub state: String,
    /// The population the key used, when it splits by population.
    #[schema(example = 53278)]
    pub population: Option<i64>,
}

/// One fiscal year of an allocation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationYear {
    #[schema(example = 2027)]
    pub fiscal_year: i32,
    /// All cost items of the year, in cents.
    #[schema(example = 12_000_000)]
    pub total_cents: i64,
    /// The part eligible for funding.
    #[schema(example = 10_000_000)]
    pub eligible_cents: i64,
    /// Funding counted in this year (granted; in planning views expected too).
    #[schema(example = 6_500_000)]
    pub funding_cents: i64,
    /// `total_cents - funding_cents`: what the paying participants share.
    #[schema(example = 5_500_000)]
    pub own_share_cents: i64,
    /// What no participant takes because every one is at its cap.
    #[schema(example = 0)]
    pub unallocated_cents: i64,
    /// Each paying participant's share in cents, summing to `own_share_cents -
    /// unallocated_cents` exactly; `null` when the caller may not see shares or the allocation
    /// is not complete. In a preview, a caller who may not see shares finds only its own
    /// organization's share here (when it pays in the question asked).
    #[schema(example = json!({"99001004": 2_750_000, "99001008": 2_750_000}))]
    pub shares_cents: Option<BTreeMap<String, i64>>,
}

/// A project's allocation per fiscal year.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationResponse {
    pub project_id: Uuid,
    /// Whether participants whose council decision is pending pay too and expected funding
    /// counts (`?include=pending`).
    pub include_pending: bool,
    pub status: AllocationStatus,
    /// Why the allocation is not complete.
    pub problem: Option<String>,
    /// The cost key version used; `null` without a key or in a preview with its own key.
    pub key_version: Option<i32>,
    /// The population reference date used, for keys that split by population.
    pub population_date: Option<NaiveDate>,
    /// Whether this caller sees the per-organization shares (the steering office, the lead
    /// organization and the organizations taking part), in the allocation and in its previews.
    pub shares_visible: bool,
    /// The paying participants; `null` when shares are not visible.
    pub participants: Option<Vec<PayerResponse>>,
    /// The fiscal years shown, in order.
    pub years: Vec<AllocationYear>,
    /// When the stored allocation was last recomputed (`null` for a preview).
    pub computed_at: Option<DateTime<Utc>>,
}

impl AllocationResponse {
    /// A preview as a caller who may not see the shares (see `costs::sees_shares`) gets it:
    /// no participants and, of the shares, only `organization`'s own, which tells it what
    /// joining would cost it and nothing about the others' shares.
    pub(crate) fn only_own_share(mut self, organization: &str) -> Self {
        self.shares_visible = false;
        self.participants = None;
        for year in &mut self.years {
            year.shares_cents = year.shares_cents.take().and_then(|shares| {
                shares
                    .get(organization)
                    .map(|own| BTreeMap::from([(organization.to_owned(), *own)]))
            });
        }
        self
    }
}

/// The response from a stored allocation, for the years `range` (zero years where the plan has
/// none).
pub(crate) fn from_stored(
    project_id: Uuid,
    include_pending: bool,
    stored: Stored,
    range: Option<RangeInclusive<i32>>,
    shares_visible: bool,
    states: &[PayingParticipant],
) -> AllocationResponse {
    let header = stored.header;
    let status = header.as_ref().map_or(AllocationStatus::NoCostKey, |h| {
        AllocationStatus::parse(&h.status)
    });
    let payers: Vec<String> = header
        .as_ref()
        .map(|h| h.payers.clone())
        .unwrap_or_default();
    let populations: BTreeMap<String, i64> = header
        .as_ref()
        .and_then(|h| serde_json::from_value(h.populations.clone()).ok())
        .unwrap_or_default();
    let by_year: BTreeMap<i32, &store::StoredYear> =
        stored.years.iter().map(|y| (y.fiscal_year, y)).collect();
    let complete = status == AllocationStatus::Complete;
    let years = range
        .into_iter()
        .flatten()
        .map(|year| {
            let row = by_year.get(&year);
            let shares = (shares_visible && complete).then(|| match stored.shares.get(&year) {
                Some(shares) => shares.clone(),
                None => payers.iter().map(|org| (org.clone(), 0)).collect(),
            });
            AllocationYear {
                fiscal_year: year,
                total_cents: row.map_or(0, |r| r.total_cents),
                eligible_cents: row.map_or(0, |r| r.eligible_cents),
                funding_cents: row.map_or(0, |r| r.funding_cents),
                own_share_cents: row.map_or(0, |r| r.own_share_cents),
                unallocated_cents: row.map_or(0, |r| r.unallocated_cents),
                shares_cents: shares,
            }
        })
        .collect();
    AllocationResponse {
        project_id,
        include_pending,
        status,
        problem: header.as_ref().and_then(|h| h.problem.clone()),
        key_version: header.as_ref().and_then(|h| h.key_version),
        population_date: header.as_ref().and_then(|h| h.population_date),
        shares_visible,
        participants: shares_visible.then(|| {
            payers
                .iter()
                .map(|org| PayerResponse {
                    organization_key: org.clone(),
                    // The stored allocation lists the participants it was computed for, which
                    // (recomputed under the project lock on every change) are the current ones.
                    state: states
                        .iter()
                        .find(|p| &p.organization_key == org)
                        .map_or("committed", |p| p.state.as_str())
                        .to_owned(),
                    population: populations.get(org).copied(),
                })
                .collect()
        }),
        years,
        computed_at: header.map(|h| h.computed_at),
    }
}

/// The response from a fresh computation (a preview).
pub(crate) fn from_computed(
    project_id: Uuid,
    include_pending: bool,
    computed: store::Computed,
    hypothetical: bool,
) -> AllocationResponse {
    let ProjectAllocation { years, outcome } = computed.allocation;
    let complete = outcome == crate::domain::cost_sharing::Outcome::Complete;
    AllocationResponse {
        project_id,
        include_pending,
        status: AllocationStatus::parse(outcome.status()),
        problem: outcome.problem(),
        key_version: computed.key_version,
        population_date: computed.population_date,
        shares_visible: true,
        participants: Some(
            computed
                .payers
                .iter()
                .map(|p| PayerResponse {
                    organization_key: p.organization_key.clone(),
                    state: if hypothetical {
                        "hypothetical".into()
                    } else {
                        p.state.as_str().into()
                    },
                    population: computed.populations.get(&p.organization_key).copied(),
                })
                .collect(),
        ),
        years: years
            .into_iter()
            .map(|y| AllocationYear {
                fiscal_year: y.figures.year,
                total_cents: y.figures.total_cents,
                eligible_cents: y.figures.eligible_cents,
                funding_cents: y.figures.funding_cents,
                own_share_cents: y.figures.own_share_cents,
                unallocated_cents: y.unallocated_cents,
                shares_cents: complete.then_some(y.shares_cents),
            })
            .collect(),
        computed_at: None,
    }
}
