//! The steering office's update and delete of a cost-plan row (a cost item or a funding
//! application): one implementation for both. Each runs in one audited transaction with the
//! project locked, checks `If-Match`, writes and recomputes the project's allocation when the
//! row counts in it before or after.

use std::future::Future;

use actix_web::HttpRequest;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::api::projects::live_project;
use crate::auth::Caller;
use crate::db;
use crate::db::costs::allocation::recompute;
use crate::db::costs::plan_rows::PlanRow;
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::IfMatch;
use crate::http::extract::Json;
use crate::state::AppState;

/// The changes of an update: what the row's values become, checked against the row as it is
/// (and, where the rules need it, the database).
pub(crate) trait PlanChange<R: PlanRow>: Clone + Send + Sync + 'static {
    fn values(
        self,
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        before: &R,
    ) -> impl Future<Output = Result<R::Values, ApiError>> + Send;
}

/// Changes row `id` of `project_id` (steering office only; needs `If-Match`).
pub(crate) async fn update<R: PlanRow, C: PlanChange<R> + serde::de::DeserializeOwned>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    (project_id, id): (Uuid, Uuid),
    body: Json<C>,
) -> ApiResult<R> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(req)?;
    let changes = body.into_inner()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        let changes = changes.clone();
        async move {
            live_project(conn, project_id, true).await?;
            let before = R::find_for_update(conn, project_id, id)
                .await
                .or_not_found(R::WHAT, id)?;
            if_match.check(before.version())?;
            let values = changes.values(conn, project_id, &before).await?;
            let after = R::update(conn, id, &values).await?;
            if before.counts_in_allocation() || after.counts_in_allocation() {
                recompute(conn, project_id).await?;
            }
            let entry = Entry::updated(R::KIND, id).before(&before).after(&after);
            Ok(Recorded::new(after).with(entry))
        }
        .scope_boxed()
    })
    .await
}

/// Removes row `id` of `project_id` (steering office only; needs `If-Match`).
pub(crate) async fn delete<R: PlanRow>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    (project_id, id): (Uuid, Uuid),
) -> ApiResult<()> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(req)?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    audited(&mut conn, &actor, move |conn| {
        async move {
            live_project(conn, project_id, true).await?;
            let before = R::find_for_update(conn, project_id, id)
                .await
                .or_not_found(R::WHAT, id)?;
            if_match.check(before.version())?;
            R::delete(conn, id).await?;
            if before.counts_in_allocation() {
                recompute(conn, project_id).await?;
            }
            Ok(Recorded::new(()).with(Entry::deleted(R::KIND, id).before(&before)))
        }
        .scope_boxed()
    })
    .await
}
