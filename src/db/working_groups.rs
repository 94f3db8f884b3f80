//! Working groups, networks and project groups: rows, members, the projects they serve.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{projects, working_group_members, working_group_projects, working_groups};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = working_groups)]
pub struct WorkingGroup {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub host_organization: Option<String>,
    pub fields_of_action: Vec<String>,
    pub meeting_rhythm: Option<String>,
    pub contact_role: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = working_groups)]
pub struct NewWorkingGroup {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub host_organization: Option<String>,
    pub fields_of_action: Vec<String>,
    pub meeting_rhythm: Option<String>,
    pub contact_role: Option<String>,
}

#[derive(Debug, Clone, Default, AsChangeset, Serialize)]
#[diesel(table_name = working_groups)]
pub struct WorkingGroupChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub host_organization: Option<Option<String>>,
    pub fields_of_action: Option<Vec<String>>,
    pub meeting_rhythm: Option<Option<String>>,
    pub contact_role: Option<Option<String>>,
}

impl WorkingGroupChanges {
    /// Whether the update changes nothing; `Some(None)` (clear a field) is a change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.kind.is_none()
            && self.description.is_none()
            && self.host_organization.is_none()
            && self.fields_of_action.is_none()
            && self.meeting_rhythm.is_none()
            && self.contact_role.is_none()
    }
}

/// A group with its members and projects, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub group: WorkingGroup,
    pub members: Vec<String>,
    pub project_ids: Vec<Uuid>,
}

/// Looks a group up, deleted ones included, optionally locking it.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    lock: bool,
) -> QueryResult<Option<WorkingGroup>> {
    let query = working_groups::table
        .find(id)
        .select(WorkingGroup::as_select());
    if lock {
        query.for_update().first(conn).await.optional()
    } else {
        query.first(conn).await.optional()
    }
}

/// Whether a live group has this id.
pub async fn is_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        working_groups::table
            .find(id)
            .filter(working_groups::deleted_at.is_null()),
    ))
    .get_result(conn)
    .await
}

/// The ids of every live group (the import checks its rows against them).
pub async fn live_ids(conn: &mut AsyncPgConnection) -> QueryResult<HashSet<Uuid>> {
    Ok(working_groups::table
        .filter(working_groups::deleted_at.is_null())
        .select(working_groups::id)
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect())
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewWorkingGroup,
) -> QueryResult<WorkingGroup> {
    diesel::insert_into(working_groups::table)
        .values(new)
        .returning(WorkingGroup::as_returning())
        .get_result(conn)
        .await
}

/// Applies `changes` and bumps the version; the caller holds the row lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &WorkingGroupChanges,
) -> QueryResult<WorkingGroup> {
    diesel::update(working_groups::table.find(id))
        .set((
            changes,
            working_groups::version.eq(working_groups::version + 1),
            working_groups::updated_at.eq(diesel::dsl::now),
        ))
        .returning(WorkingGroup::as_returning())
        .get_result(conn)
        .await
}

/// Bumps the version after a change of members or projects (the group's ETag covers them).
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<WorkingGroup> {
    diesel::update(working_groups::table.find(id))
        .set((
            working_groups::version.eq(working_groups::version + 1),
            working_groups::updated_at.eq(diesel::dsl::now),
        ))
        .returning(WorkingGroup::as_returning())
        .get_result(conn)
        .await
}

pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<WorkingGroup> {
    diesel::update(working_groups::table.find(id))
        .set((
            working_groups::deleted_at.eq(diesel::dsl::now),
            working_groups::version.eq(working_groups::version + 1),
            working_groups::updated_at.eq(diesel::dsl::now),
        ))
        .returning(WorkingGroup::as_returning())
        .get_result(conn)
        .await
}

