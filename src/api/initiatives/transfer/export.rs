//! `GET /initiatives/export`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::rows::{COLUMNS, InitiativeRow};
use crate::api::projects::transfer::TransferFormat;
use crate::auth::Caller;
use crate::db;
use crate::db::initiatives;
use crate::error::{ApiError, ApiResult};
use crate::export::excel_csv;
use crate::state::AppState;

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
