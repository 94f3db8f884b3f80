//! The rows behind the OParl objects (`crate::oparl` renders them), loaded with plain SQL so that each object's visibility,
//! `created`, `modified` and `deleted` are stated once, next to each other.
//!
//! Visibility (the same rules as the JSON API for anonymous callers, see
//! `api::meetings`): meetings with `public`; agenda items with `public` in a public meeting;
//! minutes once approved, of a public meeting; delegates with `name_public_consent`. Each
//! query returns what the public may see plus the tombstones of what it could see before
//! (`deleted`), and a page costs one query per object type. A meeting or agenda item made
//! non-public counts as deleted for the public (`ever_public`, kept by a trigger, tells it
//! from one that never was public, which stays unknown).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::sql_types::{
    Array, BigInt, Bool, Date, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::organizations::Organization;

/// The timestamps every object carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamps {
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// The time filters of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub created_since: Option<DateTime<Utc>>,
    pub created_until: Option<DateTime<Utc>>,
    pub modified_since: Option<DateTime<Utc>>,
    pub modified_until: Option<DateTime<Utc>>,
}

impl Window {
    pub fn contains(&self, created: DateTime<Utc>, modified: DateTime<Utc>) -> bool {
        self.created_since.is_none_or(|t| created >= t)
            && self.created_until.is_none_or(|t| created <= t)
            && self.modified_since.is_none_or(|t| modified >= t)
            && self.modified_until.is_none_or(|t| modified <= t)
    }
}

/// Which rows of a type to load.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// One object by id (tombstones included).
    pub only: Option<Uuid>,
    /// Whether deleted objects are wanted (lists: only with `modified_since`).
    pub include_deleted: bool,
    pub window: Window,
    /// The key of the last object already seen.
    pub after: Option<Uuid>,
    pub limit: i64,
    /// Only objects of these parents (meetings for agenda items and files, projects for
    /// consultations), for embedding.
    pub parents: Option<Vec<Uuid>>,
}

impl Selection {
    pub fn one(id: Uuid) -> Self {
        Selection {
            only: Some(id),
            include_deleted: true,
            limit: 1,
            ..Default::default()
        }
    }

    /// The live objects of these parents, for embedding.
    pub fn embedded(parents: Vec<Uuid>) -> Self {
        Selection {
            limit: i64::MAX,
            parents: Some(parents),
            ..Default::default()
        }
    }
}

/// Wraps a query yielding `id`, `parent`, `created`, `modified`, `deleted` and the object's
/// columns in the selection's conditions, ordered by id.
fn paged(inner: &str) -> String {
    format!(
        "SELECT * FROM ({inner}) o \
         WHERE ($1::uuid IS NULL OR o.id = $1) \
           AND ($2 OR NOT o.deleted) \
           AND ($3::timestamptz IS NULL OR o.created >= $3) \
           AND ($4::timestamptz IS NULL OR o.created <= $4) \
           AND ($5::timestamptz IS NULL OR o.modified >= $5) \
           AND ($6::timestamptz IS NULL OR o.modified <= $6) \
           AND ($7::uuid IS NULL OR o.id > $7) \
           AND ($9::uuid[] IS NULL OR o.parent = ANY($9)) \
         ORDER BY o.id LIMIT $8"
    )
}

async fn select<R>(
    conn: &mut AsyncPgConnection,
    inner: &str,
    s: &Selection,
) -> diesel::QueryResult<Vec<R>>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    diesel::sql_query(paged(inner))
        .bind::<Nullable<SqlUuid>, _>(s.only)
        .bind::<Bool, _>(s.include_deleted)
        .bind::<Nullable<Timestamptz>, _>(s.window.created_since)
        .bind::<Nullable<Timestamptz>, _>(s.window.created_until)
        .bind::<Nullable<Timestamptz>, _>(s.window.modified_since)
        .bind::<Nullable<Timestamptz>, _>(s.window.modified_until)
        .bind::<Nullable<SqlUuid>, _>(s.after)
        .bind::<BigInt, _>(s.limit)
        .bind::<Nullable<Array<SqlUuid>>, _>(s.parents.clone())
        .load(conn)
        .await
}

