//! Overlap detection: `GET /projects/{id}/similar`, `GET /initiatives/{id}/similar` and the
//! cooperation-wide `GET /initiatives/clusters`, so that "Musterstadt and Beispielheim already do this"
//! becomes visible before a third town starts the same on its own.
//!
//! Everybody may ask; the answers hold only what the caller may read (members-only initiatives
//! for members only). The measures are explained in `db::similarity`; the threshold is
//! `SMARTREGION_SIMILARITY_THRESHOLD`.

pub use crate::views::similarity::{EffortKind, SimilarEffort};

use actix_web::{HttpResponse, get, web};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::initiatives::InitiativePath;
use crate::api::initiatives::readable_initiative;
use crate::api::projects::{ProjectPath, live_project};
use crate::auth::Caller;
use crate::db::similarity::{self, Exclusions, Source};
use crate::db::{self};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::similarity::rounded;

/// The most similar efforts, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarResponse {
    /// The score from which an effort counts as similar (`SMARTREGION_SIMILARITY_THRESHOLD`).
    #[schema(example = 0.3)]
    pub threshold: f64,
    pub items: Vec<SimilarEffort>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// How many to return, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50, example = 10)]
    pub limit: Option<i64>,
}

impl SimilarQuery {
    fn limit(&self) -> Result<usize, ApiError> {
        match self.limit.unwrap_or(10) {
            limit @ 1..=50 => Ok(limit as usize),
            other => Err(ApiError::bad_request(format!(
                "limit must be between 1 and 50, got {other}"
            ))),
        }
    }
}

/// The efforts resembling an initiative: other municipalities' initiatives the caller may read
/// and joint projects (not the one it already belongs to), best first.
pub(crate) async fn similar_to_initiative(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    members: bool,
    threshold: f64,
    limit: usize,
) -> ApiResult<Vec<SimilarEffort>> {
    let Some(source) = similarity::initiative_source(conn, id).await? else {
        return Ok(Vec::new());
    };
    let exclusions = Exclusions {
        initiative: Some(id),
        project: source.project_id,
        organization: source.organization.clone(),
        linked_to_project: None,
    };
    found(conn, &source, &exclusions, members, threshold, limit).await
}

async fn found(
    conn: &mut AsyncPgConnection,
    source: &Source,
    exclusions: &Exclusions,
    members: bool,
    threshold: f64,
    limit: usize,
) -> ApiResult<Vec<SimilarEffort>> {
    Ok(
        similarity::similar(conn, source, exclusions, members, threshold, limit)
            .await?
            .into_iter()
            .map(SimilarEffort::from)
            .collect(),
    )
}

