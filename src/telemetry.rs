//! Structured logs with `tracing`: human-readable by default, JSON lines with
//! `SMARTREGION_LOG_FORMAT=json`; the level comes from `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // A second initialisation (e.g. in tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The request's id, in the request extensions for handlers and the audit trail (set by
/// `http::request_id`; defined here so that authentication, below `http`, can read it).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);