/// Replaces the projects a group serves.
pub async fn set_projects(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    project_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        working_group_projects::table.filter(working_group_projects::working_group_id.eq(id)),
    )
    .execute(conn)
    .await?;
    if project_ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = project_ids
        .iter()
        .map(|p| {
            (
                working_group_projects::working_group_id.eq(id),
                working_group_projects::project_id.eq(*p),
            )
        })
        .collect();
    diesel::insert_into(working_group_projects::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Of the given project ids, those of live projects.
pub async fn live_projects(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<HashSet<Uuid>> {
    Ok(projects::table
        .filter(projects::id.eq_any(ids))
        .filter(projects::deleted_at.is_null())
        .select(projects::id)
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect())
}

/// Adds a member; `false` when it was one already.
pub async fn add_member(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    organization: &str,
) -> QueryResult<bool> {
    let added = diesel::insert_into(working_group_members::table)
        .values((
            working_group_members::working_group_id.eq(id),
            working_group_members::organization_key.eq(organization),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added > 0)
}

/// Removes a member; `false` when it was none.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    organization: &str,
) -> QueryResult<bool> {
    let removed = diesel::delete(
        working_group_members::table
            .filter(working_group_members::working_group_id.eq(id))
            .filter(working_group_members::organization_key.eq(organization)),
    )
    .execute(conn)
    .await?;
    Ok(removed > 0)
}

/// The filters of the group list.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub member: Option<String>,
    pub project: Option<Uuid>,
    pub field_of_action: Option<String>,
    pub modified_since: Option<DateTime<Utc>>,
}

/// One page of live groups by name after `after`, with members and projects.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &GroupFilter,
    after: Option<&(String, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<GroupView>> {
    let mut query = working_groups::table
        .filter(working_groups::deleted_at.is_null())
        .select(WorkingGroup::as_select())
        .order((working_groups::name.asc(), working_groups::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(member) = &filter.member {
        query = query.filter(
            working_groups::id.eq_any(
                working_group_members::table
                    .filter(working_group_members::organization_key.eq(member.clone()))
                    .select(working_group_members::working_group_id),
            ),
        );
    }
    if let Some(project) = filter.project {
        query = query.filter(
            working_groups::id.eq_any(
                working_group_projects::table
                    .filter(working_group_projects::project_id.eq(project))
                    .select(working_group_projects::working_group_id),
            ),
        );
    }
    if let Some(field) = &filter.field_of_action {
        query = query.filter(working_groups::fields_of_action.contains(vec![field.clone()]));
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(working_groups::updated_at.ge(since));
    }
    if let Some((name, id)) = after {
        query = query.filter(
            working_groups::name
                .gt(name.clone())
                .or(working_groups::name
                    .eq(name.clone())
                    .and(working_groups::id.gt(*id))),
        );
    }
    let groups = query.load(conn).await?;
    views(conn, groups).await
}

/// The groups with their members and projects, loaded for all at once.
pub async fn views(
    conn: &mut AsyncPgConnection,
    groups: Vec<WorkingGroup>,
) -> QueryResult<Vec<GroupView>> {
    let ids: Vec<Uuid> = groups.iter().map(|g| g.id).collect();
    let mut members: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (group, org) in working_group_members::table
        .filter(working_group_members::working_group_id.eq_any(&ids))
        .order((
            working_group_members::working_group_id,
            working_group_members::organization_key,
        ))
        .select((
            working_group_members::working_group_id,
            working_group_members::organization_key,
        ))
        .load::<(Uuid, String)>(conn)
        .await?
    {
        members.entry(group).or_default().push(org);
    }
    let mut served: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (group, project) in working_group_projects::table
        .filter(working_group_projects::working_group_id.eq_any(&ids))
        .order((
            working_group_projects::working_group_id,
            working_group_projects::project_id,
        ))
        .select((
            working_group_projects::working_group_id,
            working_group_projects::project_id,
        ))
        .load::<(Uuid, Uuid)>(conn)
        .await?
    {
        served.entry(group).or_default().push(project);
    }
    Ok(groups
        .into_iter()
        .map(|group| GroupView {
            members: members.remove(&group.id).unwrap_or_default(),
            project_ids: served.remove(&group.id).unwrap_or_default(),
            group,
        })
        .collect())
}
