//! Records that belong to one project and carry a version for `If-Match`: milestones and
//! indicators. [`ProjectRecord`] is what the generic handlers of `api::projects::records` need
//! to know of each of them; each record implements it beside its table, in its own module.

use std::future::Future;

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A versioned record of one project. The futures are `Send` because the handlers run them
/// inside [`crate::db::write::audited`], whose transaction may move between threads.
pub trait ProjectRecord: Serialize + Clone + Send + Sync + Sized + 'static {
    /// What the audit trail and the error messages call it (`milestone`).
    const KIND: &'static str;
    /// Its collection below the project's URL (`milestones`).
    const COLLECTION: &'static str;

    /// A new record, checked.
    type New: Clone + Send + Sync + 'static;
    /// Changes to a record, checked; absent fields stay.
    type Changes: Clone + Send + Sync + 'static;
    /// The keyset a list is ordered by, which a page cursor carries.
    type Key: Serialize + DeserializeOwned + Send + Sync + 'static;

    fn id(&self) -> Uuid;
    fn project_id(&self) -> Uuid;
    fn version(&self) -> i32;
    fn key(&self) -> Self::Key;

    /// One page of the project's records in key order, after `after`, changed at or after
    /// `modified_since`.
    fn list(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        modified_since: Option<DateTime<Utc>>,
        after: Option<Self::Key>,
        limit: i64,
    ) -> impl Future<Output = QueryResult<Vec<Self>>> + Send;

    /// The record `id` of `project_id` (another project's record is `NotFound`), locked for
    /// the rest of the transaction with `lock`.
    fn find(
        conn: &mut AsyncPgConnection,
        project_id: Uuid,
        id: Uuid,
        lock: bool,
    ) -> impl Future<Output = QueryResult<Self>> + Send;
    fn insert(
        conn: &mut AsyncPgConnection,
        new: &Self::New,
    ) -> impl Future<Output = QueryResult<Self>> + Send;
    /// Applies `changes` and counts the version up.
    fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        changes: &Self::Changes,
    ) -> impl Future<Output = QueryResult<Self>> + Send;
    fn delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
    ) -> impl Future<Output = QueryResult<()>> + Send;
    /// Why the record cannot be deleted now, if it cannot (the caller answers 409).
    fn delete_refusal(
        conn: &mut AsyncPgConnection,
        record: &Self,
    ) -> impl Future<Output = QueryResult<Option<&'static str>>> + Send {
        let _ = (conn, record);
        async { Ok(None) }
    }
}
