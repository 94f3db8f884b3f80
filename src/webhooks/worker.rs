//! The delivery loop: queue new changes as deliveries, claim the due ones, send them, record
//! the outcome, disable subscriptions that keep failing.
//!
//! A worker has `concurrency` slots. Each delivery runs in a task of its own and frees its
//! slot when it is recorded, and the loop claims new work as soon as a slot is free: a slow
//! receiver holds one slot for at most the request timeout, never the whole worker.

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::WorkerSettings;
use super::target::{self, PublicOnlyResolver};
use crate::clock::Clock;
use crate::db::changes::{self, FeedScope};
use crate::db::webhook_deliveries::{self, AttemptOutcome, Claimed, NewDelivery};
use crate::db::webhooks::{self, WebhookChanges};
use crate::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{DbConn, DbPool};
use crate::domain::feed;
use crate::domain::webhooks::{SigningSecret, event_type_of, wants};
use crate::views::changes::ChangeResponse;

/// Subscriptions whose changes are queued in one transaction.
const CURSORS_PER_PASS: i64 = 20;
/// How much of a receiver's error answer is kept in the log.
const MAX_ERROR_CHARS: usize = 500;
/// How much of a receiver's error answer is read at most; the rest is never downloaded.
const MAX_ERROR_BODY_BYTES: usize = 4096;
/// What the log says of any attempt that got no HTTP answer. Refused, reset, timed out, a TLS
/// failure: told apart, they would show whether a port is open or filtered on the target
/// host, so a subscription would be a port scanner. The details are logged for operators.
const CONNECTION_FAILED: &str = "could not deliver: connection failed";
/// How often a worker removes deliveries older than the retention, and how many per batch.
const PRUNE_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
const PRUNE_BATCH: i64 = 1000;

pub(super) struct Worker {
    pool: DbPool,
    settings: WorkerSettings,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
}

