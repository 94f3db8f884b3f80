//! `GET /projects/export`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::TransferFormat;
use super::rows::{COLUMNS, CatalogueRow};
use crate::auth::Caller;
use crate::db::{self, projects};
use crate::error::{ApiError, ApiResult};
use crate::export::excel_csv;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default) or `csv`.
    pub format: Option<TransferFormat>,
}

/// Exports the catalogue (every live project, by code) with the columns the import reads
/// (steering office only; the export holds internal notes).
#[utoipa::path(
    tag = "projects",
    operation_id = "export_projects",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The catalogue", content(
            (Vec<CatalogueRow> = "application/json"),
            (String = "text/csv", example = "\u{feff}Kürzel;Externe ID;Titel;...\r\nLP-01;;Smarte Dorfladenbox;...\r\n"),
        )),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/projects/export")]
pub async fn export_projects(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let mut conn = db::connect(&state.pool).await?;
    // The catalogue has some dozens of projects, a few hundred at most: one page suffices.
    let rows: Vec<CatalogueRow> = projects::all_live(&mut conn)
        .await?
        .into_iter()
        .map(CatalogueRow::from)
        .collect();
    match query.format.unwrap_or_default() {
        TransferFormat::Json => Ok(HttpResponse::Ok().json(rows)),
        TransferFormat::Csv => {
            let headings: Vec<String> = COLUMNS.iter().map(|(_, h)| (*h).to_owned()).collect();
            let bytes = excel_csv::render(&headings, rows.iter().map(CatalogueRow::to_cells))
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, excel_csv::CONTENT_TYPE))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"projektkatalog.csv\"",
                ))
                .body(bytes))
        }
    }
}
