//! `X-Request-Id` on every response (taken from the request when it sends a usable one), and a
//! tracing span per request that carries it.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

pub use crate::telemetry::RequestId;

/// The longest client-sent id taken over.
pub const MAX_LENGTH: usize = 128;

/// Accepts ids a client or proxy may send: 1 to 128 letters, digits and `.`, `_`, `:`, `-`
/// (UUIDs, trace ids, `host:seq`). Anything else gets a fresh id, so that quotes, braces,
/// backslashes or `=` never reach the logs (where they could fake fields of a text or JSON
/// line, or trigger a log processor's lookups) or the audit trail.
fn usable(id: &str) -> bool {
    (1..=MAX_LENGTH).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| usable(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));

    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.path(),
        request_id = %id,
    );
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request finished"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::usable;

    #[test]
    fn only_short_ids_of_a_safe_alphabet_are_taken_over() {
        assert!(usable("3f1c-abc"));
        assert!(usable("0af7651916cd43dd8448eb211c80319c"));
        assert!(usable("proxy-7.host_a:42"));
        assert!(usable(&"x".repeat(128)));
        assert!(!usable(""));
        assert!(!usable("has space"));
        assert!(!usable(&"x".repeat(129)));
        assert!(!usable("ümlaut"));
        for hostile in [
            "a\tb",
            "a\nb",
            "a\rb",
            "a\u{7f}b",
            "\"},\"level\":\"ERROR",
            "${jndi:ldap://x}",
            "<script>",
            "a=b;c",
            "x\\y",
        ] {
            assert!(!usable(hostile), "{hostile:?}");
        }
    }
}
