//! The versions of a project's cost key. Rows are never rewritten; a change adds a version.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::cost_keys;
use crate::domain::allocation::KeyRule;
use crate::domain::cost_sharing::KeyDefinition;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = cost_keys)]
pub struct CostKeyRow {
    pub project_id: Uuid,
    pub version: i32,
    pub rule: String,
    pub population_date: Option<NaiveDate>,
    pub equal_part_bp: Option<i32>,
    pub district_share_bp: Option<i32>,
    pub basis_points: Option<Value>,
    pub weights: Option<Value>,
    pub caps_cents: Value,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A new version's content.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cost_keys)]
pub struct NewCostKey {
    pub project_id: Uuid,
    pub version: i32,
    pub rule: String,
    pub population_date: Option<NaiveDate>,
    pub equal_part_bp: Option<i32>,
    pub district_share_bp: Option<i32>,
    pub basis_points: Option<Value>,
    pub weights: Option<Value>,
    pub caps_cents: Value,
    pub note: Option<String>,
    pub created_by: String,
}

impl NewCostKey {
    pub fn new(
        project_id: Uuid,
        version: i32,
        key: &KeyDefinition,
        note: Option<String>,
        created_by: String,
    ) -> Self {
        let (rule, equal_part_bp, basis_points, weights) = match &key.rule {
            KeyRule::Equal => ("equal", None, None, None),
            KeyRule::Population => ("population", None, None, None),
            KeyRule::Mixed { equal_part_bp } => ("mixed", Some(*equal_part_bp as i32), None, None),
            KeyRule::FixedPercentages(bp) => {
                ("fixed_percentages", None, Some(serde_json::json!(bp)), None)
            }
            KeyRule::CustomWeights(w) => ("custom_weights", None, None, Some(serde_json::json!(w))),
        };
        Self {
            project_id,
            version,
            rule: rule.into(),
            population_date: key.population_date,
            equal_part_bp,
            district_share_bp: key.district_share_bp.map(|bp| bp as i32),
            basis_points,
            weights,
            caps_cents: serde_json::json!(key.caps_cents),
            note,
            created_by,
        }
    }
}

impl CostKeyRow {
    /// The stored key; the write path only stores keys it has checked.
    pub fn to_definition(&self) -> KeyDefinition {
        fn map<T: serde::de::DeserializeOwned>(value: &Option<Value>) -> BTreeMap<String, T> {
            value
                .as_ref()
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default()
        }
        let bp = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        let rule = match self.rule.as_str() {
            "population" => KeyRule::Population,
            "mixed" => KeyRule::Mixed {
                equal_part_bp: bp(self.equal_part_bp).unwrap_or(0),
            },
            "fixed_percentages" => KeyRule::FixedPercentages(map(&self.basis_points)),
            "custom_weights" => KeyRule::CustomWeights(map(&self.weights)),
            _ => KeyRule::Equal,
        };
        KeyDefinition {
            rule,
            population_date: self.population_date,
            district_share_bp: bp(self.district_share_bp),
            caps_cents: map(&Some(self.caps_cents.clone())),
        }
    }
}

/// The newest version, if the project has a key.
pub async fn current(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
) -> QueryResult<Option<CostKeyRow>> {
    Ok(current_of(conn, &[project_id]).await?.remove(&project_id))
}

/// The newest version of each of several projects' keys, in one query (`DISTINCT ON`, served by
/// the primary key).
pub async fn current_of(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, CostKeyRow>> {
    let rows: Vec<CostKeyRow> = cost_keys::table
        .filter(cost_keys::project_id.eq_any(project_ids))
        .distinct_on(cost_keys::project_id)
        .order((cost_keys::project_id.asc(), cost_keys::version.desc()))
        .select(CostKeyRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|row| (row.project_id, row)).collect())
}

pub async fn version(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    version: i32,
) -> QueryResult<CostKeyRow> {
    cost_keys::table
        .find((project_id, version))
        .select(CostKeyRow::as_select())
        .first(conn)
        .await
}

/// Versions newest first, before `before`.
pub async fn versions(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<CostKeyRow>> {
    let mut query = cost_keys::table
        .filter(cost_keys::project_id.eq(project_id))
        .order(cost_keys::version.desc())
        .limit(limit)
        .select(CostKeyRow::as_select())
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(cost_keys::created_at.ge(since));
    }
    if let Some(before) = before {
        query = query.filter(cost_keys::version.lt(before));
    }
    query.load(conn).await
}

pub async fn insert(conn: &mut AsyncPgConnection, key: &NewCostKey) -> QueryResult<CostKeyRow> {
    diesel::insert_into(cost_keys::table)
        .values(key)
        .returning(CostKeyRow::as_returning())
        .get_result(conn)
        .await
}
