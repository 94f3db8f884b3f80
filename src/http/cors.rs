//! Cross-origin access for browser clients, from `SMARTREGION_CORS_ORIGINS`.
//!
//! - No origins configured (the default): preflights are refused and no response carries CORS
//!   headers, so browsers keep pages of other origins from reading answers.
//! - A list of origins: those origins may call every endpoint; preflights of other origins are
//!   refused with 403. Plain requests from other origins are answered as usual but without CORS
//!   headers (the browser withholds the answer; non-browser clients are unaffected).
//! - `*`: any origin, answered with `Access-Control-Allow-Origin: *`.
//!
//! Credentials (cookies, TLS client certificates) are never allowed: the API authenticates with
//! bearer tokens in the `Authorization` header, which needs no credentials mode, and so a
//! wildcard can never be combined with credentials.

use actix_cors::{Cors, CorsError};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};

use crate::config::CorsOrigins;
use crate::error::ApiError;

/// The headers a browser page may send and read.
const ALLOWED_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "if-match",
    "idempotency-key",
    "x-request-id",
];
const EXPOSED_HEADERS: [&str; 11] = [
    "etag",
    "link",
    "location",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "www-authenticate",
    "x-request-id",
    "idempotent-replayed",
    "allow",
];

/// How long a browser may cache a preflight answer.
const MAX_AGE_SECS: usize = 3600;

/// The CORS middleware for the configured origins.
pub fn cors(origins: &CorsOrigins) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(ALLOWED_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(MAX_AGE_SECS)
        .block_on_origin_mismatch(false);
    match origins {
        CorsOrigins::None => {}
        CorsOrigins::Any => cors = cors.allow_any_origin().send_wildcard(),
        CorsOrigins::List(list) => {
            for origin in list {
                cors = cors.allowed_origin(origin);
            }
        }
    }
    cors
}

/// Turns actix-cors' plain-text refusals into problem documents: 403 for an origin, method or
/// header that is not allowed, 400 for a malformed preflight. Wraps the CORS middleware.
pub async fn problem_answers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let response = next.call(req).await?;
    let Some(cors_error) = response
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .cloned()
    else {
        return Ok(response.map_into_left_body());
    };
    let origin = response
        .request()
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    let error = match cors_error {
        CorsError::OriginNotAllowed => {
            ApiError::forbidden(format!("origin {origin} may not call this API"))
        }
        CorsError::MethodNotAllowed | CorsError::HeadersNotAllowed => {
            ApiError::forbidden(format!("cross-origin request refused: {cors_error}"))
        }
        other => ApiError::bad_request(format!("CORS preflight: {other}")),
    };
    let problem: HttpResponse = error.error_response();
    Ok(response.into_response(problem).map_into_right_body())
}
