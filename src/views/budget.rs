//! An organization's budget view (its shares per fiscal year): answered by the budget
//! endpoint, rendered as CSV and embedded in the council report.

use serde::Serialize;
use utoipa::ToSchema;

/// One fiscal year of an organization's budget.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetYear {
    #[schema(example = 2027)]
    pub fiscal_year: i32,
    /// Its shares of the projects it has committed to, in cents.
    #[schema(example = 4_250_000)]
    pub committed_cents: i64,
    /// Its shares of the projects whose council decision is pending (planning view), in cents.
    #[schema(example = 1_100_000)]
    pub pending_cents: i64,
    /// `committed_cents + pending_cents`.
    #[schema(example = 5_350_000)]
    pub total_cents: i64,
}

/// An organization's shares across all projects per fiscal year.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetResponse {
    #[schema(example = "99001004")]
    pub organization_key: String,
    #[schema(example = "Musterstadt")]
    pub organization_name: String,
    #[schema(example = 2027)]
    pub from: i32,
    #[schema(example = 2031)]
    pub to: i32,
    /// Every fiscal year from `from` to `to`, in order.
    pub years: Vec<BudgetYear>,
    /// The sums over the years shown.
    pub totals: BudgetTotals,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetTotals {
    pub committed_cents: i64,
    pub pending_cents: i64,
    pub total_cents: i64,
}
