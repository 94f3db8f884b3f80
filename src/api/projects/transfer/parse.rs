//! Reading an import file (CSV or JSON) into rows, with every unreadable cell reported.

use serde::Serialize;
use utoipa::ToSchema;

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult, FieldError};
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

/// One row of an exchange file: its columns (JSON name and German CSV heading, in file order)
/// and how it is read from CSV cells. The catalogue (`rows::CatalogueRow`) and the local
/// initiatives share the readers below through it.
pub trait ExchangeRow: Sized + DeserializeOwned {
    /// The columns in file order: the JSON name and the German CSV heading.
    const COLUMNS: &'static [(&'static str, &'static str)];

    /// A row from CSV cells in [`Self::COLUMNS`] order; each unreadable cell is reported as
    /// `(column, message)`.
    fn from_cells(cells: &[String]) -> Result<Self, Vec<(&'static str, String)>>;
}

/// Maps a CSV heading (German or the JSON name) to its column index in `columns`.
pub fn column_of(columns: &[(&str, &str)], heading: &str) -> Option<usize> {
    let heading = heading.trim();
    columns
        .iter()
        .position(|(name, german)| heading == *name || heading.eq_ignore_ascii_case(german))
}

/// The readable rows of a file and the errors of the unreadable ones. `Err` when the file as
/// a whole cannot be read (no rows can be told apart).
pub type Parsed<R> = Result<(Vec<(usize, R)>, Vec<RowError>), Vec<RowError>>;

/// How an import body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    Json,
    Csv,
}

/// The media type of an import request (415 unless JSON or CSV) and its body (413 above
/// `limit` bytes).
pub async fn read_upload(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> ApiResult<(Upload, Vec<u8>)> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let upload = match content_type.split(';').next().unwrap_or("").trim() {
        "application/json" => Upload::Json,
        "text/csv" => Upload::Csv,
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "send the rows as application/json or text/csv".into(),
            ));
        }
    };
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            crate::http::body_deadline::timed_out(&e)
                .unwrap_or_else(|| ApiError::bad_request(format!("reading the body: {e}")))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "the body exceeds {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((upload, body))
}

/// The rows of an import body in either format.
pub fn rows_of<R: ExchangeRow>(upload: Upload, body: &[u8]) -> Parsed<R> {
    match upload {
        Upload::Csv => csv_rows(body),
        Upload::Json => json_rows(body),
    }
}

/// Rows of a CSV file: UTF-8 (a BOM is skipped), `;` or `,` as separator (whichever the
/// heading uses), a heading naming every column once, German or by JSON name.
pub fn csv_rows<R: ExchangeRow>(bytes: &[u8]) -> Parsed<R> {
    let columns = R::COLUMNS;
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
    let mut positions: Vec<Option<usize>> = vec![None; columns.len()];
    for (at, heading) in headings.iter().enumerate() {
        match column_of(columns, heading) {
            Some(column) if positions[column].is_none() => positions[column] = Some(at),
            Some(column) => errors.push(RowError::new(1, columns[column].0, "appears twice")),
            None => errors.push(RowError::new(
                1,
                heading.trim(),
                "is not a column of this exchange",
            )),
        }
    }
    for (column, position) in positions.iter().enumerate() {
        if position.is_none() {
            errors.push(RowError::new(
                1,
                columns[column].0,
                format!("the column `{}` is missing", columns[column].1),
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
        match R::from_cells(&cells) {
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

/// Rows of a JSON array of rows.
pub fn json_rows<R: ExchangeRow>(bytes: &[u8]) -> Parsed<R> {
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
        match serde_path_to_error::deserialize::<_, R>(value) {
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
