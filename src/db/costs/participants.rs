//! Who pays for a project: its paying participants, read from the participations, and the
//! population figures a key splits by.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{organizations, participations};

/// Whether a paying participant has committed or waits for its council.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantState {
    Committed,
    CouncilDecisionPending,
}

impl ParticipantState {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantState::Committed => "committed",
            ParticipantState::CouncilDecisionPending => "council_decision_pending",
        }
    }
}

/// An organization that pays its share of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayingParticipant {
    pub organization_key: String,
    pub state: ParticipantState,
    /// The district (Kreis), which pays the district share of a key that has one.
    pub is_district: bool,
}

/// The paying participants of a project: those `committed`, and with `include_pending` those
/// whose council decision is pending too, ordered by organization key.
pub async fn paying_participants(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    include_pending: bool,
) -> QueryResult<Vec<PayingParticipant>> {
    Ok(paying_participants_of(conn, &[project_id], include_pending)
        .await?
        .remove(&project_id)
        .unwrap_or_default())
}

/// The paying participants of several projects in one query, each project's ordered by
/// organization key; projects without any are absent.
pub async fn paying_participants_of(
    conn: &mut AsyncPgConnection,
    project_ids: &[Uuid],
    include_pending: bool,
) -> QueryResult<std::collections::HashMap<Uuid, Vec<PayingParticipant>>> {
    let states: &[&str] = if include_pending {
        &["committed", "council_decision_pending"]
    } else {
        &["committed"]
    };
    let rows: Vec<(Uuid, String, String, String)> = participations::table
        .inner_join(organizations::table)
        .filter(participations::project_id.eq_any(project_ids))
        .filter(participations::state.eq_any(states))
        .order((
            participations::project_id.asc(),
            participations::organization_key.asc(),
        ))
        .select((
            participations::project_id,
            participations::organization_key,
            participations::state,
            organizations::kind,
        ))
        .load(conn)
        .await?;
    let mut map: std::collections::HashMap<Uuid, Vec<PayingParticipant>> = Default::default();
    for (project_id, organization_key, state, kind) in rows {
        map.entry(project_id).or_default().push(PayingParticipant {
            state: if state == "committed" {
                ParticipantState::Committed
            } else {
                ParticipantState::CouncilDecisionPending
            },
            organization_key,
            is_district: kind == "kreis",
        });
    }
    Ok(map)
}

/// Whether `organization` takes part in the project (any participation that is neither
/// withdrawn nor declined).
pub async fn takes_part(
    conn: &mut AsyncPgConnection,
    project_id: Uuid,
    organization: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        participations::table
            .filter(participations::project_id.eq(project_id))
            .filter(participations::organization_key.eq(organization))
            .filter(participations::state.ne_all(["withdrawn", "declined"])),
    ))
    .get_result(conn)
    .await
}

/// Hypothetical paying participants (for a what-if), all counted as committed. Returns the
/// known ones; the caller compares with what it asked for to find unknown keys.
pub async fn hypothetical_participants(
    conn: &mut AsyncPgConnection,
    keys: &[String],
) -> QueryResult<Vec<PayingParticipant>> {
    let rows: Vec<(String, String)> = organizations::table
        .filter(organizations::key.eq_any(keys))
        .order(organizations::key.asc())
        .select((organizations::key, organizations::kind))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(organization_key, kind)| PayingParticipant {
            organization_key,
            state: ParticipantState::Committed,
            is_district: kind == "kreis",
        })
        .collect())
}

/// The population figures of `keys` for exactly `date`.
pub async fn populations_on(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    date: NaiveDate,
) -> QueryResult<BTreeMap<String, i32>> {
    use crate::db::schema::organization_populations as pop;
    let rows: Vec<(String, i32)> = pop::table
        .filter(pop::organization_key.eq_any(keys))
        .filter(pop::reference_date.eq(date))
        .select((pop::organization_key, pop::population))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The population figures of `keys` for any of `dates`, by organization and date (one query for
/// many keys' reference dates).
pub async fn populations_on_dates(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    dates: &[NaiveDate],
) -> QueryResult<BTreeMap<(String, NaiveDate), i32>> {
    use crate::db::schema::organization_populations as pop;
    if keys.is_empty() || dates.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<(String, NaiveDate, i32)> = pop::table
        .filter(pop::organization_key.eq_any(keys))
        .filter(pop::reference_date.eq_any(dates))
        .select((pop::organization_key, pop::reference_date, pop::population))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(org, date, population)| ((org, date), population))
        .collect())
}
