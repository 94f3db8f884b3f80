//! A project's allocation per fiscal year: its costs, the funding that reduces them, and each
//! paying participant's share of what remains, in one of two scenarios.
//!
//! - [`Scenario::Committed`]: the `committed` participants pay; only granted funding counts.
//! - [`Scenario::Planning`]: participants whose council decision is pending pay too; planned and
//!   submitted applications count with their expected grant (the programme's rule applied to the
//!   eligible costs of the years they cover and the number of paying participants, at most the
//!   requested amount).
//!
//! Decisions where the domain rules are silent:
//! - Weights and caps of organizations that do not pay (yet) are left out of the key for that
//!   computation: a custom-weights key may name every organization that might join. Fixed
//!   percentages are not: they must name exactly the paying participants (they sum to 100 %),
//!   otherwise the key does not fit and the allocation says so instead of guessing.
//! - An allocation that cannot be computed (no key, nobody pays, the key does not fit the
//!   participants) still shows the years' costs, funding and own share, without shares.
//! - Membership over time ([`PlanInput::memberships`]): a year is split among the payers who
//!   are members in that year only (see `domain::membership`). In a year where some payers are
//!   not members, fixed percentages become the remaining payers' weights relative to each
//!   other (as with caps), and weights and caps of non-members are left out. A year in which no
//!   payer is a member keeps its whole own share unallocated.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::NaiveDate;

use super::allocation::{AllocationError, CostKey, FULL_BP, KeyRule, Payer, allocate};
use super::cost_plan::{CostItem, Grant, YearFigures, eligible_over, yearly_figures};
use super::funding::{FundingRule, grant_cents};
use super::membership::Memberships;

/// Which participants pay and which funding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scenario {
    Committed,
    Planning,
}

impl Scenario {
    pub const ALL: [Scenario; 2] = [Scenario::Committed, Scenario::Planning];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Committed => "committed",
            Scenario::Planning => "planning",
        }
    }

    pub fn from_include_pending(include_pending: bool) -> Self {
        if include_pending {
            Scenario::Planning
        } else {
            Scenario::Committed
        }
    }
}

/// One version of a project's cost key, as it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDefinition {
    pub rule: KeyRule,
    /// The population reference date of the population and mixed keys.
    pub population_date: Option<NaiveDate>,
    pub district_share_bp: Option<u32>,
    pub caps_cents: BTreeMap<String, i64>,
}

impl KeyDefinition {
    /// Whether the key splits by population, so that the payers' populations on
    /// [`Self::population_date`] are needed.
    pub fn needs_population(&self) -> bool {
        match self.rule {
            KeyRule::Population => true,
            KeyRule::Mixed { equal_part_bp } => equal_part_bp < FULL_BP,
            _ => false,
        }
    }

    /// The engine's key for exactly `payers`: weights and caps of organizations that do not pay
    /// are left out (see the module documentation).
    fn for_payers(&self, payers: &[Payer]) -> CostKey {
        let pays = |org: &String| payers.iter().any(|p| &p.org_key == org);
        let rule = match &self.rule {
            KeyRule::CustomWeights(weights) => KeyRule::CustomWeights(
                weights
                    .iter()
                    .filter(|(org, _)| pays(org))
                    .map(|(org, w)| (org.clone(), *w))
                    .collect(),
            ),
            other => other.clone(),
        };
        CostKey {
            rule,
            district_share_bp: self.district_share_bp,
            caps_cents: self
                .caps_cents
                .iter()
                .filter(|(org, _)| pays(org))
                .map(|(org, cap)| (org.clone(), *cap))
                .collect(),
        }
    }
}

/// Where a funding application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationState {
    Planned,
    Submitted,
    Granted,
    Rejected,
}

/// A funding application as the allocation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingApplication {
    pub years: RangeInclusive<i32>,
    pub state: ApplicationState,
    pub requested_cents: Option<i64>,
    pub granted_cents: Option<i64>,
    pub rule: FundingRule,
}

