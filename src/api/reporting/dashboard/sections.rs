//! The sections of the dashboard, each from a bounded number of rows (see the module above).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::types::{
    CostYear, EvaluationIndicator, FieldCount, OrganizationParticipationCount, OverdueMilestone,
    ProjectParticipationCount,
};
use crate::db::committee::action_items::{self, ActionItemFilter};
use crate::db::fields_of_action;
use crate::db::reporting::{self as queries, DASHBOARD_PROJECTS, SECTION_LIMIT};
use crate::domain::participation::ParticipationState;
use crate::domain::reporting::target_reached;
use crate::error::ApiError;
use crate::views::meetings::build::action_item_response;
use crate::views::meetings::types::ActionItemResponse;

/// Live projects per field of action (every field, in its order) and status.
pub(super) async fn projects_by_field(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<FieldCount>, ApiError> {
    let fields = fields_of_action::all(conn, None).await?;
    let counts = queries::projects_per_field_and_status(conn).await?;
    Ok(fields
        .into_iter()
        .map(|f| {
            let by_status: BTreeMap<String, i64> = counts
                .iter()
                .filter(|(field, _, _)| *field == f.code)
                .map(|(_, status, n)| (status.clone(), *n))
                .collect();
            FieldCount {
                total: by_status.values().sum(),
                field_of_action: f.code,
                name_de: f.name_de,
                by_status,
            }
        })
        .collect())
}

/// Participations per state, with the active and committed ones summed up.
#[derive(Default)]
struct StateCounts {
    active: i64,
    committed: i64,
    by_state: BTreeMap<String, i64>,
}

impl StateCounts {
    fn add(&mut self, state: String, n: i64) {
        let parsed = ParticipationState::parse(&state);
        if parsed.is_some_and(|s| ParticipationState::ACTIVE.contains(&s)) {
            self.active += n;
        }
        if parsed == Some(ParticipationState::Committed) {
            self.committed += n;
        }
        self.by_state.insert(state, n);
    }
}

/// Groups rows of `(group, state, count)`, ordered by group, into one count per group.
fn group_states<K: PartialEq>(
    rows: impl IntoIterator<Item = (K, String, i64)>,
) -> Vec<(K, StateCounts)> {
    let mut groups: Vec<(K, StateCounts)> = Vec::new();
    for (key, state, n) in rows {
        match groups.last_mut() {
            Some((last, counts)) if *last == key => counts.add(state, n),
            _ => {
                let mut counts = StateCounts::default();
                counts.add(state, n);
                groups.push((key, counts));
            }
        }
    }
    groups
}

/// Participations per project with at least one, by code: the first `DASHBOARD_PROJECTS`
/// such projects, and whether there are more.
pub(super) async fn participations_by_project(
    conn: &mut AsyncPgConnection,
) -> Result<(Vec<ProjectParticipationCount>, bool), ApiError> {
    // One project more than shown tells whether there are more.
    let rows = queries::participations_per_project(conn, DASHBOARD_PROJECTS + 1).await?;
    let mut projects: Vec<ProjectParticipationCount> = group_states(
        rows.into_iter()
            .map(|(id, code, title, state, n)| ((id, code, title), state, n)),
    )
    .into_iter()
    .map(
        |((project_id, code, title), counts)| ProjectParticipationCount {
            project_id,
            code,
            title,
            active: counts.active,
            committed: counts.committed,
            by_state: counts.by_state,
        },
    )
    .collect();
    let truncated = projects.len() as i64 > DASHBOARD_PROJECTS;
    projects.truncate(DASHBOARD_PROJECTS as usize);
    Ok((projects, truncated))
}

/// Participations per organization with at least one (in live projects), by key.
pub(super) async fn participations_by_organization(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<OrganizationParticipationCount>, ApiError> {
    let rows = queries::participations_per_organization(conn).await?;
    Ok(group_states(
        rows.into_iter()
            .map(|(key, name, state, n)| ((key, name), state, n)),
    )
    .into_iter()
    .map(
        |((organization_key, name), counts)| OrganizationParticipationCount {
            organization_key,
            name,
            active: counts.active,
            committed: counts.committed,
            by_state: counts.by_state,
        },
    )
    .collect())
}

/// Planned costs and funding of all live projects per fiscal year.
pub(super) async fn costs_by_year(conn: &mut AsyncPgConnection) -> Result<Vec<CostYear>, ApiError> {
    Ok(queries::planned_totals_per_year(conn)
        .await?
        .into_iter()
        .map(
            |(fiscal_year, total_cents, eligible_cents, funding_cents, own_share_cents)| CostYear {
                fiscal_year,
                total_cents,
                eligible_cents,
                funding_cents,
                own_share_cents,
            },
        )
        .collect())
}

/// Open milestones planned before `today`, oldest first.
pub(super) async fn overdue_milestones(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
) -> Result<Vec<OverdueMilestone>, ApiError> {
    Ok(queries::overdue_milestones(conn, today)
        .await?
        .into_iter()
        .map(|(m, code, title)| OverdueMilestone {
            project_id: m.project_id,
            project_code: code,
            project_title: title,
            milestone_id: m.id,
            title: m.title,
            planned_date: m.planned_date,
        })
        .collect())
}

/// Open or in-progress action items past their due date (members only).
pub(super) async fn overdue_action_items(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
) -> Result<Vec<ActionItemResponse>, ApiError> {
    let filter = ActionItemFilter {
        overdue_on: Some(today),
        ..Default::default()
    };
    let rows = action_items::list(conn, &filter, None, SECTION_LIMIT).await?;
    Ok(rows
        .into_iter()
        .map(|a| action_item_response(a, today))
        .collect())
}

/// The indicators attached to a goal, with their latest measurement.
pub(super) async fn indicators(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<EvaluationIndicator>, ApiError> {
    let evaluation = queries::evaluation_indicators(conn).await?;
    let ids: Vec<Uuid> = evaluation.iter().map(|(i, _, _)| i.id).collect();
    let mut latest = queries::latest_measurements(conn, &ids).await?;
    Ok(evaluation
        .into_iter()
        .map(|(i, code, goal_ids)| {
            let m = latest.remove(&i.id);
            EvaluationIndicator {
                target_reached: target_reached(i.baseline, i.target, m.as_ref().map(|m| m.value)),
                latest_value: m.as_ref().map(|m| m.value),
                latest_measured_on: m.as_ref().map(|m| m.measured_on),
                id: i.id,
                project_id: i.project_id,
                project_code: code,
                name: i.name,
                unit: i.unit,
                baseline: i.baseline,
                target: i.target,
                target_date: i.target_date,
                goal_ids,
            }
        })
        .collect())
}
