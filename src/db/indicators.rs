//! Indicators of a project and their dated measurements.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::project_records::ProjectRecord;
use crate::db::schema::{project_indicators, project_measurements};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = project_indicators)]
pub struct Indicator {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub unit: String,
    pub description: String,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub target_date: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = project_indicators)]
pub struct NewIndicator {
    pub project_id: Uuid,
    pub name: String,
    pub unit: String,
    pub description: String,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub target_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = project_indicators)]
pub struct IndicatorChanges {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub description: Option<String>,
    pub baseline: Option<Option<f64>>,
    pub target: Option<Option<f64>>,
    pub target_date: Option<Option<NaiveDate>>,
}

impl ProjectRecord for Indicator {
    const KIND: &'static str = "indicator";
    const COLLECTION: &'static str = "indicators";
    type New = NewIndicator;
    type Changes = IndicatorChanges;
    type Key = (DateTime<Utc>, Uuid);

    fn id(&self) -> Uuid {
        self.id
    }
    fn project_id(&self) -> Uuid {
        self.project_id
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn key(&self) -> Self::Key {
        (self.created_at, self.id)
    }

    async fn find(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        id: Uuid,
        lock: bool,
    ) -> QueryResult<Self> {
        let query = project_indicators::table
            .find(id)
            .filter(project_indicators::project_id.eq(project_id))
            .select(Indicator::as_select());
        if lock {
            query.for_update().first(conn).await
        } else {
            query.first(conn).await
        }
    }

    async fn list(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        modified_since: Option<DateTime<Utc>>,
        after: Option<Self::Key>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = project_indicators::table
            .filter(project_indicators::project_id.eq(project_id))
            .order((
                project_indicators::created_at.asc(),
                project_indicators::id.asc(),
            ))
            .select(Indicator::as_select())
            .limit(limit)
            .into_boxed();
        if let Some(since) = modified_since {
            query = query.filter(project_indicators::updated_at.ge(since));
        }
        if let Some((at, id)) = after {
            query = query.filter(
                project_indicators::created_at
                    .gt(at)
                    .or(project_indicators::created_at
                        .eq(at)
                        .and(project_indicators::id.gt(id))),
            );
        }
        query.load(conn).await
    }

    async fn insert(conn: &mut AsyncPgConnection, new: &NewIndicator) -> QueryResult<Self> {
        diesel::insert_into(project_indicators::table)
            .values(new)
            .returning(Indicator::as_returning())
            .get_result(conn)
            .await
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        changes: &IndicatorChanges,
    ) -> QueryResult<Self> {
        diesel::update(project_indicators::table.find(id))
            .set((
                changes,
                project_indicators::version.eq(project_indicators::version + 1),
                project_indicators::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Indicator::as_returning())
            .get_result(conn)
            .await
    }

    async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
        diesel::delete(project_indicators::table.find(id))
            .execute(conn)
            .await
            .map(drop)
    }

    /// Measurements refer to their indicator; they go first, each with its own audit record.
    async fn delete_refusal(
        conn: &mut AsyncPgConnection,
        record: &Self,
    ) -> QueryResult<Option<&'static str>> {
        Ok(has_measurements(conn, record.id)
            .await?
            .then_some("the indicator has measurements; delete them first"))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = project_measurements)]
pub struct Measurement {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub measured_on: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn has_measurements(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        project_measurements::table.filter(project_measurements::indicator_id.eq(id)),
    ))
    .get_result(conn)
    .await
}

pub async fn insert_measurement(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    measured_on: NaiveDate,
    value: f64,
    note: Option<&str>,
) -> QueryResult<Measurement> {
    diesel::insert_into(project_measurements::table)
        .values((
            project_measurements::indicator_id.eq(indicator_id),
            project_measurements::measured_on.eq(measured_on),
            project_measurements::value.eq(value),
            project_measurements::note.eq(note),
        ))
        .returning(Measurement::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_measurement(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    id: Uuid,
) -> QueryResult<Measurement> {
    project_measurements::table
        .find(id)
        .filter(project_measurements::indicator_id.eq(indicator_id))
        .select(Measurement::as_select())
        .for_update()
        .first(conn)
        .await
}

/// One page by date (one measurement per date, so the date is the key).
pub async fn list_measurements(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<NaiveDate>,
    limit: i64,
) -> QueryResult<Vec<Measurement>> {
    let mut query = project_measurements::table
        .filter(project_measurements::indicator_id.eq(indicator_id))
        .order(project_measurements::measured_on.asc())
        .select(Measurement::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(project_measurements::created_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(project_measurements::measured_on.gt(after));
    }
    query.load(conn).await
}

pub async fn delete_measurement(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(project_measurements::table.find(id))
        .execute(conn)
        .await
}
