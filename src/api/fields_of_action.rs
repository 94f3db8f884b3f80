//! `GET /api/v1/fields-of-action`: the strategy's six fields of action.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, fields_of_action};
use crate::error::ApiResult;
use crate::http::modified_since::ModifiedSince;
use crate::state::AppState;

/// A field of action (Handlungsfeld) of the Smart Region strategy.
#[derive(Serialize, ToSchema)]
pub struct FieldOfActionResponse {
    /// Stable code, used by projects.
    #[schema(example = "digital_infrastructure")]
    pub code: String,
    /// German name.
    #[schema(example = "Digitale Infrastruktur")]
    pub name_de: String,
    /// English name.
    #[schema(example = "Digital infrastructure")]
    pub name_en: String,
    /// Position in the strategy document, from 1.
    #[schema(example = 1)]
    pub position: i32,
}

#[derive(Serialize, ToSchema)]
pub struct FieldsOfActionResponse {
    /// The fields of action in the strategy's order (all six unless `modified_since` narrows them).
    pub items: Vec<FieldOfActionResponse>,
}

/// Lists the fields of action. Public.
#[utoipa::path(
    tag = "reference",
    operation_id = "list_fields_of_action",
    security((), ("bearer" = [])),
    params(ModifiedSince),
    responses(
        (status = 200, description = "The six fields of action", body = FieldsOfActionResponse),
    ),
)]
#[get("/fields-of-action")]
pub async fn list_fields_of_action(
    state: web::Data<AppState>,
    _caller: crate::auth::Caller,
    since: web::Query<ModifiedSince>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let items = fields_of_action::all(&mut conn, since.get())
        .await?
        .into_iter()
        .map(|f| FieldOfActionResponse {
            code: f.code,
            name_de: f.name_de,
            name_en: f.name_en,
            position: f.position,
        })
        .collect();
    Ok(HttpResponse::Ok().json(FieldsOfActionResponse { items }))
}
