//! Application state, the `App` factory shared by the server and the tests, and `serve`.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtVerifier;
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::http::body_lengths::BodyLengths;
use crate::http::extract::{path_config, query_config};
use crate::http::fallback::{self, RouteTable};
use crate::http::idempotency::{self, Idempotency};
use crate::http::rate_limit::RateLimits;
use crate::http::{body_deadline, cors, metrics, rate_limit, request_id, security_headers};
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;
use crate::webhooks::{self, WorkerHandle, WorkerSettings};

/// How long a client may take to send a request's head (line and headers) on a new
/// connection; past it actix answers 408 and closes the connection. Set explicitly so that a
/// slow client (slowloris) holds a connection for a known, short time.
pub const CLIENT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a connection is kept for the client to close it after the service has closed its
/// side (a response with `Connection: close`, a 408): no longer than this.
pub const CLIENT_DISCONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The OpenAPI document of every route in `routes::configure`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    crate::openapi::refine(doc)
}

/// Built once at start-up and shared by every worker.
#[derive(Clone)]
pub struct Shared {
    pub state: web::Data<AppState>,
    pub routes: web::Data<RouteTable>,
    /// The request bodies' `maxLength`s, for texts the text rule shortened.
    pub body_lengths: web::Data<BodyLengths>,
    pub openapi: Arc<utoipa::openapi::OpenApi>,
    pub idempotency: web::Data<Idempotency>,
    /// The request budgets: one set for all workers, or each worker would allow the budget.
    pub rate_limits: web::Data<RateLimits>,
    /// One registry for all workers (actix-web-prom's middleware is cheap to clone).
    pub metrics: actix_web_prom::PrometheusMetrics,
    /// The `Content-Security-Policy` of the HTML pages.
    pub html_policy: Arc<HeaderValue>,
}

impl Shared {
    pub fn new(state: AppState) -> Self {
        let openapi = openapi_document();
        let idempotency = Idempotency::new(
            state.pool.clone(),
            state.config.idempotency_ttl,
            state.config.max_body_bytes,
        );
        // Fails only on a duplicate metric name, a programming error.
        let metrics = metrics::build(state.pool.clone()).expect("the metrics registry");
        let rate_limits = RateLimits::new(
            &state.config.rate_limits,
            state.config.trusted_proxies.clone(),
        );
        // Base64 hashes and ASCII keywords only: always a valid header value.
        let html_policy = HeaderValue::from_str(&security_headers::html_policy(
            &crate::export::HTML_STYLESHEETS,
        ))
        .expect("an ASCII policy");
        Self {
            state: web::Data::new(state),
            routes: web::Data::new(RouteTable::from_openapi(&openapi)),
            body_lengths: web::Data::new(BodyLengths::new(
                serde_json::to_value(&openapi).expect("the document is JSON"),
            )),
            openapi: Arc::new(openapi),
            idempotency: web::Data::new(idempotency),
            rate_limits: web::Data::new(rate_limits),
            metrics,
            html_policy: Arc::new(html_policy),
        }
    }
}

/// The application: routes, limits, docs, problem answers for unknown routes, request ids,
/// idempotent POSTs, CORS, security headers and metrics (counted here, served by
/// [`metrics::app`] on a listener of its own).
pub fn app(
    shared: Shared,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_body = shared.state.config.max_body_bytes;
    let body_timeout = shared.state.config.body_timeout;
    let html_policy = shared.html_policy.clone();
    let cors = cors::cors(&shared.state.config.cors_origins);
    // The document and the docs page come first: the `/api/v1` scope below would otherwise
    // take `/api/v1/openapi.json` and answer 404.
    let app = App::new()
        .app_data(shared.state)
        .app_data(shared.routes)
        .app_data(shared.body_lengths)
        .app_data(query_config())
        .app_data(path_config())
        .app_data(web::PayloadConfig::new(max_body))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url("/api/v1/openapi.json", (*shared.openapi).clone())
                .config(utoipa_swagger_ui::Config::default().validator_url("none")),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        );
    let (app, _) = app
        .into_utoipa_app()
        .configure(routes::configure)
        .split_for_parts();
    // The last `wrap` is the outermost: metrics see every request; request ids are known to
    // the idempotency middleware (it authenticates the caller like a handler would); a request
    // over budget is refused before it reaches the idempotency store or a handler, and its 429
    // still carries the CORS headers.
    app.app_data(shared.idempotency)
        .app_data(shared.rate_limits)
        .default_service(web::to(fallback::default_service))
        .wrap(from_fn(idempotency::middleware))
        .wrap(from_fn(move |req, next| {
            body_deadline::middleware(body_timeout, req, next)
        }))
        .wrap(from_fn(crate::http::extract::query_text))
        .wrap(from_fn(rate_limit::middleware))
        .wrap(cors)
        .wrap(from_fn(cors::problem_answers))
        .wrap(from_fn(request_id::middleware))
        .wrap(from_fn(move |req, next| {
            security_headers::middleware(html_policy.clone(), req, next)
        }))
        .wrap(shared.metrics)
}

/// Creates and migrates the database as its owner and grants the runtime role its rights
/// (`smartregion migrate`, and `serve` when it holds the owner's connection).
pub async fn migrate_database(owner_url: &str, runtime_url: &str) -> anyhow::Result<Vec<String>> {
    db::create_database_if_missing(owner_url).await?;
    let applied = db::run_migrations(owner_url).await?;
    db::roles::grant_runtime_rights(owner_url, runtime_url).await?;
    Ok(applied)
}

