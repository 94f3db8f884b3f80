//! One catalogue row, the same in both directions: the columns, their German CSV headings, and
//! the conversions from and to CSV cells and JSON objects.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::projects::types::CreateProject;
use crate::db::projects::Project;
use crate::domain::projects::{Category, GenderEqualityRelevance};
use crate::domain::validation::{TextKind, normalize_line_breaks, text_problem};
use crate::export::excel_csv::starts_like_formula;

/// One project of the catalogue as exported and imported. Matched on import by
/// `external_id` (when given), else by `code`: an existing project is updated, otherwise one is
/// created (in status `idea`). Status, progress and milestones are not part of the exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "LP-07", "external_id": "HKR-2026-0042", "title": "Smarte Straßenbeleuchtung",
    "summary": "", "description": "", "field_of_action": "mobility",
    "category": "lead", "lead_organization": "99001004", "tags": ["energie"],
    "gender_equality_relevant": "unknown", "follow_up_costs_note": null, "internal_note": null,
    "planned_start": "2027-01-01", "planned_end": null, "actual_start": null, "actual_end": null,
    "source_url": null
}))]
pub struct CatalogueRow {
    #[schema(example = "LP-07")]
    pub code: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub summary: String,
    /// Markdown, up to 100,000 characters.
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub description: String,
    pub field_of_action: String,
    pub category: Category,
    #[serde(default)]
    pub lead_organization: Option<String>,
    #[serde(default)]
    #[schema(max_items = 30)]
    pub tags: Vec<String>,
    #[serde(default = "unknown")]
    pub gender_equality_relevant: GenderEqualityRelevance,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub follow_up_costs_note: Option<String>,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub internal_note: Option<String>,
    #[serde(default)]
    pub planned_start: Option<NaiveDate>,
    #[serde(default)]
    pub planned_end: Option<NaiveDate>,
    #[serde(default)]
    pub actual_start: Option<NaiveDate>,
    #[serde(default)]
    pub actual_end: Option<NaiveDate>,
    #[serde(default)]
    pub source_url: Option<String>,
}

fn unknown() -> GenderEqualityRelevance {
    GenderEqualityRelevance::Unknown
}

/// The columns in file order: the JSON name and the German CSV heading. The importer accepts
/// either as a CSV heading.
pub const COLUMNS: [(&str, &str); 17] = [
    ("code", "Kürzel"),
    ("external_id", "Externe ID"),
    ("title", "Titel"),
    ("summary", "Kurzbeschreibung"),
    ("description", "Beschreibung"),
    ("field_of_action", "Handlungsfeld"),
    ("category", "Kategorie"),
    ("lead_organization", "Federführung"),
    ("tags", "Schlagworte"),
    ("gender_equality_relevant", "Gleichstellungsrelevanz"),
    ("follow_up_costs_note", "Folgekosten"),
    ("internal_note", "Interne Notiz"),
    ("planned_start", "Geplanter Beginn"),
    ("planned_end", "Geplantes Ende"),
    ("actual_start", "Tatsächlicher Beginn"),
    ("actual_end", "Tatsächliches Ende"),
    ("source_url", "Quelle"),
];

/// Dates in CSV: German form, as Excel shows and saves them; ISO dates are read too.
pub(crate) const GERMAN_DATE: &str = "%d.%m.%Y";

impl From<Project> for CatalogueRow {
    fn from(p: Project) -> Self {
        Self {
            code: p.code,
            external_id: p.external_id,
            title: p.title,
            summary: p.summary,
            description: p.description,
            field_of_action: p.field_of_action,
            category: Category::parse(&p.category).unwrap_or(Category::Lead),
            lead_organization: p.lead_organization,
            tags: p.tags,
            gender_equality_relevant: GenderEqualityRelevance::parse(&p.gender_equality_relevant)
                .unwrap_or(GenderEqualityRelevance::Unknown),
            follow_up_costs_note: p.follow_up_costs_note,
            internal_note: p.internal_note,
            planned_start: p.planned_start,
            planned_end: p.planned_end,
            actual_start: p.actual_start,
            actual_end: p.actual_end,
            source_url: p.source_url,
        }
    }
}

impl CatalogueRow {
    /// The request the catalogue's own validation checks.
    pub fn into_create(self) -> CreateProject {
        CreateProject {
            code: self.code,
            title: self.title,
            summary: Some(self.summary),
            description: Some(self.description),
            field_of_action: self.field_of_action,
            category: self.category,
            lead_organization: self.lead_organization,
            tags: Some(self.tags),
            external_id: self.external_id,
            gender_equality_relevant: Some(self.gender_equality_relevant),
            follow_up_costs_note: self.follow_up_costs_note,
            internal_note: self.internal_note,
            planned_start: self.planned_start,
            planned_end: self.planned_end,
            actual_start: self.actual_start,
            actual_end: self.actual_end,
            source_url: self.source_url,
        }
    }

