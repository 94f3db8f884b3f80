//! Read-only views over participations that other resources share: the participants of a page
//! of projects, the `participant=` project filter, and the participation matrix.

use std::collections::HashMap;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{fields_of_action, organizations, participations, projects};
use crate::domain::participation::ParticipationState;

/// One organization's participation in a project, as a project shows its participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipantSummary {
    pub organization_key: String,
    pub organization_name: String,
    pub state: String,
}

/// The participants of each of `project_ids`, ordered by organization key, in one query.
/// Projects without participations are absent from the map.
pub async fn summaries_for_projects(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<ParticipantSummary>>> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String, String, String)> = participations::table
        .inner_join(organizations::table)
        .filter(participations::project_id.eq_any(project_ids))
        .select((
            participations::project_id,
            participations::organization_key,
            organizations::name,
            participations::state,
        ))
        .order((
            participations::project_id.asc(),
            participations::organization_key.asc(),
        ))
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<ParticipantSummary>> = HashMap::new();
    for (project_id, organization_key, organization_name, state) in rows {
        map.entry(project_id).or_default().push(ParticipantSummary {
            organization_key,
            organization_name,
            state,
        });
    }
    Ok(map)
}

/// A filter on `projects` for the project list's `participant=<org>`: the projects in which
/// `organization` takes part or is about to (`interested`, `intends_to_join`,
/// `council_decision_pending`, `committed`; not `withdrawn` or `declined`). Served by the
/// `participations_organization` index:
///
/// ```ignore
/// query = query.filter(participations::participant_filter(&org));
/// ```
pub fn participant_filter(
    organization: &str,
) -> Box<dyn BoxableExpression<projects::table, Pg, SqlType = Bool>> {
    let active: Vec<&'static str> = ParticipationState::ACTIVE
        .iter()
        .map(|s| s.as_str())
        .collect();
    Box::new(
        projects::id.eq_any(
            participations::table
                .filter(participations::organization_key.eq(organization.to_owned()))
                .filter(participations::state.eq_any(active))
                .select(participations::project_id),
        ),
    )
}

/// The same filter as SQL, for hand-written queries: binds the organization key as `$n`.
pub fn participant_filter_sql(bind_index: usize) -> String {
    let active: Vec<String> = ParticipationState::ACTIVE
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!(
        "projects.id IN (SELECT p.project_id FROM participations p \
         WHERE p.organization_key = ${bind_index} AND p.state IN ({}))",
        active.join(", ")
    )
}

/// What the matrix shows of a project.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = projects)]
pub struct MatrixProject {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub field_of_action: String,
    pub category: String,
}

/// The matrix's filters.
#[derive(Debug, Clone, Default)]
pub struct MatrixFilter {
    pub field_of_action: Option<String>,
    pub category: Option<String>,
}

/// A row of the matrix: the project, its field of action's German name, and the state of each
/// of its participations by organization key.
#[derive(Debug, Clone)]
pub struct MatrixRow {
    pub project: MatrixProject,
    pub field_name: String,
    pub states: HashMap<String, String>,
}

/// One page of the matrix's rows: live projects ordered by code after the code `after` (at
/// most `limit`), in one statement. The states come from a correlated subquery over the
/// page's projects only (an index range read of `participations_project_organization` each),
/// so a page costs the same however many projects there are.
pub async fn matrix(
    conn: &mut AsyncPgConnection,
    filter: &MatrixFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<MatrixRow>> {
    let mut query = projects::table
        .inner_join(fields_of_action::table)
        .filter(projects::deleted_at.is_null())
        .select((
            MatrixProject::as_select(),
            fields_of_action::name_de,
            diesel::dsl::sql::<diesel::sql_types::Jsonb>(
                "COALESCE((SELECT jsonb_object_agg(x.organization_key, x.state) \
                              FROM participations x WHERE x.project_id = projects.id), '{}')",
            ),
        ))
        .order(projects::code.asc())
        .limit(limit)
        .into_boxed();
    if let Some(field) = &filter.field_of_action {
        query = query.filter(projects::field_of_action.eq(field.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(projects::category.eq(category.clone()));
    }
    if let Some(after) = after {
        query = query.filter(projects::code.gt(after.to_owned()));
    }
    let rows: Vec<(MatrixProject, String, serde_json::Value)> = query.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(project, field_name, states)| MatrixRow {
            project,
            field_name,
            states: serde_json::from_value(states).unwrap_or_default(),
        })
        .collect())
}
