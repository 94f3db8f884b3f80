//! `/api/v1/organizations/{org}/budget`: one organization's shares across all projects per
//! fiscal year, for its budget plan. Read from the per-organization summary that every change
//! of a project's allocation maintains in its own transaction.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Datelike, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, YearRange};
use crate::auth::{Caller, Right};
use crate::db::costs::budget::budget_years;
use crate::db::{self, organizations};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::export::{budget_csv, excel_csv};
use crate::state::AppState;
pub use crate::views::budget::{BudgetResponse, BudgetTotals, BudgetYear};

/// Years shown when the query names none: this one and the next four.
const DEFAULT_SPAN: i32 = 5;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetQuery {
    /// First fiscal year (2000–2100); default: this year.
    #[param(minimum = 2000, maximum = 2100, example = 2027)]
    pub from: Option<i32>,
    /// Last fiscal year (2000–2100, at most 49 after `from`); default: four years after `from`.
    #[param(minimum = 2000, maximum = 2100, example = 2031)]
    pub to: Option<i32>,
    /// `csv` for a CSV file for German Excel (also chosen by `Accept: text/csv`); default JSON.
    #[param(pattern = "^(json|csv)$", example = "csv")]
    pub format: Option<String>,
}

/// The budget of `organization` for the fiscal years `range`: one indexed read of its summary.
/// The implementation report shows exactly this.
pub(crate) async fn budget_view(
    conn: &mut diesel_async::AsyncPgConnection,
    organization: crate::db::organizations::Organization,
    range: std::ops::RangeInclusive<i32>,
) -> Result<BudgetResponse, ApiError> {
    let rows = budget_years(conn, &organization.key, *range.start(), *range.end()).await?;
    let years: Vec<BudgetYear> = range
        .clone()
        .map(|year| {
            let row = rows.iter().find(|r| r.fiscal_year == year);
            let committed_cents = row.map_or(0, |r| r.committed_cents);
            let pending_cents = row.map_or(0, |r| r.pending_cents);
            BudgetYear {
                fiscal_year: year,
                committed_cents,
                pending_cents,
                total_cents: committed_cents + pending_cents,
            }
        })
        .collect();
    let totals = BudgetTotals {
        committed_cents: years.iter().map(|y| y.committed_cents).sum(),
        pending_cents: years.iter().map(|y| y.pending_cents).sum(),
        total_cents: years.iter().map(|y| y.total_cents).sum(),
    };
    Ok(BudgetResponse {
        organization_key: organization.key,
        organization_name: organization.name,
        from: *range.start(),
        to: *range.end(),
        years,
        totals,
    })
}

/// One organization's shares across all projects per fiscal year: committed, and pending
/// council decisions separately. The organization itself (any role) and the steering office;
/// another organization's budget is refused. As JSON or, with `format=csv` or
/// `Accept: text/csv`, as CSV for German Excel (semicolons, UTF-8 BOM, euros with a decimal
/// comma, German headings).
#[utoipa::path(
    tag = "costs",
    operation_id = "get_organization_budget",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organization key", example = "99001004"), BudgetQuery),
    responses(
        (status = 200, description = "The budget",
         content((BudgetResponse = "application/json"),
                 (String = "text/csv", example = "\u{feff}Haushaltsjahr;Anteil verbindlich (EUR);Anteil vorbehaltlich Ratsbeschluss (EUR);Summe (EUR)\r\n2027;42500,00;11000,00;53500,00\r\nSumme;42500,00;11000,00;53500,00\r\n"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/organizations/{org}/budget")]
pub async fn get_organization_budget(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    org: web::Path<String>,
    query: web::Query<BudgetQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Right::Read, &org)?;
    let csv = match query.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "format may be `json` or `csv`, got `{other}`"
            )));
        }
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/csv")),
    };
    let this_year = Utc::now().year().clamp(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR);
    let from = query.from.unwrap_or(this_year);
    let to = query
        .to
        .unwrap_or_else(|| (from + DEFAULT_SPAN - 1).min(LAST_FISCAL_YEAR));
    let range = YearRange {
        from: Some(from),
        to: Some(to),
    }
    .resolve(None)?
    .expect("both ends are given");

    let mut conn = db::connect(&state.pool).await?;
    let organization = organizations::find(&mut conn, &org)
        .await
        .or_not_found("organization", &org)?;
    let budget = budget_view(&mut conn, organization, range).await?;
    if csv {
        let rows: Vec<budget_csv::Row> = budget
            .years
            .iter()
            .map(|y| budget_csv::Row {
                fiscal_year: y.fiscal_year,
                committed_cents: y.committed_cents,
                pending_cents: y.pending_cents,
            })
            .collect();
        let body = budget_csv::render(&rows).map_err(ApiError::internal)?;
        let filename = format!(
            "haushalt-{}-{}-{}.csv",
            budget.organization_key, budget.from, budget.to
        );
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, excel_csv::CONTENT_TYPE))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(body));
    }
    Ok(HttpResponse::Ok().json(budget))
}
