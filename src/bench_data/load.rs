//! The SQL of `bench-data`: each table of a batch is written by one `INSERT .. SELECT FROM
//! unnest(..)` over column arrays, so a batch of thousands of rows is one statement per table
//! (no parameter limit, no per-row round trip).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryResult;
use diesel::sql_types::{
    Array, BigInt, Bool, Date, Integer, Jsonb, Nullable, SmallInt, Text, Timestamptz,
    Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::generate::{MeetingBatch, ProjectBatch};
use crate::db::costs::allocation::Computed;
use crate::db::costs::participants::ParticipantState;

fn col<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

/// Writes the batch's projects, opt-ins, cost items, funding applications and cost keys.
pub async fn projects(
    conn: &mut AsyncPgConnection,
    batch: &ProjectBatch,
    programme_id: Option<Uuid>,
    note: &str,
    created_by: &str,
) -> QueryResult<()> {
    let p = &batch.projects;
    diesel::sql_query(
        "INSERT INTO projects (id, code, title, summary, field_of_action, category, \
                               lead_organization, status, progress_percent, planned_start, \
                               planned_end, internal_note) \
         SELECT u.*, $12 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
                                     $6::text[], $7::text[], $8::text[], $9::int2[], $10::date[], \
                                     $11::date[]) \
              AS u(id, code, title, summary, field, category, lead, status, progress, s, e)",
    )
    .bind::<Array<SqlUuid>, _>(col(p, |r| r.id))
    .bind::<Array<Text>, _>(col(p, |r| r.code.clone()))
    .bind::<Array<Text>, _>(col(p, |r| r.title.clone()))
    .bind::<Array<Text>, _>(col(p, |_| note.to_owned()))
    .bind::<Array<Text>, _>(col(p, |r| r.field_of_action.clone()))
    .bind::<Array<Text>, _>(col(p, |r| r.category.to_owned()))
    .bind::<Array<Text>, _>(col(p, |r| r.lead_organization.clone()))
    .bind::<Array<Text>, _>(col(p, |r| r.status.to_owned()))
    .bind::<Array<SmallInt>, _>(col(p, |r| r.progress_percent))
    .bind::<Array<Date>, _>(col(p, |r| r.planned_start))
    .bind::<Array<Date>, _>(col(p, |r| r.planned_end))
    .bind::<Text, _>(note)
    .execute(conn)
    .await?;

    let x = &batch.participations;
    diesel::sql_query(
        "INSERT INTO participations (id, project_id, organization_key, state, \
                                     council_resolution_required) \
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bool[])",
    )
    .bind::<Array<SqlUuid>, _>(col(x, |r| r.id))
    .bind::<Array<SqlUuid>, _>(col(x, |r| r.project_id))
    .bind::<Array<Text>, _>(col(x, |r| r.organization_key.clone()))
    .bind::<Array<Text>, _>(col(x, |r| r.state.to_owned()))
    .bind::<Array<Bool>, _>(col(x, |r| r.council_resolution_required))
    .execute(conn)
    .await?;
    // Each opt-in's history starts with its creation, as the write path records it.
    diesel::sql_query(
        "INSERT INTO participation_history (participation_id, from_state, to_state, \
                                            actor_subject, reason) \
         SELECT id, NULL, state, $3, 'bench-data' FROM unnest($1::uuid[], $2::text[]) AS u(id, state)",
    )
    .bind::<Array<SqlUuid>, _>(col(x, |r| r.id))
    .bind::<Array<Text>, _>(col(x, |r| r.state.to_owned()))
    .bind::<Text, _>(created_by)
    .execute(conn)
    .await?;

    let c = &batch.cost_items;
    diesel::sql_query(
        "INSERT INTO cost_items (id, project_id, category, recurrence, first_year, last_year, \
                                 amount_cents, eligible_for_funding, basis, description, status) \
         SELECT id, project_id, category, recurrence, first_year, last_year, amount_cents, \
                eligible, 'estimate', description, 'accepted' \
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int4[], $6::int4[], \
                       $7::int8[], $8::bool[], $9::text[]) \
             AS u(id, project_id, category, recurrence, first_year, last_year, amount_cents, \
                  eligible, description)",
    )
    .bind::<Array<SqlUuid>, _>(col(c, |r| r.id))
    .bind::<Array<SqlUuid>, _>(col(c, |r| r.project_id))
    .bind::<Array<Text>, _>(col(c, |r| r.category.to_owned()))
    .bind::<Array<Text>, _>(col(c, |r| r.recurrence.to_owned()))
    .bind::<Array<Integer>, _>(col(c, |r| r.first_year))
    .bind::<Array<Integer>, _>(col(c, |r| r.last_year))
    .bind::<Array<BigInt>, _>(col(c, |r| r.amount_cents))
    .bind::<Array<Bool>, _>(col(c, |r| r.eligible_for_funding))
    .bind::<Array<Text>, _>(col(c, |r| r.description.clone()))
    .execute(conn)
    .await?;

    if let Some(programme_id) = programme_id
        && !batch.funding.is_empty()
    {
        let f = &batch.funding;
        diesel::sql_query(
            "INSERT INTO funding_applications (id, project_id, programme_id, state, \
                                               requested_cents, granted_cents, decision_date, \
                                               first_year, last_year) \
             SELECT id, project_id, $7, state, requested, granted, decided, $8, $9 \
               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int8[], $5::int8[], \
                           $6::date[]) \
                 AS u(id, project_id, state, requested, granted, decided)",
        )
        .bind::<Array<SqlUuid>, _>(col(f, |r| r.id))
        .bind::<Array<SqlUuid>, _>(col(f, |r| r.project_id))
        .bind::<Array<Text>, _>(col(f, |r| r.state.to_owned()))
        .bind::<Array<BigInt>, _>(col(f, |r| r.requested_cents))
        .bind::<Array<Nullable<BigInt>>, _>(col(f, |r| r.granted_cents))
        .bind::<Array<Nullable<Date>>, _>(col(f, |r| r.decision_date))
        .bind::<SqlUuid, _>(programme_id)
        .bind::<Integer, _>(super::generate::FIRST_YEAR)
        .bind::<Integer, _>(super::generate::LAST_YEAR)
        .execute(conn)
        .await?;
    }

    let k = &batch.keys;
    diesel::sql_query(
        "INSERT INTO cost_keys (project_id, version, rule, population_date, equal_part_bp, \
                                created_by, note) \
         SELECT project_id, 1, rule, population_date, equal_part_bp, $5, 'bench-data' \
           FROM unnest($1::uuid[], $2::text[], $3::date[], $4::int4[]) \
             AS u(project_id, rule, population_date, equal_part_bp)",
    )
    .bind::<Array<SqlUuid>, _>(col(k, |r| r.project_id))
    .bind::<Array<Text>, _>(col(k, |r| r.rule.to_owned()))
    .bind::<Array<Nullable<Date>>, _>(col(k, |r| r.population_date))
    .bind::<Array<Nullable<Integer>>, _>(col(k, |r| r.equal_part_bp))
    .bind::<Text, _>(created_by)
    .execute(conn)
    .await
    .map(drop)
}

