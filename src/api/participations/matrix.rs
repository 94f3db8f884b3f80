//! `GET /api/v1/participation-matrix`: projects × organizations with the state in each cell,
//! for the steering committee; JSON pages or German-Excel CSV.
//!
//! Flat as the catalogue grows: the JSON answer is one keyset page of projects (by code), one
//! statement per page; the CSV streams every matching project, reading and writing one batch
//! of [`CSV_BATCH`] rows at a time, so memory stays bounded whatever the size of the catalogue.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::types::{ParticipationState, stored_state};
use crate::auth::Caller;
use crate::db::participations::views::{self, MatrixFilter, MatrixRow};
use crate::db::{self, DbConn, fields_of_action, organizations};
use crate::error::{ApiError, ApiResult};
use crate::export::excel_csv;
use crate::http::pagination::{PageQuery, encode_cursor, next_url};
use crate::state::AppState;

/// Projects per batch of the CSV stream.
pub const CSV_BATCH: i64 = 500;

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
    /// JSON: how many projects (rows) per page (1 to 200, default 50). The CSV holds every
    /// matching project and ignores it.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// JSON: the `next_cursor` of the previous page; omit it for the first page.
    pub cursor: Option<String>,
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
    #[schema(schema_with = states_schema)]
    pub states: BTreeMap<String, Option<ParticipationState>>,
}

/// An object of `ParticipationState` or `null` per organization key.
fn states_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{Ref, RefOr};
    let state_or_null = OneOfBuilder::new()
        .item(Ref::from_schema_name("ParticipationState"))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .build();
    ObjectBuilder::new()
        .description(Some(
            "The state per organization key, for every organization; `null` where it has no \
             participation.",
        ))
        .additional_properties(Some(RefOr::T(Schema::OneOf(state_or_null))))
        .examples([serde_json::json!({"99001": null, "99001012": "committed"})])
        .build()
}

/// Projects × organizations, one page of projects.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationMatrixResponse {
    /// The columns, ordered by key.
    pub organizations: Vec<MatrixOrganizationResponse>,
    /// The rows of this page, ordered by project code.
    pub rows: Vec<MatrixRowResponse>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The participation matrix: the (filtered) projects × the members (today's members, and the
/// former members that took part in a project), with the state of each participation. Public.
/// JSON answers one page of projects (`limit`, `cursor` and a `Link: rel="next"` header, like
/// every list); `?format=csv` answers every matching project as CSV for German Excel (`;`,
/// UTF-8 with BOM, German headings and state names), streamed.
#[utoipa::path(
    tag = "participations",
    operation_id = "get_participation_matrix",
    security((), ("bearer" = [])),
    params(MatrixQuery),
    responses(
        (status = 200, description = "The matrix",
         headers(("Link" = String, description = "JSON: `<url>; rel=\"next\"` when another page follows")),
         content(
             (ParticipationMatrixResponse = "application/json"),
             (String = "text/csv", example = "\u{feff}Projektkürzel;Projekt;Handlungsfeld;Kategorie;Landkreis Musterland;Musterstadt\r\nDI-3;Digitale Dorfladenbox;Digitale Infrastruktur;Leitprojekt;;Verbindlich beteiligt\r\n"),
         )),
        (status = 422, response = crate::error::responses::UnprocessableEntity),
    ),
)]
#[get("/participation-matrix")]
pub async fn get_participation_matrix(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller,
    query: web::Query<MatrixQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .parse::<String>()?;
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
    // The columns: today's members, and the former members that took part in a project (their
    // history stays readable); the same on every page.
    let keys =
        crate::db::memberships::matrix_columns(&mut conn, chrono::Utc::now().date_naive()).await?;
    let columns: Vec<_> = organizations::list(&mut conn, None, None, None, 1000)
        .await?
        .into_iter()
        .filter(|o| keys.contains(&o.key))
        .collect();

    if query.format.unwrap_or_default() == MatrixFormat::Csv {
        return csv_response(conn, filter, columns).await;
    }

    let mut rows = views::matrix(&mut conn, &filter, page.after.as_deref(), page.fetch()).await?;
    let more = rows.len() as i64 > page.limit;
    rows.truncate(page.limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| encode_cursor(&r.project.code)))
        .flatten();
    let rows = rows
        .into_iter()
        .map(|row| {
            let mut states_of_project = row.states;
            let states = columns
                .iter()
                .map(|o| {
                    let state = states_of_project
                        .remove(&o.key)
                        .map(|s| ParticipationState::from(stored_state(&s)));
                    (o.key.clone(), state)
                })
                .collect();
            let project = row.project;
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
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        let link = format!(
            "<{}>; rel=\"next\"",
            next_url(&req, &state.config.public_url, cursor)
        );
        response.insert_header((header::LINK, link));
    }
    Ok(response.json(ParticipationMatrixResponse {
        organizations: columns
            .into_iter()
            .map(|o| MatrixOrganizationResponse {
                key: o.key,
                name: o.name,
            })
            .collect(),
        rows,
        next_cursor,
    }))
}

