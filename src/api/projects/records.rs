//! The work of the steering office and a project's lead organization on the project's own
//! records, in one place: [`ProjectWork`] for every such write (milestones, indicators,
//! measurements, status reports, progress), and one implementation of list, read, create,
//! update and delete for the versioned records ([`ProjectRecord`]: milestones, indicators), so
//! that each record's handlers only parse, check their own fields and answer.
//!
//! Every write runs in one audited transaction on the project locked for the lead
//! organization's work (see [`lock_project_for_work`]): the caller's right is checked again on
//! the locked row, a record is read under its own lock, `If-Match` is compared with its
//! version, and the audit entry is attributed to the lead organization.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::{authorize_project_work, live_project, lock_project_for_work, project_entry};
use crate::auth::Caller;
use crate::db::project_records::ProjectRecord;
use crate::db::projects::Project;
use crate::db::write::{Actor, Entry, Recorded, ScopedBoxFuture, ScopedFutureExt, audited};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::PageQuery;
use crate::http::respond::created;
use crate::state::AppState;

/// How a record is shown to clients.
pub(crate) trait RecordView: ProjectRecord {
    type View: From<Self> + Serialize;
}

/// One page of the live project's records in key order, with a `Link` to the next. Public.
pub(crate) async fn list<R: RecordView>(
    state: &AppState,
    req: &HttpRequest,
    project_id: Uuid,
    since: &ModifiedSince,
    page: &PageQuery,
) -> ApiResult<HttpResponse> {
    let mut page = page.parse::<R::Key>()?;
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, project_id, false).await?;
    let limit = page.fetch();
    let rows = R::list(&mut conn, project_id, since.get(), page.after.take(), limit).await?;
    let page = page.page(rows, R::key).map(R::View::from);
    Ok(page.respond(req, &state.config.public_url))
}

/// Reads record `id` of the live project `project_id`: 404 for a missing project or record,
/// 410 for a deleted project. Public.
pub(crate) async fn read<R: ProjectRecord>(
    state: &AppState,
    project_id: Uuid,
    id: Uuid,
) -> ApiResult<R> {
    let mut conn = db::connect(&state.pool).await?;
    live_project(&mut conn, project_id, false).await?;
    R::find(&mut conn, project_id, id, false)
        .await
        .or_not_found(R::KIND, id)
}

/// What `builder` starts (`200 OK`), with the record as shown and its version as `ETag`.
pub(crate) fn respond<R: RecordView>(builder: &mut HttpResponseBuilder, record: R) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(record.version())))
        .json(R::View::from(record))
}

/// `201 Created` with the record's absolute `Location` and `ETag`.
pub(crate) fn respond_created<R: RecordView>(state: &AppState, record: R) -> HttpResponse {
    let path = format!(
        "/api/v1/projects/{}/{}/{}",
        record.project_id(),
        R::COLLECTION,
        record.id()
    );
    respond(&mut created(&state.config.public_url, path), record)
}

/// The steering office's or the lead organization's work on one project, after the
/// authorization check (401, 404, 410, 403 in that order) and before the request body is
/// read, so that a caller without the right learns nothing from the body's errors.
pub(crate) struct ProjectWork {
    pub conn: DbConn,
    pub actor: Actor,
    pub caller: Caller,
    pub project_id: Uuid,
}

/// The project of a [`ProjectWork`] inside its transaction: locked until the write commits.
pub(crate) struct LockedProject {
    pub project: Project,
    pub caller: Caller,
}

impl LockedProject {
    /// `entry`, attributed to the project's lead organization (see [`project_entry`]).
    pub(crate) fn entry(&self, entry: Entry) -> Entry {
        project_entry(entry, &self.caller, &self.project)
    }
}

impl ProjectWork {
    pub(crate) async fn authorize(
        state: &AppState,
        caller: Caller,
        project_id: Uuid,
    ) -> ApiResult<Self> {
        let mut conn = db::connect(&state.pool).await?;
        let (actor, _) = authorize_project_work(&mut conn, &caller, project_id).await?;
        Ok(Self {
            conn,
            actor,
            caller,
            project_id,
        })
    }

    /// Runs `write` in one audited transaction on the project, locked and authorized again
    /// (see [`lock_project_for_work`]). `write` may run more than once (see [`audited`]).
    pub(crate) async fn run<T, F>(&mut self, write: F) -> ApiResult<T>
    where
        T: Send,
        F: for<'r> Fn(
                &'r mut AsyncPgConnection,
                LockedProject,
            ) -> ScopedBoxFuture<'static, 'r, Result<Recorded<T>, ApiError>>
            + Clone
            + Send
            + Sync
            + 'static,
    {
        let (caller, project_id) = (self.caller.clone(), self.project_id);
        audited(&mut self.conn, &self.actor, move |conn| {
            let (caller, write) = (caller.clone(), write.clone());
            async move {
                let project = lock_project_for_work(conn, &caller, project_id).await?;
                write(conn, LockedProject { project, caller }).await
            }
            .scope_boxed()
        })
        .await
    }

    /// Inserts `new` (a record of this project).
    pub(crate) async fn create<R: ProjectRecord>(&mut self, new: R::New) -> ApiResult<R> {
        self.run(move |conn, locked| {
            let new = new.clone();
            async move {
                let record = R::insert(conn, &new).await?;
                let entry = locked.entry(Entry::created(R::KIND, record.id()).after(&record));
                Ok(Recorded::new(record).with(entry))
            }
            .scope_boxed()
        })
        .await
    }

    /// Applies `changes` to record `id` when `if_match` names its current version.
    pub(crate) async fn update<R: ProjectRecord>(
        &mut self,
        id: Uuid,
        if_match: IfMatch,
        changes: R::Changes,
    ) -> ApiResult<R> {
        let project_id = self.project_id;
        self.run(move |conn, locked| {
            let changes = changes.clone();
            async move {
                let before = R::find(conn, project_id, id, true)
                    .await
                    .or_not_found(R::KIND, id)?;
                if_match.check(before.version())?;
                let after = R::update(conn, id, &changes).await?;
                let entry = locked.entry(Entry::updated(R::KIND, id).before(&before).after(&after));
                Ok(Recorded::new(after).with(entry))
            }
            .scope_boxed()
        })
        .await
    }

    /// Deletes record `id` when `if_match` names its current version and nothing refers to
    /// it (409 otherwise); the audit trail keeps what it was.
    pub(crate) async fn delete<R: ProjectRecord>(
        &mut self,
        id: Uuid,
        if_match: IfMatch,
    ) -> ApiResult<()> {
        let project_id = self.project_id;
        self.run(move |conn, locked| {
            async move {
                let before = R::find(conn, project_id, id, true)
                    .await
                    .or_not_found(R::KIND, id)?;
                if_match.check(before.version())?;
                if let Some(reason) = R::delete_refusal(conn, &before).await? {
                    return Err(ApiError::conflict(reason));
                }
                R::delete(conn, id).await?;
                Ok(Recorded::new(())
                    .with(locked.entry(Entry::deleted(R::KIND, id).before(&before))))
            }
            .scope_boxed()
        })
        .await
    }
}