/// The latest change of the projects linked from the agenda items `a`: a project's code
/// decides which Consultation an item names, and its deletion ends the Consultation.
const ITEM_PROJECTS_CHANGED: &str = "(SELECT max(p.updated_at) FROM agenda_item_projects l \
     JOIN projects p ON p.id = l.project_id WHERE l.agenda_item_id = a.id)";

const MEETINGS: &str = "SELECT m.id, m.id AS parent, m.number, m.title, m.starts_at, m.ends_at, \
       m.location_address, m.location_room, m.state, m.updated_at, m.created_at AS created, \
       GREATEST(m.updated_at, (SELECT max(p.updated_at) FROM agenda_items a \
           JOIN agenda_item_projects l ON l.agenda_item_id = a.id \
           JOIN projects p ON p.id = l.project_id WHERE a.meeting_id = m.id)) AS modified, \
       (m.deleted_at IS NOT NULL OR NOT m.public) AS deleted \
     FROM meetings m WHERE m.ever_public";

#[derive(Debug, Clone, QueryableByName)]
pub struct MeetingRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Int4)]
    pub number: i32,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub location_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub location_room: Option<String>,
    #[diesel(sql_type = Text)]
    pub state: String,
    /// The meeting's own row: it dates the embedded Location.
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

pub async fn meetings(
    conn: &mut AsyncPgConnection,
    s: &Selection,
) -> diesel::QueryResult<Vec<MeetingRow>> {
    select(conn, MEETINGS, s).await
}

