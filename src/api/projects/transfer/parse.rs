//! Reading an import file (CSV or JSON) into rows, with every unreadable cell reported.

use serde::Serialize;
use utoipa::ToSchema;

use super::rows::{COLUMNS, CatalogueRow, column_index};
use crate::error::{ApiError, FieldError};
use crate::export::excel_csv::BOM;
use crate::http::extract::check_text;

/// The most rows one import may hold.
pub const MAX_ROWS: usize = 5000;

/// What is wrong with one cell (or row) of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    /// CSV: the row as Excel numbers it (the heading is row 1). JSON: the 1-based position in
    /// the array.
    #[schema(example = 3)]
    pub row: usize,
    /// The column (its JSON name); empty when the whole row is meant.
    #[schema(example = "field_of_action")]
    pub column: String,
    #[schema(example = "is not a field of action (see /api/v1/fields-of-action)")]
    pub message: String,
}

impl RowError {
    pub fn new(row: usize, column: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            row,
            column: column.into(),
            message: message.into(),
        }
    }
}

/// The 422 for an import with errors: `row_errors` lists them, `errors` holds the same as
/// pointers `/<row>/<column>`.
pub fn report(errors: Vec<RowError>) -> ApiError {
    let mut rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
    rows.dedup();
    let detail = format!(
        "{} problem(s) in {} row(s); nothing was imported",
        errors.len(),
        rows.len()
    );
    let fields = errors
        .iter()
        .map(|e| FieldError::new(format!("/{}/{}", e.row, e.column), e.message.clone()))
        .collect();
    let mut extensions = serde_json::Map::new();
    extensions.insert(
        "row_errors".into(),
        serde_json::to_value(&errors).unwrap_or_default(),
    );
    ApiError::ValidationReport {
        detail,
        errors: fields,
        extensions,
    }
}

/// The readable rows of a file and the errors of the unreadable ones. `Err` when the file as
/// a whole cannot be read (no rows can be told apart).
pub type Parsed = Result<(Vec<(usize, CatalogueRow)>, Vec<RowError>), Vec<RowError>>;

/// Rows of a CSV file: UTF-8 (a BOM is skipped), `;` or `,` as separator (whichever the
/// heading uses), a heading naming every column once, German or by JSON name.
pub fn csv_rows(bytes: &[u8]) -> Parsed {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| vec![RowError::new(1, "", "the file is not UTF-8 text")])?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if !first_line.contains(';') && first_line.contains(',') {
        b','
    } else {
        b';'
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headings = match records.next() {
        Some(Ok(record)) => record,
        Some(Err(error)) => return Err(vec![RowError::new(1, "", error.to_string())]),
        None => return Err(vec![RowError::new(1, "", "the file is empty")]),
    };
    let mut errors = Vec::new();
    let mut positions: Vec<Option<usize>> = vec![None; COLUMNS.len()];
    for (at, heading) in headings.iter().enumerate() {
        match column_index(heading) {
            Some(column) if positions[column].is_none() => positions[column] = Some(at),
            Some(column) => errors.push(RowError::new(1, COLUMNS[column].0, "appears twice")),
            None => errors.push(RowError::new(
                1,
                heading.trim(),
                "is not a column of the catalogue exchange",
            )),
        }
    }
    for (column, position) in positions.iter().enumerate() {
        if position.is_none() {
            errors.push(RowError::new(
                1,
                COLUMNS[column].0,
                format!("the column `{}` is missing", COLUMNS[column].1),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        if row - 1 > MAX_ROWS {
            errors.push(RowError::new(row, "", format!("at most {MAX_ROWS} rows")));
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push(RowError::new(row, "", error.to_string()));
                continue;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != headings.len() {
            errors.push(RowError::new(
                row,
                "",
                format!("has {} cells, the heading {}", record.len(), headings.len()),
            ));
            continue;
        }
        let cells: Vec<String> = positions
            .iter()
            .map(|at| at.and_then(|at| record.get(at)).unwrap_or("").to_owned())
            .collect();
        match CatalogueRow::from_cells(&cells) {
            Ok(parsed) => rows.push((row, parsed)),
            Err(cell_errors) => errors.extend(
                cell_errors
                    .into_iter()
                    .map(|(column, message)| RowError::new(row, column, message)),
            ),
        }
    }
    Ok((rows, errors))
}

/// Rows of a JSON array of catalogue rows.
pub fn json_rows(bytes: &[u8]) -> Parsed {
    let values: Vec<serde_json::Value> = serde_json::from_slice(bytes).map_err(|error| {
        vec![RowError::new(
            0,
            "",
            format!("the body is not a JSON array of rows: {error}"),
        )]
    })?;
    if values.len() > MAX_ROWS {
        return Err(vec![RowError::new(
            0,
            "",
            format!("at most {MAX_ROWS} rows"),
        )]);
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, mut value) in values.into_iter().enumerate() {
        let row = index + 1;
        let text_errors = check_text(&mut value);
        if !text_errors.is_empty() {
            for error in text_errors {
                // `/tags/1` is a problem of the column `tags`.
                let column = error.pointer.split('/').nth(1).unwrap_or("").to_owned();
                errors.push(RowError::new(row, column, error.detail));
            }
            continue;
        }
        match serde_path_to_error::deserialize::<_, CatalogueRow>(value) {
            Ok(parsed) => rows.push((row, parsed)),
            Err(error) => {
                let path = error.path().to_string();
                let column = path.split(['.', '[']).next().unwrap_or("");
                let column = if column == "." { "" } else { column };
                errors.push(RowError::new(row, column, error.inner().to_string()));
            }
        }
    }
    Ok((rows, errors))
}
