//! The funding application resource's request and response types, and the checks of an
//! application's new state against the rules and the project's eligible costs.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::costs::plan_rows::PlanChange;
use crate::api::costs::{PlanEditor, check_amount, check_year};
use crate::db::costs::cost_items;
use crate::db::costs::funding::{self, ApplicationRow, ApplicationValues};
use crate::domain::cost_plan::eligible_over;
use crate::domain::validation::Validator;
use crate::error::{ApiError, OrNotFound};

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// Not yet submitted; counts with its expected grant in planning views.
    Planned,
    /// Submitted; counts with its expected grant in planning views.
    Submitted,
    /// Granted: `granted_cents` reduces the own share.
    Granted,
    /// Rejected: counts nowhere.
    Rejected,
}

impl ApplicationState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Submitted => "submitted",
            Self::Granted => "granted",
            Self::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "submitted" => Self::Submitted,
            "granted" => Self::Granted,
            "rejected" => Self::Rejected,
            _ => Self::Planned,
        }
    }
}

/// A funding application.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundingApplicationResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    pub programme_id: Uuid,
    pub state: ApplicationState,
    /// The amount applied for, in cents.
    #[schema(example = 21_000_000)]
    pub requested_cents: Option<i64>,
    /// The amount granted, in cents (granted applications only).
    #[schema(example = 21_000_000)]
    pub granted_cents: Option<i64>,
    /// When the programme decided (granted or rejected applications).
    pub decision_date: Option<NaiveDate>,
    /// The reference of the grant notice (Zuwendungsbescheid).
    #[schema(example = "ZB 34.2-2027-118")]
    pub notice_reference: Option<String>,
    /// The first fiscal year the funding covers.
    #[schema(example = 2027)]
    pub first_year: i32,
    /// The last fiscal year the funding covers.
    #[schema(example = 2029)]
    pub last_year: i32,
    /// The lead organization that proposed it; `null` when the steering office entered it.
    pub proposed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ApplicationRow> for FundingApplicationResponse {
    fn from(row: ApplicationRow) -> Self {
        Self {
            id: row.id,
            project_id: row.project_id,
            programme_id: row.programme_id,
            state: ApplicationState::parse(&row.state),
            requested_cents: row.requested_cents,
            granted_cents: row.granted_cents,
            decision_date: row.decision_date,
            notice_reference: row.notice_reference,
            first_year: row.first_year,
            last_year: row.last_year,
            proposed_by: row.proposed_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new funding application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "programme_id": "0b7d3f0e-6a52-4d33-9c1e-6f1f3d0f8a11", "state": "submitted",
    "requested_cents": 21_000_000, "first_year": 2027, "last_year": 2029
}))]
pub struct CreateFundingApplication {
    /// An existing funding programme.
    pub programme_id: Uuid,
    /// `planned` or `submitted` for a lead organization's proposal.
    pub state: ApplicationState,
    /// 0 to 100,000,000,000 cents.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub requested_cents: Option<i64>,
    /// Required when granted, absent otherwise; at most the eligible costs of the years covered.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub granted_cents: Option<i64>,
    /// Required when granted or rejected.
    pub decision_date: Option<NaiveDate>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub notice_reference: Option<String>,
    /// 2000–2100.
    #[schema(minimum = 2000, maximum = 2100)]
    pub first_year: i32,
    /// 2000–2100, not before `first_year`.
    #[schema(minimum = 2000, maximum = 2100)]
    pub last_year: i32,
}

/// Changes to an application; absent fields stay as they are, `null` clears an optional one.
/// Steering office only.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "granted", "granted_cents": 19_500_000, "decision_date": "2027-03-15",
                          "notice_reference": "ZB 34.2-2027-118"}))]
pub struct UpdateFundingApplication {
    pub programme_id: Option<Uuid>,
    pub state: Option<ApplicationState>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<i64>, nullable, minimum = 0, maximum = 100_000_000_000_i64)]
    pub requested_cents: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<i64>, nullable, minimum = 0, maximum = 100_000_000_000_i64)]
    pub granted_cents: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub decision_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 200)]
    pub notice_reference: Option<Option<String>>,
    #[schema(minimum = 2000, maximum = 2100)]
    pub first_year: Option<i32>,
    #[schema(minimum = 2000, maximum = 2100)]
    pub last_year: Option<i32>,
}

