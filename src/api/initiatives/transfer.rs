//! Exchange with the municipalities' own systems: `GET /initiatives/export` and
//! `POST /initiatives/import`, with the same columns both ways, as JSON or as CSV for German
//! Excel, under the catalogue's conventions and with its readers (`projects::transfer::parse`).
//! Importing an unchanged export changes nothing.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::types::{CreateInitiative, check_against};
use super::{initiative_entry, taken};
use crate::api::projects::transfer::TransferFormat;
use crate::api::projects::transfer::parse::{self, ExchangeRow, RowError, report};
use crate::api::projects::transfer::rows::{GERMAN_DATE, unguard};
use crate::auth::{Caller, Right};
use crate::db::initiatives::{self, Initiative, InitiativeChanges, NewInitiative};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::initiatives::{InitiativeStatus, Visibility};
use crate::domain::validation::{
    Invalid, TextKind, Validator, normalize_line_breaks, text_problem,
};
use crate::error::{ApiError, ApiResult};
use crate::export::excel_csv;
use crate::state::AppState;

/// One initiative as exported and imported. Matched on import by `id` (when given), else by
/// the municipality's `external_id`; otherwise a new initiative is registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": null, "organization": "99001004", "external_id": "AH-DIG-12",
    "title": "Digitaler Dorfladen in Vorhelm", "summary": "",
    "field_of_action": "infrastructure", "status": "planned", "start_date": null,
    "end_date": null, "contact_role": "Stabsstelle Digitalisierung", "link": null,
    "tags": ["nahversorgung"], "visibility": "public", "project_id": null,
    "working_group_id": null
}))]
pub struct InitiativeRow {
    /// Empty for a new initiative.
    #[serde(default)]
    pub id: Option<Uuid>,
    #[schema(example = "99001004")]
    pub organization: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub summary: String,
    pub field_of_action: String,
    pub status: InitiativeStatus,
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub contact_role: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    #[schema(max_items = 30)]
    pub tags: Vec<String>,
    pub visibility: Visibility,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub working_group_id: Option<Uuid>,
}

/// The columns in file order: the JSON name and the German CSV heading.
pub const COLUMNS: [(&str, &str); 15] = [
    ("id", "ID"),
    ("organization", "Organisation"),
    ("external_id", "Externe ID"),
    ("title", "Titel"),
    ("summary", "Kurzbeschreibung"),
    ("field_of_action", "Handlungsfeld"),
    ("status", "Status"),
    ("start_date", "Beginn"),
    ("end_date", "Ende"),
    ("contact_role", "Ansprechstelle"),
    ("link", "Link"),
    ("tags", "Schlagworte"),
    ("visibility", "Sichtbarkeit"),
    ("project_id", "Gemeinsames Projekt"),
    ("working_group_id", "Arbeitskreis"),
];

impl From<Initiative> for InitiativeRow {
    fn from(i: Initiative) -> Self {
        Self {
            id: Some(i.id),
            organization: i.organization_key,
            external_id: i.external_id,
            title: i.title,
            summary: i.summary,
            field_of_action: i.field_of_action,
            status: InitiativeStatus::parse(&i.status).unwrap_or(InitiativeStatus::Idea),
            start_date: i.start_date,
            end_date: i.end_date,
            contact_role: i.contact_role,
            link: i.link,
            tags: i.tags,
            visibility: Visibility::parse(&i.visibility).unwrap_or(Visibility::Members),
            project_id: i.project_id,
            working_group_id: i.working_group_id,
        }
    }
}

impl InitiativeRow {
    /// The CSV cells, in [`COLUMNS`] order.
    pub fn to_cells(&self) -> Vec<String> {
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        let date = |d: &Option<NaiveDate>| {
            d.map(|d| d.format(GERMAN_DATE).to_string())
                .unwrap_or_default()
        };
        let id = |i: &Option<Uuid>| i.map(|i| i.to_string()).unwrap_or_default();
        vec![
            id(&self.id),
            self.organization.clone(),
            text(&self.external_id),
            self.title.clone(),
            self.summary.clone(),
            self.field_of_action.clone(),
            self.status.as_str().to_owned(),
            date(&self.start_date),
            date(&self.end_date),
            text(&self.contact_role),
            text(&self.link),
            self.tags.join(", "),
            self.visibility.as_str().to_owned(),
            id(&self.project_id),
            id(&self.working_group_id),
        ]
    }

    /// The request the API's own validation checks.
    fn into_create(self) -> CreateInitiative {
        CreateInitiative {
            organization: self.organization,
            title: self.title,
            summary: Some(self.summary),
            field_of_action: self.field_of_action,
            status: Some(self.status),
            start_date: self.start_date,
            end_date: self.end_date,
            contact_role: self.contact_role,
            link: self.link,
            tags: Some(self.tags),
            visibility: Some(self.visibility),
            project_id: self.project_id,
            external_id: self.external_id,
            working_group_id: self.working_group_id,
        }
    }
}

