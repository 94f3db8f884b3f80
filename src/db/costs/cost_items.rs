//! A project's cost items.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::plan_rows::PlanRow;
use crate::db::schema::cost_items;
use crate::domain::cost_plan::{CostItem, Recurrence};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = cost_items)]
pub struct CostItemRow {
    pub id: Uuid,
    pub project_id: Uuid,
    pub category: String,
    pub recurrence: String,
    pub first_year: i32,
    pub last_year: i32,
    pub amount_cents: i64,
    pub eligible_for_funding: bool,
    pub basis: String,
    pub description: String,
    pub status: String,
    pub proposed_by: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CostItemRow {
    /// Whether the item counts in the allocation: proposals wait for the steering office.
    pub fn is_accepted(&self) -> bool {
        self.status == "accepted"
    }

    pub fn to_domain(&self) -> CostItem {
        CostItem {
            recurrence: if self.recurrence == "recurring" {
                Recurrence::Recurring {
                    first: self.first_year,
                    last: self.last_year,
                }
            } else {
                Recurrence::OneOff {
                    year: self.first_year,
                }
            },
            amount_cents: self.amount_cents,
            eligible: self.eligible_for_funding,
        }
    }
}

/// The values of a new item or the full new state of an updated one.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = cost_items)]
pub struct CostItemValues {
    pub category: String,
    pub recurrence: String,
    pub first_year: i32,
    pub last_year: i32,
    pub amount_cents: i64,
    pub eligible_for_funding: bool,
    pub basis: String,
    pub description: String,
    pub status: String,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<CostItemRow>> {
    let mut query = cost_items::table
        .filter(cost_items::project_id.eq(project_id))
        .order(cost_items::id.asc())
        .limit(limit)
        .select(CostItemRow::as_select())
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(cost_items::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(cost_items::id.gt(after));
    }
    query.load(conn).await
}

/// The accepted items of a project: what its allocation is computed from.
pub async fn accepted(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<CostItem>> {
    Ok(accepted_of(conn, &[project_id])
        .await?
        .remove(&project_id)
        .unwrap_or_default())
}

/// The accepted items of several projects in one query, each project's in id order.
pub async fn accepted_of(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<CostItem>>> {
    let rows: Vec<CostItemRow> = cost_items::table
        .filter(cost_items::project_id.eq_any(project_ids))
        .filter(cost_items::status.eq("accepted"))
        .order((cost_items::project_id.asc(), cost_items::id.asc()))
        .select(CostItemRow::as_select())
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<CostItem>> = HashMap::new();
    for row in &rows {
        map.entry(row.project_id).or_default().push(row.to_domain());
    }
    Ok(map)
}

pub async fn count(conn: &mut AsyncPgConnection, project_id: Uuid) -> QueryResult<i64> {
    cost_items::table
        .filter(cost_items::project_id.eq(project_id))
        .count()
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    id: Uuid,
) -> QueryResult<CostItemRow> {
    cost_items::table
        .find(id)
        .filter(cost_items::project_id.eq(project_id))
        .select(CostItemRow::as_select())
        .first(conn)
        .await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    values: &CostItemValues,
    proposed_by: Option<&str>,
) -> QueryResult<CostItemRow> {
    diesel::insert_into(cost_items::table)
        .values((
            values,
            cost_items::project_id.eq(project_id),
            cost_items::proposed_by.eq(proposed_by),
        ))
        .returning(CostItemRow::as_returning())
        .get_result(conn)
        .await
}

impl PlanRow for CostItemRow {
    const KIND: &'static str = "cost_item";
    const WHAT: &'static str = "cost item";
    type Values = CostItemValues;

    fn version(&self) -> i32 {
        self.version
    }

    fn counts_in_allocation(&self) -> bool {
        self.is_accepted()
    }

    async fn find_for_update(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        id: Uuid,
    ) -> QueryResult<CostItemRow> {
        cost_items::table
            .find(id)
            .filter(cost_items::project_id.eq(project_id))
            .select(CostItemRow::as_select())
            .for_update()
            .first(conn)
            .await
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        values: &CostItemValues,
    ) -> QueryResult<CostItemRow> {
        diesel::update(cost_items::table.find(id))
            .set((
                values,
                cost_items::version.eq(cost_items::version + 1),
                cost_items::updated_at.eq(diesel::dsl::now),
            ))
            .returning(CostItemRow::as_returning())
            .get_result(conn)
            .await
    }

    async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
        diesel::delete(cost_items::table.find(id))
            .execute(conn)
            .await
    }
}
