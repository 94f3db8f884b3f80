//! `GET /api/v1/me`: the caller as the service understood its token.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::db::{self, organizations};
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// The token's subject (`sub`).
    #[schema(example = "it-service@musterstadt")]
    pub subject: String,
    /// The organization the token acts for (`org`).
    #[schema(example = "99001004")]
    pub organization: String,
    /// The organization's name, or `null` when the key is not a member of the cooperation.
    #[schema(example = "Musterstadt")]
    pub organization_name: Option<String>,
    /// The roles the service recognised in the token; unknown role names are ignored.
    pub roles: Vec<Role>,
    /// Whether the caller may act for every organization (role `coordinator`).
    pub acts_for_all_organizations: bool,
}

/// Shows the caller's organization and roles.
#[utoipa::path(
    tag = "auth",
    operation_id = "get_me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The authenticated caller", body = MeResponse,
         example = json!({"subject": "it-service@musterstadt", "organization": "99001004", "organization_name": "Musterstadt",
                          "roles": ["admin"], "acts_for_all_organizations": false})),
    ),
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let principal = caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let organization_name = match organizations::find(&mut conn, &principal.organization).await {
        Ok(org) => Some(org.name),
        Err(diesel::result::Error::NotFound) => None,
        Err(error) => return Err(error.into()),
    };
    Ok(HttpResponse::Ok().json(MeResponse {
        subject: principal.subject.clone(),
        organization: principal.organization.clone(),
        organization_name,
        roles: principal.roles.clone(),
        acts_for_all_organizations: principal.is_coordinator(),
    }))
}