impl ExchangeRow for InitiativeRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COLUMNS;

    fn from_cells(cells: &[String]) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let cells: Vec<String> = cells
            .iter()
            .map(|c| unguard(&normalize_line_breaks(c)))
            .collect();
        let cell = |i: usize| cells.get(i).cloned().unwrap_or_default();
        let optional = |i: usize| Some(cell(i)).filter(|t| !t.trim().is_empty());
        let mut date = |i: usize| {
            let text = cell(i);
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            NaiveDate::parse_from_str(text, GERMAN_DATE)
                .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
                .map_err(|_| {
                    errors.push((
                        COLUMNS[i].0,
                        format!("`{text}` is not a date (TT.MM.JJJJ or JJJJ-MM-TT)"),
                    ))
                })
                .ok()
        };
        let start_date = date(7);
        let end_date = date(8);
        let mut uuid = |i: usize| {
            let text = cell(i);
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            text.parse::<Uuid>()
                .map_err(|_| errors.push((COLUMNS[i].0, format!("`{text}` is not an id"))))
                .ok()
        };
        let id = uuid(0);
        let project_id = uuid(13);
        let working_group_id = uuid(14);
        let status = InitiativeStatus::parse(cell(6).trim());
        if status.is_none() {
            errors.push((
                "status",
                "must be idea, planned, running, completed or stopped".into(),
            ));
        }
        let visibility_text = cell(12);
        let visibility = if visibility_text.trim().is_empty() {
            Some(Visibility::Public)
        } else {
            Visibility::parse(visibility_text.trim())
        };
        if visibility.is_none() {
            errors.push(("visibility", "must be public or members".into()));
        }
        // The same rule as for every JSON body (`http::extract::check_text`).
        for (i, text) in cells.iter().enumerate() {
            let column = COLUMNS[i.min(COLUMNS.len() - 1)].0;
            if let Some(problem) = text_problem(text, TextKind::of_field(column)) {
                errors.push((column, problem.into()));
            }
        }
        let (Some(status), Some(visibility), true) = (status, visibility, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Self {
            id,
            organization: cell(1).trim().to_owned(),
            external_id: optional(2),
            title: cell(3),
            summary: cell(4),
            field_of_action: cell(5).trim().to_owned(),
            status,
            start_date,
            end_date,
            contact_role: optional(9),
            link: optional(10),
            tags: cell(11)
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            visibility,
            project_id,
            working_group_id,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InitiativeExportQuery {
    /// `json` (default) or `csv`.
    pub format: Option<TransferFormat>,
    /// Only this municipality's initiatives (an organization key).
    #[param(example = "99001004")]
    pub organization: Option<String>,
}

/// Exports the initiatives the caller may read (anonymous callers: the public ones only), by
/// municipality, with the columns the import reads.
#[utoipa::path(
    tag = "initiatives",
    operation_id = "export_initiatives",
    security((), ("bearer" = [])),
    params(InitiativeExportQuery),
    responses(
        (status = 200, description = "The initiatives", content(
            (Vec<InitiativeRow> = "application/json"),
            (String = "text/csv", example = "\u{feff}ID;Organisation;Externe ID;Titel;...\r\n"),
        )),
    ),
)]
#[get("/initiatives/export")]
pub async fn export_initiatives(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<InitiativeExportQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let rows: Vec<InitiativeRow> =
        initiatives::all_live(&mut conn, caller.is_member(), query.organization.as_deref())
            .await?
            .into_iter()
            .map(InitiativeRow::from)
            .collect();
    match query.format.unwrap_or_default() {
        TransferFormat::Json => Ok(HttpResponse::Ok().json(rows)),
        TransferFormat::Csv => {
            let headings: Vec<String> = COLUMNS.iter().map(|(_, h)| (*h).to_owned()).collect();
            let bytes = excel_csv::render(&headings, rows.iter().map(InitiativeRow::to_cells))
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, excel_csv::CONTENT_TYPE))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"initiativen.csv\"",
                ))
                .body(bytes))
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_through_the_formula_guard() {
        let original = InitiativeRow {
            id: Some(Uuid::nil()),
            organization: "99001004".into(),
            external_id: Some("AH-1".into()),
            title: "-Dorfladen; digital".into(),
            summary: "Zeile 1\nZeile 2".into(),
            field_of_action: "town_village_centres".into(),
            status: InitiativeStatus::Running,
            start_date: NaiveDate::from_ymd_opt(2027, 1, 31),
            end_date: None,
            contact_role: Some("Stabsstelle Digitalisierung".into()),
            link: Some("https://www.ahlen.de".into()),
            tags: vec!["nahversorgung".into(), "paket".into()],
            visibility: Visibility::Members,
            project_id: None,
            working_group_id: None,
        };
        let guarded: Vec<String> = original
            .to_cells()
            .iter()
            .map(|c| excel_csv::guard_formula(c).into_owned())
            .collect();
        assert_eq!(guarded[3], "'-Dorfladen; digital");
        assert_eq!(guarded[7], "31.01.2027");
        assert_eq!(InitiativeRow::from_cells(&guarded).unwrap(), original);
    }

    #[test]
    fn unreadable_cells_name_their_columns() {
        let mut cells = vec![String::new(); COLUMNS.len()];
        cells[1] = "99001004".into();
        cells[3] = "Titel".into();
        cells[6] = "approved".into();
        cells[7] = "31.02.2027".into();
        cells[12] = "secret".into();
        cells[13] = "nope".into();
        let errors = InitiativeRow::from_cells(&cells).unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            columns,
            ["start_date", "project_id", "status", "visibility"]
        );
    }
}
