//! Council resolutions on participations and their Beratungsfolge. Append-only: the database
//! refuses to rewrite what a council decided.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{council_consultations, council_resolutions};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = council_resolutions)]
pub struct Resolution {
    pub id: Uuid,
    pub participation_id: Uuid,
    pub deciding_body: String,
    pub decided_on: NaiveDate,
    pub paper_reference: String,
    pub outcome: String,
    pub resolution_text: Option<String>,
    pub url: Option<String>,
    pub allocation_snapshot_id: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = council_consultations)]
pub struct Consultation {
    pub resolution_id: Uuid,
    /// 1-based, in the order the bodies deliberated.
    pub position: i16,
    pub body: String,
    pub held_on: NaiveDate,
    pub role: String,
    pub result: String,
}

/// A resolution with its Beratungsfolge in order.
#[derive(Debug, Clone, Serialize)]
pub struct ResolutionWithConsultations {
    #[serde(flatten)]
    pub resolution: Resolution,
    pub consultations: Vec<Consultation>,
}

/// A resolution to record; consultations are in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResolution {
    pub deciding_body: String,
    pub decided_on: NaiveDate,
    pub paper_reference: String,
    pub outcome: String,
    pub resolution_text: Option<String>,
    pub url: Option<String>,
    pub consultations: Vec<NewConsultation>,
    /// A snapshot of the same project's allocation (checked by the caller).
    pub allocation_snapshot_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsultation {
    pub body: String,
    pub held_on: NaiveDate,
    pub role: String,
    pub result: String,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    participation_id: Uuid,
    new: &NewResolution,
) -> QueryResult<ResolutionWithConsultations> {
    let resolution: Resolution = diesel::insert_into(council_resolutions::table)
        .values((
            council_resolutions::participation_id.eq(participation_id),
            council_resolutions::deciding_body.eq(&new.deciding_body),
            council_resolutions::decided_on.eq(new.decided_on),
            council_resolutions::paper_reference.eq(&new.paper_reference),
            council_resolutions::outcome.eq(&new.outcome),
            council_resolutions::resolution_text.eq(&new.resolution_text),
            council_resolutions::url.eq(&new.url),
            council_resolutions::allocation_snapshot_id.eq(new.allocation_snapshot_id),
        ))
        .returning(Resolution::as_returning())
        .get_result(conn)
        .await?;
    let rows: Vec<Consultation> = new
        .consultations
        .iter()
        .enumerate()
        .map(|(index, c)| Consultation {
            resolution_id: resolution.id,
            position: index as i16 + 1,
            body: c.body.clone(),
            held_on: c.held_on,
            role: c.role.clone(),
            result: c.result.clone(),
        })
        .collect();
    let consultations = if rows.is_empty() {
        Vec::new()
    } else {
        diesel::insert_into(council_consultations::table)
            .values(&rows)
            .returning(Consultation::as_returning())
            .get_results(conn)
            .await?
    };
    Ok(ResolutionWithConsultations {
        resolution,
        consultations,
    })
}

/// The resolutions of several participations, oldest decision first, with their
/// consultations: two queries for any number of participations.
pub async fn for_participations(
    conn: &mut AsyncPgConnection,
    participation_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<ResolutionWithConsultations>>> {
    if participation_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let resolutions: Vec<Resolution> = council_resolutions::table
        .filter(council_resolutions::participation_id.eq_any(participation_ids))
        .select(Resolution::as_select())
        .order((
            council_resolutions::decided_on.asc(),
            council_resolutions::recorded_at.asc(),
        ))
        .load(conn)
        .await?;
    let resolution_ids: Vec<Uuid> = resolutions.iter().map(|r| r.id).collect();
    let mut consultations: HashMap<Uuid, Vec<Consultation>> = HashMap::new();
    if !resolution_ids.is_empty() {
        let rows: Vec<Consultation> = council_consultations::table
            .filter(council_consultations::resolution_id.eq_any(&resolution_ids))
            .select(Consultation::as_select())
            .order((
                council_consultations::resolution_id.asc(),
                council_consultations::position.asc(),
            ))
            .load(conn)
            .await?;
        for row in rows {
            consultations
                .entry(row.resolution_id)
                .or_default()
                .push(row);
        }
    }
    let mut by_participation: HashMap<Uuid, Vec<ResolutionWithConsultations>> = HashMap::new();
    for resolution in resolutions {
        let consultations = consultations.remove(&resolution.id).unwrap_or_default();
        by_participation
            .entry(resolution.participation_id)
            .or_default()
            .push(ResolutionWithConsultations {
                resolution,
                consultations,
            });
    }
    Ok(by_participation)
}
