//! One record of the change feed as clients see it: shared by `GET /api/v1/changes` and the
//! webhook worker, which delivers the same objects.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::changes::ChangeRecord;
use crate::domain::feed;

/// What happened to the record.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOperation {
    Created,
    Updated,
    /// The record was deleted (a tombstone): its URL answers 404 or 410 from now on.
    Deleted,
}

/// One change to one record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResponse {
    /// Position in the feed: increasing, but not consecutive (numbers of rolled-back writes are
    /// never used). Pass the last one you processed as `after`.
    #[schema(example = 1042)]
    pub seq: i64,
    /// The kind of record, e.g. `organization`, `population_figure`, `project`.
    #[schema(example = "organization")]
    pub entity: String,
    /// The record's id within its kind.
    #[schema(example = "99001004")]
    pub entity_id: String,
    pub operation: ChangeOperation,
    /// The organization whose data changed, if the record belongs to one.
    #[schema(example = "99001004")]
    pub organization: Option<String>,
    /// When the change was made (the start of its transaction).
    pub occurred_at: DateTime<Utc>,
    /// Where to read the record now; `null` for kinds without an endpoint of their own yet.
    #[schema(example = "https://smartregion.musterland.example/api/v1/organizations/99001004")]
    pub url: Option<String>,
}

impl ChangeResponse {
    pub fn new(record: ChangeRecord, public_url: &str) -> Self {
        let operation = match record.operation.as_str() {
            "created" => ChangeOperation::Created,
            "deleted" => ChangeOperation::Deleted,
            _ => ChangeOperation::Updated,
        };
        Self {
            url: feed::resource_path(&record.entity, &record.entity_id)
                .map(|path| format!("{public_url}{path}")),
            seq: record.seq,
            entity: record.entity,
            entity_id: record.entity_id,
            operation,
            organization: record.organization_key,
            occurred_at: record.occurred_at,
        }
    }
}
