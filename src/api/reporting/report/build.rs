//! Assembles the implementation report from the queries and rules of the resources it mirrors.

use std::collections::BTreeSet;

use chrono::Datelike;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::api::costs::YearRange;
use crate::api::costs::allocation::from_computed;
use crate::api::costs::budget::budget_view;
use crate::api::decisions::{DecisionMeeting, DecisionResponse, start_of_day};
use crate::db::committee::action_items::{self, ActionItemFilter};
use crate::db::committee::{agenda, decisions};
use crate::db::costs::allocation::{KeyChoice, compute_with, load_plans, populations_needed};
use crate::db::costs::participants::{
    ParticipantState, PayingParticipant, paying_participants_of, populations_on_dates,
};
use crate::db::organizations::Organization;
use crate::db::participations::resolutions;
use crate::db::projects::Project;
use crate::db::reporting::{self as queries, SECTION_LIMIT};
use crate::domain::cost_sharing::Scenario;
use crate::domain::reporting::{Period, milestone_missed};
use crate::error::ApiError;
use crate::views::meetings::berlin;
use crate::views::meetings::build::{action_item_response, agenda_item_responses, today};
use crate::views::report::*;

/// Fiscal years the budget section shows after the period's last year (the medium-term
/// financial planning).
const BUDGET_YEARS_AFTER: i32 = 4;

fn project_ref(p: &Project) -> ReportProjectRef {
    ReportProjectRef {
        id: p.id,
        code: p.code.clone(),
        title: p.title.clone(),
        field_of_action: p.field_of_action.clone(),
        status: p.status.clone(),
        progress_percent: p.progress_percent,
        traffic_light: p.traffic_light.clone(),
        traffic_light_note: p.traffic_light_note.clone(),
    }
}

pub(super) async fn build(
    conn: &mut AsyncPgConnection,
    organization: Organization,
    period: Period,
    similarity_threshold: f64,
) -> Result<ReportResponse, ApiError> {
    let reference_date = period.reference_date(today());
    let org = organization.key.clone();

    // Projects it takes part in, with resolutions, status reports and milestones.
    let rows = queries::active_participations(conn, &org).await?;
    let participation_ids: Vec<Uuid> = rows.iter().map(|(p, _)| p.id).collect();
    let project_ids: Vec<Uuid> = rows.iter().map(|(_, p)| p.id).collect();
    let mut found = resolutions::for_participations(conn, &participation_ids).await?;
    let mut reports =
        queries::latest_reports_within(conn, &project_ids, period.from, period.to).await?;
    let mut milestones =
        queries::milestones_for_period(conn, &project_ids, period.from, period.to).await?;
    let projects = rows
        .into_iter()
        .map(|(participation, project)| {
            // Oldest decision first, as the participation resource lists them.
            let resolution = found
                .remove(&participation.id)
                .and_then(|mut list| list.pop())
                .map(|r| ReportResolution {
                    deciding_body: r.resolution.deciding_body,
                    decided_on: r.resolution.decided_on,
                    paper_reference: r.resolution.paper_reference,
                    outcome: r.resolution.outcome,
                    url: r.resolution.url,
                });
            let latest_status_report = reports.remove(&project.id).map(|r| ReportStatusReport {
                id: r.id,
                report_date: r.report_date,
                text: r.text,
                progress_percent: r.progress_percent,
                traffic_light: r.traffic_light,
                next_steps: r.next_steps,
                risks: r.risks,
            });
            let milestones = milestones
                .remove(&project.id)
                .unwrap_or_default()
                .into_iter()
                .map(|m| ReportMilestone {
                    missed: milestone_missed(&m.state, m.planned_date, reference_date),
                    id: m.id,
                    title: m.title,
                    planned_date: m.planned_date,
                    actual_date: m.actual_date,
                    state: m.state,
                })
                .collect();
            ReportParticipation {
                project: project_ref(&project),
                participation_state: participation.state,
                council_resolution_required: participation.council_resolution_required,
                resolution,
                latest_status_report,
                milestones,
            }
        })
        .collect();

    // Its budget, exactly as the budget view shows it.
    let years = YearRange {
        from: Some(period.from.year()),
        to: Some((period.to.year() + BUDGET_YEARS_AFTER).min(crate::api::costs::LAST_FISCAL_YEAR)),
    }
    .resolve(None)?
    .expect("both ends are given");
    let organization_ref = ReportOrganization {
        key: organization.key.clone(),
        name: organization.name.clone(),
    };
    let is_district = organization.kind == "kreis";
    let budget = budget_view(conn, organization, years).await?;

    let decisions = decisions_for(conn, &project_ids, period).await?;
    let action_items = open_action_items(conn, &org).await?;
    let joinable_projects = joinable(conn, &org, is_district).await?;
    let others_efforts = crate::api::initiatives::reporting::others_efforts(
        conn,
        &org,
        &project_ids,
        similarity_threshold,
    )
    .await?;
    Ok(ReportResponse {
        organization: organization_ref,
        from: period.from,
        to: period.to,
        reference_date,
        projects,
        budget,
        decisions,
        action_items,
        joinable_projects,
        others_efforts,
    })
}

