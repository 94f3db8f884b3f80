//! Projects of the catalogue: the row type, the lookups other resources share, and the
//! catalogue's own queries (list with filters and keyset pages, writes, status history).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::db::GERMAN_COLLATION;
use crate::db::schema::{project_status_changes, projects};
use crate::db::strategy::GoalRef;
use crate::db::write::Actor;

diesel::define_sql_function!(fn lower(x: Text) -> Text);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = projects)]
pub struct Project {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub field_of_action: String,
    pub category: String,
    pub lead_organization: Option<String>,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
    pub gender_equality_relevant: String,
    pub follow_up_costs_note: Option<String>,
    pub internal_note: Option<String>,
    pub status: String,
    pub progress_percent: i16,
    pub traffic_light: Option<String>,
    pub traffic_light_note: Option<String>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub classification_confirmed: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A live project, a deleted one (410), or none (404): what a handler needs to answer.
pub enum Lookup {
    Live(Box<Project>),
    Deleted,
    Missing,
}

/// A project that is not deleted, or `NotFound`.
pub async fn find_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Project> {
    projects::table
        .find(id)
        .filter(projects::deleted_at.is_null())
        .select(Project::as_select())
        .first(conn)
        .await
}

/// Reads and locks a live project for the rest of the transaction. Every write that changes
/// what a project's shares are computed from (participations, cost items, cost keys) takes this
/// lock first, so such writes on one project run one after another.
/// Whether `id` is a project of the catalogue (not deleted).
pub async fn is_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        projects::table
            .find(id)
            .filter(projects::deleted_at.is_null()),
    ))
    .get_result(conn)
    .await
}

/// Which of `ids` are projects of the catalogue (not deleted): one query.
pub async fn live_among(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let found: Vec<Uuid> = projects::table
        .filter(projects::id.eq_any(ids))
        .filter(projects::deleted_at.is_null())
        .select(projects::id)
        .load(conn)
        .await?;
    Ok(found.into_iter().collect())
}

pub async fn lock_live(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Project> {
    projects::table
        .find(id)
        .filter(projects::deleted_at.is_null())
        .select(Project::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Looks a project up, deleted ones included, optionally locking it.
pub async fn lookup(conn: &mut AsyncPgConnection, id: Uuid, lock: bool) -> QueryResult<Lookup> {
    let query = projects::table.find(id).select(Project::as_select());
    let row = if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    Ok(match row {
        None => Lookup::Missing,
        Some(p) if p.deleted_at.is_some() => Lookup::Deleted,
        Some(p) => Lookup::Live(Box::new(p)),
    })
}

#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = projects)]
pub struct NewProject {
    pub code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub field_of_action: String,
    pub category: String,
    pub lead_organization: Option<String>,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
    pub gender_equality_relevant: String,
    pub follow_up_costs_note: Option<String>,
    pub internal_note: Option<String>,
    pub status: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub classification_confirmed: bool,
    pub seed_key: Option<String>,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset, Serialize)]
#[diesel(table_name = projects)]
pub struct ProjectChanges {
    pub code: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub field_of_action: Option<String>,
    pub category: Option<String>,
    pub lead_organization: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub external_id: Option<Option<String>>,
    pub gender_equality_relevant: Option<String>,
    pub follow_up_costs_note: Option<Option<String>>,
    pub internal_note: Option<Option<String>>,
    pub status: Option<String>,
    pub progress_percent: Option<i16>,
    pub traffic_light: Option<Option<String>>,
    pub traffic_light_note: Option<Option<String>>,
    pub planned_start: Option<Option<NaiveDate>>,
    pub planned_end: Option<Option<NaiveDate>>,
    pub actual_start: Option<Option<NaiveDate>>,
    pub actual_end: Option<Option<NaiveDate>>,
    pub source_url: Option<Option<String>>,
}

impl ProjectChanges {
    /// Whether the update changes nothing (then the version stays as it is).
    pub fn is_empty(&self) -> bool {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.values().all(|v| v.is_null())))
            .unwrap_or(false)
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewProject) -> QueryResult<Project> {
    diesel::insert_into(projects::table)
        .values(new)
        .returning(Project::as_returning())
        .get_result(conn)
        .await
}

/// Applies `changes` and bumps the version; the caller holds the row lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ProjectChanges,
) -> QueryResult<Project> {
    diesel::update(projects::table.find(id))
        .set((
            changes,
            projects::version.eq(projects::version + 1),
            projects::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Project::as_returning())
        .get_result(conn)
        .await
}

/// Marks a project deleted; its id then answers 410 and its code stays reserved.
pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Project> {
    diesel::update(projects::table.find(id))
        .set((
            projects::deleted_at.eq(diesel::dsl::now),
            projects::version.eq(projects::version + 1),
            projects::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Project::as_returning())
        .get_result(conn)
        .await
}

/// The orders a list can have; each is a unique keyset with the id as tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectSort {
    #[default]
    Code,
    /// German dictionary order ([`crate::db::GERMAN_COLLATION`]).
    Title,
    UpdatedAt,
}

/// The position after the last item of a page: the sort key of that item and its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "s", content = "k", rename_all = "snake_case")]
pub enum ProjectCursor {
    Code(String, Uuid),
    Title(String, Uuid),
    UpdatedAt(DateTime<Utc>, Uuid),
}

impl ProjectCursor {
    pub fn of(sort: ProjectSort, project: &Project) -> Self {
        match sort {
            ProjectSort::Code => Self::Code(project.code.clone(), project.id),
            ProjectSort::Title => Self::Title(project.title.clone(), project.id),
            ProjectSort::UpdatedAt => Self::UpdatedAt(project.updated_at, project.id),
        }
    }

    pub fn sort(&self) -> ProjectSort {
        match self {
            Self::Code(..) => ProjectSort::Code,
            Self::Title(..) => ProjectSort::Title,
            Self::UpdatedAt(..) => ProjectSort::UpdatedAt,
        }
    }
}

/// The filters of `GET /projects`; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub field_of_action: Option<String>,
    pub category: Option<String>,
    /// Any of these states (empty: every state).
    pub statuses: Vec<String>,
    pub lead: Option<String>,
    /// Projects this organization takes part in.
    pub participant: Option<String>,
    pub tag: Option<String>,
    /// Free text: German full-text search, or a case-insensitive substring (for compounds).
    pub q: Option<String>,
    pub modified_since: Option<DateTime<Utc>>,
}

