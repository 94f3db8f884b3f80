//! `PATCH /projects/{id}/progress`: the lead organization keeps its project's progress current.

use actix_web::{HttpRequest, HttpResponse, patch, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::catalogue::respond;
use super::types::progress;
use super::{authorize_project_work, lock_project_for_work, project_entry};
use crate::auth::Caller;
use crate::db::projects::{self, ProjectChanges};
use crate::db::write::{Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::projects::TrafficLight;
use crate::domain::validation::Validator;
use crate::error::ApiResult;
use crate::http::etag::IfMatch;
use crate::http::extract::Json;
use crate::state::AppState;

/// New progress figures; absent fields stay as they are, `null` clears the traffic light.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"progress_percent": 40, "traffic_light": "yellow", "traffic_light_note": "Förderbescheid steht noch aus"}))]
pub struct UpdateProjectProgress {
    /// 0 to 100.
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percent: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<TrafficLight>, nullable)]
    pub traffic_light: Option<Option<TrafficLight>>,
    /// One line, up to 300 characters; `null` clears it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 300)]
    pub traffic_light_note: Option<Option<String>>,
}

/// Updates a project's progress and traffic light (steering office, or `admin`/`editor` of
/// the lead organization). Needs `If-Match`.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_progress",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"),
        ("If-Match" = String, Header, description = "The ETag of the project version read", example = "\"1\""),
    ),
    request_body = UpdateProjectProgress,
    responses(
        (status = 200, description = "The project", body = super::types::ProjectResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 410, response = crate::error::responses::Gone),
    ),
)]
#[patch("/projects/{id}/progress")]
pub async fn update_project_progress(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UpdateProjectProgress>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    let (actor, _) = authorize_project_work(&mut conn, &caller, *id).await?;
    let if_match = IfMatch::from_request(&req)?;
    let body = body.into_inner()?;
    let mut v = Validator::new();
    let changes = ProjectChanges {
        progress_percent: body
            .progress_percent
            .map(|p| progress(&mut v, "/progress_percent", p)),
        traffic_light: body.traffic_light.map(|t| t.map(|t| t.as_str().to_owned())),
        traffic_light_note: body.traffic_light_note.map(|n| {
            n.map(|n| v.text("/traffic_light_note", &n, 0, 300))
                .filter(|n| !n.is_empty())
        }),
        ..Default::default()
    };
    let changes = v.finish(changes)?;
    let id = id.into_inner();
    let tx_caller = caller.clone();
    let project = audited(&mut conn, &actor, move |conn| {
        let (changes, tx_caller) = (changes.clone(), tx_caller.clone());
        async move {
            let before = lock_project_for_work(conn, &tx_caller, id).await?;
            if_match.check(before.version)?;
            if changes.is_empty() {
                return Ok(Recorded::new(before));
            }
            let after = projects::update(conn, id, &changes).await?;
            let entry = project_entry(
                crate::db::write::Entry::updated("project", id)
                    .action("project.progress_updated")
                    .before(&before)
                    .after(&after),
                &tx_caller,
                &after,
            );
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await?;
    respond(&mut conn, &caller, project, HttpResponse::Ok()).await
}
