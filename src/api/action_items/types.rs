//! What the action-item endpoints read.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::meetings::ActionItemStatus;

/// The path of an action item.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ActionItemPath {
    /// Action item id
    pub id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionItemQuery {
    /// Only items of this owner organization.
    #[param(example = "99001004")]
    pub owner: Option<String>,
    pub status: Option<ActionItemStatus>,
    /// Only items from this meeting.
    pub meeting: Option<Uuid>,
    /// `true`: only open or in-progress items past their due date.
    pub overdue: Option<bool>,
}

/// A new action item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Förderantrag für das Glasfaserprojekt vorbereiten", "owner_organization": "99001004",
    "due_date": "2026-06-30"
}))]
#[derive(Clone)]
pub struct CreateActionItem {
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// The agenda item it came from.
    pub agenda_item_id: Option<Uuid>,
    pub owner_organization: String,
    pub due_date: Option<NaiveDate>,
    /// Default `open`.
    pub status: Option<ActionItemStatus>,
    /// The project it concerns.
    pub project_id: Option<Uuid>,
}

/// Changes to an action item; absent fields stay as they are. The owner organization may
/// change `status` and `due_date` only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "in_progress"}))]
pub struct UpdateActionItem {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    pub owner_organization: Option<String>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub due_date: Option<Option<NaiveDate>>,
    pub status: Option<ActionItemStatus>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub project_id: Option<Option<Uuid>>,
}