/// Stores computed allocations (both scenarios of each project), as `db::costs::allocation`
/// stores one project's: a header, the years' figures and every payer's share per year.
pub async fn allocations(
    conn: &mut AsyncPgConnection,
    computed: &[(Uuid, Computed)],
) -> QueryResult<()> {
    let mut h_project = Vec::new();
    let mut h_scenario = Vec::new();
    let mut h_status = Vec::new();
    let mut h_problem: Vec<Option<String>> = Vec::new();
    let mut h_key_version: Vec<Option<i32>> = Vec::new();
    let mut h_population_date: Vec<Option<NaiveDate>> = Vec::new();
    let mut h_payers: Vec<serde_json::Value> = Vec::new();
    let mut h_populations: Vec<serde_json::Value> = Vec::new();
    let mut y_project = Vec::new();
    let mut y_scenario = Vec::new();
    let mut y_year = Vec::new();
    let mut y_figures: [Vec<i64>; 5] = Default::default();
    let mut s_project = Vec::new();
    let mut s_scenario = Vec::new();
    let mut s_year = Vec::new();
    let mut s_org = Vec::new();
    let mut s_state = Vec::new();
    let mut s_cents = Vec::new();
    for (project_id, c) in computed {
        let scenario = c.scenario.as_str().to_owned();
        let outcome = &c.allocation.outcome;
        h_project.push(*project_id);
        h_scenario.push(scenario.clone());
        h_status.push(outcome.status().to_owned());
        h_problem.push(outcome.problem());
        h_key_version.push(c.key_version);
        h_population_date.push(c.population_date);
        h_payers.push(serde_json::json!(
            c.payers
                .iter()
                .map(|p| p.organization_key.clone())
                .collect::<Vec<_>>()
        ));
        h_populations.push(serde_json::json!(c.populations));
        let states: BTreeMap<&str, ParticipantState> = c
            .payers
            .iter()
            .map(|p| (p.organization_key.as_str(), p.state))
            .collect();
        for y in &c.allocation.years {
            y_project.push(*project_id);
            y_scenario.push(scenario.clone());
            y_year.push(y.figures.year);
            y_figures[0].push(y.figures.total_cents);
            y_figures[1].push(y.figures.eligible_cents);
            y_figures[2].push(y.figures.funding_cents);
            y_figures[3].push(y.figures.own_share_cents);
            y_figures[4].push(y.unallocated_cents);
            for (org, &cents) in &y.shares_cents {
                let state = states
                    .get(org.as_str())
                    .copied()
                    .unwrap_or(ParticipantState::Committed);
                s_project.push(*project_id);
                s_scenario.push(scenario.clone());
                s_year.push(y.figures.year);
                s_org.push(org.clone());
                s_state.push(state.as_str().to_owned());
                s_cents.push(cents);
            }
        }
    }
    // `payers` is a text[] per row: arrays of arrays do not unnest row-wise, so it travels as
    // JSON and is turned back into an array.
    diesel::sql_query(
        "INSERT INTO project_allocations (project_id, scenario, status, problem, key_version, \
                                          population_date, payers, populations) \
         SELECT project_id, scenario, status, problem, key_version, population_date, \
                ARRAY(SELECT jsonb_array_elements_text(payers)), populations \
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::date[], \
                       $7::jsonb[], $8::jsonb[]) \
             AS u(project_id, scenario, status, problem, key_version, population_date, payers, \
                  populations)",
    )
    .bind::<Array<SqlUuid>, _>(h_project)
    .bind::<Array<Text>, _>(h_scenario)
    .bind::<Array<Text>, _>(h_status)
    .bind::<Array<Nullable<Text>>, _>(h_problem)
    .bind::<Array<Nullable<Integer>>, _>(h_key_version)
    .bind::<Array<Nullable<Date>>, _>(h_population_date)
    .bind::<Array<Jsonb>, _>(h_payers)
    .bind::<Array<Jsonb>, _>(h_populations)
    .execute(conn)
    .await?;
    let [total, eligible, funding, own, unallocated] = y_figures;
    diesel::sql_query(
        "INSERT INTO project_allocation_years (project_id, scenario, fiscal_year, total_cents, \
                                               eligible_cents, funding_cents, own_share_cents, \
                                               unallocated_cents) \
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int4[], $4::int8[], $5::int8[], \
                              $6::int8[], $7::int8[], $8::int8[])",
    )
    .bind::<Array<SqlUuid>, _>(y_project)
    .bind::<Array<Text>, _>(y_scenario)
    .bind::<Array<Integer>, _>(y_year)
    .bind::<Array<BigInt>, _>(total)
    .bind::<Array<BigInt>, _>(eligible)
    .bind::<Array<BigInt>, _>(funding)
    .bind::<Array<BigInt>, _>(own)
    .bind::<Array<BigInt>, _>(unallocated)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO project_allocation_shares (project_id, scenario, fiscal_year, \
                                                organization_key, participant_state, share_cents) \
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int4[], $4::text[], $5::text[], \
                              $6::int8[])",
    )
    .bind::<Array<SqlUuid>, _>(s_project)
    .bind::<Array<Text>, _>(s_scenario)
    .bind::<Array<Integer>, _>(s_year)
    .bind::<Array<Text>, _>(s_org)
    .bind::<Array<Text>, _>(s_state)
    .bind::<Array<BigInt>, _>(s_cents)
    .execute(conn)
    .await
    .map(drop)
}

