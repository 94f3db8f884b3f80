//! `/api/v1/projects`: the strategy's project catalogue, its lifecycle, and each project's
//! milestones, status reports and indicators.
//!
//! Who may do what (decided at the top of every handler):
//! - everybody, anonymous callers included, reads the catalogue; `internal_note` is shown to
//!   members only;
//! - the steering office (`coordinator`) creates, edits, deletes and moves projects through
//!   their lifecycle, and does everything the lead organization may do;
//! - the lead organization's `admin` or `editor` posts status reports and maintains progress,
//!   milestones and indicators of the projects it leads;
//! - everything else is 403.

pub mod catalogue;
pub mod indicators;
pub mod lifecycle;
pub mod list_query;
pub mod measurements;
pub mod milestones;
pub mod progress;
pub mod records;
pub mod reports;
pub mod transfer;
pub mod types;

use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{Caller, Right};
use crate::db::projects::{self, Lookup, Project};
use crate::db::write::{Actor, Entry};
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// The path of a project.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProjectPath {
    /// Project id
    pub id: Uuid,
}

/// A live project: 404 when there is none, 410 Gone when it was deleted. With `lock`, the row
/// stays locked for the rest of the transaction.
pub(crate) async fn live_project(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    lock: bool,
) -> Result<Project, ApiError> {
    match projects::lookup(conn, id, lock).await? {
        Lookup::Live(project) => Ok(*project),
        Lookup::Deleted => Err(ApiError::Gone(format!("project {id} was deleted"))),
        Lookup::Missing => Err(ApiError::not_found(format!("project {id} does not exist"))),
    }
}

/// The steering office, or an `admin`/`editor` of the organization leading `project`.
pub(crate) fn require_project_work(caller: &Caller, project: &Project) -> Result<(), ApiError> {
    let principal = caller.member()?;
    if principal.is_coordinator() {
        return Ok(());
    }
    match &project.lead_organization {
        Some(lead) => caller.require(Right::Edit, lead).map(drop),
        None => Err(ApiError::forbidden(format!(
            "project {} has no lead organization; only the steering office may change it",
            project.code
        ))),
    }
}

/// The live project, locked for the rest of the transaction, after `authorize` passed again on
/// the locked row. A handler checks the caller's right before its transaction, on a row read
/// without a lock; the steering office may change the lead organization in between. Every
/// write whose right depends on the project row checks again here, where the row cannot change
/// any more until the write commits; `authorize` is the same check as before the transaction.
pub(crate) async fn lock_project_authorized<T>(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    authorize: impl FnOnce(&Project) -> Result<T, ApiError>,
) -> Result<(Project, T), ApiError> {
    let project = live_project(conn, id, true).await?;
    let granted = authorize(&project)?;
    Ok((project, granted))
}

/// [`lock_project_authorized`] for the lead organization's work ([`require_project_work`]).
pub(crate) async fn lock_project_for_work(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<Project, ApiError> {
    let (project, ()) =
        lock_project_authorized(conn, id, |p| require_project_work(caller, p)).await?;
    Ok(project)
}

/// An audit entry about `project`'s data, attributed to its lead organization.
pub(crate) fn project_entry(entry: Entry, caller: &Caller, project: &Project) -> Entry {
    match &project.lead_organization {
        Some(lead) => entry
            .org(lead.clone())
            .on_behalf_of(caller.on_behalf_of(lead)),
        None => entry,
    }
}

/// Checks that the field of action and the lead organization a request names exist.
pub(crate) async fn check_references(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    field_of_action: Option<&str>,
    lead_organization: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(code) = field_of_action {
        let exists = crate::db::fields_of_action::exists(conn, code).await?;
        v.check(
            exists,
            "/field_of_action",
            "is not a field of action (see /api/v1/fields-of-action)",
        );
    }
    if let Some(key) = lead_organization {
        let exists = crate::db::organizations::exists(conn, key).await?;
        v.check(
            exists,
            "/lead_organization",
            "is not an organization of the cooperation",
        );
    }
    Ok(())
}

/// Actor and project for a write to one of the project's sub-resources, after the
/// authorization check (401, 404, 410, 403 in that order).
pub(crate) async fn authorize_project_work(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    project_id: Uuid,
) -> Result<(Actor, Project), ApiError> {
    caller.member()?;
    let project = live_project(conn, project_id, false).await?;
    require_project_work(caller, &project)?;
    Ok((caller.actor()?, project))
}
