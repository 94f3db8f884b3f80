//! What the council report and the dashboard show of local initiatives and their overlaps.

use std::collections::BTreeMap;

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::similarity::{EffortKind, overlap_clusters, similar_to_initiative};
use crate::db::initiatives;
use crate::error::ApiError;
pub use crate::views::similarity::OthersEffort;

/// Live initiatives of one municipality in one field of action.
#[derive(Debug, Serialize, ToSchema)]
pub struct InitiativeCount {
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
    #[schema(example = "99001004")]
    pub organization: String,
    pub total: i64,
    /// Counts per status (only states that occur).
    #[schema(example = json!({"planned": 1, "running": 2}))]
    pub by_status: BTreeMap<String, i64>,
}

/// Initiatives per field of action and municipality (anonymous callers: public ones only).
pub(crate) async fn initiative_counts(
    conn: &mut AsyncPgConnection,
    members: bool,
) -> Result<Vec<InitiativeCount>, ApiError> {
    let mut counts: Vec<InitiativeCount> = Vec::new();
    for (field, organization, status, n) in initiatives::counts(conn, members).await? {
        if counts
            .last()
            .is_none_or(|c| c.field_of_action != field || c.organization != organization)
        {
            counts.push(InitiativeCount {
                field_of_action: field,
                organization,
                total: 0,
                by_status: BTreeMap::new(),
            });
        }
        let entry = counts.last_mut().expect("just pushed");
        entry.total += n;
        entry.by_status.insert(status, n);
    }
    Ok(counts)
}

/// How many overlap clusters there are (`GET /initiatives/clusters`).
pub(crate) async fn cluster_count(
    conn: &mut AsyncPgConnection,
    members: bool,
    threshold: f64,
) -> Result<i64, ApiError> {
    Ok(overlap_clusters(conn, members, threshold).await?.len() as i64)
}

/// The most own initiatives the report compares.
const OWN_INITIATIVES: i64 = 20;
/// The most similar efforts the report lists per own initiative.
const PER_INITIATIVE: usize = 5;

/// What others already do that `organization` could join: for each of its active initiatives
/// (at most 20, oldest first), the similar initiatives of other municipalities and the joint
/// projects it is not part of (`participating`), each effort once, with its best match; best
/// score first.
pub(crate) async fn others_efforts(
    conn: &mut AsyncPgConnection,
    organization: &str,
    participating: &[Uuid],
    threshold: f64,
) -> Result<Vec<OthersEffort>, ApiError> {
    let mut found: BTreeMap<Uuid, OthersEffort> = BTreeMap::new();
    for (id, title) in initiatives::active_of(conn, organization, OWN_INITIATIVES).await? {
        // The report is read by the organization's members and the steering office.
        for effort in similar_to_initiative(conn, id, true, threshold, PER_INITIATIVE).await? {
            if effort.kind == EffortKind::Project && participating.contains(&effort.id) {
                continue;
            }
            let better = found
                .get(&effort.id)
                .is_none_or(|known| known.effort.score < effort.score);
            if better {
                found.insert(
                    effort.id,
                    OthersEffort {
                        effort,
                        own_initiative_id: id,
                        own_initiative_title: title.clone(),
                    },
                );
            }
        }
    }
    let mut efforts: Vec<OthersEffort> = found.into_values().collect();
    efforts.sort_by(|a, b| {
        b.effort
            .score
            .total_cmp(&a.effort.score)
            .then_with(|| a.effort.id.cmp(&b.effort.id))
    });
    Ok(efforts)
}