impl Worker {
    pub(super) fn new(
        pool: DbPool,
        settings: WorkerSettings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let mut client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("smartregion-webhooks/", env!("CARGO_PKG_VERSION")))
            // A redirect could lead anywhere, internal addresses included; and a proxy from
            // the environment would bypass the address check.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        if !settings.allow_private {
            client = client.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        Ok(Self {
            client: client.build().context("building the webhook HTTP client")?,
            pool,
            settings,
            clock,
        })
    }

    pub(super) async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        tracing::info!("webhook delivery worker started");
        let mut next_prune = self.clock.now();
        // The deliveries being sent, one task each; dropping the set (when the worker is
        // aborted) aborts them, like a crash.
        let mut sending = JoinSet::new();
        while !*stop.borrow() {
            if self.clock.now() >= next_prune {
                if let Err(error) = self.prune().await {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "pruning the delivery log failed"
                    );
                }
                if let Err(error) = self.disable_exhausted().await {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "disabling failing webhooks failed"
                    );
                }
                next_prune = self.clock.now() + PRUNE_EVERY;
            }
            while let Some(done) = sending.try_join_next() {
                report(done);
            }
            let busy = match self.pass(&mut sending).await {
                Ok(busy) => busy,
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "webhook delivery pass failed");
                    false
                }
            };
            if !busy {
                // Until the next poll, or until a slot is free again.
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = stop.changed() => {}
                    Some(done) = sending.join_next(), if !sending.is_empty() => report(done),
                }
            }
        }
        // Nothing new is claimed; what is out finishes (bounded by the request timeout).
        while let Some(done) = sending.join_next().await {
            report(done);
        }
        tracing::info!("webhook delivery worker stopped");
    }

    /// One round of work; `true` when there was any (then the next round starts at once).
    async fn pass(
        self: &Arc<Self>,
        sending: &mut JoinSet<anyhow::Result<()>>,
    ) -> anyhow::Result<bool> {
        let queued = self.queue_changes().await?;
        let free = self.settings.concurrency.saturating_sub(sending.len());
        let mut claimed = 0;
        if free > 0 {
            let deliveries = self.claim(free).await?;
            claimed = deliveries.len();
            for delivery in deliveries {
                let worker = Arc::clone(self);
                sending.spawn(async move { worker.deliver(delivery).await });
            }
        }
        Ok(queued > 0 || claimed > 0)
    }

    /// Removes finished deliveries older than the retention, in batches, so that the log (and
    /// each deleting statement) stays bounded.
    async fn prune(&self) -> anyhow::Result<()> {
        let retention = chrono::TimeDelta::from_std(self.settings.retention)
            .context("the retention is out of range")?;
        let before = self.clock.now() - retention;
        let mut conn = self.connect().await?;
        let mut removed = 0;
        loop {
            let batch = webhook_deliveries::prune(&mut conn, before, PRUNE_BATCH).await?;
            removed += batch;
            if (batch as i64) < PRUNE_BATCH {
                break;
            }
        }
        if removed > 0 {
            tracing::info!(
                removed,
                "removed finished webhook deliveries past the retention"
            );
        }
        Ok(())
    }

    /// Disables the active subscriptions that have reached the failure limit but were not
    /// disabled: after the limit was lowered, or when disabling failed. They are not claimed
    /// any more (see `webhook_deliveries::claim`), so nothing else would.
    async fn disable_exhausted(&self) -> anyhow::Result<()> {
        let mut conn = self.connect().await?;
        let max = self.settings.max_failures.min(i32::MAX as u32) as i32;
        for (id, failures) in webhook_deliveries::exhausted(&mut conn, max).await? {
            self.disable(&mut conn, id, failures).await?;
        }
        Ok(())
    }

    async fn connect(&self) -> anyhow::Result<DbConn> {
        self.pool
            .get()
            .await
            .map_err(|e| anyhow::anyhow!("no database connection: {e}"))
    }

    /// Turns the changes that active subscriptions have not seen yet into deliveries.
    async fn queue_changes(&self) -> anyhow::Result<usize> {
        let mut conn = self.connect().await?;
        // Outside the transaction below: numbering holds its lock until its transaction ends.
        // This also numbers the changes of a quiet service within one poll interval.
        changes::number_committed(&mut conn)
            .await
            .context("numbering the change records")?;
        let now = self.clock.now();
        let batch = self.settings.batch;
        let public_url = self.settings.public_url.clone();
        let queued = conn
            .transaction::<usize, diesel::result::Error, _>(async move |conn| {
                let cursors = webhook_deliveries::lock_due_cursors(conn, CURSORS_PER_PASS).await?;
                let mut queued = 0;
                for cursor in cursors {
                    // Every record, so that the cursor moves past the ones this subscription
                    // does not get; the feed's rule that nothing is skipped applies.
                    let records = changes::after(
                        conn,
                        cursor.last_seq,
                        None,
                        None,
                        FeedScope::Everything,
                        batch,
                    )
                    .await?;
                    let Some(last_seq) = records.last().map(|r| r.seq) else {
                        continue;
                    };
                    let deliveries: Vec<NewDelivery> = records
                        .into_iter()
                        .filter(|r| {
                            feed::visible_to_member(
                                &r.entity,
                                r.organization_key.as_deref(),
                                &cursor.organization_key,
                            ) && wants(&cursor.event_types, &r.entity, &r.operation)
                        })
                        .map(|record| {
                            let event_type = event_type_of(&record.entity, &record.operation);
                            let seq = record.seq;
                            let payload = json!({
                                "type": event_type,
                                "timestamp": record.occurred_at,
                                "data": ChangeResponse::new(record, &public_url),
                            });
                            NewDelivery {
                                webhook_id: cursor.webhook_id,
                                change_seq: seq,
                                event_type,
                                payload,
                                next_attempt_at: now,
                                created_at: now,
                            }
                        })
                        .collect();
                    queued += webhook_deliveries::insert_deliveries(conn, &deliveries).await?;
                    webhook_deliveries::advance_cursor(conn, cursor.webhook_id, last_seq).await?;
                }
                Ok(queued)
            })
            .await
            .context("queueing webhook deliveries")?;
        Ok(queued)
    }

    /// Claims up to `free` due deliveries, organizations taking turns.
    async fn claim(&self, free: usize) -> anyhow::Result<Vec<Claimed>> {
        let mut conn = self.connect().await?;
        let now = self.clock.now();
        let lease = chrono::Duration::from_std(self.settings.lease)?;
        webhook_deliveries::claim(
            &mut conn,
            now,
            now + lease,
            free as i64,
            self.settings.per_organization.max(1) as i64,
            // Not sent again between its last failure and being disabled.
            self.settings.max_failures.min(i32::MAX as u32) as i32,
        )
        .await
        .context("claiming webhook deliveries")
    }

    async fn deliver(&self, delivery: Claimed) -> anyhow::Result<()> {
        let outcome = self.attempt(&delivery).await;
        let now = self.clock.now();
        let label = match &outcome {
            AttemptOutcome::Succeeded { .. } => "succeeded",
            AttemptOutcome::Failed { retry_at: None, .. } => "abandoned",
            AttemptOutcome::Failed { .. } => "failed",
        };
        crate::http::metrics::webhook_outcomes()
            .with_label_values(&[label])
            .inc();
        match &outcome {
            AttemptOutcome::Succeeded { status, not_before } => tracing::info!(
                delivery = %delivery.id, webhook = %delivery.webhook_id, status,
                slow_until = ?not_before, "webhook delivered"
            ),
            AttemptOutcome::Failed {
                status,
                error,
                retry_at,
            } => tracing::info!(
                delivery = %delivery.id, webhook = %delivery.webhook_id, ?status, error,
                ?retry_at, "webhook delivery failed"
            ),
        }
        let mut conn = self.connect().await?;
        let record = delivery.clone();
        let failures = conn
            .transaction::<_, diesel::result::Error, _>(async move |conn| {
                webhook_deliveries::record_attempt(conn, &record, now, &outcome).await
            })
            .await?;
        match failures {
            None => tracing::warn!(
                delivery = %delivery.id,
                "the lease of a webhook delivery ran out while it was sent; another worker took it over"
            ),
            Some(failures) if failures as u32 >= self.settings.max_failures => {
                self.disable(&mut conn, delivery.webhook_id, failures)
                    .await?;
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// Sends one delivery and says how it went. The whole exchange, from connecting to the
    /// last byte read of an error answer, ends at the request timeout.
    async fn attempt(&self, delivery: &Claimed) -> AttemptOutcome {
        let failed = |status: Option<i16>, error: String| AttemptOutcome::Failed {
            status,
            error: truncate(&error),
            retry_at: self.retry_at(delivery),
        };
        if let Err(error) = target::check_at_send(
            &delivery.url,
            self.settings.allow_private,
            &self.settings.allowed_ports,
        ) {
            return failed(None, format!("could not deliver: {error}"));
        }
        let secret = self
            .settings
            .secrets
            .open(delivery.webhook_id, &delivery.secret)
            .and_then(|text| SigningSecret::parse(&text));
        let secret = match secret {
            Ok(secret) => secret,
            Err(error) => return failed(None, format!("the stored secret is unusable: {error}")),
        };
        let body = match serde_json::to_vec(&delivery.payload) {
            Ok(body) => body,
            Err(error) => return failed(None, error.to_string()),
        };
        let message_id = delivery.id.to_string();
        let timestamp = self.clock.now().timestamp();
        let signature = secret.sign(&message_id, timestamp, &body);
        let started = Instant::now();
        let deadline = started + self.settings.timeout;
        let sent = tokio::time::timeout_at(
            deadline,
            self.client
                .post(&delivery.url)
                .header("content-type", "application/json")
                .header("webhook-id", &message_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .send(),
        )
        .await;
        let response = match sent {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                let detail = error_chain(&error);
                tracing::info!(delivery = %delivery.id, webhook = %delivery.webhook_id, detail,
                    "webhook request got no answer");
                return failed(None, no_answer(&error));
            }
            Err(_) => {
                tracing::info!(delivery = %delivery.id, webhook = %delivery.webhook_id,
                    "webhook request timed out");
                return failed(None, CONNECTION_FAILED.to_owned());
            }
        };
        let status = response.status();
        if status.is_success() {
            // Delivered, so not sent again; but a receiver at the edge of the timeout is
            // given a pause like a failing one, so it does not hold a slot back to back.
            let not_before = (started.elapsed() > self.settings.slow_after).then(|| {
                let delay = self.settings.retry.delay(1, rand::random::<f64>());
                self.clock.now() + chrono::Duration::from_std(delay).unwrap_or_default()
            });
            return AttemptOutcome::Succeeded {
                status: status.as_u16() as i16,
                not_before,
            };
        }
        let excerpt = read_excerpt(response, deadline).await;
        failed(
            Some(status.as_u16() as i16),
            format!("the receiver answered {status}: {}", excerpt.trim()),
        )
    }

    /// When to try again after this attempt failed, or `None` to give up.
    fn retry_at(&self, delivery: &Claimed) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let age = (now - delivery.created_at).to_std().unwrap_or_default();
        let policy = self.settings.retry;
        if policy.gives_up(age) {
            return None;
        }
        let failures = (delivery.attempts + 1).max(1) as u32;
        let delay = policy.delay(failures, rand::random::<f64>());
        Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX))
    }

    /// Disables a subscription that failed `failures` times in a row (an audited write by the
    /// service itself; its deliveries stay queued until it is activated again).
    async fn disable(
        &self,
        conn: &mut DbConn,
        id: uuid::Uuid,
        failures: i32,
    ) -> anyhow::Result<()> {
        let actor = Actor::system("webhook-delivery");
        let reason = format!(
            "disabled after {failures} consecutive failed delivery attempts; fix the receiver \
             and set active to true to resume"
        );
        audited(conn, &actor, move |conn| {
            let reason = reason.clone();
            async move {
                let before = webhooks::find(conn, id, true).await?;
                if !before.active {
                    return Ok(Recorded::new(()));
                }
                let changes = WebhookChanges {
                    active: Some(false),
                    disabled_reason: Some(Some(reason)),
                    ..Default::default()
                };
                let after = webhooks::update(conn, id, &changes).await?;
                Ok(Recorded::new(()).with(
                    Entry::updated("webhook", id)
                        .action("webhook.disable")
                        .org(after.organization_key.clone())
                        .before(&before)
                        .after(&after),
                ))
            }
            .scope_boxed()
        })
        .await
        .map_err(|e| anyhow::anyhow!("disabling webhook {id}: {e}"))?;
        tracing::warn!(webhook = %id, failures, "webhook disabled after consecutive failures");
        Ok(())
    }
}