/// Locations: the place of a public meeting that has one.
pub async fn locations(
    conn: &mut AsyncPgConnection,
    s: &Selection,
) -> diesel::QueryResult<Vec<LocationRow>> {
    select(
        conn,
        "SELECT m.id, m.id AS parent, m.location_address, m.location_room, \
                m.created_at AS created, m.updated_at AS modified, \
                (m.deleted_at IS NOT NULL OR NOT m.public) AS deleted \
           FROM meetings m \
          WHERE m.ever_public AND (m.location_address IS NOT NULL OR m.location_room IS NOT NULL)",
        s,
    )
    .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct LocationRow {
    /// The meeting's id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub location_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub location_room: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct AgendaItemRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub meeting_id: Uuid,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub result: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub resolution_text: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

/// Public agenda items of public meetings. The meeting's row moves with every change to its
/// agenda, so it dates the item's `order` too.
pub async fn agenda_items(
    conn: &mut AsyncPgConnection,
    s: &Selection,
) -> diesel::QueryResult<Vec<AgendaItemRow>> {
    let inner = format!(
        "SELECT a.id, a.meeting_id AS parent, a.meeting_id, a.number, a.title, a.result, \
                a.resolution_text, a.created_at AS created, \
                GREATEST(m.updated_at, {ITEM_PROJECTS_CHANGED}) AS modified, \
                (a.deleted_at IS NOT NULL OR m.deleted_at IS NOT NULL \
                 OR NOT a.public OR NOT m.public) AS deleted \
           FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id \
          WHERE a.ever_public AND m.ever_public"
    );
    select(conn, &inner, s).await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct FileRow {
    /// The minutes' id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub meeting_id: Uuid,
    #[diesel(sql_type = Int4)]
    pub meeting_number: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

/// Approved minutes of public meetings. Approval moves the meeting's row, and approved
/// minutes are frozen, so the meeting's `updated_at` dates the file.
pub async fn files(
    conn: &mut AsyncPgConnection,
    s: &Selection,
) -> diesel::QueryResult<Vec<FileRow>> {
    select(
        conn,
        "SELECT n.id, n.meeting_id AS parent, n.meeting_id, m.number AS meeting_number, \
                n.approved_at AS created, GREATEST(n.updated_at, m.updated_at) AS modified, \
                (m.deleted_at IS NOT NULL OR NOT m.public) AS deleted \
           FROM meeting_minutes n JOIN meetings m ON m.id = n.meeting_id \
          WHERE m.ever_public AND n.approved_at IS NOT NULL",
        s,
    )
    .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct PaperRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub lead_organization: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

/// Projects (all public). A Paper embeds its Consultations, so every link it ever had and
/// the meetings of those links date it too.
pub async fn papers(
    conn: &mut AsyncPgConnection,
    s: &Selection,
) -> diesel::QueryResult<Vec<PaperRow>> {
    select(
        conn,
        "SELECT p.id, p.id AS parent, p.code, p.title, p.category, p.lead_organization, \
                p.created_at AS created, \
                GREATEST(p.updated_at, (SELECT max(GREATEST(c.updated_at, c.removed_at, m.updated_at)) \
                    FROM oparl_consultations c JOIN agenda_items a ON a.id = c.agenda_item_id \
                    JOIN meetings m ON m.id = a.meeting_id WHERE c.project_id = p.id)) AS modified, \
                p.deleted_at IS NOT NULL AS deleted \
           FROM projects p",
        s,
    )
    .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ConsultationRow {
    #[diesel(sql_type = SqlUuid)]
    pub agenda_item_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub project_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub meeting_id: Uuid,
    /// The project's code: an agenda item names the Consultation of its first project by code.
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub result: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

/// Which consultations to load: the keys are (agenda item, project).
#[derive(Debug, Clone, Default)]
pub struct ConsultationSelection {
    pub only: Option<(Uuid, Uuid)>,
    pub include_deleted: bool,
    pub window: Window,
    pub after: Option<(Uuid, Uuid)>,
    pub limit: i64,
    pub projects: Option<Vec<Uuid>>,
    pub agenda_items: Option<Vec<Uuid>>,
}

/// Links between public agenda items (of public meetings) and projects, past ones included.
pub async fn consultations(
    conn: &mut AsyncPgConnection,
    s: &ConsultationSelection,
) -> diesel::QueryResult<Vec<ConsultationRow>> {
    let sql = "SELECT * FROM ( \
           SELECT c.agenda_item_id, c.project_id, a.meeting_id, p.code, a.result, \
                  c.created_at AS created, \
                  GREATEST(c.updated_at, c.removed_at, m.updated_at, p.updated_at) AS modified, \
                  (c.removed_at IS NOT NULL OR a.deleted_at IS NOT NULL \
                   OR m.deleted_at IS NOT NULL OR p.deleted_at IS NOT NULL \
                   OR NOT a.public OR NOT m.public) AS deleted \
             FROM oparl_consultations c \
             JOIN agenda_items a ON a.id = c.agenda_item_id \
             JOIN meetings m ON m.id = a.meeting_id \
             JOIN projects p ON p.id = c.project_id \
            WHERE a.ever_public AND m.ever_public) o \
         WHERE ($1::uuid IS NULL OR (o.agenda_item_id = $1 AND o.project_id = $2)) \
           AND ($3 OR NOT o.deleted) \
           AND ($4::timestamptz IS NULL OR o.created >= $4) \
           AND ($5::timestamptz IS NULL OR o.created <= $5) \
           AND ($6::timestamptz IS NULL OR o.modified >= $6) \
           AND ($7::timestamptz IS NULL OR o.modified <= $7) \
           AND ($8::uuid IS NULL OR (o.agenda_item_id, o.project_id) > ($8, $9)) \
           AND ($11::uuid[] IS NULL OR o.project_id = ANY($11)) \
           AND ($12::uuid[] IS NULL OR o.agenda_item_id = ANY($12)) \
         ORDER BY o.agenda_item_id, o.project_id LIMIT $10";
    diesel::sql_query(sql)
        .bind::<Nullable<SqlUuid>, _>(s.only.map(|k| k.0))
        .bind::<Nullable<SqlUuid>, _>(s.only.map(|k| k.1))
        .bind::<Bool, _>(s.include_deleted)
        .bind::<Nullable<Timestamptz>, _>(s.window.created_since)
        .bind::<Nullable<Timestamptz>, _>(s.window.created_until)
        .bind::<Nullable<Timestamptz>, _>(s.window.modified_since)
        .bind::<Nullable<Timestamptz>, _>(s.window.modified_until)
        .bind::<Nullable<SqlUuid>, _>(s.after.map(|k| k.0))
        .bind::<Nullable<SqlUuid>, _>(s.after.map(|k| k.1))
        .bind::<BigInt, _>(s.limit)
        .bind::<Nullable<Array<SqlUuid>>, _>(s.projects.clone())
        .bind::<Nullable<Array<SqlUuid>>, _>(s.agenda_items.clone())
        .load(conn)
        .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MemberRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub organization_key: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Bool)]
    pub voting_right: bool,
    #[diesel(sql_type = Date)]
    pub start_date: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub end_date: Option<NaiveDate>,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

/// Delegates (Persons and their Memberships). Without consent a delegate is a tombstone:
/// the name is never selected, and clients that kept it learn to erase it.
pub async fn members(
    conn: &mut AsyncPgConnection,
    s: &Selection,
) -> diesel::QueryResult<Vec<MemberRow>> {
    select(
        conn,
        "SELECT c.id, c.id AS parent, c.organization_key, \
                CASE WHEN c.name_public_consent THEN c.name ELSE '' END AS name, \
                c.role, c.voting_right, c.start_date, c.end_date, \
                c.created_at AS created, c.updated_at AS modified, \
                (c.deleted_at IS NOT NULL OR NOT c.name_public_consent) AS deleted \
           FROM committee_members c",
        s,
    )
    .await
}

/// The latest change to any delegate: the committee lists its memberships.
pub async fn members_changed(
    conn: &mut AsyncPgConnection,
) -> diesel::QueryResult<Option<DateTime<Utc>>> {
    use crate::db::schema::committee_members;
    use diesel::QueryDsl;
    committee_members::table
        .select(diesel::dsl::max(committee_members::updated_at))
        .first(conn)
        .await
}

impl MeetingRow {
    pub fn stamps(&self) -> Stamps {
        Stamps {
            created: self.created,
            modified: self.modified,
        }
    }
}

macro_rules! stamps {
    ($($row:ty),*) => {$(
        impl $row {
            pub fn stamps(&self) -> Stamps {
                Stamps { created: self.created, modified: self.modified }
            }
        }
    )*};
}

stamps!(
    LocationRow,
    AgendaItemRow,
    FileRow,
    PaperRow,
    ConsultationRow,
    MemberRow
);

/// The member organizations as OParl institutions: keyset by key, in the time window.
pub async fn institutions(
    conn: &mut AsyncPgConnection,
    after: Option<&str>,
    window: &Window,
    limit: i64,
) -> diesel::QueryResult<Vec<Organization>> {
    use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};

    use crate::db::schema::organizations;

    let mut query = organizations::table
        .select(Organization::as_select())
        .order(organizations::key.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(organizations::key.gt(after.to_owned()));
    }
    if let Some(t) = window.created_since {
        query = query.filter(organizations::created_at.ge(t));
    }
    if let Some(t) = window.created_until {
        query = query.filter(organizations::created_at.le(t));
    }
    if let Some(t) = window.modified_since {
        query = query.filter(organizations::updated_at.ge(t));
    }
    if let Some(t) = window.modified_until {
        query = query.filter(organizations::updated_at.le(t));
    }
    query.load(conn).await
}