/// The grants that reduce the own share in `scenario`; `partners` is the number of paying
/// participants (for fixed programmes paying per partner).
pub fn grants(
    scenario: Scenario,
    applications: &[FundingApplication],
    items: &[CostItem],
    partners: u32,
) -> Vec<Grant> {
    applications
        .iter()
        .filter_map(|application| {
            let amount_cents = match (application.state, scenario) {
                (ApplicationState::Granted, _) => application.granted_cents.unwrap_or(0),
                (ApplicationState::Planned | ApplicationState::Submitted, Scenario::Planning) => {
                    let eligible = eligible_over(items, application.years.clone());
                    let expected = grant_cents(&application.rule, eligible, partners);
                    application
                        .requested_cents
                        .map_or(expected, |requested| requested.min(expected))
                }
                _ => return None,
            };
            Some(Grant {
                years: application.years.clone(),
                amount_cents,
            })
        })
        .collect()
}

/// The fiscal years a project's plan touches: from the first year of any cost item or
/// application to the last, or `None` for an empty plan.
pub fn plan_years(
    items: &[CostItem],
    applications: &[FundingApplication],
) -> Option<RangeInclusive<i32>> {
    let starts = items
        .iter()
        .map(|i| *i.recurrence.years().start())
        .chain(applications.iter().map(|a| *a.years.start()));
    let ends = items
        .iter()
        .map(|i| *i.recurrence.years().end())
        .chain(applications.iter().map(|a| *a.years.end()));
    Some(starts.min()?..=ends.max()?)
}

/// Why an allocation has no shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every year's own share is split; shares plus unallocated cents equal the own share.
    Complete,
    NoCostKey,
    NoPayingParticipants,
    /// The key cannot split among these payers (e.g. a percentage is missing, a population on
    /// the reference date is missing, the district share has no district).
    KeyDoesNotFit(AllocationError),
}

impl Outcome {
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Complete => "complete",
            Outcome::NoCostKey => "no_cost_key",
            Outcome::NoPayingParticipants => "no_paying_participants",
            Outcome::KeyDoesNotFit(_) => "key_does_not_fit",
        }
    }

    pub fn problem(&self) -> Option<String> {
        match self {
            Outcome::Complete => None,
            Outcome::NoCostKey => Some("the project has no cost key yet".into()),
            Outcome::NoPayingParticipants => Some("no organization pays in this scenario".into()),
            Outcome::KeyDoesNotFit(error) => Some(error.to_string()),
        }
    }
}

/// One fiscal year of an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearAllocation {
    pub figures: YearFigures,
    /// Every payer's share; empty unless the outcome is complete.
    pub shares_cents: BTreeMap<String, i64>,
    /// What no payer could take because every payer is at its cap.
    pub unallocated_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectAllocation {
    pub years: Vec<YearAllocation>,
    pub outcome: Outcome,
}

/// Everything an allocation is computed from.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub items: &'a [CostItem],
    pub applications: &'a [FundingApplication],
    pub key: Option<&'a KeyDefinition>,
    /// The paying participants of the scenario, with their populations on the key's reference
    /// date where known.
    pub payers: &'a [Payer],
    /// The payers' membership periods; `None`: every payer is a member in every year.
    pub memberships: Option<&'a Memberships>,
}

/// The allocation of every year in `years` (inclusive) in `scenario`.
pub fn allocate_project(
    input: PlanInput<'_>,
    scenario: Scenario,
    years: RangeInclusive<i32>,
) -> ProjectAllocation {
    let partners = u32::try_from(input.payers.len()).unwrap_or(u32::MAX);
    let grants = grants(scenario, input.applications, input.items, partners);
    let figures = yearly_figures(input.items, &grants, *years.start(), *years.end());

    let key = match (input.key, input.payers.is_empty()) {
        (None, _) => return without_shares(figures, Outcome::NoCostKey),
        (Some(_), true) => return without_shares(figures, Outcome::NoPayingParticipants),
        (Some(key), false) => key.for_payers(input.payers),
    };
    let mut allocated = Vec::with_capacity(figures.len());
    for year in &figures {
        let members: Vec<Payer> = match input.memberships {
            Some(memberships) => input
                .payers
                .iter()
                .filter(|p| memberships.member_in_year(&p.org_key, year.year))
                .cloned()
                .collect(),
            None => input.payers.to_vec(),
        };
        if members.is_empty() {
            allocated.push(YearAllocation {
                figures: *year,
                shares_cents: BTreeMap::new(),
                unallocated_cents: year.own_share_cents,
            });
            continue;
        }
        let year_key;
        let key = if members.len() == input.payers.len() {
            &key
        } else {
            year_key = key_for_members(&key, &members);
            &year_key
        };
        match allocate(year.own_share_cents, key, &members) {
            Ok(allocation) => allocated.push(YearAllocation {
                figures: *year,
                shares_cents: allocation.shares_cents,
                unallocated_cents: allocation.unallocated_cents,
            }),
            Err(error) => return without_shares(figures, Outcome::KeyDoesNotFit(error)),
        }
    }
    // A key is checked against its payers even when there is no year to split.
    if figures.is_empty()
        && let Err(error) = allocate(0, &key, input.payers)
    {
        return without_shares(figures, Outcome::KeyDoesNotFit(error));
    }
    ProjectAllocation {
        years: allocated,
        outcome: Outcome::Complete,
    }
}

