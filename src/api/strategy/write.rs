//! The rules of a goal write: its links must name live projects and indicators, its title
//! must be free.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::api::projects::check_references;
use crate::db::strategy::{self};
use crate::domain::validation::Validator;
use crate::error::ApiError;

pub(super) fn goal_not_found(id: Uuid) -> impl FnOnce(DieselError) -> ApiError {
    move |error| match error {
        DieselError::NotFound => ApiError::not_found(format!("goal {id} does not exist")),
        other => other.into(),
    }
}

/// A unique violation on the title as a conflict.
pub(super) fn taken(error: DieselError) -> ApiError {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &error
        && info.constraint_name() == Some("strategy_goals_title")
    {
        return ApiError::conflict("another goal has this title");
    }
    error.into()
}

/// Checks that the field of action exists and that every linked project is live and every
/// linked indicator belongs to a live project.
pub(super) async fn check_links(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    field_of_action: Option<&str>,
    project_ids: Option<&[Uuid]>,
    indicator_ids: Option<&[Uuid]>,
) -> Result<(), ApiError> {
    check_references(conn, v, field_of_action, None).await?;
    if let Some(ids) = project_ids.filter(|ids| !ids.is_empty()) {
        let live = strategy::live_projects_among(conn, ids).await?;
        for (index, id) in ids.iter().enumerate() {
            if !live.contains(id) {
                v.error(
                    format!("/project_ids/{index}"),
                    format!("{id} is not a project (or was deleted)"),
                );
            }
        }
    }
    if let Some(ids) = indicator_ids.filter(|ids| !ids.is_empty()) {
        let live = strategy::live_indicators_among(conn, ids).await?;
        for (index, id) in ids.iter().enumerate() {
            if !live.contains(id) {
                v.error(
                    format!("/indicator_ids/{index}"),
                    format!("{id} is not an indicator of a project"),
                );
            }
        }
    }
    Ok(())
}

pub(super) fn same_set(a: &[Uuid], b: &[Uuid]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}