/// Logs how a delivery task ended, if it did not end well.
fn report(done: Result<anyhow::Result<()>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(
            error = format!("{error:#}"),
            "recording a webhook delivery failed"
        ),
        Err(error) if error.is_panic() => {
            tracing::error!(%error, "a webhook delivery task panicked");
        }
        Err(_) => {}
    }
}

/// At most the first [`MAX_ERROR_BODY_BYTES`] of an answer's body, read until `deadline`: a
/// receiver cannot make the worker download (or wait for) more than that.
async fn read_excerpt(mut response: reqwest::Response, deadline: Instant) -> String {
    let mut bytes = Vec::new();
    let read = async {
        while bytes.len() < MAX_ERROR_BODY_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_ERROR_BODY_BYTES - bytes.len();
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) | Err(_) => break,
            }
        }
    };
    // What arrived before the deadline is kept.
    let _ = tokio::time::timeout_at(deadline, read).await;
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The logged error of a request that got no answer: the same for every network failure,
/// except a target refused by the address check (that says nothing about ports).
fn no_answer(error: &reqwest::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<target::NonPublicAddress>() {
            return format!("could not deliver: {refused}");
        }
        source = cause.source();
    }
    CONNECTION_FAILED.to_owned()
}

fn truncate(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}

/// An error with its causes ("error sending request: connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