/// Prepares the database and returns the runtime pool: migrates it as the owner when the
/// owner's connection is configured, refuses a runtime role that could rewrite the audit
/// trail (unless `allow_privileged_runtime`, for `--dev`) or a schema with pending
/// migrations, and loads the reference data.
pub async fn prepare_database(
    config: &Config,
    allow_privileged_runtime: bool,
) -> anyhow::Result<DbPool> {
    let url = config.database_url.expose();
    if let Some(owner) = &config.owner_database_url {
        let applied = migrate_database(owner.expose(), url).await?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied migrations");
        }
    }
    let pool = db::pool_with_limits(
        url,
        config.db_pool_size,
        config.db_wait_timeout,
        Some(config.db_session_limits),
    )?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    let pending = db::roles::pending_migrations(&mut conn).await?;
    if !pending.is_empty() {
        anyhow::bail!(
            "the database lacks migrations {pending:?}: run `smartregion migrate` with \
             SMARTREGION_OWNER_DATABASE_URL, or set it for `serve`"
        );
    }
    if db::roles::may_rewrite_audit_trail(&mut conn).await? {
        let message = "DATABASE_URL connects as a role that owns the tables or is a superuser, \
                       so it could disable the audit trail's append-only guards; connect as the \
                       runtime role and give the owner's connection in \
                       SMARTREGION_OWNER_DATABASE_URL (see README, database roles)";
        if !allow_privileged_runtime {
            anyhow::bail!(message);
        }
        tracing::warn!("{message}");
    }
    let profile = &config.profile;
    let report = db::seed::run(&mut conn, profile).await?;
    if report != Default::default() {
        tracing::info!(?report, profile = %profile.origin, "loaded reference data");
    }
    // Change records the seed wrote, or that committed before a crash or a dump, get their
    // feed positions now rather than at the first read (see `db::changes`).
    db::changes::number_committed(&mut conn)
        .await
        .context("numbering the change records")?;
    // The stored reference data is the office's: report where it differs, never overwrite.
    for difference in db::seed::differences(&mut conn, profile).await? {
        tracing::warn!(profile = %profile.origin, "{difference}");
    }
    Ok(pool)
}

/// Starts a webhook delivery worker on `pool` (`serve` starts one unless
/// `SMARTREGION_WEBHOOK_WORKER=false`; tests start theirs with their own settings and clock).
pub fn start_webhook_worker(
    pool: DbPool,
    settings: WorkerSettings,
    clock: Arc<dyn crate::clock::Clock>,
) -> anyhow::Result<WorkerHandle> {
    webhooks::start(pool, settings, clock)
}

/// Starts the metrics listener on `address` (one worker; it stops with the main server, so it
/// does not listen for signals itself).
fn start_metrics_server(
    shared: &Shared,
    address: std::net::SocketAddr,
) -> anyhow::Result<actix_web::dev::ServerHandle> {
    let registry = shared.metrics.registry.clone();
    let server = HttpServer::new(move || metrics::app(registry.clone()))
        .workers(1)
        .disable_signals()
        .bind(address)
        .with_context(|| format!("binding {address} (SMARTREGION_METRICS_BIND)"))?
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    tracing::info!(bind = %address, "serving metrics");
    Ok(handle)
}

/// Runs the server until SIGTERM (in-flight requests finish, up to the shutdown timeout) or
/// SIGINT; then stops the webhook worker (deliveries in flight finish first).
pub async fn serve(config: Config, verifier: JwtVerifier, dev: bool) -> anyhow::Result<()> {
    let pool = prepare_database(&config, dev).await?;
    let worker = if config.webhooks.worker {
        Some(start_webhook_worker(
            pool.clone(),
            WorkerSettings::from_config(&config),
            Arc::new(crate::clock::SystemClock),
        )?)
    } else {
        None
    };
    if !config.webhooks.secrets.encrypts() {
        tracing::warn!(
            "SMARTREGION_WEBHOOK_SECRET_KEY is not set: webhook signing secrets are stored in \
             plain text; set it in production"
        );
    }
    let jwks_refresh = verifier.spawn_jwks_refresh(config.auth.jwks_max_age);
    let config = Arc::new(config);
    let shared = Shared::new(AppState {
        pool,
        config: config.clone(),
        verifier,
    });
    let metrics_server = match config.metrics_bind {
        Some(address) => Some(start_metrics_server(&shared, address)?),
        None => None,
    };
    tracing::info!(
        bind = %config.bind,
        public_url = %config.public_url,
        docs = %format!("{}/docs/", config.public_url),
        "smartregion listening"
    );
    let served = match HttpServer::new(move || app(shared.clone()))
        .workers(config.workers)
        .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .bind(config.bind)
    {
        Ok(server) => server.run().await.context("running the server"),
        Err(error) => Err(error).with_context(|| format!("binding {}", config.bind)),
    };
    if let Some(server) = metrics_server {
        server.stop(true).await;
    }
    if let Some(worker) = worker {
        worker.stop().await;
    }
    if let Some(task) = jwks_refresh {
        task.abort();
    }
    served
}
