//! `smartregion bench-data --scale N`: fills a database with synthetic data for benchmarks.
//!
//! Scale 1 is the size of the real cooperation: 24 projects with 7 opt-ins each (3 committed,
//! 1 council decision pending, 1 intends to join, 1 interested, 1 declined), 3 cost items each
//! over the five fiscal years 2025–2029, a funding application for every fourth project,
//! version 1 of a cost key (equal, population or mixed), the allocations and budget summaries,
//! and 20 steering-committee meetings with 12 agenda items each. Scale N multiplies projects,
//! opt-ins, cost items and meetings by N (scale 10,000: 240,000 projects, 1.68 million opt-ins,
//! 720,000 cost items, about 4 million allocation rows, 200,000 meetings).
//!
//! The rows go in through the service's schema, checks and triggers, in transactions of
//! [`PROJECT_BATCH`] projects (or [`MEETING_BATCH`] meetings) with large multi-row inserts. Each
//! transaction names its actor and writes one audit entry (and change record) per entity it
//! loads, with entity id `*` (the bulk form of the audit tie, see migrations 000014 and 000020).
//! The allocations are computed by the domain's own cost engine from the rows just written
//! (`db::costs::allocation::compute_with`), and the budget summaries are summed from them.

pub mod generate;
pub mod load;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::costs::allocation::{self, Computed, KeyChoice, PlanData};
use crate::db::costs::participants::{
    ParticipantState, PayingParticipant, paying_participants_of, populations_on_dates,
};
use crate::db::schema::{fields_of_action, funding_programmes, meetings, organizations, projects};
use crate::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::cost_sharing::Scenario;
use generate::{Generator, Org, ProjectBatch};

/// Projects per transaction.
pub const PROJECT_BATCH: u64 = 2_000;
/// Meetings per transaction (12 agenda items each).
pub const MEETING_BATCH: u64 = 500;
/// The action of every audit entry bench-data writes.
pub const ACTION: &str = "bench_data.load";
const PROGRAMME_NAME: &str = "Synthetisches Förderprogramm (bench-data)";

/// What a run wrote, and how long it took.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub projects: u64,
    pub participations: u64,
    pub cost_items: u64,
    pub funding_applications: u64,
    pub cost_keys: u64,
    /// Stored allocations (two scenarios per project).
    pub allocations: u64,
    pub allocation_shares: u64,
    pub meetings: u64,
    pub agenda_items: u64,
    pub budget_rows: u64,
    /// Audit entries (one per entity and transaction).
    pub audit_entries: u64,
    pub elapsed: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} projects, {} opt-ins, {} cost items, {} funding applications, {} cost keys, \
             {} allocations with {} shares, {} budget summary rows, {} meetings with {} agenda \
             items, {} audit entries in {:.1} s",
            self.projects,
            self.participations,
            self.cost_items,
            self.funding_applications,
            self.cost_keys,
            self.allocations,
            self.allocation_shares,
            self.budget_rows,
            self.meetings,
            self.agenda_items,
            self.audit_entries,
            self.elapsed.as_secs_f64()
        )
    }
}

fn bulk(entity: &'static str) -> Entry {
    Entry::created(entity, "*").action(ACTION)
}