    /// The CSV cells, in [`COLUMNS`] order.
    pub fn to_cells(&self) -> Vec<String> {
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        let date = |d: &Option<NaiveDate>| {
            d.map(|d| d.format(GERMAN_DATE).to_string())
                .unwrap_or_default()
        };
        vec![
            self.code.clone(),
            text(&self.external_id),
            self.title.clone(),
            self.summary.clone(),
            self.description.clone(),
            self.field_of_action.clone(),
            self.category.as_str().to_owned(),
            text(&self.lead_organization),
            self.tags.join(", "),
            self.gender_equality_relevant.as_str().to_owned(),
            text(&self.follow_up_costs_note),
            text(&self.internal_note),
            date(&self.planned_start),
            date(&self.planned_end),
            date(&self.actual_start),
            date(&self.actual_end),
            text(&self.source_url),
        ]
    }

    /// A row from CSV cells in [`COLUMNS`] order; each unreadable cell is reported as
    /// `(column, message)`.
    pub fn from_cells(cells: &[String]) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let cells: Vec<String> = cells
            .iter()
            .map(|c| normalize_line_breaks(c).into_owned())
            .collect();
        let cell = |i: usize| unguard(cells.get(i).map(String::as_str).unwrap_or(""));
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
        let planned_start = date(12);
        let planned_end = date(13);
        let actual_start = date(14);
        let actual_end = date(15);
        let category = Category::parse(cell(6).trim());
        if category.is_none() {
            errors.push(("category", "must be lead or potential".into()));
        }
        let gender_text = cell(9);
        let gender = if gender_text.trim().is_empty() {
            Some(GenderEqualityRelevance::Unknown)
        } else {
            GenderEqualityRelevance::parse(gender_text.trim())
        };
        if gender.is_none() {
            errors.push((
                "gender_equality_relevant",
                "must be yes, no or unknown".into(),
            ));
        }
        // The same rule as for every JSON body (`http::extract::check_text`).
        for (i, text) in cells.iter().enumerate() {
            let column = COLUMNS[i.min(COLUMNS.len() - 1)].0;
            if let Some(problem) = text_problem(&unguard(text), TextKind::of_field(column)) {
                errors.push((column, problem.into()));
            }
        }
        let (Some(category), Some(gender), true) = (category, gender, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Self {
            code: cell(0),
            external_id: optional(1),
            title: cell(2),
            summary: cell(3),
            description: cell(4),
            field_of_action: cell(5).trim().to_owned(),
            category,
            lead_organization: optional(7).map(|k| k.trim().to_owned()),
            tags: cell(8)
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            gender_equality_relevant: gender,
            follow_up_costs_note: optional(10),
            internal_note: optional(11),
            planned_start,
            planned_end,
            actual_start,
            actual_end,
            source_url: optional(16),
        })
    }
}

/// Undoes the export's protection against formulas (`'=...` back to `=...`).
pub(crate) fn unguard(cell: &str) -> String {
    if let Some(rest) = cell.strip_prefix('\'')
        && starts_like_formula(rest)
    {
        rest.to_owned()
    } else {
        cell.to_owned()
    }
}

/// Maps a CSV heading (German or the JSON name) to its column index.
pub fn column_index(heading: &str) -> Option<usize> {
    super::parse::column_of(&COLUMNS, heading)
}

impl super::parse::ExchangeRow for CatalogueRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COLUMNS;

    fn from_cells(cells: &[String]) -> Result<Self, Vec<(&'static str, String)>> {
        CatalogueRow::from_cells(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> CatalogueRow {
        CatalogueRow {
            code: "LP-07".into(),
            external_id: Some("HKR-42".into()),
            title: "-Straßenbeleuchtung; smart".into(),
            summary: "Zeile 1\nZeile 2".into(),
            description: "=SUMME(A1)".into(),
            field_of_action: "climate_mobility_environment".into(),
            category: Category::Potential,
            lead_organization: Some("05570004".into()),
            tags: vec!["energie".into(), "licht".into()],
            gender_equality_relevant: GenderEqualityRelevance::No,
            follow_up_costs_note: None,
            internal_note: Some("@intern".into()),
            planned_start: NaiveDate::from_ymd_opt(2027, 1, 31),
            planned_end: None,
            actual_start: None,
            actual_end: None,
            source_url: Some("https://example.org".into()),
        }
    }

    #[test]
    fn cells_round_trip_through_the_formula_guard() {
        let original = row();
        let guarded: Vec<String> = original
            .to_cells()
            .iter()
            .map(|c| crate::export::excel_csv::guard_formula(c).into_owned())
            .collect();
        assert_eq!(guarded[2], "'-Straßenbeleuchtung; smart");
        assert_eq!(guarded[12], "31.01.2027");
        assert_eq!(CatalogueRow::from_cells(&guarded).unwrap(), original);
    }

    #[test]
    fn unreadable_cells_name_their_columns() {
        let mut cells = row().to_cells();
        cells[6] = "leit".into();
        cells[12] = "31.02.2027".into();
        cells[9] = "vielleicht".into();
        let errors = CatalogueRow::from_cells(&cells).unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            columns,
            ["planned_start", "category", "gender_equality_relevant"]
        );
        cells = row().to_cells();
        cells[12] = "2027-01-31".into();
        assert_eq!(
            CatalogueRow::from_cells(&cells).unwrap().planned_start,
            NaiveDate::from_ymd_opt(2027, 1, 31)
        );
    }

    #[test]
    fn headings_are_german_or_the_json_names() {
        assert_eq!(column_index("Kürzel"), Some(0));
        assert_eq!(column_index("code"), Some(0));
        assert_eq!(column_index(" Quelle "), Some(16));
        assert_eq!(column_index("Status"), None);
    }
}
