//! The strategy's structure: the vision and guiding principles (one versioned row), its goals,
//! and the links from goals to the projects and indicators that serve them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::GERMAN_COLLATION;
use crate::db::schema::{
    goal_indicators, project_goals, project_indicators, projects, strategy, strategy_goals,
};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = strategy)]
pub struct Strategy {
    pub vision: String,
    pub guiding_principles: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// The one strategy row (created by the migration).
pub async fn find(conn: &mut AsyncPgConnection, lock: bool) -> QueryResult<Strategy> {
    let query = strategy::table.find(1_i16).select(Strategy::as_select());
    if lock {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

/// Replaces the texts and bumps the version; the caller holds the row lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    vision: &str,
    guiding_principles: &str,
) -> QueryResult<Strategy> {
    diesel::update(strategy::table.find(1_i16))
        .set((
            strategy::vision.eq(vision),
            strategy::guiding_principles.eq(guiding_principles),
            strategy::version.eq(strategy::version + 1),
            strategy::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Strategy::as_returning())
        .get_result(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = strategy_goals)]
pub struct Goal {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub field_of_action: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A goal's own data: what create and update write.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = strategy_goals)]
pub struct GoalData {
    pub title: String,
    pub description: String,
    pub field_of_action: String,
}

/// A goal with the projects and indicators linked to it, as the audit trail records it.
#[derive(Debug, Clone, Serialize)]
pub struct GoalWithLinks {
    #[serde(flatten)]
    pub goal: Goal,
    pub project_ids: Vec<Uuid>,
    pub indicator_ids: Vec<Uuid>,
}

pub async fn find_goal(conn: &mut AsyncPgConnection, id: Uuid, lock: bool) -> QueryResult<Goal> {
    let query = strategy_goals::table.find(id).select(Goal::as_select());
    if lock {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

pub async fn insert_goal(conn: &mut AsyncPgConnection, data: &GoalData) -> QueryResult<Goal> {
    diesel::insert_into(strategy_goals::table)
        .values(data)
        .returning(Goal::as_returning())
        .get_result(conn)
        .await
}

/// Applies the data and bumps the version; the caller holds the row lock.
pub async fn update_goal(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    data: &GoalData,
) -> QueryResult<Goal> {
    diesel::update(strategy_goals::table.find(id))
        .set((
            data,
            strategy_goals::version.eq(strategy_goals::version + 1),
            strategy_goals::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Goal::as_returning())
        .get_result(conn)
        .await
}

/// Deletes a goal; its links go with it (`ON DELETE CASCADE`).
pub async fn delete_goal(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(strategy_goals::table.find(id))
        .execute(conn)
        .await
}

/// One page of goals ordered by lower-cased title (unique), optionally of one field of action.
pub async fn list_goals(
    conn: &mut AsyncPgConnection,
    field_of_action: Option<&str>,
    modified_since: Option<DateTime<Utc>>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Goal>> {
    let mut query = strategy_goals::table
        .select(Goal::as_select())
        // Titles are unique ignoring case, so the lower-cased title alone is the keyset.
        .order(
            sql::<Text>(&format!(
                "lower(strategy_goals.title) COLLATE {GERMAN_COLLATION}"
            ))
            .asc(),
        )
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(strategy_goals::updated_at.ge(since));
    }
    if let Some(field) = field_of_action {
        query = query.filter(strategy_goals::field_of_action.eq(field.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(
            sql::<Bool>(&format!(
                "lower(strategy_goals.title) COLLATE {GERMAN_COLLATION} > "
            ))
            .bind::<Text, _>(after.to_owned()),
        );
    }
    query.load(conn).await
}

/// Replaces the set of projects and indicators linked to a goal.
pub async fn replace_links(
    conn: &mut AsyncPgConnection,
    goal_id: Uuid,
    project_ids: &[Uuid],
    indicator_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(project_goals::table.filter(project_goals::goal_id.eq(goal_id)))
        .execute(conn)
        .await?;
    diesel::delete(goal_indicators::table.filter(goal_indicators::goal_id.eq(goal_id)))
        .execute(conn)
        .await?;
    if !project_ids.is_empty() {
        let rows: Vec<_> = project_ids
            .iter()
            .map(|p| {
                (
                    project_goals::goal_id.eq(goal_id),
                    project_goals::project_id.eq(*p),
                )
            })
            .collect();
        diesel::insert_into(project_goals::table)
            .values(&rows)
            .execute(conn)
            .await?;
    }
    if !indicator_ids.is_empty() {
        let rows: Vec<_> = indicator_ids
            .iter()
            .map(|i| {
                (
                    goal_indicators::goal_id.eq(goal_id),
                    goal_indicators::indicator_id.eq(*i),
                )
            })
            .collect();
        diesel::insert_into(goal_indicators::table)
            .values(&rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A project linked to a goal.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct LinkedProject {
    pub id: Uuid,
    pub code: String,
    pub title: String,
}

/// An indicator linked to a goal.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct LinkedIndicator {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub unit: String,
}

/// The ids of the projects and indicators linked to a goal (deleted projects included, so that
/// an unchanged PATCH keeps them).
pub async fn links_of_goal(
    conn: &mut AsyncPgConnection,
    goal_id: Uuid,
) -> QueryResult<(Vec<Uuid>, Vec<Uuid>)> {
    let projects: Vec<Uuid> = project_goals::table
        .filter(project_goals::goal_id.eq(goal_id))
        .select(project_goals::project_id)
        .load(conn)
        .await?;
    let indicators: Vec<Uuid> = goal_indicators::table
        .filter(goal_indicators::goal_id.eq(goal_id))
        .select(goal_indicators::indicator_id)
        .load(conn)
        .await?;
    Ok((projects, indicators))
}

/// The live projects linked to each of `goal_ids`, ordered by code: one query.
pub async fn projects_of_goals(
    conn: &mut AsyncPgConnection,
    goal_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<LinkedProject>>> {
    if goal_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, LinkedProject)> = project_goals::table
        .inner_join(projects::table)
        .filter(project_goals::goal_id.eq_any(goal_ids))
        .filter(projects::deleted_at.is_null())
        .order((project_goals::goal_id.asc(), projects::code.asc()))
        .select((
            project_goals::goal_id,
            (projects::id, projects::code, projects::title),
        ))
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<LinkedProject>> = HashMap::new();
    for (goal, project) in rows {
        map.entry(goal).or_default().push(project);
    }
    Ok(map)
}

/// The indicators (of live projects) linked to each of `goal_ids`, ordered by name and id:
/// one query.
pub async fn indicators_of_goals(
    conn: &mut AsyncPgConnection,
    goal_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<LinkedIndicator>>> {
    if goal_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, LinkedIndicator)> = goal_indicators::table
        .inner_join(project_indicators::table.inner_join(projects::table))
        .filter(goal_indicators::goal_id.eq_any(goal_ids))
        .filter(projects::deleted_at.is_null())
        .order((
            goal_indicators::goal_id.asc(),
            project_indicators::name.asc(),
            project_indicators::id.asc(),
        ))
        .select((
            goal_indicators::goal_id,
            (
                project_indicators::id,
                project_indicators::project_id,
                project_indicators::name,
                project_indicators::unit,
            ),
        ))
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<LinkedIndicator>> = HashMap::new();
    for (goal, indicator) in rows {
        map.entry(goal).or_default().push(indicator);
    }
    Ok(map)
}

/// A goal as a project shows it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct GoalRef {
    pub id: Uuid,
    pub title: String,
    pub field_of_action: String,
}

/// The goals of every project of a page, in one query, keyed by project id (ordered by
/// lower-cased title).
pub async fn goals_of_projects(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<GoalRef>>> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, GoalRef)> = project_goals::table
        .inner_join(strategy_goals::table)
        .filter(project_goals::project_id.eq_any(project_ids))
        .order((
            project_goals::project_id.asc(),
            lower(strategy_goals::title).asc(),
        ))
        .select((
            project_goals::project_id,
            (
                strategy_goals::id,
                strategy_goals::title,
                strategy_goals::field_of_action,
            ),
        ))
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<GoalRef>> = HashMap::new();
    for (project, goal) in rows {
        map.entry(project).or_default().push(goal);
    }
    Ok(map)
}

/// Which of `ids` are live projects.
pub async fn live_projects_among(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    projects::table
        .filter(projects::id.eq_any(ids))
        .filter(projects::deleted_at.is_null())
        .select(projects::id)
        .load(conn)
        .await
}

/// Which of `ids` are indicators of live projects.
pub async fn live_indicators_among(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    project_indicators::table
        .inner_join(projects::table)
        .filter(project_indicators::id.eq_any(ids))
        .filter(projects::deleted_at.is_null())
        .select(project_indicators::id)
        .load(conn)
        .await
}
