//! `GET /api/v1/participation-matrix`: projects × organizations with the state in each cell,
//! for the steering committee; JSON or German-Excel CSV.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::types::{ParticipationState, stored_state};
use crate::auth::Caller;
use crate::db::participations::views::{self, MatrixFilter};
use crate::db::{self, fields_of_action, organizations};
use crate::error::{ApiError, ApiResult};
use crate::export::excel_csv;
use crate::startup::AppState;

/// The most projects one matrix shows; more would be no overview (the strategy has 24).
pub const MAX_MATRIX_PROJECTS: i64 = 1000;

/// A project's category in the strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectCategory {
    /// Leitprojekt.
    Lead,
    /// Potentialprojekt.
    Potential,
}

impl ProjectCategory {
    fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Potential => "potential",
        }
    }
}

fn category_label_de(category: &str) -> &'static str {
    match category {
        "lead" => "Leitprojekt",
        _ => "Potentialprojekt",
    }
}

/// The representation of the matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatrixFormat {
    #[default]
    Json,
    /// Semicolon-separated, UTF-8 with BOM, German headings: opens in German Excel.
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatrixQuery {
    /// Only projects of this field of action (its code).
    #[param(example = "digital_infrastructure")]
    pub field_of_action: Option<String>,
    /// Only lead or only potential projects.
    pub category: Option<ProjectCategory>,
    /// `json` (default) or `csv`.
    pub format: Option<MatrixFormat>,
}

/// A column of the matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixOrganizationResponse {
    #[schema(example = "99001012")]
    pub key: String,
    #[schema(example = "Exempelfeld")]
    pub name: String,
}

/// The project a row stands for.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixProjectResponse {
    pub id: Uuid,
    #[schema(example = "DI-3")]
    pub code: String,
    #[schema(example = "Digitale Dorfladenbox")]
    pub title: String,
    #[schema(example = "digital_infrastructure")]
    pub field_of_action: String,
    pub category: ProjectCategory,
}

/// A row of the matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixRowResponse {
    pub project: MatrixProjectResponse,
    /// The state per organization key, for every organization; `null` where it has no
    /// participation.
    #[schema(value_type = BTreeMap<String, ParticipationState>, example = json!({"99001": null, "99001012": "committed"}))]
    pub states: BTreeMap<String, Option<ParticipationState>>,
}

/// Projects × organizations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationMatrixResponse {
    /// The columns, ordered by key.
    pub organizations: Vec<MatrixOrganizationResponse>,
    /// The rows, ordered by project code.
    pub rows: Vec<MatrixRowResponse>,
}

/// The participation matrix: every (filtered) project × every member (today's members, and a
/// former member where it took part in a listed project), with the state of each
/// participation. Public. `?format=csv` answers CSV for German Excel (`;`, UTF-8 with BOM,
/// German headings and state names). At most 1000 projects; filter when more match.
#[utoipa::path(
    tag = "participations",
    operation_id = "get_participation_matrix",
    security((), ("bearer" = [])),
    params(MatrixQuery),
    responses(
        (status = 200, description = "The matrix",
         content(
             (ParticipationMatrixResponse = "application/json"),
             (String = "text/csv", example = "\u{feff}Projektkürzel;Projekt;Handlungsfeld;Kategorie;Landkreis Musterland;Musterstadt\r\nDI-3;Digitale Dorfladenbox;Digitale Infrastruktur;Leitprojekt;;Verbindlich beteiligt\r\n"),
         )),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 422, response = crate::openapi::UnprocessableEntity),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
)]
#[get("/participation-matrix")]
pub async fn get_participation_matrix(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<MatrixQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    if let Some(code) = &query.field_of_action
        && !fields_of_action::exists(&mut conn, code).await?
    {
        return Err(ApiError::invalid_field(
            "/query/field_of_action",
            format!("there is no field of action {code}"),
        ));
    }
    let filter = MatrixFilter {
        field_of_action: query.field_of_action.clone(),
        category: query.category.map(|c| c.as_str().to_owned()),
    };
    let (projects, mut cells) = views::matrix(&mut conn, &filter, MAX_MATRIX_PROJECTS + 1).await?;
    if projects.len() as i64 > MAX_MATRIX_PROJECTS {
        return Err(ApiError::bad_request(format!(
            "more than {MAX_MATRIX_PROJECTS} projects match; filter by field_of_action or category"
        )));
    }
    // The columns: today's members, and a former member where a row shows its participation
    // (its history stays readable).
    let members: std::collections::BTreeSet<String> =
        crate::db::memberships::members_on(&mut conn, chrono::Utc::now().date_naive())
            .await?
            .into_iter()
            .collect();
    let columns: Vec<_> = organizations::list(&mut conn, None, None, None, 1000)
        .await?
        .into_iter()
        .filter(|o| members.contains(&o.key) || cells.values().any(|c| c.contains_key(&o.key)))
        .collect();

    if query.format.unwrap_or_default() == MatrixFormat::Csv {
        let mut headings: Vec<String> = ["Projektkürzel", "Projekt", "Handlungsfeld", "Kategorie"]
            .map(String::from)
            .to_vec();
        headings.extend(columns.iter().map(|o| o.name.clone()));
        let rows = projects.iter().map(|(project, field_name)| {
            let states = cells.get(&project.id);
            let mut row = vec![
                project.code.clone(),
                project.title.clone(),
                field_name.clone(),
                category_label_de(&project.category).to_owned(),
            ];
            row.extend(columns.iter().map(|o| {
                states
                    .and_then(|s| s.get(&o.key))
                    .map(|state| stored_state(state).label_de().to_owned())
                    .unwrap_or_default()
            }));
            row
        });
        let body = excel_csv::render(&headings, rows).map_err(ApiError::internal)?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, excel_csv::CONTENT_TYPE))
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"beteiligungsmatrix.csv\"",
            ))
            .body(body));
    }

    let rows = projects
        .into_iter()
        .map(|(project, _)| {
            let mut states_of_project = cells.remove(&project.id).unwrap_or_default();
            let states = columns
                .iter()
                .map(|o| {
                    let state = states_of_project
                        .remove(&o.key)
                        .map(|s| ParticipationState::from(stored_state(&s)));
                    (o.key.clone(), state)
                })
                .collect();
            MatrixRowResponse {
                project: MatrixProjectResponse {
                    id: project.id,
                    code: project.code,
                    title: project.title,
                    field_of_action: project.field_of_action,
                    category: if project.category == "lead" {
                        ProjectCategory::Lead
                    } else {
                        ProjectCategory::Potential
                    },
                },
                states,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(ParticipationMatrixResponse {
        organizations: columns
            .into_iter()
            .map(|o| MatrixOrganizationResponse {
                key: o.key,
                name: o.name,
            })
            .collect(),
        rows,
    }))
}
