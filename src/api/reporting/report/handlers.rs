//! The report's handler: the period, the format, who may read it, and the rendering.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::build::build;
use crate::auth::{Caller, Right};
use crate::db;
use crate::db::organizations;
use crate::domain::reporting::Period;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::export::{excel_csv, report_csv, report_html};
use crate::state::AppState;
use crate::views::report::ReportResponse;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day of the period (a date YYYY-MM-DD in the years 2000 to 2100, required; the
    /// pattern is `domain::reporting::PERIOD_DATE_PATTERN`).
    #[param(required = true, value_type = String, example = "2026-01-01",
            pattern = "^(?:(?:20[0-9]{2}|2100)-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|20(?:[02468][048]|[13579][26])-02-29)$")]
    pub from: Option<String>,
    /// Last day of the period (YYYY-MM-DD in the years 2000 to 2100, required; not before
    /// `from` and at most 3,660 days after it, else 400).
    #[param(required = true, value_type = String, example = "2026-06-30",
            pattern = "^(?:(?:20[0-9]{2}|2100)-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|20(?:[02468][048]|[13579][26])-02-29)$")]
    pub to: Option<String>,
    /// `json` (default), `html` (printable, with a print stylesheet) or `csv` (German Excel).
    #[param(value_type = Option<String>, pattern = "^(json|html|csv)$", example = "html")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Html,
    Csv,
}

impl Format {
    fn parse(text: Option<&str>) -> Result<Self, ApiError> {
        match text {
            None | Some("json") => Ok(Self::Json),
            Some("html") => Ok(Self::Html),
            Some("csv") => Ok(Self::Csv),
            Some(other) => Err(ApiError::bad_request(format!(
                "format may be `json`, `html` or `csv`, got `{other}`"
            ))),
        }
    }
}

/// The implementation report of one organization for a period, in German: the projects it
/// takes part in (status, progress, traffic light, latest council resolution, latest status
/// report of the period, milestones due or missed), its cost shares per fiscal year, the
/// steering committee's public decisions of the period on those projects, its open action
/// items, and the projects it could still join with what a what-if preview says it would pay.
/// Members of the organization (any role) and the steering office; another organization is 403.
#[utoipa::path(
    tag = "reporting",
    operation_id = "get_organization_report",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organization key", example = "99001012"), ReportQuery),
    responses(
        (status = 200, description = "The report",
         content((ReportResponse = "application/json"),
                 (String = "text/html", example = "<!DOCTYPE html><html lang=\"de\">…"),
                 (String = "text/csv", example = "\u{feff}Abschnitt;Projekt;Titel;Datum;Stand;Angaben;verbindlich (EUR);vorbehaltlich Ratsbeschluss (EUR);bei Beitritt (EUR)\r\n"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/organizations/{org}/report")]
pub async fn get_organization_report(
    state: web::Data<AppState>,
    _req: HttpRequest,
    caller: Caller,
    org: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Right::Read, &org)?;
    let format = Format::parse(query.format.as_deref())?;
    let period =
        Period::parse(query.from.as_deref(), query.to.as_deref()).map_err(ApiError::bad_request)?;
    let mut conn = db::connect(&state.pool).await?;
    let organization = organizations::find(&mut conn, &org)
        .await
        .or_not_found("organization", &org)?;
    let threshold = state.config.similarity_threshold;
    // One snapshot of the database for the whole document.
    let report = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| -> Result<_, ApiError> {
            build(conn, organization, period, threshold).await
        })
        .await?;
    match format {
        Format::Json => Ok(HttpResponse::Ok().json(report)),
        Format::Html => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .body(report_html::render(&report, &state.config.profile))),
        Format::Csv => {
            let body = report_csv::render(&report).map_err(ApiError::internal)?;
            let filename = format!(
                "umsetzungsbericht-{}-{}-{}.csv",
                report.organization.key, report.from, report.to
            );
            Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, excel_csv::CONTENT_TYPE))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ))
                .body(body))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::Value;

    use crate::domain::reporting::{PERIOD_DATE_PATTERN, Period};

    #[test]
    fn the_period_pattern_is_the_documented_one_and_matches_exactly_the_dates_the_service_takes() {
        let document = serde_json::to_value(crate::startup::openapi_document()).unwrap();
        let parameters =
            document["paths"]["/api/v1/organizations/{org}/report"]["get"]["parameters"]
                .as_array()
                .unwrap();
        for name in ["from", "to"] {
            let schema = &parameters.iter().find(|p| p["name"] == name).unwrap()["schema"];
            assert_eq!(schema["pattern"], PERIOD_DATE_PATTERN, "{name}");
            assert!(schema.get("format").is_none(), "{name}");
        }
        let schema = serde_json::json!({"type": "string", "pattern": PERIOD_DATE_PATTERN});
        let validator = jsonschema::validator_for(&schema).unwrap();
        let takes = |text: &str| Period::parse(Some(text), Some(text)).is_ok();
        let mut day = NaiveDate::from_ymd_opt(1999, 12, 1).unwrap();
        while day <= NaiveDate::from_ymd_opt(2101, 1, 31).unwrap() {
            let text = day.format("%Y-%m-%d").to_string();
            assert_eq!(
                validator.is_valid(&Value::from(text.clone())),
                takes(&text),
                "{text}"
            );
            day = day.succ_opt().unwrap();
        }
        for text in [
            "2023-02-29",
            "2100-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "0200-01-09",
            "2026-1-01",
        ] {
            assert!(!validator.is_valid(&Value::from(text)), "{text}");
            assert!(!takes(text), "{text}");
        }
    }
}
