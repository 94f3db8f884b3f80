//! Webhook delivery: the background worker that turns change records into signed POST
//! requests to the subscriptions' URLs, and the checks on those URLs.
//!
//! The worker is driven entirely from the database (`webhook_cursors`, `webhook_deliveries`),
//! so deliveries survive a restart and several instances can run workers on one database; see
//! `db::webhook_deliveries` for how they share the work.

pub use crate::config::secret_store;
pub mod target;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::DbPool;
use crate::domain::webhooks::RetryPolicy;

/// How the worker behaves; from the configuration, or set directly by tests.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Whether private, loopback and link-local targets may be called.
    pub allow_private: bool,
    /// Consecutive failed attempts after which a subscription is disabled.
    pub max_failures: u32,
    /// The ports target URLs may use (checked again at every send).
    pub allowed_ports: crate::domain::webhooks::AllowedPorts,
    /// Timeout of one request: the whole exchange, from connecting to the last byte read.
    pub timeout: Duration,
    /// A successful answer that took longer than this counts as slow: the subscription's
    /// next delivery waits for the first retry delay.
    pub slow_after: Duration,
    /// How long a claimed delivery stays reserved for its worker. Longer than `timeout`, so
    /// that no other worker takes over a delivery that is still being sent.
    pub lease: Duration,
    pub retry: RetryPolicy,
    /// How long an idle worker sleeps before it looks for work again.
    pub poll_interval: Duration,
    /// Deliveries sent at the same time (each to a different subscription).
    pub concurrency: usize,
    /// Deliveries one organization may have in flight at once (across all workers), so that
    /// its slow receivers never hold every slot.
    pub per_organization: usize,
    /// Change records read per subscription and pass.
    pub batch: i64,
    /// The base of the `url` of each event.
    pub public_url: String,
    /// Opens the stored signing secrets.
    pub secrets: secret_store::SecretStore,
    /// How long finished deliveries stay in the log before the worker removes them.
    pub retention: Duration,
}

impl WorkerSettings {
    pub fn from_config(config: &Config) -> Self {
        let webhooks = &config.webhooks;
        Self {
            allow_private: webhooks.allow_private,
            allowed_ports: webhooks.allowed_ports.clone(),
            max_failures: webhooks.max_failures,
            timeout: webhooks.timeout,
            slow_after: webhooks.timeout / 2,
            lease: webhooks.timeout * 2 + Duration::from_secs(30),
            retry: RetryPolicy {
                base: webhooks.retry_base,
                max: webhooks.retry_max,
                window: webhooks.retry_window,
            },
            poll_interval: webhooks.poll_interval,
            concurrency: webhooks.concurrency,
            // Half the slots: the other organizations always find a free one.
            per_organization: (webhooks.concurrency / 2).max(1),
            batch: 500,
            public_url: config.public_url.clone(),
            secrets: webhooks.secrets.clone(),
            retention: webhooks.retention,
        }
    }
}

/// A running worker.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits until it has: the deliveries it is sending finish
    /// (bounded by the request timeout), nothing new is claimed.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await
            && error.is_panic()
        {
            tracing::error!(%error, "the webhook worker panicked");
        }
    }

    /// Ends the worker at once, like a crash: deliveries it holds stay leased until their
    /// lease runs out, then another worker sends them.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// Starts a delivery worker on the current tokio runtime.
pub fn start(
    pool: DbPool,
    settings: WorkerSettings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<WorkerHandle> {
    let worker = worker::Worker::new(pool, settings, clock)?;
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(Arc::new(worker).run(stopped));
    Ok(WorkerHandle { stop, task })
}