/// The CSV cells of one row.
fn csv_row(row: &MatrixRow, columns: &[String]) -> Vec<String> {
    let mut cells = vec![
        row.project.code.clone(),
        row.project.title.clone(),
        row.field_name.clone(),
        category_label_de(&row.project.category).to_owned(),
    ];
    cells.extend(columns.iter().map(|key| {
        row.states
            .get(key)
            .map(|state| stored_state(state).label_de().to_owned())
            .unwrap_or_default()
    }));
    cells
}

/// Rows as CSV lines without BOM or headings: the continuation of [`excel_csv::render`].
fn csv_lines(rows: &[MatrixRow], columns: &[String]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(
            csv_row(row, columns)
                .iter()
                .map(|cell| excel_csv::guard_formula(cell).into_owned()),
        )?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// The whole matrix as CSV. The first batch is read before answering, so that a failure there
/// is a proper error; the rest is streamed batch by batch on the same connection.
async fn csv_response(
    mut conn: DbConn,
    filter: MatrixFilter,
    columns: Vec<organizations::Organization>,
) -> ApiResult<HttpResponse> {
    let mut headings: Vec<String> = ["Projektkürzel", "Projekt", "Handlungsfeld", "Kategorie"]
        .map(String::from)
        .to_vec();
    headings.extend(columns.iter().map(|o| o.name.clone()));
    let keys: Vec<String> = columns.into_iter().map(|o| o.key).collect();
    let first = views::matrix(&mut conn, &filter, None, CSV_BATCH).await?;
    let head = excel_csv::render(&headings, first.iter().map(|row| csv_row(row, &keys)))
        .map_err(ApiError::internal)?;
    let after = (first.len() as i64 == CSV_BATCH)
        .then(|| first.last().map(|r| r.project.code.clone()))
        .flatten();
    drop(first);
    let rest = futures_util::stream::unfold(
        (conn, filter, keys, after),
        |(mut conn, filter, keys, after)| async move {
            let after = after?;
            let batch = match views::matrix(&mut conn, &filter, Some(&after), CSV_BATCH).await {
                Ok(batch) => batch,
                Err(error) => {
                    // Past the status line an error can only end the body early.
                    tracing::warn!(%error, "participation matrix CSV stream aborted");
                    return Some((
                        Err(actix_web::Error::from(ApiError::from(error))),
                        (conn, filter, keys, None),
                    ));
                }
            };
            let next = (batch.len() as i64 == CSV_BATCH)
                .then(|| batch.last().map(|r| r.project.code.clone()))
                .flatten();
            let chunk = csv_lines(&batch, &keys)
                .map(web::Bytes::from)
                .map_err(|e| actix_web::Error::from(ApiError::internal(e)));
            Some((chunk, (conn, filter, keys, next)))
        },
    );
    let body =
        futures_util::stream::once(
            async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) },
        )
        .chain(rest);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, excel_csv::CONTENT_TYPE))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"beteiligungsmatrix.csv\"",
        ))
        .streaming(body))
}
