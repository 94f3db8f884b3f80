//! The checks of an action item's references.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::domain::validation::Validator;
use crate::error::ApiError;

pub(super) async fn check_project(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    id: Uuid,
) -> Result<(), ApiError> {
    let exists = crate::db::projects::is_live(conn, id).await?;
    v.check(exists, "/project_id", "no such project");
    Ok(())
}
