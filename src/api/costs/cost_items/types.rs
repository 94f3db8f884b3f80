//! The cost item resource's request and response types, and how a request becomes the
//! checked state of an item.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::costs::plan_rows::PlanChange;
use crate::api::costs::{PlanEditor, check_amount, check_year};
use crate::db::costs::cost_items::{CostItemRow, CostItemValues};
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// What a cost item pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostCategory {
    Investment,
    Licence,
    Service,
    Personnel,
    Other,
}

impl CostCategory {
    fn as_str(self) -> &'static str {
        match self {
            Self::Investment => "investment",
            Self::Licence => "licence",
            Self::Service => "service",
            Self::Personnel => "personnel",
            Self::Other => "other",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "investment" => Self::Investment,
            "licence" => Self::Licence,
            "service" => Self::Service,
            "personnel" => Self::Personnel,
            _ => Self::Other,
        }
    }
}

/// Whether an item falls due once or every year of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecurrenceKind {
    /// Once, in `fiscal_year`.
    OneOff,
    /// Every year from `first_year` to `last_year`, with `amount_cents` each year.
    Recurring,
}

/// Whether an amount is an estimate or what was actually paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmountBasis {
    Estimate,
    Actual,
}

/// Whether an item counts in the allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostItemStatus {
    /// Proposed by the lead organization; does not count until the steering office accepts it.
    Proposed,
    /// Counts in the allocation.
    Accepted,
}

/// A cost item of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostItemResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    pub category: CostCategory,
    pub recurrence: RecurrenceKind,
    /// The fiscal year of a one-off item; `null` for recurring items.
    #[schema(example = 2027)]
    pub fiscal_year: Option<i32>,
    /// The first fiscal year the item falls into (the fiscal year of a one-off item).
    #[schema(example = 2027)]
    pub first_year: i32,
    /// The last fiscal year the item falls into (the fiscal year of a one-off item).
    #[schema(example = 2030)]
    pub last_year: i32,
    /// The amount in euro cents, in each year the item falls into.
    #[schema(example = 1_200_000)]
    pub amount_cents: i64,
    /// Whether funding programmes count this item among the eligible costs.
    pub eligible_for_funding: bool,
    pub basis: AmountBasis,
    #[schema(example = "LoRaWAN gateway licences")]
    pub description: String,
    pub status: CostItemStatus,
    /// The lead organization that proposed the item; `null` when the steering office entered it.
    #[schema(example = "99001004")]
    pub proposed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CostItemRow> for CostItemResponse {
    fn from(row: CostItemRow) -> Self {
        let recurrence = if row.recurrence == "recurring" {
            RecurrenceKind::Recurring
        } else {
            RecurrenceKind::OneOff
        };
        Self {
            id: row.id,
            project_id: row.project_id,
            category: CostCategory::parse(&row.category),
            fiscal_year: (recurrence == RecurrenceKind::OneOff).then_some(row.first_year),
            recurrence,
            first_year: row.first_year,
            last_year: row.last_year,
            amount_cents: row.amount_cents,
            eligible_for_funding: row.eligible_for_funding,
            basis: if row.basis == "actual" {
                AmountBasis::Actual
            } else {
                AmountBasis::Estimate
            },
            description: row.description,
            status: if row.status == "accepted" {
                CostItemStatus::Accepted
            } else {
                CostItemStatus::Proposed
            },
            proposed_by: row.proposed_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new cost item. One-off items name `fiscal_year`; recurring items name `first_year` and
/// `last_year`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "category": "licence", "recurrence": "recurring", "first_year": 2027, "last_year": 2030,
    "amount_cents": 1_200_000, "eligible_for_funding": true, "basis": "estimate",
    "description": "LoRaWAN network server licence"
}))]
pub struct CreateCostItem {
    #[schema(required = true)]
    pub category: Option<CostCategory>,
    #[schema(required = true)]
    pub recurrence: Option<RecurrenceKind>,
    /// Required for one-off items, 2000–2100.
    #[schema(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
    /// Required for recurring items, 2000–2100.
    #[schema(minimum = 2000, maximum = 2100)]
    pub first_year: Option<i32>,
    /// Required for recurring items, 2000–2100, not before `first_year`.
    #[schema(minimum = 2000, maximum = 2100)]
    pub last_year: Option<i32>,
    /// Euro cents per year, 0 to 100,000,000,000.
    #[schema(required = true, minimum = 0, maximum = 100_000_000_000_i64)]
    pub amount_cents: Option<i64>,
    #[schema(required = true)]
    pub eligible_for_funding: Option<bool>,
    #[schema(required = true)]
    pub basis: Option<AmountBasis>,
    /// 1 to 2000 characters.
    #[schema(required = true, min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// `accepted` (default) or `proposed`; the lead organization's proposals are always
    /// `proposed`.
    pub status: Option<CostItemStatus>,
}

/// Changes to a cost item; absent fields stay as they are. Steering office only.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_cents": 1_350_000, "basis": "actual", "status": "accepted"}))]
pub struct UpdateCostItem {
    pub category: Option<CostCategory>,
    pub recurrence: Option<RecurrenceKind>,
    /// For one-off items, 2000–2100.
    #[schema(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
    /// For recurring items, 2000–2100.
    #[schema(minimum = 2000, maximum = 2100)]
    pub first_year: Option<i32>,
    /// For recurring items, 2000–2100, not before `first_year`.
    #[schema(minimum = 2000, maximum = 2100)]
    pub last_year: Option<i32>,
    /// Euro cents per year, 0 to 100,000,000,000.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub amount_cents: Option<i64>,
    pub eligible_for_funding: Option<bool>,
    pub basis: Option<AmountBasis>,
    /// 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// `accepted` accepts a proposal.
    pub status: Option<CostItemStatus>,
}

