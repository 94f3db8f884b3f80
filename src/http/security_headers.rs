//! Headers that protect browsers which open an answer: `X-Content-Type-Options: nosniff` on
//! every answer (a JSON or CSV answer is never sniffed into HTML), a restrictive
//! `Content-Security-Policy` on HTML pages (the printable exports and reports), and no `Server`
//! header naming the software.

use std::sync::Arc;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Where the Swagger UI lives; it loads its own scripts and keeps its own headers.
const DOCS_PREFIX: &str = "/docs";

/// The policy of the service's HTML pages: no scripts, frames, forms, fonts, images or
/// connections at all, and only the given inline stylesheets (by their SHA-256, so an injected
/// `<style>` would not apply either). `frame-ancestors 'none'` keeps the pages out of frames.
pub fn html_policy(stylesheets: &[&str]) -> String {
    let hashes: Vec<String> = stylesheets
        .iter()
        .map(|style| {
            format!(
                "'sha256-{}'",
                STANDARD.encode(Sha256::digest(style.as_bytes()))
            )
        })
        .collect();
    format!(
        "default-src 'none'; style-src {}; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        hashes.join(" ")
    )
}

fn is_html(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        })
}

/// The middleware; `policy` is the HTML pages' `Content-Security-Policy` (see [`html_policy`]).
pub async fn middleware(
    policy: Arc<HeaderValue>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let docs = req.path().starts_with(DOCS_PREFIX);
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.remove(header::SERVER);
    if !docs && is_html(headers) {
        headers.insert(header::CONTENT_SECURITY_POLICY, (*policy).clone());
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_given_stylesheets() {
        let policy = html_policy(&["body{color:red}"]);
        // echo -n 'body{color:red}' | openssl dgst -sha256 -binary | base64
        assert!(
            policy.contains("style-src 'sha256-FcQqt3aNlV7AZnGV4zkQRVeCeJOxbMPnQSx258L803E=';"),
            "{policy}"
        );
        assert!(policy.starts_with("default-src 'none';"), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(HeaderValue::from_str(&policy).is_ok());
    }

    #[test]
    fn html_is_recognised_by_its_media_type() {
        let mut headers = header::HeaderMap::new();
        assert!(!is_html(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Text/HTML; charset=utf-8"),
        );
        assert!(is_html(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(!is_html(&headers));
    }
}
