//! Rows of a project's cost plan that the steering office changes under `If-Match` and whose
//! change recomputes the project's allocation: cost items and funding applications.
//! [`PlanRow`] is what the generic update and delete of `api::costs::plan_rows` need to know
//! of each; each row implements it beside its table.

use std::future::Future;

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

/// A versioned row of a project's cost plan. The futures are `Send` because the handlers run
/// them inside [`crate::db::write::audited`].
pub trait PlanRow: Serialize + Clone + Send + Sync + Sized + 'static {
    /// What the audit trail calls it (`cost_item`).
    const KIND: &'static str;
    /// What a 404 calls it (`cost item`).
    const WHAT: &'static str;
    /// Its values as an update writes them, checked.
    type Values: Send + Sync;

    fn version(&self) -> i32;
    /// Whether the row counts in the allocation (a proposed cost item does not yet).
    fn counts_in_allocation(&self) -> bool;

    /// The row `id` of `project_id`, locked for the rest of the transaction (another project's
    /// row is `NotFound`).
    fn find_for_update(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = QueryResult<Self>> + Send;
    /// Writes `values` and counts the version up.
    fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        values: &Self::Values,
    ) -> impl Future<Output = QueryResult<Self>> + Send;
    fn delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
    ) -> impl Future<Output = QueryResult<usize>> + Send;
}