impl CreateCostItem {
    pub(super) fn validate(self, editor: &PlanEditor) -> Result<CostItemValues, ApiError> {
        let mut v = Validator::new();
        let status = match editor {
            PlanEditor::Coordinator => self.status.unwrap_or(CostItemStatus::Accepted),
            PlanEditor::LeadAdmin(_) => {
                v.check(
                    self.status != Some(CostItemStatus::Accepted),
                    "/status",
                    "only the steering office accepts cost items; a lead organization proposes them",
                );
                CostItemStatus::Proposed
            }
        };
        let draft = Draft {
            category: required(&mut v, "/category", self.category),
            recurrence: required(&mut v, "/recurrence", self.recurrence),
            fiscal_year: self.fiscal_year,
            first_year: self.first_year,
            last_year: self.last_year,
            amount_cents: required(&mut v, "/amount_cents", self.amount_cents),
            eligible_for_funding: required(
                &mut v,
                "/eligible_for_funding",
                self.eligible_for_funding,
            ),
            basis: required(&mut v, "/basis", self.basis),
            description: required(&mut v, "/description", self.description),
            status,
        };
        draft.validate(v)
    }
}

fn required<T>(v: &mut Validator, pointer: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        v.error(pointer, "is required");
    }
    value
}

/// A cost item's complete new state before checking.
struct Draft {
    category: Option<CostCategory>,
    recurrence: Option<RecurrenceKind>,
    fiscal_year: Option<i32>,
    first_year: Option<i32>,
    last_year: Option<i32>,
    amount_cents: Option<i64>,
    eligible_for_funding: Option<bool>,
    basis: Option<AmountBasis>,
    description: Option<String>,
    status: CostItemStatus,
}

impl Draft {
    fn validate(self, mut v: Validator) -> Result<CostItemValues, ApiError> {
        let (first_year, last_year) = match self.recurrence {
            Some(RecurrenceKind::OneOff) => {
                v.check(
                    self.first_year.is_none() && self.last_year.is_none(),
                    "/first_year",
                    "one-off items name fiscal_year, not first_year and last_year",
                );
                let year = required(&mut v, "/fiscal_year", self.fiscal_year);
                if let Some(year) = year {
                    check_year(&mut v, "/fiscal_year", year);
                }
                (year.unwrap_or(0), year.unwrap_or(0))
            }
            Some(RecurrenceKind::Recurring) => {
                v.check(
                    self.fiscal_year.is_none(),
                    "/fiscal_year",
                    "recurring items name first_year and last_year, not fiscal_year",
                );
                let first = required(&mut v, "/first_year", self.first_year);
                let last = required(&mut v, "/last_year", self.last_year);
                if let (Some(first), Some(last)) = (first, last) {
                    check_year(&mut v, "/first_year", first);
                    check_year(&mut v, "/last_year", last);
                    v.check(last >= first, "/last_year", "must not be before first_year");
                }
                (first.unwrap_or(0), last.unwrap_or(0))
            }
            None => (0, 0),
        };
        let amount_cents = self.amount_cents.unwrap_or(0);
        check_amount(&mut v, "/amount_cents", amount_cents);
        let description = self
            .description
            .map(|d| v.text("/description", &d, 1, 2000))
            .unwrap_or_default();
        Ok(v.finish(CostItemValues {
            category: self.category.map_or("other", CostCategory::as_str).into(),
            recurrence: match self.recurrence {
                Some(RecurrenceKind::Recurring) => "recurring",
                _ => "one_off",
            }
            .into(),
            first_year,
            last_year,
            amount_cents,
            eligible_for_funding: self.eligible_for_funding.unwrap_or(false),
            basis: match self.basis {
                Some(AmountBasis::Actual) => "actual",
                _ => "estimate",
            }
            .into(),
            description,
            status: match self.status {
                CostItemStatus::Accepted => "accepted",
                CostItemStatus::Proposed => "proposed",
            }
            .into(),
        })?)
    }
}

impl UpdateCostItem {
    /// The item's new state: the current one with these changes.
    pub(super) fn apply_to(self, row: &CostItemRow) -> Result<CostItemValues, ApiError> {
        let current = CostItemResponse::from(row.clone());
        let recurrence = self.recurrence.unwrap_or(current.recurrence);
        // Years carry over only where the recurrence keeps them meaningful.
        let (fiscal_year, first_year, last_year) = match recurrence {
            RecurrenceKind::OneOff => (
                self.fiscal_year.or(if self.recurrence.is_none() {
                    current.fiscal_year
                } else {
                    None
                }),
                self.first_year,
                self.last_year,
            ),
            RecurrenceKind::Recurring => (
                self.fiscal_year,
                self.first_year.or(Some(current.first_year)),
                self.last_year.or(Some(current.last_year)),
            ),
        };
        Draft {
            category: Some(self.category.unwrap_or(current.category)),
            recurrence: Some(recurrence),
            fiscal_year,
            first_year,
            last_year,
            amount_cents: Some(self.amount_cents.unwrap_or(current.amount_cents)),
            eligible_for_funding: Some(
                self.eligible_for_funding
                    .unwrap_or(current.eligible_for_funding),
            ),
            basis: Some(self.basis.unwrap_or(current.basis)),
            description: Some(self.description.unwrap_or(current.description)),
            status: self.status.unwrap_or(current.status),
        }
        .validate(Validator::new())
    }
}

impl PlanChange<CostItemRow> for UpdateCostItem {
    async fn values(
        self,
        _conn: &mut AsyncPgConnection,
        _project_id: Uuid,
        before: &CostItemRow,
    ) -> Result<CostItemValues, ApiError> {
        self.apply_to(before)
    }
}
