//! Computing a project's allocation from the database, storing it, and keeping every
//! organization's budget summary in step.
//!
//! [`recompute`] runs inside the transaction of every write that changes what a project's shares
//! are computed from (cost items, funding, the key, opt-ins and withdrawals), after that write
//! took the project's row lock (`db::projects::lock_live`). It writes the rows of the project's
//! stored allocation that changed (`allocation_rows`) and applies the difference to
//! `organization_budget_years`, so that the budget view never aggregates over all projects.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::allocation_rows::{AllocationRows, write_difference, write_headers};
use super::budget::apply_budget_delta;
pub use super::computed::Computed;
use super::cost_keys::{self, CostKeyRow};
use super::participants::{
    ParticipantState, PayingParticipant, paying_participants, populations_on,
};
use super::{cost_items, funding};
use crate::db::schema::{project_allocation_shares, project_allocation_years, project_allocations};
use crate::domain::allocation::Payer;
use crate::domain::cost_plan::CostItem;
use crate::domain::cost_sharing::{
    FundingApplication, KeyDefinition, PlanInput, Scenario, allocate_project, plan_years,
};
use crate::domain::membership::Memberships;

/// What a project's allocation is computed from, apart from its participants.
#[derive(Debug, Clone)]
pub struct PlanData {
    pub items: Vec<CostItem>,
    pub applications: Vec<FundingApplication>,
    pub key: Option<CostKeyRow>,
}

impl PlanData {
    pub fn years(&self) -> Option<RangeInclusive<i32>> {
        plan_years(&self.items, &self.applications)
    }
}

pub async fn load_plan(conn: &mut AsyncPgConnection, project_id: Uuid) -> QueryResult<PlanData> {
    Ok(load_plans(conn, &[project_id])
        .await?
        .remove(&project_id)
        .expect("load_plans answers for every project asked"))
}

/// The plans of several projects in three queries, one entry per project asked for.
pub async fn load_plans(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, PlanData>> {
    let mut items = cost_items::accepted_of(conn, project_ids).await?;
    let mut applications = funding::for_allocations(conn, project_ids).await?;
    let mut keys = cost_keys::current_of(conn, project_ids).await?;
    Ok(project_ids
        .iter()
        .map(|id| {
            (
                *id,
                PlanData {
                    items: items.remove(id).unwrap_or_default(),
                    applications: applications.remove(id).unwrap_or_default(),
                    key: keys.remove(id),
                },
            )
        })
        .collect())
}

/// The key a computation uses: a stored version or a hypothetical one.
#[derive(Debug, Clone, Copy)]
pub enum KeyChoice<'a> {
    Stored,
    Hypothetical(&'a KeyDefinition),
}

/// Computes the allocation of `years` for `payers` in `scenario`, reading the populations the key
/// needs.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    plan: &PlanData,
    key_choice: KeyChoice<'_>,
    payers: Vec<PayingParticipant>,
    scenario: Scenario,
    years: RangeInclusive<i32>,
) -> QueryResult<Computed> {
    let figures = match populations_needed(plan, key_choice, &payers) {
        Some((keyed, date)) => populations_on(conn, &keyed, date).await?,
        None => BTreeMap::new(),
    };
    let keys: Vec<String> = payers.iter().map(|p| p.organization_key.clone()).collect();
    let memberships = crate::db::memberships::memberships_of(conn, &keys).await?;
    Ok(compute_with(
        plan,
        key_choice,
        payers,
        |org| figures.get(org).copied(),
        &memberships,
        scenario,
        years,
    ))
}

/// The key a computation uses and its stored version.
fn chosen_key<'a>(
    plan: &PlanData,
    key_choice: KeyChoice<'a>,
) -> (Option<std::borrow::Cow<'a, KeyDefinition>>, Option<i32>) {
    match key_choice {
        KeyChoice::Stored => (
            plan.key
                .as_ref()
                .map(|k| std::borrow::Cow::Owned(k.to_definition())),
            plan.key.as_ref().map(|k| k.version),
        ),
        KeyChoice::Hypothetical(key) => (Some(std::borrow::Cow::Borrowed(key)), None),
    }
}

