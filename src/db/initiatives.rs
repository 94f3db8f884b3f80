//! Local initiatives: the row type, lookups, the list with filters and keyset pages, writes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::projects::substring_pattern;
use crate::db::schema::initiatives;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = initiatives)]
pub struct Initiative {
    pub id: Uuid,
    pub organization_key: String,
    pub title: String,
    pub summary: String,
    pub field_of_action: String,
    pub status: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub contact_role: Option<String>,
    pub link: Option<String>,
    pub tags: Vec<String>,
    pub visibility: String,
    pub project_id: Option<Uuid>,
    pub external_id: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub working_group_id: Option<Uuid>,
}

impl Initiative {
    /// Whether anonymous callers may read it.
    pub fn is_public(&self) -> bool {
        self.visibility == "public"
    }
}

/// A live initiative, a deleted one (410), or none (404).
pub enum Lookup {
    Live(Box<Initiative>),
    Deleted,
    Missing,
}

/// Looks an initiative up, deleted ones included, optionally locking it.
pub async fn lookup(conn: &mut AsyncPgConnection, id: Uuid, lock: bool) -> QueryResult<Lookup> {
    let query = initiatives::table.find(id).select(Initiative::as_select());
    let row = if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    Ok(match row {
        None => Lookup::Missing,
        Some(i) if i.deleted_at.is_some() => Lookup::Deleted,
        Some(i) => Lookup::Live(Box::new(i)),
    })
}

#[derive(Debug, Clone, PartialEq, Insertable, Serialize)]
#[diesel(table_name = initiatives)]
pub struct NewInitiative {
    pub organization_key: String,
    pub title: String,
    pub summary: String,
    pub field_of_action: String,
    pub status: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub contact_role: Option<String>,
    pub link: Option<String>,
    pub tags: Vec<String>,
    pub visibility: String,
    pub project_id: Option<Uuid>,
    pub external_id: Option<String>,
    pub working_group_id: Option<Uuid>,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset, Serialize)]
#[diesel(table_name = initiatives)]
pub struct InitiativeChanges {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub field_of_action: Option<String>,
    pub status: Option<String>,
    pub start_date: Option<Option<NaiveDate>>,
    pub end_date: Option<Option<NaiveDate>>,
    pub contact_role: Option<Option<String>>,
    pub link: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<String>,
    pub project_id: Option<Option<Uuid>>,
    pub external_id: Option<Option<String>>,
    pub working_group_id: Option<Option<Uuid>>,
}

impl InitiativeChanges {
    /// Whether the update changes nothing (then the version stays as it is). Field by field:
    /// `Some(None)` (clear a field) is a change, though it serializes like `None`.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.summary.is_none()
            && self.field_of_action.is_none()
            && self.status.is_none()
            && self.start_date.is_none()
            && self.end_date.is_none()
            && self.contact_role.is_none()
            && self.link.is_none()
            && self.tags.is_none()
            && self.visibility.is_none()
            && self.project_id.is_none()
            && self.external_id.is_none()
            && self.working_group_id.is_none()
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewInitiative) -> QueryResult<Initiative> {
    diesel::insert_into(initiatives::table)
        .values(new)
        .returning(Initiative::as_returning())
        .get_result(conn)
        .await
}

