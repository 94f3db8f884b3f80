//! The delivery worker's queries. Every one is a short transaction: no transaction is held
//! while a request is out (it would keep row locks and an old snapshot for the request's
//! duration). Before it reads the feed, the worker numbers the committed change records (see
//! `db::changes`), outside its transaction.
//!
//! Several workers, in one process or in several instances, share the work safely:
//! - turning changes into deliveries locks the subscription's cursor row with
//!   `FOR UPDATE SKIP LOCKED`, so each change becomes at most one delivery per subscription
//!   (and the `(webhook_id, change_seq)` key backs that up);
//! - sending claims a delivery with a lease (`leased_until`, `lease_token`) set under
//!   `FOR UPDATE SKIP LOCKED`; only the oldest pending delivery of a subscription can be
//!   claimed, so events go out in order; a worker that dies leaves a lease that runs out and
//!   the delivery is claimed again (at least once);
//! - the outcome is recorded only by the holder of the lease;
//! - organizations take turns (see [`claim`]), so one organization's slow or failing
//!   receivers do not hold back the others' deliveries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::{webhook_cursors, webhook_deliveries};

/// A subscription with changes it has not seen yet, its cursor row locked.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueCursor {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub webhook_id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub last_seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub organization_key: String,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    pub event_types: Vec<String>,
}