/// The key of a year in which only `members` of the payers are members: their entries only,
/// fixed percentages as relative weights (they no longer sum to 100 %).
fn key_for_members(key: &CostKey, members: &[Payer]) -> CostKey {
    let member = |org: &String| members.iter().any(|p| &p.org_key == org);
    let rule = match &key.rule {
        KeyRule::FixedPercentages(bp) => KeyRule::CustomWeights(
            bp.iter()
                .filter(|(org, _)| member(org))
                .map(|(org, bp)| (org.clone(), u64::from(*bp)))
                .collect(),
        ),
        KeyRule::CustomWeights(weights) => KeyRule::CustomWeights(
            weights
                .iter()
                .filter(|(org, _)| member(org))
                .map(|(org, w)| (org.clone(), *w))
                .collect(),
        ),
        other => other.clone(),
    };
    CostKey {
        rule,
        district_share_bp: key.district_share_bp,
        caps_cents: key
            .caps_cents
            .iter()
            .filter(|(org, _)| member(org))
            .map(|(org, cap)| (org.clone(), *cap))
            .collect(),
    }
}

fn without_shares(figures: Vec<YearFigures>, outcome: Outcome) -> ProjectAllocation {
    ProjectAllocation {
        years: figures
            .into_iter()
            .map(|figures| YearAllocation {
                unallocated_cents: 0,
                figures,
                shares_cents: BTreeMap::new(),
            })
            .collect(),
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cost_plan::Recurrence;

    const AHLEN: &str = "05570004";
    const BECKUM: &str = "05570008";
    const TELGTE: &str = "05570044";

    fn payer(org: &str, population: u64) -> Payer {
        Payer {
            org_key: org.into(),
            population: Some(population),
            is_district: false,
        }
    }

    fn key(rule: KeyRule) -> KeyDefinition {
        KeyDefinition {
            rule,
            population_date: None,
            district_share_bp: None,
            caps_cents: BTreeMap::new(),
        }
    }

    fn items() -> Vec<CostItem> {
        vec![
            CostItem {
                recurrence: Recurrence::OneOff { year: 2027 },
                amount_cents: 10_000_001,
                eligible: true,
            },
            CostItem {
                recurrence: Recurrence::Recurring {
                    first: 2027,
                    last: 2029,
                },
                amount_cents: 100_000,
                eligible: false,
            },
        ]
    }

    fn nrw(state: ApplicationState, granted: Option<i64>) -> FundingApplication {
        FundingApplication {
            years: 2027..=2027,
            state,
            requested_cents: None,
            granted_cents: granted,
            rule: FundingRule::NRW_INTERMUNICIPAL,
        }
    }

    #[test]
    fn shares_sum_to_the_own_share_every_year() {
        let items = items();
        let payers = [
            payer(AHLEN, 53_278),
            payer(BECKUM, 37_333),
            payer(TELGTE, 20_301),
        ];
        let key = key(KeyRule::Population);
        let input = PlanInput {
            items: &items,
            applications: &[],
            key: Some(&key),
            payers: &payers,
            memberships: None,
        };
        let allocation = allocate_project(input, Scenario::Committed, 2026..=2030);
        assert_eq!(allocation.outcome, Outcome::Complete);
        assert_eq!(allocation.years.len(), 5);
        for year in &allocation.years {
            let sum: i64 = year.shares_cents.values().sum();
            assert_eq!(sum, year.figures.own_share_cents, "{}", year.figures.year);
            assert_eq!(year.shares_cents.len(), 3);
        }
        assert_eq!(allocation.years[1].figures.own_share_cents, 10_100_001);
    }

    #[test]
    fn planning_counts_expected_funding_and_committed_only_grants() {
        let items = items();
        let payers = [payer(AHLEN, 1), payer(BECKUM, 1), payer(TELGTE, 1)];
        let key = key(KeyRule::Equal);
        let applications = [nrw(ApplicationState::Submitted, None)];
        let input = PlanInput {
            items: &items,
            applications: &applications,
            key: Some(&key),
            payers: &payers,
            memberships: None,
        };
        let committed = allocate_project(input, Scenario::Committed, 2027..=2027);
        assert_eq!(committed.years[0].figures.funding_cents, 0);
        // Three partners: 175,000 + 35,000 EUR, limited to 90 % of 100,000.01 EUR.
        let planning = allocate_project(input, Scenario::Planning, 2027..=2027);
        assert_eq!(planning.years[0].figures.funding_cents, 9_000_000);

        let granted = [nrw(ApplicationState::Granted, Some(5_000_000))];
        let input = PlanInput {
            applications: &granted,
            ..input
        };
        let committed = allocate_project(input, Scenario::Committed, 2027..=2027);
        assert_eq!(committed.years[0].figures.funding_cents, 5_000_000);
        assert_eq!(
            committed.years[0].figures.own_share_cents,
            10_100_001 - 5_000_000
        );

        let rejected = [nrw(ApplicationState::Rejected, None)];
        let input = PlanInput {
            applications: &rejected,
            ..input
        };
        let planning = allocate_project(input, Scenario::Planning, 2027..=2027);
        assert_eq!(planning.years[0].figures.funding_cents, 0);
    }

    #[test]
    fn an_expected_grant_is_at_most_the_requested_amount() {
        let items = items();
        let mut application = nrw(ApplicationState::Planned, None);
        application.requested_cents = Some(12_345);
        let grants = grants(Scenario::Planning, &[application], &items, 2);
        assert_eq!(grants[0].amount_cents, 12_345);
    }

    #[test]
    fn weights_and_caps_of_non_payers_are_left_out_but_percentages_must_fit() {
        let items = items();
        let payers = [payer(AHLEN, 1), payer(BECKUM, 1)];
        let mut weights = key(KeyRule::CustomWeights(
            [(AHLEN.into(), 3), (BECKUM.into(), 1), (TELGTE.into(), 5)].into(),
        ));
        weights.caps_cents = [(TELGTE.to_owned(), 0)].into();
        let input = PlanInput {
            items: &items,
            applications: &[],
            key: Some(&weights),
            payers: &payers,
            memberships: None,
        };
        let allocation = allocate_project(input, Scenario::Committed, 2028..=2028);
        assert_eq!(allocation.outcome, Outcome::Complete);
        assert_eq!(allocation.years[0].shares_cents[AHLEN], 75_000);

        let percentages = key(KeyRule::FixedPercentages(
            [(AHLEN.into(), 5_000), (TELGTE.into(), 5_000)].into(),
        ));
        let input = PlanInput {
            key: Some(&percentages),
            ..input
        };
        let allocation = allocate_project(input, Scenario::Committed, 2028..=2028);
        assert!(matches!(allocation.outcome, Outcome::KeyDoesNotFit(_)));
        assert!(allocation.years[0].shares_cents.is_empty());
        assert_eq!(allocation.years[0].figures.own_share_cents, 100_000);
    }

    #[test]
    fn without_key_or_payers_there_are_figures_but_no_shares() {
        let items = items();
        let input = PlanInput {
            items: &items,
            applications: &[],
            key: None,
            payers: &[],
            memberships: None,
        };
        let allocation = allocate_project(input, Scenario::Committed, 2027..=2028);
        assert_eq!(allocation.outcome, Outcome::NoCostKey);
        assert_eq!(allocation.years.len(), 2);
        let equal = key(KeyRule::Equal);
        let input = PlanInput {
            key: Some(&equal),
            ..input
        };
        let allocation = allocate_project(input, Scenario::Committed, 2027..=2028);
        assert_eq!(allocation.outcome, Outcome::NoPayingParticipants);
    }

    #[test]
    fn plan_years_span_items_and_applications() {
        let items = items();
        assert_eq!(plan_years(&items, &[]), Some(2027..=2029));
        let mut application = nrw(ApplicationState::Planned, None);
        application.years = 2026..=2030;
        assert_eq!(plan_years(&items, &[application]), Some(2026..=2030));
        assert_eq!(plan_years(&[], &[]), None);
    }
}
