//! `GET /metrics` in the Prometheus text format: requests per route, method and status (count
//! and latency histogram) from actix-web-prom, and the database pool's state read at each
//! scrape.
//!
//! The public listener counts requests but never serves the metrics (they tell anyone how busy
//! each route and the database pool are): with `SMARTREGION_METRICS_BIND` set, `serve` starts a
//! second listener on that address that serves only `GET /metrics` ([`app`]), without a token,
//! for the scraper on an internal network. Route labels are route patterns
//! (`/api/v1/organizations/{key}`), and unknown paths are counted as `UNKNOWN`, so clients
//! cannot blow up the number of series.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpResponse, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Encoder, IntGauge, Opts, Registry, TextEncoder};

use crate::db::DbPool;

pub const NAMESPACE: &str = "smartregion";
pub const ENDPOINT: &str = "/metrics";

/// Builds the metrics middleware with its own registry. Call it once per server (outside the
/// `HttpServer` factory closure), so that every worker counts into the same registry. It has
/// no endpoint: it only counts, and [`app`] serves the registry on the metrics listener.
pub fn build(pool: DbPool) -> anyhow::Result<PrometheusMetrics> {
    let registry = Registry::new();
    registry.register(Box::new(PoolCollector::new(pool)?))?;
    registry.register(Box::new(webhook_outcomes().clone()))?;
    PrometheusMetricsBuilder::new(NAMESPACE)
        .registry(registry)
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| anyhow::anyhow!("building the metrics middleware: {e}"))
}

/// The metrics listener's application: `GET /metrics` from `registry`, a bare 404 for
/// anything else.
pub fn app(
    registry: Registry,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(registry))
        .route(ENDPOINT, web::get().to(get_metrics))
        .wrap(DefaultHeaders::new().add((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        )))
}

async fn get_metrics(registry: web::Data<Registry>) -> HttpResponse {
    let encoder = TextEncoder::new();
    let mut text = Vec::new();
    match encoder.encode(&registry.gather(), &mut text) {
        Ok(()) => HttpResponse::Ok()
            .content_type(encoder.format_type())
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(text),
        Err(error) => {
            tracing::error!(%error, "encoding the metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// Webhook delivery attempts by outcome (`succeeded`, `failed`, `abandoned`), counted by the
/// delivery workers of this process. One counter for the process, registered in every
/// registry `build` makes (the worker runs apart from the HTTP server).
pub fn webhook_outcomes() -> &'static prometheus::IntCounterVec {
    static COUNTER: std::sync::LazyLock<prometheus::IntCounterVec> =
        std::sync::LazyLock::new(|| {
            prometheus::IntCounterVec::new(
                Opts::new(
                    "webhook_deliveries_total",
                    "Webhook delivery attempts by outcome",
                )
                .namespace(NAMESPACE),
                &["outcome"],
            )
            .expect("a valid metric definition")
        });
    &COUNTER
}

/// The pool's size, idle connections and waiting requests, read when scraped.
struct PoolCollector {
    pool: DbPool,
    max_size: IntGauge,
    size: IntGauge,
    available: IntGauge,
    waiting: IntGauge,
}

impl PoolCollector {
    fn new(pool: DbPool) -> prometheus::Result<Self> {
        let gauge = |name: &str, help: &str| {
            IntGauge::with_opts(Opts::new(name, help).namespace(NAMESPACE))
        };
        Ok(Self {
            pool,
            max_size: gauge("db_pool_max_size", "Most connections the pool opens")?,
            size: gauge("db_pool_size", "Connections the pool holds now")?,
            available: gauge("db_pool_available", "Idle connections ready for use")?,
            waiting: gauge("db_pool_waiting", "Requests waiting for a connection")?,
        })
    }

    fn gauges(&self) -> [&IntGauge; 4] {
        [&self.max_size, &self.size, &self.available, &self.waiting]
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.gauges().into_iter().flat_map(|g| g.desc()).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let status = self.pool.status();
        self.max_size.set(status.max_size as i64);
        self.size.set(status.size as i64);
        self.available.set(status.available as i64);
        self.waiting.set(status.waiting as i64);
        self.gauges()
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}