/// The lower-cased text the trigram index `projects_trgm` covers; the expression must stay
/// identical to the index's for the index to be used.
const TRGM_TEXT: &str = "lower(projects.code || ' ' || projects.title || ' ' || projects.summary || ' ' || projects.description)";

/// A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped.
pub fn substring_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of live projects in `sort` order after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ProjectFilter,
    sort: ProjectSort,
    after: Option<&ProjectCursor>,
    limit: i64,
) -> QueryResult<Vec<Project>> {
    let query = projects::table
        .select(Project::as_select())
        .limit(limit)
        .into_boxed();
    page_query(query, filter, sort, after).load(conn).await
}

/// A project of a page with the lists it embeds.
#[derive(Debug, Clone)]
pub struct ListedProject {
    pub project: Project,
    pub lists: ProjectLists,
}

/// What a project's answer embeds besides its own columns.
#[derive(Debug, Clone, Default)]
pub struct ProjectLists {
    pub participants: Vec<Participant>,
    pub goals: Vec<GoalRef>,
    pub working_groups: Vec<WorkingGroupRef>,
}

/// A live working group that carries a project (`working_group_projects`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingGroupRef {
    pub id: Uuid,
    pub name: String,
}

/// The participants of the project of the current row (`projects.id`), by organization key, as
/// a JSON array of `[organization, state]`.
const PARTICIPANTS_JSON: &str = "COALESCE((SELECT jsonb_agg(jsonb_build_array(x.organization_key, x.state) \
                                          ORDER BY x.organization_key) \
                                     FROM participations x WHERE x.project_id = projects.id), '[]')";
/// The goals of the project of the current row, by lower-cased title, as a JSON array of
/// `[id, title, field_of_action]`.
const GOALS_JSON: &str = "COALESCE((SELECT jsonb_agg(jsonb_build_array(g.id, g.title, g.field_of_action) \
                                    ORDER BY lower(g.title), g.id) \
                               FROM project_goals pg JOIN strategy_goals g ON g.id = pg.goal_id \
                              WHERE pg.project_id = projects.id), '[]')";

/// The live working groups carrying the project of the current row, by name, as a JSON array of
/// `[id, name]`.
const WORKING_GROUPS_JSON: &str = "COALESCE((SELECT jsonb_agg(jsonb_build_array(w.id, w.name) \
                                             ORDER BY w.name, w.id) \
                                        FROM working_group_projects wp \
                                        JOIN working_groups w ON w.id = wp.working_group_id \
                                       WHERE wp.project_id = projects.id \
                                         AND w.deleted_at IS NULL), '[]')";

