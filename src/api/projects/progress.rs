//! `PATCH /projects/{id}/progress`: the lead organization keeps its project's progress current.

use actix_web::{HttpRequest, HttpResponse, patch, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ProjectPath;
use super::catalogue::respond;
use super::records::ProjectWork;
use super::types::progress;
use crate::auth::Caller;
use crate::db::projects::{self, ProjectChanges};
use crate::db::write::{Entry, Recorded, ScopedFutureExt};
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
        ProjectPath,
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
    path: web::Path<ProjectPath>,
    body: Json<UpdateProjectProgress>,
) -> ApiResult<HttpResponse> {
    let ProjectPath { id } = path.into_inner();
    let mut work = ProjectWork::authorize(&state, caller, id).await?;
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
    let project = work
        .run(move |conn, locked| {
            let changes = changes.clone();
            async move {
                let before = locked.project.clone();
                if_match.check(before.version)?;
                if changes.is_empty() {
                    return Ok(Recorded::new(before));
                }
                let after = projects::update(conn, id, &changes).await?;
                let entry = locked.entry(
                    Entry::updated("project", id)
                        .action("project.progress_updated")
                        .before(&before)
                        .after(&after),
                );
                Ok(Recorded::new(after).with(entry))
            }
            .scope_boxed()
        })
        .await?;
    respond(&mut work.conn, &work.caller, project, HttpResponse::Ok()).await
}