/// The organizations whose population figures the computation needs, and the reference date
/// of those figures; `None` when the key does not split by population.
pub fn populations_needed(
    plan: &PlanData,
    key_choice: KeyChoice<'_>,
    payers: &[PayingParticipant],
) -> Option<(Vec<String>, NaiveDate)> {
    let (key, _) = chosen_key(plan, key_choice);
    let key = key?;
    if !key.needs_population() {
        return None;
    }
    let date = key.population_date?;
    // With a district share the district pays a fixed part; only the others' populations
    // matter.
    let keyed = payers
        .iter()
        .filter(|p| !(p.is_district && key.district_share_bp.is_some()))
        .map(|p| p.organization_key.clone())
        .collect();
    Some((keyed, date))
}

/// [`compute`] without the database: `population` gives an organization's figure on the key's
/// reference date (see [`populations_needed`]), `memberships` the payers' membership periods
/// (each year is split among its members only). Lets a report compute many projects' what-ifs
/// from figures read in one query.
pub fn compute_with(
    plan: &PlanData,
    key_choice: KeyChoice<'_>,
    payers: Vec<PayingParticipant>,
    population: impl Fn(&str) -> Option<i32>,
    memberships: &Memberships,
    scenario: Scenario,
    years: RangeInclusive<i32>,
) -> Computed {
    let needed = populations_needed(plan, key_choice, &payers);
    let (key, key_version) = chosen_key(plan, key_choice);
    let key = key.as_deref();
    let populations: BTreeMap<String, i64> = needed
        .map(|(keyed, _)| {
            keyed
                .into_iter()
                .filter_map(|org| population(&org).map(|p| (org, i64::from(p))))
                .collect()
        })
        .unwrap_or_default();
    let engine_payers: Vec<Payer> = payers
        .iter()
        .map(|p| Payer {
            org_key: p.organization_key.clone(),
            population: populations
                .get(&p.organization_key)
                .and_then(|&v| u64::try_from(v).ok()),
            is_district: p.is_district,
        })
        .collect();
    let allocation = allocate_project(
        PlanInput {
            items: &plan.items,
            applications: &plan.applications,
            key,
            payers: &engine_payers,
            memberships: Some(memberships),
        },
        scenario,
        years,
    );
    Computed {
        scenario,
        key_version,
        population_date: key.and_then(|k| k.population_date.filter(|_| k.needs_population())),
        payers,
        populations,
        allocation,
    }
}

/// An empty range of years, for a plan without any.
fn no_years() -> RangeInclusive<i32> {
    #[expect(clippy::reversed_empty_ranges, reason = "deliberately empty")]
    let empty = 1..=0;
    empty
}

/// Recomputes and stores the project's allocation in both scenarios and applies the change to
/// the budget summaries. The caller holds the project's row lock, in the transaction of the
/// write that made the recomputation necessary.
pub async fn recompute(conn: &mut AsyncPgConnection, project_id: Uuid) -> QueryResult<()> {
    let plan = load_plan(conn, project_id).await?;
    let years = plan.years().unwrap_or_else(no_years);
    let planning_payers = paying_participants(conn, project_id, true).await?;
    let (committed, planning) =
        compute_stored_scenarios(conn, &plan, planning_payers, years).await?;

    let before = AllocationRows::stored(conn, project_id).await?;
    let after = AllocationRows::of(&[&committed, &planning]);
    write_headers(conn, project_id, &[&committed, &planning]).await?;
    write_difference(conn, project_id, &before, &after).await?;
    apply_budget_delta(conn, &before.contributions(), &after.contributions()).await
}

/// Both stored scenarios with the stored key. The planning scenario's payers include the
/// committed scenario's, so one read of their populations and memberships serves both.
async fn compute_stored_scenarios(
    conn: &mut AsyncPgConnection,
    plan: &PlanData,
    planning_payers: Vec<PayingParticipant>,
    years: RangeInclusive<i32>,
) -> QueryResult<(Computed, Computed)> {
    let figures = match populations_needed(plan, KeyChoice::Stored, &planning_payers) {
        Some((keyed, date)) => populations_on(conn, &keyed, date).await?,
        None => BTreeMap::new(),
    };
    let keys: Vec<String> = planning_payers
        .iter()
        .map(|p| p.organization_key.clone())
        .collect();
    let memberships = crate::db::memberships::memberships_of(conn, &keys).await?;
    let committed_payers: Vec<PayingParticipant> = planning_payers
        .iter()
        .filter(|p| p.state == ParticipantState::Committed)
        .cloned()
        .collect();
    let compute = |payers, scenario| {
        compute_with(
            plan,
            KeyChoice::Stored,
            payers,
            |org| figures.get(org).copied(),
            &memberships,
            scenario,
            years.clone(),
        )
    };
    Ok((
        compute(committed_payers, Scenario::Committed),
        compute(planning_payers, Scenario::Planning),
    ))
}