/// The decisions register's entries of the period on `project_ids`, public items of public
/// meetings only (the printable report is meant for council papers, which are public).
async fn decisions_for(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
    period: Period,
) -> Result<Vec<DecisionResponse>, ApiError> {
    if project_ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = decisions::DecisionFilter {
        public_only: true,
        any_project: Some(project_ids.to_vec()),
        from: start_of_day(period.from),
        to: period.to.succ_opt().and_then(start_of_day),
        ..Default::default()
    };
    let rows = decisions::list(conn, &filter, None, SECTION_LIMIT).await?;
    let ids: Vec<Uuid> = rows.iter().map(|d| d.item.id).collect();
    let item_projects = agenda::projects_of(conn, &ids).await?;
    let votes = agenda::votes_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|d| DecisionResponse {
            meeting: DecisionMeeting {
                id: d.item.meeting_id,
                number: d.meeting_number,
                title: d.meeting_title,
                starts_at: berlin(d.meeting_starts_at),
            },
            agenda_item: agenda_item_responses(vec![d.item], &item_projects, &votes).remove(0),
        })
        .collect())
}

/// The organization's open and in-progress action items, in creation order (the list's
/// query, once per pending status).
async fn open_action_items(
    conn: &mut AsyncPgConnection,
    org: &str,
) -> Result<Vec<crate::views::meetings::types::ActionItemResponse>, ApiError> {
    let mut items = Vec::new();
    for status in ["open", "in_progress"] {
        let filter = ActionItemFilter {
            owner: Some(org.to_owned()),
            status: Some(status.to_owned()),
            ..Default::default()
        };
        items.extend(action_items::list(conn, &filter, None, SECTION_LIMIT).await?);
    }
    items.sort_by_key(|a| (a.created_at, a.id));
    let today = today();
    Ok(items
        .into_iter()
        .map(|a| action_item_response(a, today))
        .collect())
}

/// The projects the organization could still join, each with the what-if preview of its
/// joining: six queries for all of them.
async fn joinable(
    conn: &mut AsyncPgConnection,
    org: &str,
    is_district: bool,
) -> Result<Vec<JoinableProject>, ApiError> {
    // An organization that left the cooperation can join nothing.
    if !crate::db::memberships::is_member_on(conn, org, today()).await? {
        return Ok(Vec::new());
    }
    let projects = queries::joinable_projects(conn, org).await?;
    let ids: Vec<Uuid> = projects.iter().map(|p| p.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut plans = load_plans(conn, &ids).await?;
    let mut payers = paying_participants_of(conn, &ids, true).await?;
    // The preview's hypothetical participants: everyone paying now plus the organization, all
    // counted as committed, in key order.
    let mut hypothetical: Vec<(Uuid, Vec<PayingParticipant>)> = ids
        .iter()
        .map(|id| {
            let mut list: Vec<PayingParticipant> = payers
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|p| PayingParticipant {
                    state: ParticipantState::Committed,
                    ..p
                })
                .collect();
            list.push(PayingParticipant {
                organization_key: org.to_owned(),
                state: ParticipantState::Committed,
                is_district,
            });
            list.sort_by(|a, b| a.organization_key.cmp(&b.organization_key));
            (*id, list)
        })
        .collect();
    // The population figures every key needs, in one query.
    let mut keys = BTreeSet::new();
    let mut dates = BTreeSet::new();
    for (id, list) in &hypothetical {
        if let Some((keyed, date)) = populations_needed(&plans[id], KeyChoice::Stored, list) {
            keys.extend(keyed);
            dates.insert(date);
        }
    }
    let keys: Vec<String> = keys.into_iter().collect();
    let dates: Vec<_> = dates.into_iter().collect();
    let figures = populations_on_dates(conn, &keys, &dates).await?;
    let memberships = crate::db::memberships::all(conn).await?;

    let mut out = Vec::with_capacity(projects.len());
    for (project, (id, list)) in projects.iter().zip(hypothetical.drain(..)) {
        let plan = plans
            .remove(&id)
            .unwrap_or_else(|| unreachable!("loaded for every id"));
        let date = plan
            .key
            .as_ref()
            .and_then(|k| k.to_definition().population_date);
        let years = plan.years().unwrap_or_else(no_years);
        let computed = compute_with(
            &plan,
            KeyChoice::Stored,
            list,
            |o| date.and_then(|d| figures.get(&(o.to_owned(), d)).copied()),
            &memberships,
            Scenario::from_include_pending(true),
            years,
        );
        let preview = from_computed(id, true, computed, true);
        let years: Vec<JoinYear> = preview
            .years
            .iter()
            .map(|y| JoinYear {
                fiscal_year: y.fiscal_year,
                own_share_cents: y.own_share_cents,
                share_cents: y
                    .shares_cents
                    .as_ref()
                    .map(|s| s.get(org).copied().unwrap_or(0)),
            })
            .collect();
        let total_share_cents = years.iter().map(|y| y.share_cents).sum::<Option<i64>>();
        out.push(JoinableProject {
            project: project_ref(project),
            preview_status: preview.status,
            preview_problem: preview.problem,
            years,
            total_share_cents,
        });
    }
    Ok(out)
}

fn no_years() -> std::ops::RangeInclusive<i32> {
    #[expect(clippy::reversed_empty_ranges, reason = "deliberately empty")]
    let empty = 1..=0;
    empty
}