impl CreateFundingApplication {
    pub(super) fn into_values(self) -> ApplicationValues {
        ApplicationValues {
            programme_id: self.programme_id,
            state: self.state.as_str().into(),
            requested_cents: self.requested_cents,
            granted_cents: self.granted_cents,
            decision_date: self.decision_date,
            notice_reference: self.notice_reference,
            first_year: self.first_year,
            last_year: self.last_year,
        }
    }
}

impl UpdateFundingApplication {
    pub(super) fn apply_to(self, row: &ApplicationRow) -> ApplicationValues {
        ApplicationValues {
            programme_id: self.programme_id.unwrap_or(row.programme_id),
            state: self
                .state
                .map_or_else(|| row.state.clone(), |s| s.as_str().into()),
            requested_cents: self.requested_cents.unwrap_or(row.requested_cents),
            granted_cents: self.granted_cents.unwrap_or(row.granted_cents),
            decision_date: self.decision_date.unwrap_or(row.decision_date),
            notice_reference: self
                .notice_reference
                .unwrap_or_else(|| row.notice_reference.clone()),
            first_year: self.first_year.unwrap_or(row.first_year),
            last_year: self.last_year.unwrap_or(row.last_year),
        }
    }
}

/// Checks an application's complete new state against the rules and the project's eligible
/// costs (inside the write's transaction, under the project's lock).
pub(super) async fn check(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    mut values: ApplicationValues,
    editor: &PlanEditor,
) -> Result<ApplicationValues, ApiError> {
    let mut v = Validator::new();
    let state = ApplicationState::parse(&values.state);
    if let PlanEditor::LeadAdmin(_) = editor {
        v.check(
            matches!(state, ApplicationState::Planned | ApplicationState::Submitted),
            "/state",
            "a lead organization proposes planned or submitted applications; decisions are the steering office's",
        );
    }
    if funding::find_programme(conn, values.programme_id)
        .await
        .or_not_found("funding programme", values.programme_id)
        .is_err()
    {
        v.error("/programme_id", "names no funding programme");
    }
    check_year(&mut v, "/first_year", values.first_year);
    check_year(&mut v, "/last_year", values.last_year);
    v.check(
        values.last_year >= values.first_year,
        "/last_year",
        "must not be before first_year",
    );
    if let Some(cents) = values.requested_cents {
        check_amount(&mut v, "/requested_cents", cents);
    }
    match (state, values.granted_cents) {
        (ApplicationState::Granted, None) => v.error("/granted_cents", "is required when granted"),
        (ApplicationState::Granted, Some(cents)) => {
            check_amount(&mut v, "/granted_cents", cents);
            let items = cost_items::accepted(conn, project_id).await?;
            let eligible = eligible_over(&items, values.first_year..=values.last_year);
            v.check(
                cents <= eligible,
                "/granted_cents",
                &format!(
                    "a grant never exceeds the eligible costs: {eligible} cents in {}–{}",
                    values.first_year, values.last_year
                ),
            );
        }
        (_, Some(_)) => v.error(
            "/granted_cents",
            "only a granted application has a granted amount",
        ),
        (_, None) => {}
    }
    v.check(
        !matches!(
            state,
            ApplicationState::Granted | ApplicationState::Rejected
        ) || values.decision_date.is_some(),
        "/decision_date",
        "is required when granted or rejected",
    );
    if let Some(reference) = values.notice_reference.take() {
        values.notice_reference = Some(v.text("/notice_reference", &reference, 1, 200));
    }
    Ok(v.finish(values)?)
}

impl PlanChange<ApplicationRow> for UpdateFundingApplication {
    /// The steering office's change, checked like its new applications.
    async fn values(
        self,
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        before: &ApplicationRow,
    ) -> Result<ApplicationValues, ApiError> {
        check(
            conn,
            project_id,
            self.apply_to(before),
            &PlanEditor::Coordinator,
        )
        .await
    }
}
