//! Liveness and readiness for load balancers and orchestrators.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long readiness waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok` (live) or `ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// Liveness: the process is up and answering.
#[utoipa::path(
    tag = "health",
    operation_id = "get_health_live",
    responses((status = 200, description = "The process is up", body = HealthResponse)),
)]
#[get("/health/live")]
pub async fn get_health_live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok" })
}

/// Readiness: the database answers within one second.
#[utoipa::path(
    tag = "health",
    operation_id = "get_health_ready",
    responses(
        (status = 200, description = "Ready to serve", body = HealthResponse),
        (status = 503, response = crate::error::responses::ServiceUnavailable),
    ),
)]
#[get("/health/ready")]
pub async fn get_health_ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let check = async {
        let mut conn = crate::db::connect(&state.pool).await?;
        crate::db::ping(&mut conn).await?;
        Ok::<_, ApiError>(())
    };
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(HealthResponse { status: "ready" })),
        Ok(Err(ApiError::ServiceUnavailable(detail))) => Err(ApiError::ServiceUnavailable(detail)),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            Err(ApiError::ServiceUnavailable(
                "the database check failed".into(),
            ))
        }
        Err(_) => Err(ApiError::ServiceUnavailable(
            "the database did not answer within one second".into(),
        )),
    }
}