/// Locks up to `limit` cursors of active subscriptions that are behind the newest change,
/// the furthest behind first, skipping cursors another worker holds (the subscription rows
/// themselves stay unlocked). Call inside a transaction.
pub async fn lock_due_cursors(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<DueCursor>> {
    diesel::sql_query(
        "SELECT c.webhook_id, c.last_seq, w.organization_key, w.event_types \
         FROM webhook_cursors c JOIN webhooks w ON w.id = c.webhook_id \
         WHERE w.active AND c.last_seq < (SELECT coalesce(max(seq), 0) FROM changes) \
         ORDER BY c.last_seq, c.webhook_id \
         LIMIT $1 \
         FOR UPDATE OF c SKIP LOCKED",
    )
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery {
    pub webhook_id: Uuid,
    pub change_seq: i64,
    pub event_type: String,
    pub payload: Value,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_deliveries(
    conn: &mut AsyncPgConnection,
    deliveries: &[NewDelivery],
) -> QueryResult<usize> {
    if deliveries.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(webhook_deliveries::table)
        .values(deliveries)
        .on_conflict((
            webhook_deliveries::webhook_id,
            webhook_deliveries::change_seq,
        ))
        .do_nothing()
        .execute(conn)
        .await
}

pub async fn advance_cursor(
    conn: &mut AsyncPgConnection,
    webhook_id: Uuid,
    last_seq: i64,
) -> QueryResult<usize> {
    diesel::update(webhook_cursors::table.find(webhook_id))
        .set(webhook_cursors::last_seq.eq(last_seq))
        .execute(conn)
        .await
}

/// A delivery this worker holds the lease of, with what it needs to send it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub webhook_id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub change_seq: i64,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub payload: Value,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub lease_token: Uuid,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub url: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub secret: String,
}

/// Claims up to `limit` due deliveries until `lease_until`, fairly across organizations.
///
/// Only the head of a subscription (its oldest pending delivery) can be claimed, so events go
/// out in order per subscription and a subscription has at most one delivery in flight. The
/// heads are found through each active subscription (`webhook_deliveries_pending`), which
/// stays cheap however many deliveries one organization has queued. An organization's due
/// heads take turns: its first due head has turn 1 plus the number of deliveries it already
/// has in flight (in any worker), its second one turn 2 plus that, and so on; the lowest turns
/// are claimed first, the oldest first within a turn. So an organization whose receivers are
/// slow, and hold slots, goes to the back, and one with nothing in flight is served next.
/// Turns beyond `per_organization` are not claimed at all: however many subscriptions one
/// organization has, it cannot hold every slot while another organization waits.
/// Subscriptions with `max_failures` consecutive failures are skipped: they are about to be
/// disabled.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
    per_organization: i64,
    max_failures: i32,
) -> QueryResult<Vec<Claimed>> {
    // Window functions cannot share a query level with FOR UPDATE: the turns are computed in
    // CTEs, and the locking subquery checks the row again (state, due, not leased), as a row
    // another worker claimed meanwhile is seen in its new version under the lock.
    diesel::sql_query(
        "WITH heads AS ( \
             SELECT w.organization_key AS org, h.id, h.next_attempt_at, \
                    (h.leased_until IS NOT NULL AND h.leased_until > $1) AS in_flight, \
                    (c.not_before IS NULL OR c.not_before <= $1) AS ready \
             FROM webhooks w \
             JOIN webhook_cursors c ON c.webhook_id = w.id \
             CROSS JOIN LATERAL ( \
                 SELECT p.id, p.next_attempt_at, p.leased_until FROM webhook_deliveries p \
                 WHERE p.webhook_id = w.id AND p.state = 'pending' \
                 ORDER BY p.change_seq LIMIT 1) h \
             WHERE w.active AND c.consecutive_failures < $5), \
         busy AS ( \
             SELECT org, count(*) FILTER (WHERE in_flight) AS n FROM heads GROUP BY org), \
         turns AS ( \
             SELECT h.id, h.next_attempt_at, \
                    b.n + row_number() OVER (PARTITION BY h.org \
                                             ORDER BY h.next_attempt_at, h.id) AS turn \
             FROM heads h JOIN busy b ON b.org = h.org \
             WHERE NOT h.in_flight AND h.ready AND h.next_attempt_at <= $1) \
         UPDATE webhook_deliveries d \
         SET leased_until = $2, lease_token = gen_random_uuid() \
         FROM webhooks w \
         WHERE w.id = d.webhook_id AND d.id IN ( \
             SELECT head.id FROM webhook_deliveries head JOIN turns t ON t.id = head.id \
             WHERE t.turn <= $4 \
               AND head.state = 'pending' \
               AND head.next_attempt_at <= $1 \
               AND (head.leased_until IS NULL OR head.leased_until <= $1) \
             ORDER BY t.turn, t.next_attempt_at, head.id \
             LIMIT $3 \
             FOR UPDATE OF head SKIP LOCKED) \
         RETURNING d.id, d.webhook_id, d.change_seq, d.payload, d.lease_token, d.attempts, \
                   d.created_at, w.url, w.secret",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(per_organization)
    .bind::<diesel::sql_types::Integer, _>(max_failures)
    .load(conn)
    .await
}

/// Active subscriptions with at least `max_failures` consecutive failures, with their count.
pub async fn exhausted(
    conn: &mut AsyncPgConnection,
    max_failures: i32,
) -> QueryResult<Vec<(Uuid, i32)>> {
    use crate::db::schema::webhooks;
    webhook_cursors::table
        .inner_join(webhooks::table)
        .filter(webhooks::active)
        .filter(webhook_cursors::consecutive_failures.ge(max_failures))
        .select((
            webhook_cursors::webhook_id,
            webhook_cursors::consecutive_failures,
        ))
        .load(conn)
        .await
}

/// How one attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    Succeeded {
        status: i16,
        /// Set when the receiver answered slowly: the subscription's next delivery waits
        /// until then.
        not_before: Option<DateTime<Utc>>,
    },
    Failed {
        status: Option<i16>,
        error: String,
        /// `None`: give up (abandoned).
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Records an attempt's outcome if the lease `token` is still held, and updates the
/// subscription's count of consecutive failures. Returns that count, or `None` when the lease
/// was lost (another worker took the delivery over; its outcome counts).
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    delivery: &Claimed,
    now: DateTime<Utc>,
    outcome: &AttemptOutcome,
) -> QueryResult<Option<i32>> {
    use webhook_deliveries::dsl as d;
    let (state, status, error, next_attempt_at, completed_at) = match outcome {
        AttemptOutcome::Succeeded { status, .. } => {
            ("succeeded", Some(*status), None, None, Some(now))
        }
        AttemptOutcome::Failed {
            status,
            error,
            retry_at: Some(at),
        } => ("pending", *status, Some(error.clone()), Some(*at), None),
        AttemptOutcome::Failed {
            status,
            error,
            retry_at: None,
        } => ("abandoned", *status, Some(error.clone()), None, Some(now)),
    };
    // Lock order shared by everything that writes a subscription's bookkeeping: its cursor,
    // then its deliveries, then the subscription row (see `db::webhooks::lock_for_removal`).
    let cursor_exists = webhook_cursors::table
        .find(delivery.webhook_id)
        .select(webhook_cursors::webhook_id)
        .for_update()
        .first::<Uuid>(conn)
        .await
        .optional()?
        .is_some();
    if !cursor_exists {
        // The subscription was deleted while the delivery was out.
        return Ok(None);
    }
    let target = webhook_deliveries::table
        .filter(d::id.eq(delivery.id))
        .filter(d::lease_token.eq(delivery.lease_token));
    let updated = diesel::update(target)
        .set((
            d::state.eq(state),
            d::attempts.eq(d::attempts + 1),
            d::last_attempt_at.eq(now),
            d::last_status.eq(status),
            d::last_error.eq(error),
            d::next_attempt_at.eq(next_attempt_at.unwrap_or(now)),
            d::completed_at.eq(completed_at),
            d::leased_until.eq(None::<DateTime<Utc>>),
            d::lease_token.eq(None::<Uuid>),
        ))
        .execute(conn)
        .await?;
    if updated == 0 {
        return Ok(None);
    }
    let cursor = webhook_cursors::table.find(delivery.webhook_id);
    let failures = match outcome {
        AttemptOutcome::Succeeded { not_before, .. } => {
            diesel::update(cursor)
                .set((
                    webhook_cursors::consecutive_failures.eq(0),
                    webhook_cursors::not_before.eq(*not_before),
                ))
                .returning(webhook_cursors::consecutive_failures)
                .get_result(conn)
                .await
        }
        AttemptOutcome::Failed { .. } => {
            diesel::update(cursor)
                .set(
                    webhook_cursors::consecutive_failures
                        .eq(webhook_cursors::consecutive_failures + 1),
                )
                .returning(webhook_cursors::consecutive_failures)
                .get_result(conn)
                .await
        }
    };
    failures.optional().map(|f| Some(f.unwrap_or(0)))
}

/// Removes up to `limit` finished deliveries (succeeded or abandoned) completed before
/// `before`, oldest first; returns how many.
pub async fn prune(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM webhook_deliveries WHERE id IN ( \
             SELECT id FROM webhook_deliveries \
             WHERE state <> 'pending' AND completed_at < $1 \
             ORDER BY completed_at LIMIT $2 \
             FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Timestamptz, _>(before)
    .bind::<BigInt, _>(limit)
    .execute(conn)
    .await
}