/// Sets every organization's budget summary to the sum of the stored shares (committed: the
/// committed scenario; pending: the planning scenario's shares of participants whose council
/// decision is pending), the rule `db::costs::budget` maintains by delta: the whole sum in slot
/// 0, the other slots' rows removed.
pub async fn budget_summaries(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM organization_budget_years")
        .execute(conn)
        .await?;
    diesel::sql_query(
        "INSERT INTO organization_budget_years (organization_key, fiscal_year, shard, \
                                                committed_cents, pending_cents) \
         SELECT organization_key, fiscal_year, 0, \
                COALESCE(SUM(share_cents) FILTER (WHERE scenario = 'committed'), 0), \
                COALESCE(SUM(share_cents) FILTER (WHERE scenario = 'planning' \
                                         AND participant_state = 'council_decision_pending'), 0) \
           FROM project_allocation_shares GROUP BY organization_key, fiscal_year",
    )
    .execute(conn)
    .await
}

/// Writes the batch's meetings, agenda items and the items' project links.
pub async fn meetings(conn: &mut AsyncPgConnection, batch: &MeetingBatch) -> QueryResult<()> {
    let m = &batch.meetings;
    diesel::sql_query(
        "INSERT INTO meetings (id, number, title, starts_at, ends_at, location_address, public, \
                               state) \
         SELECT id, number, title, starts_at, ends_at, \
                'Kreishaus Musterland, Musterstraße 1, 99999 Musterstadt', public, state \
           FROM unnest($1::uuid[], $2::int4[], $3::text[], $4::timestamptz[], \
                       $5::timestamptz[], $6::bool[], $7::text[]) \
             AS u(id, number, title, starts_at, ends_at, public, state)",
    )
    .bind::<Array<SqlUuid>, _>(col(m, |r| r.id))
    .bind::<Array<Integer>, _>(col(m, |r| r.number))
    .bind::<Array<Text>, _>(col(m, |r| r.title.clone()))
    .bind::<Array<Timestamptz>, _>(col::<_, DateTime<Utc>>(m, |r| r.starts_at))
    .bind::<Array<Timestamptz>, _>(col::<_, DateTime<Utc>>(m, |r| r.ends_at))
    .bind::<Array<Bool>, _>(col(m, |r| r.public))
    .bind::<Array<Text>, _>(col(m, |r| r.state.to_owned()))
    .execute(conn)
    .await?;
    let a = &batch.agenda_items;
    diesel::sql_query(
        "INSERT INTO agenda_items (id, meeting_id, position, number, title, public, \
                                   presenter_organization, result) \
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int4[], $4::text[], $5::text[], \
                              $6::bool[], $7::text[], $8::text[])",
    )
    .bind::<Array<SqlUuid>, _>(col(a, |r| r.id))
    .bind::<Array<SqlUuid>, _>(col(a, |r| r.meeting_id))
    .bind::<Array<Integer>, _>(col(a, |r| r.position))
    .bind::<Array<Text>, _>(col(a, |r| r.number.clone()))
    .bind::<Array<Text>, _>(col(a, |r| r.title.clone()))
    .bind::<Array<Bool>, _>(col(a, |r| r.public))
    .bind::<Array<Text>, _>(col(a, |r| r.presenter_organization.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(a, |r| r.result.map(str::to_owned)))
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO agenda_item_projects (agenda_item_id, project_id) \
         SELECT * FROM unnest($1::uuid[], $2::uuid[])",
    )
    .bind::<Array<SqlUuid>, _>(col(a, |r| r.id))
    .bind::<Array<SqlUuid>, _>(col(a, |r| r.project_id))
    .execute(conn)
    .await
    .map(drop)
}
