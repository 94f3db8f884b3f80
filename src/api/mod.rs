//! The HTTP resources: one module per resource, each with its handlers and their request and
//! response types. The route list that serves them is `crate::routes`.

pub mod action_items;
pub mod audit;
pub mod changes;
pub mod committee;
pub mod costs;
pub mod decisions;
pub mod feed_tokens;
pub mod fields_of_action;
pub mod health;
pub mod initiatives;
pub mod me;
pub mod meetings;
pub mod organizations;
pub mod participations;
pub mod projects;
pub mod reporting;
pub mod similarity;
pub mod strategy;
pub mod webhooks;
pub mod working_groups;

/// Deserializes a field that may be absent (leave as is), `null` (clear) or a value (set).
pub(crate) fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}