/// [`list`] with each project's participants, goals and working groups, in the same statement
/// (one round trip for the page: the lists are correlated subqueries over the page's rows only,
/// each an index range read of `participations_project_organization`, `project_goals` and
/// `working_group_projects_project`).
pub async fn list_with_lists(
    conn: &mut AsyncPgConnection,
    filter: &ProjectFilter,
    sort: ProjectSort,
    after: Option<&ProjectCursor>,
    limit: i64,
) -> QueryResult<Vec<ListedProject>> {
    let query = projects::table
        .select((
            Project::as_select(),
            sql::<Jsonb>(PARTICIPANTS_JSON),
            sql::<Jsonb>(GOALS_JSON),
            sql::<Jsonb>(WORKING_GROUPS_JSON),
        ))
        .limit(limit)
        .into_boxed();
    let rows: Vec<(Project, Value, Value, Value)> =
        page_query(query, filter, sort, after).load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(project, participants, goals, groups)| ListedProject {
            project,
            lists: lists_from_json(participants, goals, groups),
        })
        .collect())
}

/// The participants, goals and working groups of one project, in one statement.
pub async fn lists_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ProjectLists> {
    let (participants, goals, groups): (Value, Value, Value) = projects::table
        .find(id)
        .select((
            sql::<Jsonb>(PARTICIPANTS_JSON),
            sql::<Jsonb>(GOALS_JSON),
            sql::<Jsonb>(WORKING_GROUPS_JSON),
        ))
        .first(conn)
        .await
        .optional()?
        .unwrap_or((Value::Null, Value::Null, Value::Null));
    Ok(lists_from_json(participants, goals, groups))
}

fn lists_from_json(participants: Value, goals: Value, groups: Value) -> ProjectLists {
    ProjectLists {
        participants: participants_from_json(participants),
        goals: goals_from_json(goals),
        working_groups: working_groups_from_json(groups),
    }
}

fn working_groups_from_json(value: Value) -> Vec<WorkingGroupRef> {
    json_rows(value)
        .filter(|f| f.len() == 2)
        .filter_map(|f| {
            Some(WorkingGroupRef {
                id: f[0].as_str()?.parse().ok()?,
                name: text(&f[1]),
            })
        })
        .collect()
}

