//! `POST /projects/import`: creates and updates projects from an exchange file, all or
//! nothing, through the catalogue's own validation and write path.

use std::collections::HashSet;

use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::parse::{self, RowError, report};
use super::rows::CatalogueRow;
use crate::auth::Caller;
use crate::db::projects::{self, NewProject, Project, ProjectChanges};
use crate::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::validation::{Invalid, Validator};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What the import did with one row.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    /// The project already held exactly these values: nothing was written.
    Unchanged,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedRow {
    /// As in the error report.
    pub row: usize,
    #[schema(example = "LP-07")]
    pub code: String,
    pub id: Uuid,
    pub outcome: RowOutcome,
}

/// The result of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rows: Vec<ImportedRow>,
}

/// Imports catalogue rows (steering office only) as `application/json` (an array of rows) or
/// `text/csv` (as the export writes it). Each row updates the project with its `external_id`,
/// else the one with its `code`, else creates a project in status `idea`. All rows are checked
/// first; if any is wrong, nothing is written and the answer is a 422 whose `row_errors` lists
/// every problem as `{row, column, message}`. Unchanged rows write nothing (no new version, no
/// change record).
#[utoipa::path(
    tag = "projects",
    operation_id = "import_projects",
    security(("bearer" = [])),
    request_body(content(
        (Vec<CatalogueRow> = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "What was created and updated", body = ImportReport),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/projects/import")]
pub async fn import_projects(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let actor = caller.actor()?;
    let (upload, body) = parse::read_upload(&req, payload, state.config.max_body_bytes).await?;
    let (rows, unreadable) = parse::rows_of(upload, &body).map_err(report)?;
    let mut conn = db::connect(&state.pool).await?;
    let checked = check_rows(&mut conn, rows, unreadable).await?;
    let history_actor = actor.clone();
    let report = audited(&mut conn, &actor, move |conn| {
        let (checked, history_actor) = (checked.clone(), history_actor.clone());
        async move { apply(conn, checked, &history_actor).await }.scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The rows through the catalogue's validation, plus the checks across rows; every problem
/// becomes a row error, reported together with those of the unreadable rows.
async fn check_rows(
    conn: &mut AsyncPgConnection,
    rows: Vec<(usize, CatalogueRow)>,
    mut errors: Vec<RowError>,
) -> ApiResult<Vec<(usize, NewProject)>> {
    if rows.is_empty() && errors.is_empty() {
        return Err(report(vec![RowError::new(1, "", "the file has no rows")]));
    }
    // Both reference tables are small: one query each instead of one per row.
    let fields = crate::db::fields_of_action::codes(conn).await?;
    let organizations = crate::db::organizations::keys(conn).await?;
    let mut checked = Vec::new();
    let mut codes = HashSet::new();
    let mut external_ids = HashSet::new();
    for (row, parsed) in rows {
        let mut v = Validator::new();
        let new = parsed.into_create().validate(&mut v);
        v.check(
            fields.contains(&new.field_of_action),
            "/field_of_action",
            "is not a field of action (see /api/v1/fields-of-action)",
        );
        if let Some(lead) = &new.lead_organization {
            v.check(
                organizations.contains(lead),
                "/lead_organization",
                "is not an organization of the cooperation",
            );
        }
        if !codes.insert(new.code.clone()) {
            v.error("/code", "appears in an earlier row too");
        }
        if let Some(id) = &new.external_id
            && !external_ids.insert(id.clone())
        {
            v.error("/external_id", "appears in an earlier row too");
        }
        match v.finish(()) {
            Ok(()) => checked.push((row, new)),
            Err(Invalid(fields)) => errors.extend(fields.into_iter().map(|f| {
                let column = f.pointer.trim_start_matches('/').split('/').next();
                RowError::new(row, column.unwrap_or(""), f.detail)
            })),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(report(errors))
    }
}

/// Inside the transaction: matches the rows to the locked projects and writes what differs.
async fn apply(
    conn: &mut AsyncPgConnection,
    rows: Vec<(usize, NewProject)>,
    actor: &Actor,
) -> Result<Recorded<ImportReport>, ApiError> {
    let codes: Vec<String> = rows.iter().map(|(_, n)| n.code.clone()).collect();
    let external_ids: Vec<String> = rows
        .iter()
        .filter_map(|(_, n)| n.external_id.clone())
        .collect();
    let existing = projects::lock_matching(conn, &codes, &external_ids).await?;
    let mut errors = Vec::new();
    let mut plan = Vec::new();
    for (row, new) in rows {
        let by_external_id = new
            .external_id
            .as_ref()
            .and_then(|id| existing.iter().find(|p| p.external_id.as_ref() == Some(id)));
        let target = by_external_id.or_else(|| existing.iter().find(|p| p.code == new.code));
        if let Some(project) = target
            && project.deleted_at.is_some()
        {
            errors.push(RowError::new(
                row,
                "code",
                format!(
                    "project {} was deleted; its code and external id stay reserved",
                    project.code
                ),
            ));
            continue;
        }
        let others = existing
            .iter()
            .filter(|p| Some(p.id) != target.map(|t| t.id));
        for other in others {
            if other.code == new.code {
                errors.push(RowError::new(row, "code", "belongs to another project"));
            }
            if new.external_id.is_some() && other.external_id == new.external_id {
                errors.push(RowError::new(
                    row,
                    "external_id",
                    "belongs to another project",
                ));
            }
        }
        plan.push((row, new, target.cloned()));
    }
    if !errors.is_empty() {
        return Err(report(errors));
    }
    let mut recorded = Recorded::new(ImportReport {
        created: 0,
        updated: 0,
        unchanged: 0,
        rows: Vec::new(),
    });
    for (row, new, target) in plan {
        let (id, outcome) = match target {
            None => {
                let project = projects::insert(conn, &new).await?;
                projects::record_status_change(
                    conn,
                    project.id,
                    None,
                    &project.status,
                    Some("imported"),
                    actor,
                )
                .await?;
                let mut entry = Entry::created("project", project.id)
                    .action("project.import")
                    .after(&project);
                if let Some(lead) = &project.lead_organization {
                    entry = entry.org(lead.clone());
                }
                recorded.entries.push(entry);
                recorded.value.created += 1;
                (project.id, RowOutcome::Created)
            }
            Some(before) => {
                let changes = differences(&new, &before);
                if changes.is_empty() {
                    recorded.value.unchanged += 1;
                    (before.id, RowOutcome::Unchanged)
                } else {
                    let after = projects::update(conn, before.id, &changes).await?;
                    let mut entry = Entry::updated("project", after.id)
                        .action("project.import")
                        .before(&before)
                        .after(&after);
                    if let Some(lead) = after.lead_organization.clone() {
                        entry = entry.org(lead);
                    }
                    recorded.entries.push(entry);
                    recorded.value.updated += 1;
                    (after.id, RowOutcome::Updated)
                }
            }
        };
        recorded.value.rows.push(ImportedRow {
            row,
            code: new.code,
            id,
            outcome,
        });
    }
    Ok(recorded)
}

/// The fields of the exchange whose imported value differs from the stored one.
fn differences(new: &NewProject, old: &Project) -> ProjectChanges {
    fn changed<T: PartialEq + Clone>(new: &T, old: &T) -> Option<T> {
        (new != old).then(|| new.clone())
    }
    ProjectChanges {
        code: changed(&new.code, &old.code),
        title: changed(&new.title, &old.title),
        summary: changed(&new.summary, &old.summary),
        description: changed(&new.description, &old.description),
        field_of_action: changed(&new.field_of_action, &old.field_of_action),
        category: changed(&new.category, &old.category),
        lead_organization: changed(&new.lead_organization, &old.lead_organization),
        tags: changed(&new.tags, &old.tags),
        external_id: changed(&new.external_id, &old.external_id),
        gender_equality_relevant: changed(
            &new.gender_equality_relevant,
            &old.gender_equality_relevant,
        ),
        follow_up_costs_note: changed(&new.follow_up_costs_note, &old.follow_up_costs_note),
        internal_note: changed(&new.internal_note, &old.internal_note),
        planned_start: changed(&new.planned_start, &old.planned_start),
        planned_end: changed(&new.planned_end, &old.planned_end),
        actual_start: changed(&new.actual_start, &old.actual_start),
        actual_end: changed(&new.actual_end, &old.actual_end),
        source_url: changed(&new.source_url, &old.source_url),
        ..Default::default()
    }
}
