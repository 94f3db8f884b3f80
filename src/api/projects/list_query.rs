//! The query of the project list: its documented parameters and their parsing.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::projects::{ProjectFilter, ProjectSort};
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::projects::Category;
use crate::error::ApiError;
use crate::http::modified_since;
use crate::http::pagination::PageQuery;

/// The order of a project list.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectSortParam {
    /// By code (default).
    Code,
    /// By title in German dictionary order (`Ä` with `A`; case only breaks ties).
    Title,
    /// By last change, oldest first (for synchronisation with `modified_since`).
    UpdatedAt,
}

/// The filters of the project list (documentation of the query string, parsed by
/// [`ListQuery::parse`], which also accepts `status` several times).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ProjectListParams {
    /// Only projects of this field of action (a code).
    #[param(example = "infrastructure")]
    field_of_action: Option<String>,
    /// Only lead or only potential projects.
    category: Option<Category>,
    /// Only projects in one of these states; repeat the parameter (`status=planned&status=approved`)
    /// or separate them with commas.
    #[param(style = Form, explode)]
    status: Option<Vec<ProjectStatus>>,
    /// Only projects led by this organization (a key).
    #[param(example = "99001004")]
    lead: Option<String>,
    /// Only projects with this tag.
    #[param(example = "nahversorgung")]
    tag: Option<String>,
    /// Only projects this organization takes part in (a key; states interested, intends to
    /// join, council decision pending or committed).
    #[param(
        pattern = "^([0-9]{5}|[0-9]{8}|[a-z][a-z0-9-]{1,31})$",
        example = "99001012"
    )]
    participant: Option<String>,
    /// Free text (1–200 characters) over code, title, summary and description: German
    /// full-text search (stemming, `websearch` syntax with quotes and `-`), or the text as a
    /// case-insensitive substring, so that parts of compound words match (`dorfladen` finds
    /// "Dorfladenbox").
    #[param(example = "dorfladen", min_length = 1, max_length = 200)]
    q: Option<String>,
    /// The order; a cursor only continues the order it was made for.
    sort: Option<ProjectSortParam>,
}

/// A parsed list query.
pub(super) struct ListQuery {
    pub(super) filter: ProjectFilter,
    pub(super) sort: ProjectSort,
    pub(super) page: PageQuery,
}

impl ListQuery {
    pub(super) fn parse(query_string: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))?;
        let mut filter = ProjectFilter::default();
        let mut sort = ProjectSort::Code;
        let mut page = PageQuery {
            limit: None,
            cursor: None,
        };
        let bad = |name: &str, detail: &str| ApiError::bad_request(format!("{name}: {detail}"));
        for (name, value) in pairs {
            match name.as_str() {
                "field_of_action" => filter.field_of_action = Some(value),
                "category" => {
                    let category = Category::parse(&value)
                        .ok_or_else(|| bad("category", "must be lead or potential"))?;
                    filter.category = Some(category.as_str().to_owned());
                }
                "status" => {
                    for status in value.split(',').map(str::trim) {
                        let status = ProjectStatus::parse(status).ok_or_else(|| {
                            bad("status", &format!("{status} is not a project status"))
                        })?;
                        filter.statuses.push(status.as_str().to_owned());
                    }
                }
                "lead" => filter.lead = Some(value),
                "participant" => {
                    if !crate::domain::ids::is_organization_key(&value) {
                        return Err(bad("participant", "must be an organization key"));
                    }
                    filter.participant = Some(value);
                }
                "tag" => filter.tag = Some(value.trim().to_lowercase()),
                "q" => {
                    let q = value.trim();
                    if q.is_empty() || q.chars().count() > 200 || q.contains('\0') {
                        return Err(bad("q", "must be 1 to 200 characters"));
                    }
                    filter.q = Some(q.to_owned());
                }
                "modified_since" => {
                    filter.modified_since =
                        Some(modified_since::parse(&value).map_err(ApiError::bad_request)?);
                }
                "sort" => {
                    sort = match value.as_str() {
                        "code" => ProjectSort::Code,
                        "title" => ProjectSort::Title,
                        "updated_at" => ProjectSort::UpdatedAt,
                        _ => return Err(bad("sort", "must be code, title or updated_at")),
                    }
                }
                "limit" => {
                    page.limit = Some(
                        value
                            .parse()
                            .map_err(|_| bad("limit", "must be a whole number"))?,
                    )
                }
                "cursor" => page.cursor = Some(value),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown query parameter `{other}`"
                    )));
                }
            }
        }
        Ok(Self { filter, sort, page })
    }
}
