//! A project's stored allocation as rows, and writing only the rows a recomputation changed.
//!
//! An opt-in change moves one payer in or out of one scenario: the year totals stay, and only
//! that scenario's shares move. Deleting and inserting the whole allocation rewrote about 160
//! rows per change, each with its foreign-key checks, its deferred audit check and, for the
//! planning years, two updates of the dashboard's cost summary; now only the rows that differ
//! are written (issue 14).

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Uuid as SqlUuid};
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::budget::Contributions;
use super::computed::Computed;
use super::participants::ParticipantState;
use crate::db::schema::{project_allocation_shares, project_allocation_years, project_allocations};
use crate::domain::cost_sharing::Scenario;

/// `(scenario, fiscal year)`.
type YearKey = (String, i32);
/// `(scenario, fiscal year, organization)`.
type ShareKey = (String, i32, String);

/// The figures of one stored allocation year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = project_allocation_years)]
pub(super) struct YearFigures {
    pub total_cents: i64,
    pub eligible_cents: i64,
    pub funding_cents: i64,
    pub own_share_cents: i64,
    pub unallocated_cents: i64,
}

/// One stored share: which budget column it feeds (the participant's state) and the cents.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = project_allocation_shares)]
pub(super) struct Share {
    pub participant_state: String,
    pub share_cents: i64,
}

/// The year and share rows of a project's allocation in both scenarios.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct AllocationRows {
    pub years: BTreeMap<YearKey, YearFigures>,
    pub shares: BTreeMap<ShareKey, Share>,
}

impl AllocationRows {
    /// The rows that store `computed`.
    pub fn of(computed: &[&Computed]) -> Self {
        let mut rows = Self::default();
        for c in computed {
            let scenario = c.scenario.as_str();
            let states: BTreeMap<&str, ParticipantState> = c
                .payers
                .iter()
                .map(|p| (p.organization_key.as_str(), p.state))
                .collect();
            for year in &c.allocation.years {
                let figures = &year.figures;
                rows.years.insert(
                    (scenario.to_owned(), figures.year),
                    YearFigures {
                        total_cents: figures.total_cents,
                        eligible_cents: figures.eligible_cents,
                        funding_cents: figures.funding_cents,
                        own_share_cents: figures.own_share_cents,
                        unallocated_cents: year.unallocated_cents,
                    },
                );
                for (org, &cents) in &year.shares_cents {
                    let state = states
                        .get(org.as_str())
                        .copied()
                        .unwrap_or(ParticipantState::Committed);
                    rows.shares.insert(
                        (scenario.to_owned(), figures.year, org.clone()),
                        Share {
                            participant_state: state.as_str().to_owned(),
                            share_cents: cents,
                        },
                    );
                }
            }
        }
        rows
    }

    /// The rows stored for the project (two index range reads).
    pub async fn stored(conn: &mut AsyncPgConnection, project_id: Uuid) -> QueryResult<Self> {
        use project_allocation_shares::dsl as s;
        use project_allocation_years::dsl as y;
        let years: Vec<(String, i32, YearFigures)> = y::project_allocation_years
            .filter(y::project_id.eq(project_id))
            .select((y::scenario, y::fiscal_year, YearFigures::as_select()))
            .load(conn)
            .await?;
        let shares: Vec<(String, i32, String, Share)> = s::project_allocation_shares
            .filter(s::project_id.eq(project_id))
            .select((
                s::scenario,
                s::fiscal_year,
                s::organization_key,
                Share::as_select(),
            ))
            .load(conn)
            .await?;
        Ok(Self {
            years: years
                .into_iter()
                .map(|(scenario, year, figures)| ((scenario, year), figures))
                .collect(),
            shares: shares
                .into_iter()
                .map(|(scenario, year, org, share)| ((scenario, year, org), share))
                .collect(),
        })
    }

    /// What these shares add to the budget summaries: the committed scenario's shares to the
    /// committed column, the planning scenario's shares of participants whose council decision
    /// is pending to the pending column.
    pub fn contributions(&self) -> Contributions {
        let mut out = Contributions::new();
        for ((scenario, year, org), share) in &self.shares {
            let entry = out.entry((org.clone(), *year)).or_default();
            if scenario == Scenario::Committed.as_str() {
                entry.0 += share.share_cents;
            } else if share.participant_state == ParticipantState::CouncilDecisionPending.as_str() {
                entry.1 += share.share_cents;
            }
        }
        out
    }
}

