//! The per-organization, per-year budget summary: maintained by delta in the transaction of
//! every recomputation, read by the budget view with one indexed range read.
//!
//! The summary of an organization and year is spread over write slots (migration 000100): a
//! transaction adds its delta to the rows of the slot it owns (`smartregion_write_slot()`), so
//! concurrent recomputations of different projects never wait for each other's summary rows,
//! and a read sums the slots' rows (at most 32 per year, whatever the size of the data).

use std::collections::{BTreeMap, BTreeSet};

use diesel::dsl::AssumeNotNull;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::participants::ParticipantState;
use crate::db::schema::{organization_budget_totals, project_allocation_shares};
use crate::domain::cost_sharing::Scenario;

/// `(organization, year) -> (committed, pending)` cents a project adds to the budget summaries.
pub(super) type Contributions = BTreeMap<(String, i32), (i64, i64)>;

/// Adds `after - before` to the summaries, into the rows of this transaction's write slot.
pub(super) async fn apply_budget_delta(
    conn: &mut AsyncPgConnection,
    before: &Contributions,
    after: &Contributions,
) -> QueryResult<()> {
    let keys: BTreeSet<&(String, i32)> = before.keys().chain(after.keys()).collect();
    let deltas: Vec<(&str, i32, i64, i64)> = keys
        .into_iter()
        .filter_map(|key| {
            let (c0, p0) = before.get(key).copied().unwrap_or_default();
            let (c1, p1) = after.get(key).copied().unwrap_or_default();
            let delta = (c1 - c0, p1 - p0);
            (delta != (0, 0)).then_some((key.0.as_str(), key.1, delta.0, delta.1))
        })
        .collect();
    if deltas.is_empty() {
        return Ok(());
    }
    // No other transaction writes this slot's rows while this one owns it: no lock waits, and
    // no lock order to keep.
    diesel::sql_query(
        "INSERT INTO organization_budget_years AS b \
                (organization_key, fiscal_year, shard, committed_cents, pending_cents) \
         SELECT d.organization_key, d.fiscal_year, smartregion_write_slot(), d.committed, \
                d.pending \
           FROM unnest($1::text[], $2::int4[], $3::int8[], $4::int8[]) \
                AS d(organization_key, fiscal_year, committed, pending) \
         ON CONFLICT (organization_key, fiscal_year, shard) DO UPDATE \
            SET committed_cents = b.committed_cents + EXCLUDED.committed_cents, \
                pending_cents = b.pending_cents + EXCLUDED.pending_cents",
    )
    .bind::<Array<Text>, _>(deltas.iter().map(|d| d.0).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(deltas.iter().map(|d| d.1).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(deltas.iter().map(|d| d.2).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(deltas.iter().map(|d| d.3).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(drop)
}

/// One year of an organization's budget summary. The view's columns are never NULL (see
/// `schema.rs`).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organization_budget_totals)]
pub struct BudgetYear {
    #[diesel(select_expression = organization_budget_totals::fiscal_year.assume_not_null())]
    #[diesel(select_expression_type = AssumeNotNull<organization_budget_totals::fiscal_year>)]
    pub fiscal_year: i32,
    #[diesel(select_expression = organization_budget_totals::committed_cents.assume_not_null())]
    #[diesel(select_expression_type = AssumeNotNull<organization_budget_totals::committed_cents>)]
    pub committed_cents: i64,
    #[diesel(select_expression = organization_budget_totals::pending_cents.assume_not_null())]
    #[diesel(select_expression_type = AssumeNotNull<organization_budget_totals::pending_cents>)]
    pub pending_cents: i64,
}

/// An organization's summary for `from..=to`: one indexed range read of the slots' rows,
/// summed per year by the view. A query of the DSL, so its prepared statement is cached.
pub async fn budget_years(
    conn: &mut AsyncPgConnection,
    organization: &str,
    from: i32,
    to: i32,
) -> QueryResult<Vec<BudgetYear>> {
    use organization_budget_totals::dsl as t;
    t::organization_budget_totals
        .filter(t::organization_key.eq(organization))
        .filter(t::fiscal_year.between(from, to))
        .order(t::fiscal_year.asc())
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
