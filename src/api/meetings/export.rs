//! `GET /api/v1/meetings/{id}/export?format=json|csv|ics|html`: the whole meeting in one
//! document, as far as the caller may see it.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::MeetingPath;
use super::types::MeetingDocument;
use super::view::load_document;
use super::{Audience, visible_meeting};
use crate::auth::Caller;
use crate::db;
use crate::db::organizations;
use crate::error::{ApiError, ApiResult};
use crate::export::{self, OrganizationNames};
use crate::state::AppState;

/// The export formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// The whole meeting as one JSON document.
    #[default]
    Json,
    /// The agenda with results and votes for German Excel (semicolons, UTF-8 with BOM).
    Csv,
    /// One iCalendar event.
    Ics,
    /// A printable agenda (before the meeting) or minutes (after it), in German.
    Html,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default), `csv`, `ics` or `html`.
    pub format: Option<ExportFormat>,
}

/// Organization names for printing (the 15 members: one small query).
pub async fn organization_names(
    conn: &mut AsyncPgConnection,
) -> Result<OrganizationNames, ApiError> {
    let rows = organizations::list(conn, None, None, None, 1000).await?;
    Ok(OrganizationNames(
        rows.into_iter().map(|o| (o.key, o.name)).collect(),
    ))
}

fn file_name(document: &MeetingDocument, extension: &str) -> String {
    format!(
        "attachment; filename=\"lenkungskreis-sitzung-{}.{extension}\"",
        document.meeting.number
    )
}

/// Exports a meeting: JSON, CSV for German Excel, iCalendar or printable HTML. Each format
/// shows exactly what the JSON API shows the caller: anonymous callers get public meetings
/// with their public items only.
#[utoipa::path(
    tag = "meetings",
    operation_id = "export_meeting",
    security((), ("bearer" = [])),
    params(MeetingPath, ExportQuery),
    responses(
        (status = 200, description = "The meeting in the requested format", content(
            (MeetingDocument = "application/json"),
            (String = "text/csv"),
            (String = "text/calendar"),
            (String = "text/html"),
        )),
    ),
)]
#[get("/meetings/{id}/export")]
pub async fn export_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingPath>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let MeetingPath { id } = path.into_inner();
    let audience = Audience::of(&caller);
    let format = query.format.unwrap_or_default();
    let mut conn = db::connect(&state.pool).await?;
    let meeting = visible_meeting(&mut conn, id, audience).await?;
    let document = load_document(&mut conn, &meeting, audience, &state.config.public_url).await?;
    let mut response = HttpResponse::Ok();
    // What the public may see differs from what members see: never share cached copies.
    response.insert_header((header::CACHE_CONTROL, "private, no-store"));
    Ok(match format {
        ExportFormat::Json => response.json(&document),
        ExportFormat::Csv => {
            let names = organization_names(&mut conn).await?;
            let body = export::csv::agenda(&document, &names)
                .map_err(|e| ApiError::internal(format!("writing CSV: {e}")))?;
            response
                .content_type("text/csv; charset=utf-8")
                .insert_header((header::CONTENT_DISPOSITION, file_name(&document, "csv")))
                .body(body)
        }
        ExportFormat::Ics => response
            .content_type("text/calendar; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, file_name(&document, "ics")))
            .body(export::ics::single(
                &document.meeting,
                &document.agenda_items,
                &state.config.profile,
            )),
        ExportFormat::Html => {
            let names = organization_names(&mut conn).await?;
            response
                .content_type("text/html; charset=utf-8")
                .body(export::html::render(
                    &document,
                    &names,
                    &state.config.profile,
                ))
        }
    })
}