/// Writes both scenarios' headers (inserted or updated in one statement). Always written:
/// `computed_at` says when the allocation was last recomputed, changed or not.
pub(super) async fn write_headers(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    computed: &[&Computed],
) -> QueryResult<()> {
    use project_allocations::dsl as a;
    let rows: Vec<_> = computed
        .iter()
        .map(|c| {
            let outcome = &c.allocation.outcome;
            (
                a::project_id.eq(project_id),
                a::scenario.eq(c.scenario.as_str()),
                a::status.eq(outcome.status()),
                a::problem.eq(outcome.problem()),
                a::key_version.eq(c.key_version),
                a::population_date.eq(c.population_date),
                a::payers.eq(c
                    .payers
                    .iter()
                    .map(|p| p.organization_key.clone())
                    .collect::<Vec<_>>()),
                a::populations.eq(serde_json::json!(c.populations)),
            )
        })
        .collect();
    // `computed_at` is not in the row: its default (the transaction's start) is EXCLUDED's.
    diesel::insert_into(a::project_allocations)
        .values(&rows)
        .on_conflict((a::project_id, a::scenario))
        .do_update()
        .set((
            a::status.eq(excluded(a::status)),
            a::problem.eq(excluded(a::problem)),
            a::key_version.eq(excluded(a::key_version)),
            a::population_date.eq(excluded(a::population_date)),
            a::payers.eq(excluded(a::payers)),
            a::populations.eq(excluded(a::populations)),
            a::computed_at.eq(excluded(a::computed_at)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Turns the stored rows `before` into `after`, writing only what differs: removed shares and
/// years are deleted, new and changed ones inserted or updated. The headers must be written
/// first (the years refer to them).
pub(super) async fn write_difference(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    before: &AllocationRows,
    after: &AllocationRows,
) -> QueryResult<()> {
    let removed_shares: Vec<&ShareKey> = removed(&before.shares, &after.shares);
    let removed_years: Vec<&YearKey> = removed(&before.years, &after.years);
    delete_shares(conn, project_id, &removed_shares).await?;
    delete_years(conn, project_id, &removed_years).await?;
    upsert_years(conn, project_id, &changed(&before.years, &after.years)).await?;
    upsert_shares(conn, project_id, &changed(&before.shares, &after.shares)).await
}

/// The keys of `before` that `after` lacks.
fn removed<'a, K: Ord, V>(before: &'a BTreeMap<K, V>, after: &BTreeMap<K, V>) -> Vec<&'a K> {
    before.keys().filter(|k| !after.contains_key(k)).collect()
}

/// The entries of `after` that `before` lacks or holds with another value.
fn changed<'a, K: Ord, V: PartialEq>(
    before: &BTreeMap<K, V>,
    after: &'a BTreeMap<K, V>,
) -> Vec<(&'a K, &'a V)> {
    after
        .iter()
        .filter(|(k, v)| before.get(k) != Some(v))
        .collect()
}

async fn delete_shares(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    keys: &[&ShareKey],
) -> QueryResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "DELETE FROM project_allocation_shares \
          WHERE project_id = $1 \
            AND (scenario, fiscal_year, organization_key) IN \
                (SELECT * FROM unnest($2::text[], $3::int4[], $4::text[]))",
    )
    .bind::<SqlUuid, _>(project_id)
    .bind::<Array<Text>, _>(keys.iter().map(|k| k.0.as_str()).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(keys.iter().map(|k| k.1).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(keys.iter().map(|k| k.2.as_str()).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(drop)
}

/// Deletes years (and, by the foreign key's cascade, any share left in them).
async fn delete_years(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    keys: &[&YearKey],
) -> QueryResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "DELETE FROM project_allocation_years \
          WHERE project_id = $1 \
            AND (scenario, fiscal_year) IN (SELECT * FROM unnest($2::text[], $3::int4[]))",
    )
    .bind::<SqlUuid, _>(project_id)
    .bind::<Array<Text>, _>(keys.iter().map(|k| k.0.as_str()).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(keys.iter().map(|k| k.1).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(drop)
}

async fn upsert_years(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    years: &[(&YearKey, &YearFigures)],
) -> QueryResult<()> {
    if years.is_empty() {
        return Ok(());
    }
    use project_allocation_years::dsl as y;
    let rows: Vec<_> = years
        .iter()
        .map(|((scenario, year), f)| {
            (
                y::project_id.eq(project_id),
                y::scenario.eq(scenario.as_str()),
                y::fiscal_year.eq(*year),
                y::total_cents.eq(f.total_cents),
                y::eligible_cents.eq(f.eligible_cents),
                y::funding_cents.eq(f.funding_cents),
                y::own_share_cents.eq(f.own_share_cents),
                y::unallocated_cents.eq(f.unallocated_cents),
            )
        })
        .collect();
    diesel::insert_into(y::project_allocation_years)
        .values(&rows)
        .on_conflict((y::project_id, y::scenario, y::fiscal_year))
        .do_update()
        .set((
            y::total_cents.eq(excluded(y::total_cents)),
            y::eligible_cents.eq(excluded(y::eligible_cents)),
            y::funding_cents.eq(excluded(y::funding_cents)),
            y::own_share_cents.eq(excluded(y::own_share_cents)),
            y::unallocated_cents.eq(excluded(y::unallocated_cents)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

async fn upsert_shares(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    shares: &[(&ShareKey, &Share)],
) -> QueryResult<()> {
    if shares.is_empty() {
        return Ok(());
    }
    use project_allocation_shares::dsl as s;
    let rows: Vec<_> = shares
        .iter()
        .map(|((scenario, year, org), share)| {
            (
                s::project_id.eq(project_id),
                s::scenario.eq(scenario.as_str()),
                s::fiscal_year.eq(*year),
                s::organization_key.eq(org.as_str()),
                s::participant_state.eq(share.participant_state.as_str()),
                s::share_cents.eq(share.share_cents),
            )
        })
        .collect();
    // Bounded: at most 101 years times the 15 members and two scenarios, far below the
    // parameter limit.
    diesel::insert_into(s::project_allocation_shares)
        .values(&rows)
        .on_conflict((
            s::project_id,
            s::scenario,
            s::fiscal_year,
            s::organization_key,
        ))
        .do_update()
        .set((
            s::participant_state.eq(excluded(s::participant_state)),
            s::share_cents.eq(excluded(s::share_cents)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(state: &str, cents: i64) -> Share {
        Share {
            participant_state: state.to_owned(),
            share_cents: cents,
        }
    }

    fn key(scenario: &str, year: i32, org: &str) -> ShareKey {
        (scenario.to_owned(), year, org.to_owned())
    }

    #[test]
    fn only_what_differs_is_written() {
        let before = BTreeMap::from([
            (key("planning", 2026, "a"), share("committed", 50)),
            (key("planning", 2026, "b"), share("committed", 50)),
            (key("committed", 2026, "a"), share("committed", 100)),
        ]);
        let after = BTreeMap::from([
            (key("planning", 2026, "a"), share("committed", 34)),
            (
                key("planning", 2026, "c"),
                share("council_decision_pending", 33),
            ),
            (key("committed", 2026, "a"), share("committed", 100)),
        ]);
        assert_eq!(removed(&before, &after), vec![&key("planning", 2026, "b")]);
        let changed: Vec<&ShareKey> = changed(&before, &after).into_iter().map(|e| e.0).collect();
        assert_eq!(
            changed,
            vec![&key("planning", 2026, "a"), &key("planning", 2026, "c")]
        );
    }

    #[test]
    fn contributions_feed_the_budget_columns() {
        let rows = AllocationRows {
            years: BTreeMap::new(),
            shares: BTreeMap::from([
                (key("committed", 2027, "a"), share("committed", 100)),
                (key("planning", 2027, "a"), share("committed", 60)),
                (
                    key("planning", 2027, "b"),
                    share("council_decision_pending", 40),
                ),
            ]),
        };
        let contributions = rows.contributions();
        assert_eq!(contributions[&("a".to_owned(), 2027)], (100, 0));
        assert_eq!(contributions[&("b".to_owned(), 2027)], (0, 40));
    }
}