fn json_rows(value: Value) -> impl Iterator<Item = Vec<Value>> {
    let rows = match value {
        Value::Array(rows) => rows,
        _ => Vec::new(),
    };
    rows.into_iter().filter_map(|row| match row {
        Value::Array(fields) => Some(fields),
        _ => None,
    })
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn participants_from_json(value: Value) -> Vec<Participant> {
    json_rows(value)
        .filter(|f| f.len() == 2)
        .map(|f| Participant {
            organization: text(&f[0]),
            state: text(&f[1]),
        })
        .collect()
}

fn goals_from_json(value: Value) -> Vec<GoalRef> {
    json_rows(value)
        .filter(|f| f.len() == 3)
        .filter_map(|f| {
            Some(GoalRef {
                id: f[0].as_str()?.parse().ok()?,
                title: text(&f[1]),
                field_of_action: text(&f[2]),
            })
        })
        .collect()
}

/// Applies the live filter, `filter`, the order of `sort` and the keyset position `after` to a
/// boxed query of projects, whatever it selects.
fn page_query<'a, ST: 'a>(
    mut query: projects::BoxedQuery<'a, Pg, ST>,
    filter: &ProjectFilter,
    sort: ProjectSort,
    after: Option<&ProjectCursor>,
) -> projects::BoxedQuery<'a, Pg, ST> {
    query = query.filter(projects::deleted_at.is_null());
    if let Some(field) = &filter.field_of_action {
        query = query.filter(projects::field_of_action.eq(field.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(projects::category.eq(category.clone()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(projects::status.eq_any(filter.statuses.clone()));
    }
    if let Some(lead) = &filter.lead {
        query = query.filter(projects::lead_organization.eq(lead.clone()));
    }
    if let Some(participant) = &filter.participant {
        query = query.filter(crate::db::participations::participant_filter(participant));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(projects::tags.contains(vec![tag.clone()]));
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(projects::updated_at.ge(since));
    }
    if let Some(q) = &filter.q {
        // Stemmed German full-text search, or the text as a substring of the lower-cased
        // content (so `dorfladen` finds "Dorfladenbox"); each side has its own GIN index.
        query = query.filter(
            sql::<Bool>("(projects.search @@ websearch_to_tsquery('german', ")
                .bind::<Text, _>(q.clone())
                .sql(&format!(") OR {TRGM_TEXT} LIKE lower("))
                .bind::<Text, _>(substring_pattern(q))
                .sql("))"),
        );
    }
    query = match sort {
        // Codes are unique (deleted rows included), so the code alone is the keyset and
        // `projects_live_code` delivers the order without a sort step.
        ProjectSort::Code => query.order(projects::code.asc()),
        // `projects_title_de` delivers this order.
        ProjectSort::Title => query.order((
            sql::<Text>(&format!("projects.title COLLATE {GERMAN_COLLATION}")).asc(),
            projects::id.asc(),
        )),
        ProjectSort::UpdatedAt => query.order((projects::updated_at.asc(), projects::id.asc())),
    };
    // Row comparisons, so that PostgreSQL can start the index scan at the cursor.
    query = match after {
        None => query,
        Some(ProjectCursor::Code(code, _)) => query.filter(projects::code.gt(code.clone())),
        Some(ProjectCursor::Title(title, id)) => query.filter(
            sql::<Bool>(&format!(
                "(projects.title COLLATE {GERMAN_COLLATION}, projects.id) > ("
            ))
            .bind::<Text, _>(title.clone())
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(*id)
            .sql(")"),
        ),
        Some(ProjectCursor::UpdatedAt(at, id)) => query.filter(
            sql::<Bool>("(projects.updated_at, projects.id) > (")
                .bind::<Timestamptz, _>(*at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(*id)
                .sql(")"),
        ),
    };
    query
}

/// An organization taking part in a project, with the state of its participation.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub organization: String,
    pub state: String,
}

/// One lifecycle transition.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = project_status_changes)]
pub struct StatusChange {
    pub id: i64,
    pub project_id: Uuid,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub actor_subject: String,
    pub actor_organization: Option<String>,
}

pub async fn record_status_change(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    from: Option<&str>,
    to: &str,
    reason: Option<&str>,
    actor: &Actor,
) -> QueryResult<StatusChange> {
    diesel::insert_into(project_status_changes::table)
        .values((
            project_status_changes::project_id.eq(project_id),
            project_status_changes::from_status.eq(from),
            project_status_changes::to_status.eq(to),
            project_status_changes::reason.eq(reason),
            project_status_changes::actor_subject.eq(&actor.subject),
            project_status_changes::actor_organization.eq(actor.organization.as_deref()),
        ))
        .returning(StatusChange::as_returning())
        .get_result(conn)
        .await
}

/// The state a project on hold was paused in: the origin of its latest move to `on_hold`.
pub async fn held_from(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
) -> QueryResult<Option<String>> {
    project_status_changes::table
        .filter(project_status_changes::project_id.eq(project_id))
        .filter(project_status_changes::to_status.eq("on_hold"))
        .order(project_status_changes::id.desc())
        .select(project_status_changes::from_status)
        .first::<Option<String>>(conn)
        .await
        .optional()
        .map(Option::flatten)
}

/// One page of a project's transitions, oldest first.
pub async fn status_history(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    modified_since: Option<DateTime<Utc>>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<StatusChange>> {
    let mut query = project_status_changes::table
        .filter(project_status_changes::project_id.eq(project_id))
        .order(project_status_changes::id.asc())
        .select(StatusChange::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(project_status_changes::changed_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(project_status_changes::id.gt(after));
    }
    query.load(conn).await
}

/// Every project, deleted ones included, whose code or external id is among the given ones,
/// locked for the rest of the transaction (the catalogue import matches its rows to these).
pub async fn lock_matching(
    conn: &mut AsyncPgConnection,
    codes: &[String],
    external_ids: &[String],
) -> QueryResult<Vec<Project>> {
    projects::table
        .filter(
            projects::code
                .eq_any(codes)
                .or(projects::external_id.eq_any(external_ids)),
        )
        .select(Project::as_select())
        .order(projects::code.asc())
        .for_update()
        .load(conn)
        .await
}

/// Every live project in code order (the catalogue export).
pub async fn all_live(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Project>> {
    projects::table
        .filter(projects::deleted_at.is_null())
        .select(Project::as_select())
        .order(projects::code.asc())
        .load(conn)
        .await
}
