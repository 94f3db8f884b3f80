//! The committee's delegates.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::committee_members;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = committee_members)]
pub struct CommitteeMember {
    pub id: Uuid,
    pub organization_key: String,
    pub name: String,
    pub function: Option<String>,
    pub role: String,
    pub voting_right: bool,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub name_public_consent: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// When the name was erased on request (GDPR Art. 17); the name is then the function (or
    /// committee role) and organization.
    pub name_erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = committee_members)]
pub struct NewCommitteeMember {
    pub organization_key: String,
    pub name: String,
    pub function: Option<String>,
    pub role: String,
    pub voting_right: bool,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub name_public_consent: bool,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = committee_members)]
pub struct MemberChanges {
    pub name: Option<String>,
    pub function: Option<Option<String>>,
    pub role: Option<String>,
    pub voting_right: Option<bool>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<Option<NaiveDate>>,
    pub name_public_consent: Option<bool>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewCommitteeMember,
) -> QueryResult<CommitteeMember> {
    diesel::insert_into(committee_members::table)
        .values(new)
        .returning(CommitteeMember::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<CommitteeMember> {
    committee_members::table
        .find(id)
        .filter(committee_members::deleted_at.is_null())
        .select(CommitteeMember::as_select())
        .first(conn)
        .await
}

pub async fn lock_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<CommitteeMember> {
    committee_members::table
        .find(id)
        .filter(committee_members::deleted_at.is_null())
        .select(CommitteeMember::as_select())
        .for_update()
        .first(conn)
        .await
}

/// The members with these ids, deleted ones included (old minutes still name them).
pub async fn find_many(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<CommitteeMember>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    committee_members::table
        .filter(committee_members::id.eq_any(ids))
        .select(CommitteeMember::as_select())
        .load(conn)
        .await
}

/// One page ordered by organization and id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    organization: Option<&str>,
    modified_since: Option<DateTime<Utc>>,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<CommitteeMember>> {
    let mut query = committee_members::table
        .filter(committee_members::deleted_at.is_null())
        .select(CommitteeMember::as_select())
        .order((
            committee_members::organization_key.asc(),
            committee_members::id.asc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(committee_members::updated_at.ge(since));
    }
    if let Some(org) = organization {
        query = query.filter(committee_members::organization_key.eq(org.to_owned()));
    }
    if let Some((org, id)) = after {
        query = query.filter(
            committee_members::organization_key.gt(org.clone()).or(
                committee_members::organization_key
                    .eq(org)
                    .and(committee_members::id.gt(id)),
            ),
        );
    }
    query.load(conn).await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &MemberChanges,
) -> QueryResult<CommitteeMember> {
    diesel::update(committee_members::table.find(id))
        .set((
            changes,
            committee_members::version.eq(committee_members::version + 1),
            committee_members::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CommitteeMember::as_returning())
        .get_result(conn)
        .await
}

pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<CommitteeMember> {
    diesel::update(committee_members::table.find(id))
        .set((
            committee_members::deleted_at.eq(diesel::dsl::now),
            committee_members::updated_at.eq(diesel::dsl::now),
            committee_members::version.eq(committee_members::version + 1),
        ))
        .returning(CommitteeMember::as_returning())
        .get_result(conn)
        .await
}

/// The member with this id, deleted ones included, locked for the rest of the transaction.
pub async fn lock_any(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<CommitteeMember> {
    committee_members::table
        .find(id)
        .select(CommitteeMember::as_select())
        .for_update()
        .first(conn)
        .await
}

/// The member with this id, deleted ones included.
pub async fn find_any(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<CommitteeMember> {
    committee_members::table
        .find(id)
        .select(CommitteeMember::as_select())
        .first(conn)
        .await
}
