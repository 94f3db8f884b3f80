//! Cost plans, funding and cost sharing: cost items, funding programmes and applications, the
//! versioned cost key, the allocation per fiscal year with its what-if preview and snapshots,
//! and each organization's budget view.
//!
//! Who may do what: the steering office (coordinator) manages everything; the admin of a
//! project's lead organization may propose cost items and funding applications for it; members
//! read cost items, funding and keys; the allocation's per-organization shares are shown to the
//! steering office, the lead organization and the organizations taking part, everyone else
//! (anonymous callers included) sees the project totals only.

pub mod allocation;
pub mod budget;
pub mod cost_items;
pub mod cost_key;
pub mod funding_applications;
pub mod funding_programmes;
pub mod key_body;
mod plan_rows;
pub mod snapshots;

use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Caller, Principal, Right};
use crate::db::projects::Project;
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// The fiscal years cost items, applications and allocations may name.
pub const FIRST_FISCAL_YEAR: i32 = 2000;
pub const LAST_FISCAL_YEAR: i32 = 2100;
/// The most a single amount may be: 1 billion euros.
pub const MAX_AMOUNT_CENTS: i64 = 100_000_000_000;
/// 100 % in basis points.
pub const FULL_BP: i64 = 10_000;
/// At most this many years in one allocation or budget answer.
pub const MAX_YEARS: i32 = 50;

/// Who changes a project's cost plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PlanEditor {
    /// The steering office: manages everything.
    Coordinator,
    /// The admin of the project's lead organization: may propose.
    LeadAdmin(String),
}

impl PlanEditor {
    /// The organization recorded as proposer, if it is a proposal.
    pub fn proposer(&self) -> Option<&str> {
        match self {
            PlanEditor::Coordinator => None,
            PlanEditor::LeadAdmin(org) => Some(org),
        }
    }
}

/// The steering office, or the admin of the project's lead organization (401 / 403).
pub(crate) fn coordinator_or_lead_admin(
    caller: &Caller,
    project: &Project,
) -> Result<PlanEditor, ApiError> {
    let principal = caller.member()?;
    if principal.is_coordinator() {
        return Ok(PlanEditor::Coordinator);
    }
    match &project.lead_organization {
        Some(lead) if principal.organization == *lead => {
            caller.require(Right::Admin, lead)?;
            Ok(PlanEditor::LeadAdmin(lead.clone()))
        }
        _ => Err(ApiError::forbidden(
            "only the steering office or the admin of the project's lead organization may propose this",
        )),
    }
}

/// Whether `principal` sees the per-organization shares of `project`: the steering office, the
/// lead organization and the organizations taking part.
pub(crate) async fn sees_shares(
    conn: &mut AsyncPgConnection,
    principal: Option<&Principal>,
    project: &Project,
) -> Result<bool, ApiError> {
    let Some(principal) = principal else {
        return Ok(false);
    };
    if principal.is_coordinator()
        || project.lead_organization.as_deref() == Some(principal.organization.as_str())
    {
        return Ok(true);
    }
    Ok(
        crate::db::costs::participants::takes_part(conn, project.id, &principal.organization)
            .await?,
    )
}

/// A fiscal year range from the query string.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearRange {
    /// First fiscal year (2000–2100); default: the first year of the plan.
    #[param(minimum = 2000, maximum = 2100, example = 2027)]
    pub from: Option<i32>,
    /// Last fiscal year (2000–2100, at most 49 after `from`); default: the last year of the plan.
    #[param(minimum = 2000, maximum = 2100, example = 2030)]
    pub to: Option<i32>,
}

impl YearRange {
    /// The range to show: the requested years, completed from `plan` (the years the plan
    /// touches), or `None` when neither says anything. 400 for years out of range.
    pub fn resolve(
        self,
        plan: Option<std::ops::RangeInclusive<i32>>,
    ) -> Result<Option<std::ops::RangeInclusive<i32>>, ApiError> {
        for (name, year) in [("from", self.from), ("to", self.to)] {
            if let Some(year) = year
                && !(FIRST_FISCAL_YEAR..=LAST_FISCAL_YEAR).contains(&year)
            {
                return Err(ApiError::bad_request(format!(
                    "{name} must be a fiscal year from {FIRST_FISCAL_YEAR} to {LAST_FISCAL_YEAR}, got {year}"
                )));
            }
        }
        let (from, to) = match (self.from, self.to, plan) {
            (None, None, None) => return Ok(None),
            (Some(from), Some(to), _) => (from, to),
            (Some(from), None, plan) => (from, plan.map_or(from, |p| (*p.end()).max(from))),
            (None, Some(to), plan) => (plan.map_or(to, |p| (*p.start()).min(to)), to),
            (None, None, Some(plan)) => (*plan.start(), *plan.end()),
        };
        if from > to {
            return Err(ApiError::bad_request(format!(
                "from ({from}) must not be after to ({to})"
            )));
        }
        if to - from >= MAX_YEARS {
            return Err(ApiError::bad_request(format!(
                "at most {MAX_YEARS} fiscal years at once, got {from}–{to}"
            )));
        }
        Ok(Some(from..=to))
    }
}

/// Checks an amount in cents.
pub(crate) fn check_amount(v: &mut Validator, pointer: &str, cents: i64) {
    v.check(
        (0..=MAX_AMOUNT_CENTS).contains(&cents),
        pointer,
        "must be between 0 and 100000000000 cents (1 billion euros)",
    );
}

/// Checks a fiscal year.
pub(crate) fn check_year(v: &mut Validator, pointer: &str, year: i32) {
    v.check(
        (FIRST_FISCAL_YEAR..=LAST_FISCAL_YEAR).contains(&year),
        pointer,
        "must be a fiscal year from 2000 to 2100",
    );
}

/// Checks basis points (0 to 10,000 unless `positive`, then 1 to 10,000).
pub(crate) fn check_bp(v: &mut Validator, pointer: &str, bp: i64, positive: bool) {
    let min = i64::from(positive);
    v.check(
        (min..=FULL_BP).contains(&bp),
        pointer,
        if positive {
            "must be between 1 and 10000 basis points"
        } else {
            "must be between 0 and 10000 basis points"
        },
    );
}
