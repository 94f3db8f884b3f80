//! The decisions register: every recorded result across meetings.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::committee::agenda::AgendaItem;
use crate::db::schema::{agenda_item_projects, agenda_items, meetings};

/// A decided agenda item with the meeting it was decided in.
#[derive(Debug, Clone, Queryable)]
pub struct Decision {
    pub item: AgendaItem,
    pub meeting_number: i32,
    pub meeting_title: String,
    pub meeting_starts_at: DateTime<Utc>,
    pub meeting_public: bool,
}

#[derive(Debug, Default, Clone)]
pub struct DecisionFilter {
    /// Only public items of public meetings.
    pub public_only: bool,
    pub project: Option<Uuid>,
    /// Only items concerning any of these projects.
    pub any_project: Option<Vec<Uuid>>,
    pub meeting: Option<Uuid>,
    pub result: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only decisions whose agenda item or meeting changed at or after this instant (a
    /// decision shows both).
    pub modified_since: Option<DateTime<Utc>>,
}

/// The sort key: meeting start, position on its agenda, item id.
pub type DecisionKey = (DateTime<Utc>, i32, Uuid);

/// One page ordered by meeting start, agenda position and item id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &DecisionFilter,
    after: Option<DecisionKey>,
    limit: i64,
) -> QueryResult<Vec<Decision>> {
    let mut query = agenda_items::table
        .inner_join(meetings::table)
        .filter(agenda_items::deleted_at.is_null())
        .filter(meetings::deleted_at.is_null())
        .filter(agenda_items::result.is_not_null())
        .select((
            AgendaItem::as_select(),
            meetings::number,
            meetings::title,
            meetings::starts_at,
            meetings::public,
        ))
        .order((
            meetings::starts_at.asc(),
            agenda_items::position.asc(),
            agenda_items::id.asc(),
        ))
        .limit(limit)
        .into_boxed();
    if filter.public_only {
        query = query
            .filter(meetings::public.eq(true))
            .filter(agenda_items::public.eq(true));
    }
    if let Some(project) = filter.project {
        query = query.filter(
            agenda_items::id.eq_any(
                agenda_item_projects::table
                    .filter(agenda_item_projects::project_id.eq(project))
                    .select(agenda_item_projects::agenda_item_id),
            ),
        );
    }
    if let Some(projects) = &filter.any_project {
        query = query.filter(
            agenda_items::id.eq_any(
                agenda_item_projects::table
                    .filter(agenda_item_projects::project_id.eq_any(projects.clone()))
                    .select(agenda_item_projects::agenda_item_id),
            ),
        );
    }
    if let Some(meeting) = filter.meeting {
        query = query.filter(agenda_items::meeting_id.eq(meeting));
    }
    if let Some(result) = &filter.result {
        query = query.filter(agenda_items::result.eq(result.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(meetings::starts_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(meetings::starts_at.lt(to));
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(
            agenda_items::updated_at
                .ge(since)
                .or(meetings::updated_at.ge(since)),
        );
    }
    if let Some((starts_at, position, id)) = after {
        query = query.filter(
            meetings::starts_at
                .gt(starts_at)
                .or(meetings::starts_at.eq(starts_at).and(
                    agenda_items::position
                        .gt(position)
                        .or(agenda_items::position
                            .eq(position)
                            .and(agenda_items::id.gt(id))),
                )),
        );
    }
    query.load(conn).await
}
