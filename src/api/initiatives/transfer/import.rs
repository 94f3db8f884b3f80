//! `POST /initiatives/import`: checks every row first, then applies them in one transaction.

use std::collections::HashSet;

use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::rows::InitiativeRow;
use crate::api::initiatives::types::check_against;
use crate::api::initiatives::{initiative_entry, taken};
use crate::api::projects::transfer::parse::{self, RowError, report};
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::initiatives::{self, Initiative, InitiativeChanges, NewInitiative};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::validation::{Invalid, Validator};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What the import did with one row.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InitiativeRowOutcome {
    Created,
    Updated,
    /// The initiative already held exactly these values: nothing was written.
    Unchanged,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedInitiative {
    /// As in the error report.
    pub row: usize,
    pub id: Uuid,
    pub outcome: InitiativeRowOutcome,
}

/// The result of an initiative import.
#[derive(Debug, Serialize, ToSchema)]
pub struct InitiativeImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rows: Vec<ImportedInitiative>,
}

/// Imports initiatives as `application/json` (an array of rows) or `text/csv` (as the export
/// writes it). A municipality's admin or editor imports its own rows only (403 naming the rows
/// of other organizations); the steering office any. Each row updates the initiative with its
/// `id`, else the one with its municipality's `external_id`, else registers a new one. All rows
/// are checked first; if any is wrong, nothing is written and the answer is a 422 whose
/// `row_errors` lists every problem as `{row, column, message}`.
#[utoipa::path(
    tag = "initiatives",
    operation_id = "import_initiatives",
    security(("bearer" = [])),
    request_body(content(
        (Vec<InitiativeRow> = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "What was created and updated", body = InitiativeImportReport),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/initiatives/import")]
pub async fn import_initiatives(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let actor = caller.actor()?;
    let (upload, body) = parse::read_upload(&req, payload, state.config.max_body_bytes).await?;
    let (rows, unreadable) = parse::rows_of::<InitiativeRow>(upload, &body).map_err(report)?;
    let foreign: Vec<String> = rows
        .iter()
        .filter(|(_, r)| caller.require(Right::Edit, &r.organization).is_err())
        .map(|(row, _)| row.to_string())
        .collect();
    if !foreign.is_empty() {
        return Err(ApiError::forbidden(format!(
            "the token may not act for the organization of row(s) {}",
            foreign.join(", ")
        )));
    }
    let mut conn = db::connect(&state.pool).await?;
    let checked = check_rows(&mut conn, rows, unreadable).await?;
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let (checked, entry_caller) = (&checked, &caller);
    let report = audited(&mut conn, &actor, move |conn| {
        async move { apply(conn, checked.clone(), entry_caller).await }.scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// A checked row: the values to store and the id it names, if any.
#[derive(Clone)]
struct Checked {
    row: usize,
    id: Option<Uuid>,
    new: NewInitiative,
}

/// The rows through the API's own validation, plus the checks across rows.
async fn check_rows(
    conn: &mut AsyncPgConnection,
    rows: Vec<(usize, InitiativeRow)>,
    mut errors: Vec<RowError>,
) -> ApiResult<Vec<Checked>> {
    if rows.is_empty() && errors.is_empty() {
        return Err(report(vec![RowError::new(1, "", "the file has no rows")]));
    }
    let fields = crate::db::fields_of_action::codes(conn).await?;
    let known_organizations = crate::db::organizations::keys(conn).await?;
    let live_groups: HashSet<Uuid> = crate::db::working_groups::live_ids(conn).await?;
    let named_projects: Vec<Uuid> = rows.iter().filter_map(|(_, r)| r.project_id).collect();
    let live_projects = crate::db::projects::live_among(conn, &named_projects).await?;
    let mut checked = Vec::new();
    let mut ids = HashSet::new();
    let mut external_ids = HashSet::new();
    for (row, parsed) in rows {
        let mut v = Validator::new();
        let id = parsed.id;
        let new = parsed.into_create().validate(&mut v);
        v.check(
            known_organizations.contains(&new.organization_key),
            "/organization",
            "is not an organization of the cooperation",
        );
        v.check(
            fields.contains(&new.field_of_action),
            "/field_of_action",
            "is not a field of action (see /api/v1/fields-of-action)",
        );
        if let Some(project) = new.project_id {
            v.check(
                live_projects.contains(&project),
                "/project_id",
                "is not a project of the catalogue",
            );
        }
        if let Some(group) = new.working_group_id {
            v.check(
                live_groups.contains(&group),
                "/working_group_id",
                "is not a working group",
            );
        }
        if let Some(id) = id
            && !ids.insert(id)
        {
            v.error("/id", "appears in an earlier row too");
        }
        if let Some(external) = &new.external_id
            && !external_ids.insert((new.organization_key.clone(), external.clone()))
        {
            v.error("/external_id", "appears in an earlier row too");
        }
        match v.finish(()) {
            Ok(()) => checked.push(Checked { row, id, new }),
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

/// Inside the transaction: matches the rows to the locked initiatives and writes what differs.
async fn apply(
    conn: &mut AsyncPgConnection,
    rows: Vec<Checked>,
    caller: &Caller,
) -> Result<Recorded<InitiativeImportReport>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.id).collect();
    let external_ids: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| {
            r.new
                .external_id
                .clone()
                .map(|e| (r.new.organization_key.clone(), e))
        })
        .collect();
    let existing = initiatives::lock_matching(conn, &ids, &external_ids).await?;
    let mut errors = Vec::new();
    let mut plan = Vec::new();
    for Checked { row, id, new } in rows {
        let target = match id {
            Some(id) => match existing.iter().find(|i| i.id == id) {
                Some(found) => Some(found),
                None => {
                    errors.push(RowError::new(row, "id", "is not an initiative"));
                    continue;
                }
            },
            None => new.external_id.as_ref().and_then(|external| {
                existing.iter().find(|i| {
                    i.organization_key == new.organization_key
                        && i.external_id.as_ref() == Some(external)
                })
            }),
        };
        if let Some(initiative) = target {
            if initiative.deleted_at.is_some() {
                errors.push(RowError::new(row, "id", "the initiative was deleted"));
                continue;
            }
            if initiative.organization_key != new.organization_key {
                errors.push(RowError::new(
                    row,
                    "organization",
                    "the initiative belongs to another organization",
                ));
                continue;
            }
            if let Some(external) = &new.external_id
                && existing.iter().any(|other| {
                    other.id != initiative.id
                        && other.organization_key == new.organization_key
                        && other.external_id.as_ref() == Some(external)
                })
            {
                errors.push(RowError::new(
                    row,
                    "external_id",
                    "belongs to another initiative",
                ));
                continue;
            }
            let changes = differences(&new, initiative);
            let mut v = Validator::new();
            if let Err((from, to)) = check_against(&mut v, initiative, &changes) {
                errors.push(RowError::new(
                    row,
                    "status",
                    format!("cannot move from {} to {}", from.as_str(), to.as_str()),
                ));
                continue;
            }
            if let Err(Invalid(fields)) = v.finish(()) {
                errors.extend(
                    fields
                        .into_iter()
                        .map(|f| RowError::new(row, f.pointer.trim_start_matches('/'), f.detail)),
                );
                continue;
            }
            plan.push((row, new, Some((initiative.clone(), changes))));
        } else {
            plan.push((row, new, None));
        }
    }
    if !errors.is_empty() {
        return Err(report(errors));
    }
    let mut recorded = Recorded::new(InitiativeImportReport {
        created: 0,
        updated: 0,
        unchanged: 0,
        rows: Vec::new(),
    });
    for (row, new, target) in plan {
        let (id, outcome) = match target {
            None => {
                let created = initiatives::insert(conn, &new).await.map_err(taken)?;
                crate::db::similarity::refresh_overlaps(conn, created.id).await?;
                recorded.entries.push(initiative_entry(
                    Entry::created("initiative", created.id)
                        .action("initiative.import")
                        .after(&created),
                    caller,
                    &created,
                ));
                recorded.value.created += 1;
                (created.id, InitiativeRowOutcome::Created)
            }
            Some((before, changes)) if changes.is_empty() => {
                recorded.value.unchanged += 1;
                (before.id, InitiativeRowOutcome::Unchanged)
            }
            Some((before, changes)) => {
                let after = initiatives::update(conn, before.id, &changes)
                    .await
                    .map_err(taken)?;
                crate::db::similarity::refresh_overlaps(conn, after.id).await?;
                recorded.entries.push(initiative_entry(
                    Entry::updated("initiative", after.id)
                        .action("initiative.import")
                        .before(&before)
                        .after(&after),
                    caller,
                    &after,
                ));
                recorded.value.updated += 1;
                (after.id, InitiativeRowOutcome::Updated)
            }
        };
        recorded
            .value
            .rows
            .push(ImportedInitiative { row, id, outcome });
    }
    Ok(recorded)
}

/// The exchanged fields whose imported value differs from the stored one.
fn differences(new: &NewInitiative, old: &Initiative) -> InitiativeChanges {
    fn changed<T: PartialEq + Clone>(new: &T, old: &T) -> Option<T> {
        (new != old).then(|| new.clone())
    }
    InitiativeChanges {
        title: changed(&new.title, &old.title),
        summary: changed(&new.summary, &old.summary),
        field_of_action: changed(&new.field_of_action, &old.field_of_action),
        status: changed(&new.status, &old.status),
        start_date: changed(&new.start_date, &old.start_date),
        end_date: changed(&new.end_date, &old.end_date),
        contact_role: changed(&new.contact_role, &old.contact_role),
        link: changed(&new.link, &old.link),
        tags: changed(&new.tags, &old.tags),
        visibility: changed(&new.visibility, &old.visibility),
        project_id: changed(&new.project_id, &old.project_id),
        external_id: changed(&new.external_id, &old.external_id),
        working_group_id: changed(&new.working_group_id, &old.working_group_id),
    }
}