/// The projects whose stored allocation splits by population on `date` with `organization`
/// among the payers, in id order (the order to lock them in). A figure that is new for that
/// organization and date was missing when they were computed, so they must be computed again.
pub async fn awaiting_population(
    conn: &mut AsyncPgConnection,
    organization: &str,
    date: NaiveDate,
) -> QueryResult<Vec<Uuid>> {
    project_allocations::table
        .filter(project_allocations::population_date.eq(date))
        .filter(project_allocations::payers.contains(vec![organization.to_owned()]))
        .select(project_allocations::project_id)
        .distinct()
        .order(project_allocations::project_id.asc())
        .load(conn)
        .await
}

/// The projects whose stored allocation has `organization` among its payers, in id order
/// (the order to lock them in): they are computed again when its membership changes.
pub async fn paid_by(conn: &mut AsyncPgConnection, organization: &str) -> QueryResult<Vec<Uuid>> {
    project_allocations::table
        .filter(project_allocations::payers.contains(vec![organization.to_owned()]))
        .select(project_allocations::project_id)
        .distinct()
        .order(project_allocations::project_id.asc())
        .load(conn)
        .await
}

/// Removes a deleted project's stored allocation and takes its shares out of the budget
/// summaries. The caller holds the project's row lock, in the deleting transaction.
pub async fn clear(conn: &mut AsyncPgConnection, project_id: Uuid) -> QueryResult<()> {
    let before = AllocationRows::stored(conn, project_id).await?;
    // The years and shares go with their header (ON DELETE CASCADE).
    diesel::delete(
        project_allocations::table.filter(project_allocations::project_id.eq(project_id)),
    )
    .execute(conn)
    .await?;
    apply_budget_delta(conn, &before.contributions(), &Default::default()).await
}

/// The stored header of a project's allocation in one scenario.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_allocations)]
pub struct StoredHeader {
    pub status: String,
    pub problem: Option<String>,
    pub key_version: Option<i32>,
    pub population_date: Option<NaiveDate>,
    pub payers: Vec<String>,
    pub populations: serde_json::Value,
    pub computed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_allocation_years)]
pub struct StoredYear {
    pub fiscal_year: i32,
    pub total_cents: i64,
    pub eligible_cents: i64,
    pub funding_cents: i64,
    pub own_share_cents: i64,
    pub unallocated_cents: i64,
}

/// A stored allocation, read in one snapshot.
#[derive(Debug, Clone)]
pub struct Stored {
    pub header: Option<StoredHeader>,
    pub years: Vec<StoredYear>,
    /// `year -> organization -> cents`.
    pub shares: BTreeMap<i32, BTreeMap<String, i64>>,
}

/// Reads the stored allocation of the years in `years` (all years when `None`). Call it in a
/// repeatable-read transaction so that the three reads see one state.
pub async fn stored(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    scenario: Scenario,
    years: Option<RangeInclusive<i32>>,
) -> QueryResult<Stored> {
    let header = project_allocations::table
        .find((project_id, scenario.as_str()))
        .select(StoredHeader::as_select())
        .first(conn)
        .await
        .optional()?;
    let (from, to) = years.map_or((i32::MIN, i32::MAX), |r| (*r.start(), *r.end()));
    let year_rows = project_allocation_years::table
        .filter(project_allocation_years::project_id.eq(project_id))
        .filter(project_allocation_years::scenario.eq(scenario.as_str()))
        .filter(project_allocation_years::fiscal_year.between(from, to))
        .order(project_allocation_years::fiscal_year.asc())
        .select(StoredYear::as_select())
        .load(conn)
        .await?;
    let share_rows: Vec<(i32, String, i64)> = project_allocation_shares::table
        .filter(project_allocation_shares::project_id.eq(project_id))
        .filter(project_allocation_shares::scenario.eq(scenario.as_str()))
        .filter(project_allocation_shares::fiscal_year.between(from, to))
        .select((
            project_allocation_shares::fiscal_year,
            project_allocation_shares::organization_key,
            project_allocation_shares::share_cents,
        ))
        .load(conn)
        .await?;
    let mut shares: BTreeMap<i32, BTreeMap<String, i64>> = BTreeMap::new();
    for (year, org, cents) in share_rows {
        shares.entry(year).or_default().insert(org, cents);
    }
    Ok(Stored {
        header,
        years: year_rows,
        shares,
    })
}