/// Fills the database behind `conn` (migrated, reference data loaded, no synthetic data yet)
/// at `scale`, from the random `seed`. `progress` is told after every batch.
pub async fn fill(
    conn: &mut AsyncPgConnection,
    scale: u64,
    seed: u64,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<Report> {
    if scale == 0 {
        bail!("--scale must be at least 1");
    }
    let started = Instant::now();
    let synthetic: i64 = projects::table
        .filter(projects::code.like("SYN%"))
        .count()
        .get_result(conn)
        .await?;
    if synthetic > 0 {
        bail!(
            "the database already holds {synthetic} synthetic projects: bench-data fills a \
             fresh database"
        );
    }
    let orgs: Vec<Org> = organizations::table
        .filter(organizations::population.is_not_null())
        .order(organizations::key.asc())
        .select((organizations::key, organizations::kind))
        .load::<(String, String)>(conn)
        .await?
        .into_iter()
        .map(|(key, kind)| Org {
            is_district: kind == "kreis",
            key,
        })
        .collect();
    if orgs.len() < generate::PARTICIPANTS_PER_PROJECT {
        bail!("too few organizations with a population: load the reference data first (seed)");
    }
    let fields: Vec<String> = fields_of_action::table
        .order(fields_of_action::position.asc())
        .select(fields_of_action::code)
        .load(conn)
        .await?;
    let first_meeting_number: i32 = meetings::table
        .select(diesel::dsl::max(meetings::number))
        .first::<Option<i32>>(conn)
        .await?
        .unwrap_or(0);

    let actor = Actor::system("bench-data");
    let mut report = Report::default();

    // The population figures the keys split by, and the funding programme.
    let keys: Vec<String> = orgs.iter().map(|o| o.key.clone()).collect();
    let programme_id: Uuid = audited(conn, &actor, |conn| {
        async move {
            diesel::sql_query(
                "INSERT INTO organization_populations (organization_key, reference_date, \
                                                       population, source) \
                 SELECT key, $1, population, 'bench-data (synthetisch)' FROM organizations \
                  WHERE population IS NOT NULL ON CONFLICT DO NOTHING",
            )
            .bind::<diesel::sql_types::Date, _>(generate::population_date())
            .execute(conn)
            .await?;
            let id: Uuid = diesel::insert_into(funding_programmes::table)
                .values((
                    funding_programmes::name.eq(PROGRAMME_NAME),
                    funding_programmes::funding_body.eq("state"),
                    funding_programmes::rule.eq("rate"),
                    funding_programmes::rate_bp.eq(6500),
                    funding_programmes::cap_cents.eq(10_000_000i64),
                ))
                .returning(funding_programmes::id)
                .get_result(conn)
                .await?;
            Ok(Recorded::new(id)
                .with(bulk("population_figure"))
                .with(Entry::created("funding_programme", id).action(ACTION)))
        }
        .scope_boxed()
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))
    .context("writing population figures and the funding programme")?;
    report.audit_entries += 2;
    let figures: BTreeMap<(String, NaiveDate), i32> =
        populations_on_dates(conn, &keys, &[generate::population_date()]).await?;

    let mut generator = Generator::new(seed, orgs, fields);
    let total_projects = scale * generate::PROJECTS_PER_SCALE;
    let mut project_ids: Vec<Uuid> = Vec::with_capacity(total_projects as usize);
    let mut start = 0;
    while start < total_projects {
        let end = (start + PROJECT_BATCH).min(total_projects);
        let batch = generator.projects(start..end, Some(programme_id));
        project_ids.extend(batch.projects.iter().map(|p| p.id));
        report.projects += batch.projects.len() as u64;
        report.participations += batch.participations.len() as u64;
        report.cost_items += batch.cost_items.len() as u64;
        report.funding_applications += batch.funding.len() as u64;
        report.cost_keys += batch.keys.len() as u64;
        // Borrowed, not moved: `audited` may run the write again after a deadlock.
        let (batch, figures) = (&batch, &figures);
        let (allocations, shares) = audited(conn, &actor, move |conn| {
            async move {
                load::projects(conn, batch, Some(programme_id), generate::NOTE, ACTION).await?;
                let computed = compute_batch(conn, batch, figures).await?;
                let shares = computed
                    .iter()
                    .flat_map(|(_, c)| &c.allocation.years)
                    .map(|y| y.shares_cents.len() as u64)
                    .sum::<u64>();
                load::allocations(conn, &computed).await?;
                let mut recorded = Recorded::new((computed.len() as u64, shares))
                    .with(bulk("project"))
                    .with(bulk("participation"))
                    .with(bulk("cost_item"))
                    .with(bulk("cost_key"));
                if !batch.funding.is_empty() {
                    recorded = recorded.with(bulk("funding_application"));
                }
                Ok(recorded)
            }
            .scope_boxed()
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| format!("writing projects {start}..{end}"))?;
        report.allocations += allocations;
        report.allocation_shares += shares;
        report.audit_entries += 5;
        progress(&format!(
            "projects {end}/{total_projects} ({:.1} s)",
            started.elapsed().as_secs_f64()
        ));
        start = end;
    }

    let budget_rows = audited(conn, &actor, |conn| {
        async move {
            let rows = load::budget_summaries(conn).await?;
            Ok(Recorded::new(rows as u64)
                .with(Entry::updated("project", "*").action("bench_data.budget_summaries")))
        }
        .scope_boxed()
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))
    .context("writing the budget summaries")?;
    report.budget_rows = budget_rows;
    report.audit_entries += 1;

    let total_meetings = scale * generate::MEETINGS_PER_SCALE;
    let now = Utc::now();
    // Evenly from 2020 to two months ahead: the last few lie in the future.
    let first_start = Utc
        .with_ymd_and_hms(2020, 1, 15, 14, 0, 0)
        .single()
        .expect("valid instant");
    let step = (now + chrono::Duration::days(60) - first_start) / total_meetings as i32;
    let schedule = (first_start, step);
    let mut start = 0;
    while start < total_meetings {
        let end = (start + MEETING_BATCH).min(total_meetings);
        let batch = generator.meetings(
            start..end,
            first_meeting_number,
            &project_ids,
            schedule,
            now,
        );
        report.meetings += batch.meetings.len() as u64;
        report.agenda_items += batch.agenda_items.len() as u64;
        let batch = &batch;
        audited(conn, &actor, move |conn| {
            async move {
                load::meetings(conn, batch).await?;
                Ok(Recorded::new(())
                    .with(bulk("meeting"))
                    .with(bulk("agenda_item")))
            }
            .scope_boxed()
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| format!("writing meetings {start}..{end}"))?;
        report.audit_entries += 2;
        progress(&format!(
            "meetings {end}/{total_meetings} ({:.1} s)",
            started.elapsed().as_secs_f64()
        ));
        start = end;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Computes both scenarios of every project of the batch with the domain's cost engine, from
/// the rows the batch just wrote (read back as the service reads them).
async fn compute_batch(
    conn: &mut AsyncPgConnection,
    batch: &ProjectBatch,
    figures: &BTreeMap<(String, NaiveDate), i32>,
) -> QueryResult<Vec<(Uuid, Computed)>> {
    let ids: Vec<Uuid> = batch.projects.iter().map(|p| p.id).collect();
    let mut plans = allocation::load_plans(conn, &ids).await?;
    let mut payers = paying_participants_of(conn, &ids, true).await?;
    // A few dozen organizations: every period, read once per batch.
    let memberships = crate::db::memberships::all(conn).await?;
    let mut out = Vec::with_capacity(ids.len() * 2);
    for id in ids {
        let plan: PlanData = plans.remove(&id).unwrap_or_else(|| PlanData {
            items: Vec::new(),
            applications: Vec::new(),
            key: None,
        });
        let Some(years) = plan.years() else {
            continue;
        };
        let planning: Vec<PayingParticipant> = payers.remove(&id).unwrap_or_default();
        let committed: Vec<PayingParticipant> = planning
            .iter()
            .filter(|p| p.state == ParticipantState::Committed)
            .cloned()
            .collect();
        let date = plan.key.as_ref().and_then(|k| k.population_date);
        let population = |org: &str| date.and_then(|d| figures.get(&(org.to_owned(), d)).copied());
        for (scenario, payers) in [
            (Scenario::Committed, committed),
            (Scenario::Planning, planning.clone()),
        ] {
            let computed = allocation::compute_with(
                &plan,
                KeyChoice::Stored,
                payers,
                population,
                &memberships,
                scenario,
                years.clone(),
            );
            out.push((id, computed));
        }
    }
    Ok(out)
}