/// Lists the joint projects and other municipalities' initiatives most similar to an
/// initiative. Public; members-only initiatives (the asked one included) only for members.
#[utoipa::path(
    tag = "initiatives",
    operation_id = "get_similar_to_initiative",
    security((), ("bearer" = [])),
    params(InitiativePath, SimilarQuery),
    responses(
        (status = 200, description = "The most similar efforts, best first", body = SimilarResponse),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/initiatives/{id}/similar")]
pub async fn get_similar_to_initiative(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<InitiativePath>,
    query: web::Query<SimilarQuery>,
) -> ApiResult<HttpResponse> {
    let InitiativePath { id } = path.into_inner();
    let limit = query.limit()?;
    let mut conn = db::connect(&state.pool).await?;
    let initiative = readable_initiative(&mut conn, &caller, id).await?;
    let threshold = state.config.similarity_threshold;
    let items = similar_to_initiative(
        &mut conn,
        initiative.id,
        caller.is_member(),
        threshold,
        limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(SimilarResponse { threshold, items }))
}

/// Lists the other joint projects and the local initiatives most similar to a project
/// (initiatives already linked to it left out). Public; members-only initiatives only for
/// members.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_similar_to_project",
    security((), ("bearer" = [])),
    params(ProjectPath, SimilarQuery),
    responses(
        (status = 200, description = "The most similar efforts, best first", body = SimilarResponse),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[get("/projects/{id}/similar")]
pub async fn get_similar_to_project(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectPath>,
    query: web::Query<SimilarQuery>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let limit = query.limit()?;
    let mut conn = db::connect(&state.pool).await?;
    let project = live_project(&mut conn, id, false).await?;
    let threshold = state.config.similarity_threshold;
    let Some(source) = similarity::project_source(&mut conn, project.id).await? else {
        return Err(ApiError::not_found(format!("project {id} does not exist")));
    };
    let exclusions = Exclusions {
        project: Some(project.id),
        linked_to_project: Some(project.id),
        ..Exclusions::default()
    };
    let items = found(
        &mut conn,
        &source,
        &exclusions,
        caller.is_member(),
        threshold,
        limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(SimilarResponse { threshold, items }))
}

/// An initiative in an overlap cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterMember {
    pub id: Uuid,
    #[schema(example = "Digitaler Dorfladen in Vorhelm")]
    pub title: String,
    #[schema(example = "99001004")]
    pub organization: String,
    #[schema(example = "planned")]
    pub status: String,
    #[schema(example = "infrastructure")]
    pub field_of_action: String,
}

/// Similar initiatives of several municipalities that are not (yet) a joint project: a
/// candidate for the steering committee's agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverlapCluster {
    /// The municipalities involved, in key order.
    #[schema(example = json!(["99001004", "99001008"]))]
    pub organizations: Vec<String>,
    /// The title and tag terms at least two members share, alphabetically.
    #[schema(example = json!(["dorflad"]))]
    pub common_terms: Vec<String>,
    /// The highest score of two of its members (three decimals).
    #[schema(example = 0.71)]
    pub highest_score: f64,
    pub initiatives: Vec<ClusterMember>,
}

/// The overlap clusters, largest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClustersResponse {
    #[schema(example = 0.3)]
    pub threshold: f64,
    /// At most 100 clusters.
    pub clusters: Vec<OverlapCluster>,
}

/// The most clusters one answer holds.
pub const MAX_CLUSTERS: usize = 100;

/// The overlap clusters the caller may see (members: members-only initiatives included).
pub(crate) async fn overlap_clusters(
    conn: &mut AsyncPgConnection,
    members: bool,
    threshold: f64,
) -> ApiResult<Vec<OverlapCluster>> {
    let clusters = similarity::clusters(conn, members, threshold, MAX_CLUSTERS).await?;
    Ok(clusters
        .into_iter()
        .map(|cluster| {
            let mut organizations: Vec<String> = cluster
                .members
                .iter()
                .map(|m| m.organization.clone())
                .collect();
            organizations.sort();
            organizations.dedup();
            let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
            for member in &cluster.members {
                for term in &member.terms {
                    *counts.entry(term.as_str()).or_default() += 1;
                }
            }
            let common_terms = counts
                .into_iter()
                .filter(|(_, n)| *n >= 2)
                .map(|(t, _)| t.to_owned())
                .collect();
            OverlapCluster {
                organizations,
                common_terms,
                highest_score: rounded(cluster.highest_score),
                initiatives: cluster
                    .members
                    .into_iter()
                    .map(|m| ClusterMember {
                        id: m.id,
                        title: m.title,
                        organization: m.organization,
                        status: m.status,
                        field_of_action: m.field_of_action,
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Lists clusters of similar active initiatives (idea, planned, running) of different
/// municipalities that belong to no joint project yet: candidates for the steering committee's
/// agenda. Public; members-only initiatives only for members.
#[utoipa::path(
    tag = "initiatives",
    operation_id = "get_initiative_clusters",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The clusters, largest first", body = ClustersResponse),
    ),
)]
#[get("/initiatives/clusters")]
pub async fn get_initiative_clusters(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let threshold = state.config.similarity_threshold;
    let clusters = overlap_clusters(&mut conn, caller.is_member(), threshold).await?;
    Ok(HttpResponse::Ok().json(ClustersResponse {
        threshold,
        clusters,
    }))
}
