//! The OParl handlers: `objects` serves each object on its URL, `lists` the Body's external
//! lists, `render` turns a page of rows into objects with what they embed (a fixed number of
//! queries per page, whatever its size).
//!
//! All handlers are public (no authentication) and answer OParl error objects; the scope in
//! `routes.rs` adds `Access-Control-Allow-Origin: *` to every answer.

pub mod lists;
pub mod objects;
pub mod render;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Urls;
use crate::db::organizations::{self, Organization};
use crate::error::ApiError;
use crate::error::oparl::{OparlError, OparlResult};
use crate::http::fallback::RouteTable;
use crate::state::AppState;

/// An OParl 1.1 object (its `type` names its schema at https://schema.oparl.org/1.1/).
#[derive(ToSchema)]
#[schema(value_type = Object, example = json!({
    "id": "https://smartregion.musterland.example/oparl/v1.1/meetings/6f1c2a9e-3b1d-4c55-9c1e-1a2b3c4d5e6f",
    "type": "https://schema.oparl.org/1.1/Meeting",
    "name": "7. Sitzung des Lenkungskreises Smart Region",
    "start": "2026-03-26T17:00:00+01:00",
    "end": "2026-03-26T19:00:00+01:00",
    "created": "2026-02-01T09:12:00+01:00",
    "modified": "2026-03-27T10:00:00+01:00"
}))]
pub struct OparlObject(#[allow(dead_code)] Value);

/// A page of an OParl external list.
#[derive(ToSchema)]
#[schema(value_type = Object, example = json!({
    "data": [],
    "pagination": {"elementsPerPage": 100},
    "links": {
        "first": "https://smartregion.musterland.example/oparl/v1.1/bodies/smartregion/meetings",
        "self": "https://smartregion.musterland.example/oparl/v1.1/bodies/smartregion/meetings"
    }
}))]
pub struct OparlListPage(#[allow(dead_code)] Value);

/// The parameters of every OParl list (parsed by the handler, so that errors are OParl error
/// objects).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OparlListParams {
    /// Only objects created at or after this date-time (`2026-03-01T00:00:00+01:00`).
    #[param(format = DateTime)]
    pub created_since: Option<String>,
    /// Only objects created at or before this date-time.
    #[param(format = DateTime)]
    pub created_until: Option<String>,
    /// Only objects modified at or after this date-time; deleted objects are listed too.
    #[param(format = DateTime)]
    pub modified_since: Option<String>,
    /// Only objects modified at or before this date-time.
    #[param(format = DateTime)]
    pub modified_until: Option<String>,
    /// Objects per page, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Where the page starts; take it from `links.next`. Opaque: a value the list did not hand
    /// out is a 400.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// What every handler needs.
pub struct Ctx {
    pub urls: Urls,
    pub public_url: String,
    pub profile: std::sync::Arc<crate::profile::Profile>,
    /// The steering office's organization key: its record dates the synthetic objects.
    pub office: String,
}

impl Ctx {
    pub fn new(state: &AppState) -> Self {
        let profile = state.config.profile.clone();
        Ctx {
            urls: Urls::new(
                &state.config.public_url,
                &profile.oparl.body_id,
                &profile.oparl.legislative_term_key,
            ),
            public_url: state.config.public_url.clone(),
            profile,
            office: state.config.auth.steering_office.clone(),
        }
    }
}

pub fn ok(value: Value) -> HttpResponse {
    HttpResponse::Ok().json(value)
}

/// A uuid from the path; anything else names no object.
pub fn parse_id(text: &str) -> OparlResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| not_found())
}

pub fn not_found() -> OparlError {
    OparlError::not_found("no OParl object at this URL")
}

/// The path of the Body's objects and lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BodyPath {
    /// The Body's id: the profile's `oparl.body_id`
    #[param(example = "smartregion")]
    pub body: String,
}

/// Answers 404 unless `body` is the profile's Body (a service serves one cooperation).
pub fn check_body(state: &AppState, body: &str) -> OparlResult<()> {
    if body == state.config.profile.oparl.body_id {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// The steering office's record: it dates the synthetic objects and gives the contact data.
pub async fn district(
    conn: &mut diesel_async::AsyncPgConnection,
    ctx: &Ctx,
) -> OparlResult<Organization> {
    Ok(organizations::find(conn, &ctx.office).await?)
}

/// Requests under `/oparl/v1.1/` that no handler takes: 405 when the path exists under
/// another method, 404 otherwise, as OParl error objects.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> OparlResult<HttpResponse> {
    Err(match routes.allowed(req.path()) {
        Some(allowed) => OparlError(ApiError::MethodNotAllowed { allowed }),
        None => not_found(),
    })
}
