//! `/api/v1/initiatives`: each municipality's own digital initiatives beside the joint projects,
//! so that what towns do side by side becomes visible (the strategy's first aim).
//!
//! Who may do what (decided at the top of every handler, and again on the locked row):
//! - everybody reads public initiatives; members (any role of any organization) also read
//!   members-only ones; for anonymous callers a members-only initiative does not exist (404);
//! - a municipality's `admin` or `editor` registers, changes and deletes its own initiatives;
//!   the steering office (`coordinator`) does so on any municipality's behalf;
//! - everything else is 403.

pub mod handlers;
pub mod reporting;
pub mod transfer;
pub mod types;
pub mod write;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{Caller, Right};
use crate::db::initiatives::{self, Initiative, Lookup};
use crate::db::write::Entry;
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// A live initiative: 404 when there is none, 410 Gone when it was deleted. With `lock`, the
/// row stays locked for the rest of the transaction.
pub(crate) async fn live_initiative(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    lock: bool,
) -> Result<Initiative, ApiError> {
    match initiatives::lookup(conn, id, lock).await? {
        Lookup::Live(initiative) => Ok(*initiative),
        Lookup::Deleted => Err(ApiError::Gone(format!("initiative {id} was deleted"))),
        Lookup::Missing => Err(missing(id)),
    }
}

fn missing(id: Uuid) -> ApiError {
    ApiError::not_found(format!("initiative {id} does not exist"))
}

/// A live initiative the caller may read: a members-only one is 404 for anonymous callers, as
/// if it did not exist.
pub(crate) async fn readable_initiative(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<Initiative, ApiError> {
    let initiative = live_initiative(conn, id, false).await?;
    if !initiative.is_public() && !caller.is_member() {
        return Err(missing(id));
    }
    Ok(initiative)
}

/// The right to change `organization`'s initiatives: its admin or editor, or the steering
/// office.
pub(crate) fn require_initiative_work(caller: &Caller, organization: &str) -> Result<(), ApiError> {
    caller.require(Right::Edit, organization).map(drop)
}

/// An audit entry about an initiative, attributed to its municipality.
pub(crate) fn initiative_entry(entry: Entry, caller: &Caller, initiative: &Initiative) -> Entry {
    entry
        .org(initiative.organization_key.clone())
        .on_behalf_of(caller.on_behalf_of(&initiative.organization_key))
}

/// Checks that the organization, field of action and joint project a request names exist.
pub(crate) async fn check_references(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    organization: Option<&str>,
    field_of_action: Option<&str>,
    project: Option<Uuid>,
    working_group: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(key) = organization {
        let exists = crate::db::organizations::exists(conn, key).await?;
        v.check(
            exists,
            "/organization",
            "is not an organization of the cooperation",
        );
    }
    if let Some(code) = field_of_action {
        let exists = crate::db::fields_of_action::exists(conn, code).await?;
        v.check(
            exists,
            "/field_of_action",
            "is not a field of action (see /api/v1/fields-of-action)",
        );
    }
    if let Some(id) = project {
        let exists = crate::db::projects::is_live(conn, id).await?;
        v.check(exists, "/project_id", "is not a project of the catalogue");
    }
    if let Some(id) = working_group {
        let exists = crate::db::working_groups::is_live(conn, id).await?;
        v.check(exists, "/working_group_id", "is not a working group");
    }
    Ok(())
}

/// A unique violation as a conflict naming the taken value.
pub(crate) fn taken(error: DieselError) -> ApiError {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &error
        && info.constraint_name() == Some("initiatives_external_id")
    {
        return ApiError::conflict("another initiative of this municipality has this external_id");
    }
    error.into()
}

/// The path of an initiative.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InitiativePath {
    /// Initiative id
    pub id: Uuid,
}
