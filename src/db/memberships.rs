//! Membership periods of the organizations (see `domain::membership` for the rule).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::organization_memberships as m;
use crate::domain::membership::{Memberships, Period};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = m)]
pub struct Membership {
    pub id: Uuid,
    pub organization_key: String,
    pub joined_on: Option<NaiveDate>,
    pub joined_reason: Option<String>,
    pub left_on: Option<NaiveDate>,
    pub left_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Membership {
    pub fn period(&self) -> Period {
        Period {
            joined_on: self.joined_on,
            left_on: self.left_on,
        }
    }
}

/// An organization's periods, oldest first (a founding member's first).
pub async fn of(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Vec<Membership>> {
    m::table
        .filter(m::organization_key.eq(key))
        .order((m::created_at.asc(), m::id.asc()))
        .select(Membership::as_select())
        .load(conn)
        .await
}

/// The periods of many organizations, by key (an organization without a row is absent).
pub async fn of_many(
    conn: &mut AsyncPgConnection,
    keys: &[String],
) -> QueryResult<BTreeMap<String, Vec<Membership>>> {
    let rows: Vec<Membership> = m::table
        .filter(m::organization_key.eq_any(keys))
        .order((m::organization_key.asc(), m::created_at.asc(), m::id.asc()))
        .select(Membership::as_select())
        .load(conn)
        .await?;
    let mut map: BTreeMap<String, Vec<Membership>> = BTreeMap::new();
    for row in rows {
        map.entry(row.organization_key.clone())
            .or_default()
            .push(row);
    }
    Ok(map)
}

/// The periods of `keys` as the allocation rule reads them.
pub async fn memberships_of(
    conn: &mut AsyncPgConnection,
    keys: &[String],
) -> QueryResult<Memberships> {
    Ok(Memberships(
        of_many(conn, keys)
            .await?
            .into_iter()
            .map(|(key, rows)| (key, rows.iter().map(Membership::period).collect()))
            .collect(),
    ))
}

/// Every organization's periods.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Memberships> {
    let rows: Vec<(String, Option<NaiveDate>, Option<NaiveDate>)> = m::table
        .select((m::organization_key, m::joined_on, m::left_on))
        .load(conn)
        .await?;
    let mut map: BTreeMap<String, Vec<Period>> = BTreeMap::new();
    for (key, joined_on, left_on) in rows {
        map.entry(key)
            .or_default()
            .push(Period { joined_on, left_on });
    }
    Ok(Memberships(map))
}

/// The keys of the organizations that are members on `day`.
pub async fn members_on(conn: &mut AsyncPgConnection, day: NaiveDate) -> QueryResult<Vec<String>> {
    m::table
        .filter(m::joined_on.is_null().or(m::joined_on.le(day)))
        .filter(m::left_on.is_null().or(m::left_on.ge(day)))
        .select(m::organization_key)
        .distinct()
        .order(m::organization_key.asc())
        .load(conn)
        .await
}

/// Locks the organization's periods for the rest of the transaction and reads them.
pub async fn of_for_update(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> QueryResult<Vec<Membership>> {
    m::table
        .filter(m::organization_key.eq(key))
        .order((m::created_at.asc(), m::id.asc()))
        .select(Membership::as_select())
        .for_update()
        .load(conn)
        .await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    key: &str,
    joined_on: Option<NaiveDate>,
    reason: Option<&str>,
) -> QueryResult<Membership> {
    diesel::insert_into(m::table)
        .values((
            m::organization_key.eq(key),
            m::joined_on.eq(joined_on),
            m::joined_reason.eq(reason),
        ))
        .returning(Membership::as_returning())
        .get_result(conn)
        .await
}

/// Ends the open period `id` on `left_on`.
pub async fn close(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    left_on: NaiveDate,
    reason: &str,
) -> QueryResult<Membership> {
    diesel::update(m::table.find(id))
        .set((
            m::left_on.eq(Some(left_on)),
            m::left_reason.eq(Some(reason)),
            m::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Membership::as_returning())
        .get_result(conn)
        .await
}

/// A binding participation of a project that is still running: what an organization must
/// settle (withdraw from, or see completed) before it leaves the cooperation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenCommitment {
    pub project_id: Uuid,
    pub project_code: String,
    pub state: String,
}

/// The organization's open commitments: `committed` or `council_decision_pending`
/// participations in projects that are neither deleted, completed nor discarded, by code.
pub async fn open_commitments(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> QueryResult<Vec<OpenCommitment>> {
    use crate::db::schema::{participations, projects};
    let rows: Vec<(Uuid, String, String)> = participations::table
        .inner_join(projects::table)
        .filter(participations::organization_key.eq(key))
        .filter(participations::state.eq_any(["committed", "council_decision_pending"]))
        .filter(projects::deleted_at.is_null())
        .filter(projects::status.ne_all(["completed", "discarded"]))
        .order(projects::code.asc())
        .select((projects::id, projects::code, participations::state))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(project_id, project_code, state)| OpenCommitment {
            project_id,
            project_code,
            state,
        })
        .collect())
}

/// Whether the organization is a member on `day`.
pub async fn is_member_on(
    conn: &mut AsyncPgConnection,
    key: &str,
    day: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        m::table
            .filter(m::organization_key.eq(key))
            .filter(m::joined_on.is_null().or(m::joined_on.le(day)))
            .filter(m::left_on.is_null().or(m::left_on.ge(day))),
    ))
    .get_result(conn)
    .await
}

/// The organizations that are members on `day`, and the former members that took part in any
/// project (their history stays readable): the columns of the participation matrix. The same
/// on every page of the matrix, so that paging never shifts a column.
pub async fn matrix_columns(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
) -> QueryResult<Vec<String>> {
    use crate::db::schema::participations as p;
    let mut keys = members_on(conn, day).await?;
    // Former members are few; each is looked up in the participations' organization index.
    let former: Vec<String> = m::table
        .select(m::organization_key)
        .distinct()
        .filter(diesel::dsl::not(m::organization_key.eq_any(&keys)))
        .filter(diesel::dsl::exists(
            p::table.filter(p::organization_key.eq(m::organization_key)),
        ))
        .load(conn)
        .await?;
    keys.extend(former);
    keys.sort();
    keys.dedup();
    Ok(keys)
}
