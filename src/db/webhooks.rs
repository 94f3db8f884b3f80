//! Webhook subscriptions (business data, written through `db::write::audited`) and the
//! reading side of their delivery log. The worker's queries are in `db::webhook_deliveries`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{webhook_cursors, webhook_deliveries, webhooks};

/// A subscription. The secret is never serialized, so it cannot reach the audit trail.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: Uuid,
    pub organization_key: String,
    pub url: String,
    pub event_types: Vec<String>,
    #[serde(skip_serializing)]
    pub secret: String,
    pub active: bool,
    pub description: Option<String>,
    pub disabled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhook {
    /// Chosen before the insert: the stored secret is bound to it.
    pub id: Uuid,
    pub organization_key: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: String,
    pub active: bool,
    pub description: Option<String>,
}

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub secret: Option<String>,
    pub active: Option<bool>,
    pub description: Option<Option<String>>,
    pub disabled_reason: Option<Option<String>>,
}

impl WebhookChanges {
    pub fn is_empty(&self) -> bool {
        self.url.is_none()
            && self.event_types.is_none()
            && self.secret.is_none()
            && self.active.is_none()
            && self.description.is_none()
            && self.disabled_reason.is_none()
    }
}

/// Creates a subscription and its cursor. It receives the changes numbered after the newest
/// one numbered now (its own creation included, and changes committed but not numbered yet:
/// call `changes::number_committed` before the transaction to leave out what committed before).
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewWebhook) -> QueryResult<Webhook> {
    let webhook: Webhook = diesel::insert_into(webhooks::table)
        .values(new)
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await?;
    let newest = crate::db::changes::last_seq(conn).await?;
    diesel::insert_into(webhook_cursors::table)
        .values((
            webhook_cursors::webhook_id.eq(webhook.id),
            webhook_cursors::last_seq.eq(newest),
        ))
        .execute(conn)
        .await?;
    Ok(webhook)
}

/// Takes a transaction-scoped lock on an organization's subscriptions (not on any row:
/// nothing else waits for it) and counts them. Call inside the transaction that inserts.
pub async fn lock_and_count(conn: &mut AsyncPgConnection, organization: &str) -> QueryResult<i64> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('webhooks/' || $1, 0))")
        .bind::<diesel::sql_types::Text, _>(organization)
        .execute(conn)
        .await?;
    webhooks::table
        .filter(webhooks::organization_key.eq(organization))
        .count()
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid, lock: bool) -> QueryResult<Webhook> {
    let query = webhooks::table.find(id).select(Webhook::as_select());
    if lock {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
}

/// One page of subscriptions ordered by id, of one organization or of all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    organization: Option<&str>,
    modified_since: Option<DateTime<Utc>>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Webhook>> {
    let mut query = webhooks::table
        .select(Webhook::as_select())
        .order(webhooks::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        query = query.filter(webhooks::updated_at.ge(since));
    }
    if let Some(key) = organization {
        query = query.filter(webhooks::organization_key.eq(key.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(webhooks::id.gt(after));
    }
    query.load(conn).await
}

/// Applies `changes` and bumps the version; the caller holds the row lock.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &WebhookChanges,
) -> QueryResult<Webhook> {
    diesel::update(webhooks::table.find(id))
        .set((
            changes,
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

/// Locks subscription `id`'s cursor: the first lock of a write that changes a subscription
/// and its bookkeeping, taken before the subscription row (see [`lock_for_removal`] for the
/// order and why).
pub async fn lock_cursor(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    webhook_cursors::table
        .find(id)
        .select(webhook_cursors::webhook_id)
        .for_update()
        .load::<Uuid>(conn)
        .await
        .map(drop)
}

/// Locks what deleting subscription `id` removes in the order everything that writes a
/// subscription's bookkeeping follows: its cursor, then its deliveries, and only then (the
/// caller) the subscription row. The worker queues deliveries while holding the cursor (and
/// takes a key-share lock on the subscription for them) and records an attempt by locking the
/// cursor before the delivery; a delete that locked the subscription first and reached the
/// cursor and deliveries through `ON DELETE CASCADE` took them the other way round and
/// deadlocked with it now and then. Holding the cursor also means no new delivery can be
/// queued before the deliveries are locked.
pub async fn lock_for_removal(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    webhook_cursors::table
        .find(id)
        .select(webhook_cursors::webhook_id)
        .for_update()
        .load::<Uuid>(conn)
        .await?;
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(id))
        .select(webhook_deliveries::id)
        .order(webhook_deliveries::id)
        .for_update()
        .load::<Uuid>(conn)
        .await?;
    Ok(())
}

/// Deletes a subscription with its cursor and delivery log (after [`lock_for_removal`]).
pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(webhooks::table.find(id)).execute(conn).await
}

/// Forgets earlier failures, when a subscription is activated again.
pub async fn reset_failures(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(webhook_cursors::table.find(id))
        .set(webhook_cursors::consecutive_failures.eq(0))
        .execute(conn)
        .await
}

/// Failed attempts since the last successful one, per subscription.
pub async fn consecutive_failures(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, i32)>> {
    webhook_cursors::table
        .filter(webhook_cursors::webhook_id.eq_any(ids))
        .select((
            webhook_cursors::webhook_id,
            webhook_cursors::consecutive_failures,
        ))
        .load(conn)
        .await
}

/// One entry of the delivery log.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub change_seq: i64,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// One page of a subscription's deliveries, newest event first.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    webhook_id: Uuid,
    state: Option<&str>,
    modified_since: Option<DateTime<Utc>>,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select(Delivery::as_select())
        .order(webhook_deliveries::change_seq.desc())
        .limit(limit)
        .into_boxed();
    if let Some(since) = modified_since {
        // A delivery changes when it is attempted and when it completes.
        query = query.filter(
            webhook_deliveries::created_at
                .ge(since)
                .nullable()
                .or(webhook_deliveries::last_attempt_at.ge(since))
                .or(webhook_deliveries::completed_at.ge(since)),
        );
    }
    if let Some(state) = state {
        query = query.filter(webhook_deliveries::state.eq(state.to_owned()));
    }
    if let Some(before) = before_seq {
        query = query.filter(webhook_deliveries::change_seq.lt(before));
    }
    query.load(conn).await
}
