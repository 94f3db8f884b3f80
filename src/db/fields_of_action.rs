//! The six fields of action (Handlungsfelder) of the Smart Region strategy.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use crate::db::schema::fields_of_action;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = fields_of_action)]
pub struct FieldOfAction {
    pub code: String,
    pub name_de: String,
    pub name_en: String,
    pub position: i32,
}

/// The fields in the strategy's order; `modified_since` compares with `updated_at`.
pub async fn all(
    conn: &mut AsyncPgConnection,
    modified_since: Option<DateTime<Utc>>,
) -> QueryResult<Vec<FieldOfAction>> {
    let mut query = fields_of_action::table
        .order(fields_of_action::position.asc())
        .select(FieldOfAction::as_select())
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(fields_of_action::updated_at.ge(since));
    }
    query.load(conn).await
}

/// Every code (the table is small: one query instead of one per row of an import).
pub async fn codes(conn: &mut AsyncPgConnection) -> QueryResult<HashSet<String>> {
    let codes: Vec<String> = fields_of_action::table
        .select(fields_of_action::code)
        .load(conn)
        .await?;
    Ok(codes.into_iter().collect())
}

pub async fn exists(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(fields_of_action::table.find(code)))
        .get_result(conn)
        .await
}
