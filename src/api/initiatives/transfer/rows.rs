//! One initiative as a row of the exchange, and its columns.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::initiatives::types::CreateInitiative;
use crate::api::projects::transfer::parse::ExchangeRow;
use crate::api::projects::transfer::rows::{GERMAN_DATE, unguard};
use crate::db::initiatives::Initiative;
use crate::domain::initiatives::{InitiativeStatus, Visibility};
use crate::domain::validation::{TextKind, normalize_line_breaks, text_problem};

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
    pub(super) fn into_create(self) -> CreateInitiative {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::excel_csv;

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
