//! `GET /api/v1/dashboard`.

use actix_web::{HttpResponse, get, web};

use super::sections;
use super::types::DashboardResponse;
use crate::api::initiatives::reporting::{cluster_count, initiative_counts};
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::meetings::build::today;

/// The cooperation dashboard. Public; members also see the overdue action items.
#[utoipa::path(
    tag = "reporting",
    operation_id = "get_dashboard",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The dashboard", body = DashboardResponse),
    ),
)]
#[get("/dashboard")]
pub async fn get_dashboard(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let member = caller.is_member();
    let threshold = state.config.similarity_threshold;
    let mut conn = db::connect(&state.pool).await?;
    // One snapshot, so that the sections agree with each other.
    let response = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| -> Result<_, ApiError> {
            let today = today();
            let (participations_by_project, participations_by_project_truncated) =
                sections::participations_by_project(conn).await?;
            Ok(DashboardResponse {
                projects_by_field: sections::projects_by_field(conn).await?,
                participations_by_project,
                participations_by_project_truncated,
                participations_by_organization: sections::participations_by_organization(conn)
                    .await?,
                costs_by_year: sections::costs_by_year(conn).await?,
                overdue_milestones: sections::overdue_milestones(conn, today).await?,
                overdue_action_items: if member {
                    Some(sections::overdue_action_items(conn, today).await?)
                } else {
                    None
                },
                indicators: sections::indicators(conn).await?,
                initiatives_by_field_and_organization: initiative_counts(conn, member).await?,
                overlap_clusters: cluster_count(conn, member, threshold).await?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(response))
}
