//! The per-organization, per-year budget summary: maintained by delta in the transaction of
//! every recomputation, read by the budget view with one indexed range read.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::computed::Computed;
use super::participants::ParticipantState;
use crate::db::schema::{organization_budget_years, project_allocation_shares};
use crate::domain::cost_sharing::Scenario;

/// `(organization, year) -> (committed, pending)` cents a project adds to the budget summaries.
pub(super) type Contributions = BTreeMap<(String, i32), (i64, i64)>;

pub(super) fn contributions(computed: &[&Computed]) -> Contributions {
    let mut out = Contributions::new();
    for c in computed {
        let states: BTreeMap<&str, ParticipantState> = c
            .payers
            .iter()
            .map(|p| (p.organization_key.as_str(), p.state))
            .collect();
        for year in &c.allocation.years {
            for (org, &cents) in &year.shares_cents {
                let entry = out.entry((org.clone(), year.figures.year)).or_default();
                match (c.scenario, states.get(org.as_str())) {
                    (Scenario::Committed, _) => entry.0 += cents,
                    (Scenario::Planning, Some(ParticipantState::CouncilDecisionPending)) => {
                        entry.1 += cents;
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

pub(super) async fn contributions_stored(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
) -> QueryResult<Contributions> {
    let rows: Vec<(String, i32, String, String, i64)> = project_allocation_shares::table
        .filter(project_allocation_shares::project_id.eq(project_id))
        .select((
            project_allocation_shares::organization_key,
            project_allocation_shares::fiscal_year,
            project_allocation_shares::scenario,
            project_allocation_shares::participant_state,
            project_allocation_shares::share_cents,
        ))
        .load(conn)
        .await?;
    let mut out = Contributions::new();
    for (org, year, scenario, state, cents) in rows {
        let entry = out.entry((org, year)).or_default();
        if scenario == Scenario::Committed.as_str() {
            entry.0 += cents;
        } else if state == ParticipantState::CouncilDecisionPending.as_str() {
            entry.1 += cents;
        }
    }
    Ok(out)
}

/// Adds `after - before` to the summaries, in (organization, year) order so that concurrent
/// recomputations of different projects lock summary rows in the same order and cannot
/// deadlock.
pub(super) async fn apply_budget_delta(
    conn: &mut AsyncPgConnection,
    before: &Contributions,
    after: &Contributions,
) -> QueryResult<()> {
    let keys: BTreeSet<&(String, i32)> = before.keys().chain(after.keys()).collect();
    let rows: Vec<_> = keys
        .into_iter()
        .filter_map(|key| {
            let (c0, p0) = before.get(key).copied().unwrap_or_default();
            let (c1, p1) = after.get(key).copied().unwrap_or_default();
            let delta = (c1 - c0, p1 - p0);
            (delta != (0, 0)).then(|| {
                (
                    organization_budget_years::organization_key.eq(key.0.clone()),
                    organization_budget_years::fiscal_year.eq(key.1),
                    organization_budget_years::committed_cents.eq(delta.0),
                    organization_budget_years::pending_cents.eq(delta.1),
                )
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    use organization_budget_years::dsl as b;
    diesel::insert_into(organization_budget_years::table)
        .values(&rows)
        .on_conflict((b::organization_key, b::fiscal_year))
        .do_update()
        .set((
            b::committed_cents.eq(b::committed_cents + excluded(b::committed_cents)),
            b::pending_cents.eq(b::pending_cents + excluded(b::pending_cents)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// One row of an organization's budget summary.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organization_budget_years)]
pub struct BudgetYear {
    pub fiscal_year: i32,
    pub committed_cents: i64,
    pub pending_cents: i64,
}

/// An organization's summary rows for `from..=to` (one indexed range read).
pub async fn budget_years(
    conn: &mut AsyncPgConnection,
    organization: &str,
    from: i32,
    to: i32,
) -> QueryResult<Vec<BudgetYear>> {
    organization_budget_years::table
        .filter(organization_budget_years::organization_key.eq(organization))
        .filter(organization_budget_years::fiscal_year.between(from, to))
        .order(organization_budget_years::fiscal_year.asc())
        .select(BudgetYear::as_select())
        .load(conn)
        .await
}

/// For tests and checks: the summary recomputed from the stored shares, the aggregate the
/// budget view avoids.
pub async fn budget_from_shares(
    conn: &mut AsyncPgConnection,
    organization: &str,
) -> QueryResult<BTreeMap<i32, (i64, i64)>> {
    let rows: Vec<(i32, String, String, i64)> = project_allocation_shares::table
        .filter(project_allocation_shares::organization_key.eq(organization))
        .select((
            project_allocation_shares::fiscal_year,
            project_allocation_shares::scenario,
            project_allocation_shares::participant_state,
            project_allocation_shares::share_cents,
        ))
        .load(conn)
        .await?;
    let mut out: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for (year, scenario, state, cents) in rows {
        let entry = out.entry(year).or_default();
        if scenario == Scenario::Committed.as_str() {
            entry.0 += cents;
        } else if state == ParticipantState::CouncilDecisionPending.as_str() {
            entry.1 += cents;
        }
    }
    Ok(out)
}