/// Applies `changes` and bumps the version; the caller holds the row lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &InitiativeChanges,
) -> QueryResult<Initiative> {
    diesel::update(initiatives::table.find(id))
        .set((
            changes,
            initiatives::version.eq(initiatives::version + 1),
            initiatives::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Initiative::as_returning())
        .get_result(conn)
        .await
}

/// Marks an initiative deleted; its id then answers 410.
pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Initiative> {
    diesel::update(initiatives::table.find(id))
        .set((
            initiatives::deleted_at.eq(diesel::dsl::now),
            initiatives::version.eq(initiatives::version + 1),
            initiatives::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Initiative::as_returning())
        .get_result(conn)
        .await
}

/// The orders a list can have; each is a unique keyset with the id as tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InitiativeSort {
    /// Oldest first (new initiatives come last, so pages stay stable).
    #[default]
    CreatedAt,
    UpdatedAt,
}

/// The position after the last item of a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "s", content = "k", rename_all = "snake_case")]
pub enum InitiativeCursor {
    CreatedAt(DateTime<Utc>, Uuid),
    UpdatedAt(DateTime<Utc>, Uuid),
}

impl InitiativeCursor {
    pub fn of(sort: InitiativeSort, initiative: &Initiative) -> Self {
        match sort {
            InitiativeSort::CreatedAt => Self::CreatedAt(initiative.created_at, initiative.id),
            InitiativeSort::UpdatedAt => Self::UpdatedAt(initiative.updated_at, initiative.id),
        }
    }

    pub fn sort(&self) -> InitiativeSort {
        match self {
            Self::CreatedAt(..) => InitiativeSort::CreatedAt,
            Self::UpdatedAt(..) => InitiativeSort::UpdatedAt,
        }
    }
}

/// The filters of `GET /initiatives`; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct InitiativeFilter {
    /// Whether members-only initiatives may be listed (the caller is a member).
    pub include_members_only: bool,
    pub organization: Option<String>,
    pub field_of_action: Option<String>,
    /// Any of these states (empty: every state).
    pub statuses: Vec<String>,
    pub tag: Option<String>,
    pub project: Option<Uuid>,
    pub working_group: Option<Uuid>,
    pub visibility: Option<String>,
    /// Free text: German full-text search, or a case-insensitive substring (for compounds).
    pub q: Option<String>,
    pub modified_since: Option<DateTime<Utc>>,
}

/// The lower-cased text the trigram index `initiatives_trgm` covers; the expression must stay
/// identical to the index's for the index to be used.
pub const TRGM_TEXT: &str = "lower(initiatives.title || ' ' || initiatives.summary)";

