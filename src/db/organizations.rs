//! Organizations (the members of the cooperation) and their population figures.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use crate::db::schema::{organization_populations, organizations};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = organizations)]
pub struct Organization {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website_url: Option<String>,
    pub population: Option<i32>,
    pub population_date: Option<NaiveDate>,
    pub population_source: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrganization<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub population: Option<i32>,
    pub population_date: Option<NaiveDate>,
    pub population_source: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    pub website_url: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = organization_populations)]
pub struct PopulationFigure {
    pub organization_key: String,
    pub reference_date: NaiveDate,
    pub population: i32,
    pub source: Option<String>,
    #[diesel(skip_insertion)]
    pub recorded_at: DateTime<Utc>,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = organizations)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub contact_email: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub website_url: Option<Option<String>>,
    pub population: Option<Option<i32>>,
    pub population_date: Option<Option<NaiveDate>>,
    pub population_source: Option<Option<String>>,
}

pub async fn find(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Organization> {
    organizations::table
        .find(key)
        .select(Organization::as_select())
        .first(conn)
        .await
}

/// Reads and locks the row for the rest of the transaction.
pub async fn find_for_update(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Organization> {
    organizations::table
        .find(key)
        .select(Organization::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Every organization key (a few dozen: one query instead of one per row of an import).
pub async fn keys(conn: &mut AsyncPgConnection) -> QueryResult<HashSet<String>> {
    let keys: Vec<String> = organizations::table
        .select(organizations::key)
        .load(conn)
        .await?;
    Ok(keys.into_iter().collect())
}

pub async fn exists(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(organizations::table.find(key)))
        .get_result(conn)
        .await
}

/// One page ordered by key, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    kind: Option<&str>,
    modified_since: Option<DateTime<Utc>>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Organization>> {
    let mut query = organizations::table
        .select(Organization::as_select())
        .order(organizations::key.asc())
        .limit(limit)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organizations::kind.eq(kind.to_owned()));
    }
    if let Some(since) = modified_since {
        query = query.filter(organizations::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(organizations::key.gt(after.to_owned()));
    }
    query.load(conn).await
}

/// Applies `changes` and bumps the version; the caller holds the row lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    key: &str,
    changes: &OrganizationChanges,
) -> QueryResult<Organization> {
    diesel::update(organizations::table.find(key))
        .set((
            changes,
            organizations::version.eq(organizations::version + 1),
            organizations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Organization::as_returning())
        .get_result(conn)
        .await
}

/// Every figure of an organization, newest reference date first; figures are never
/// rewritten, so `modified_since` compares with the time a figure was recorded.
pub async fn population_history(
    conn: &mut AsyncPgConnection,
    key: &str,
    modified_since: Option<DateTime<Utc>>,
) -> QueryResult<Vec<PopulationFigure>> {
    let mut query = organization_populations::table
        .filter(organization_populations::organization_key.eq(key))
        .order(organization_populations::reference_date.desc())
        .select(PopulationFigure::as_select())
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(organization_populations::recorded_at.ge(since));
    }
    query.load(conn).await
}

pub async fn find_population(
    conn: &mut AsyncPgConnection,
    key: &str,
    reference_date: NaiveDate,
) -> QueryResult<Option<PopulationFigure>> {
    organization_populations::table
        .find((key, reference_date))
        .select(PopulationFigure::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_population(
    conn: &mut AsyncPgConnection,
    key: &str,
    reference_date: NaiveDate,
    population: i32,
    source: Option<&str>,
) -> QueryResult<PopulationFigure> {
    diesel::insert_into(organization_populations::table)
        .values((
            organization_populations::organization_key.eq(key),
            organization_populations::reference_date.eq(reference_date),
            organization_populations::population.eq(population),
            organization_populations::source.eq(source),
        ))
        .returning(PopulationFigure::as_returning())
        .get_result(conn)
        .await
}

/// Adds an organization; the caller checked that its key is free (under the transaction's
/// lock a racing insert still fails on the primary key).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewOrganization<'_>,
) -> QueryResult<Organization> {
    diesel::insert_into(organizations::table)
        .values(new)
        .returning(Organization::as_returning())
        .get_result(conn)
        .await
}