/// One page of live initiatives in `sort` order after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &InitiativeFilter,
    sort: InitiativeSort,
    after: Option<&InitiativeCursor>,
    limit: i64,
) -> QueryResult<Vec<Initiative>> {
    let mut query = initiatives::table
        .filter(initiatives::deleted_at.is_null())
        .select(Initiative::as_select())
        .limit(limit)
        .into_boxed();
    if !filter.include_members_only {
        query = query.filter(initiatives::visibility.eq("public"));
    }
    if let Some(organization) = &filter.organization {
        query = query.filter(initiatives::organization_key.eq(organization.clone()));
    }
    if let Some(field) = &filter.field_of_action {
        query = query.filter(initiatives::field_of_action.eq(field.clone()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(initiatives::status.eq_any(filter.statuses.clone()));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(initiatives::tags.contains(vec![tag.clone()]));
    }
    if let Some(project) = filter.project {
        query = query.filter(initiatives::project_id.eq(project));
    }
    if let Some(group) = filter.working_group {
        query = query.filter(initiatives::working_group_id.eq(group));
    }
    if let Some(visibility) = &filter.visibility {
        query = query.filter(initiatives::visibility.eq(visibility.clone()));
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(initiatives::updated_at.ge(since));
    }
    if let Some(q) = &filter.q {
        // As in the catalogue: stemmed German full-text search, or the text as a substring of
        // the lower-cased title and summary; each side has its own GIN index.
        query = query.filter(
            sql::<Bool>("(initiatives.search @@ websearch_to_tsquery('german', ")
                .bind::<Text, _>(q.clone())
                .sql(&format!(") OR {TRGM_TEXT} LIKE lower("))
                .bind::<Text, _>(substring_pattern(q))
                .sql("))"),
        );
    }
    query = match sort {
        InitiativeSort::CreatedAt => {
            query.order((initiatives::created_at.asc(), initiatives::id.asc()))
        }
        InitiativeSort::UpdatedAt => {
            query.order((initiatives::updated_at.asc(), initiatives::id.asc()))
        }
    };
    // Row comparisons, so that PostgreSQL can start the index scan at the cursor.
    query = match after {
        None => query,
        Some(InitiativeCursor::CreatedAt(at, id)) => query.filter(
            sql::<Bool>("(initiatives.created_at, initiatives.id) > (")
                .bind::<Timestamptz, _>(*at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(*id)
                .sql(")"),
        ),
        Some(InitiativeCursor::UpdatedAt(at, id)) => query.filter(
            sql::<Bool>("(initiatives.updated_at, initiatives.id) > (")
                .bind::<Timestamptz, _>(*at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(*id)
                .sql(")"),
        ),
    };
    query.load(conn).await
}

/// Every live initiative a caller may see, optionally of one organization, by organization and
/// creation (the export).
pub async fn all_live(
    conn: &mut AsyncPgConnection,
    include_members_only: bool,
    organization: Option<&str>,
) -> QueryResult<Vec<Initiative>> {
    let mut query = initiatives::table
        .filter(initiatives::deleted_at.is_null())
        .select(Initiative::as_select())
        .order((
            initiatives::organization_key.asc(),
            initiatives::created_at.asc(),
            initiatives::id.asc(),
        ))
        .into_boxed();
    if !include_members_only {
        query = query.filter(initiatives::visibility.eq("public"));
    }
    if let Some(organization) = organization {
        query = query.filter(initiatives::organization_key.eq(organization.to_owned()));
    }
    query.load(conn).await
}

/// Every initiative, deleted ones included, with one of the given ids or one of the given
/// `(organization, external_id)` pairs, locked for the rest of the transaction (the import
/// matches its rows to these).
pub async fn lock_matching(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    external_ids: &[(String, String)],
) -> QueryResult<Vec<Initiative>> {
    let keys: Vec<String> = external_ids
        .iter()
        .map(|(org, id)| format!("{org}\u{1f}{id}"))
        .collect();
    initiatives::table
        .filter(
            initiatives::id.eq_any(ids).or(sql::<Bool>(
                "initiatives.external_id IS NOT NULL AND \
                 (initiatives.organization_key || chr(31) || initiatives.external_id) = ANY(",
            )
            .bind::<diesel::sql_types::Array<Text>, _>(keys)
            .sql(")")),
        )
        .select(Initiative::as_select())
        .order(initiatives::id.asc())
        .for_update()
        .load(conn)
        .await
}

/// Live initiatives counted per field of action, organization and status (anonymous callers:
/// public ones only), ordered by field, organization and status.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    include_members_only: bool,
) -> QueryResult<Vec<(String, String, String, i64)>> {
    // Members see every initiative, anonymous callers the public ones.
    let visible = if include_members_only {
        "TRUE"
    } else {
        "FALSE"
    };
    initiatives::table
        .filter(initiatives::deleted_at.is_null())
        .filter(
            initiatives::visibility
                .eq("public")
                .or(sql::<Bool>(visible)),
        )
        .group_by((
            initiatives::field_of_action,
            initiatives::organization_key,
            initiatives::status,
        ))
        .select((
            initiatives::field_of_action,
            initiatives::organization_key,
            initiatives::status,
            diesel::dsl::count_star(),
        ))
        .order((
            initiatives::field_of_action.asc(),
            initiatives::organization_key.asc(),
            initiatives::status.asc(),
        ))
        .load(conn)
        .await
}

/// The ids of an organization's active initiatives (idea, planned, running), oldest first, at
/// most `limit`.
pub async fn active_of(
    conn: &mut AsyncPgConnection,
    organization: &str,
    limit: i64,
) -> QueryResult<Vec<(Uuid, String)>> {
    initiatives::table
        .filter(initiatives::deleted_at.is_null())
        .filter(initiatives::organization_key.eq(organization))
        .filter(initiatives::status.eq_any(["idea", "planned", "running"]))
        .order((initiatives::created_at.asc(), initiatives::id.asc()))
        .select((initiatives::id, initiatives::title))
        .limit(limit)
        .load(conn)
        .await
}
