//! Errors of the OParl endpoint: the OParl error object (`type`, `message`), not
//! problem+json, because OParl clients expect their own format. Every answer, errors included,
//! carries `Access-Control-Allow-Origin: *` (added by the scope's middleware).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use super::ApiError;

pub const ERROR_TYPE: &str = "https://schema.oparl.org/1.1/Error";

/// Any failure while answering an OParl request.
#[derive(Debug)]
pub struct OparlError(pub ApiError);

pub type OparlResult<T> = Result<T, OparlError>;

impl OparlError {
    pub fn not_found(what: impl Into<String>) -> Self {
        OparlError(ApiError::not_found(what))
    }

    pub fn bad_request(what: impl Into<String>) -> Self {
        OparlError(ApiError::bad_request(what))
    }
}

impl<E: Into<ApiError>> From<E> for OparlError {
    fn from(error: E) -> Self {
        OparlError(error.into())
    }
}

impl std::fmt::Display for OparlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for OparlError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(message) = &self.0 {
            tracing::error!(error = %message, "OParl request failed");
        }
        let problem = self.0.problem();
        let mut response = HttpResponse::build(self.status_code());
        match &self.0 {
            ApiError::ServiceUnavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::Contention(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, *retry_after));
            }
            ApiError::MethodNotAllowed { allowed } => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            _ => {}
        }
        response.json(json!({
            "type": ERROR_TYPE,
            "message": problem.detail,
        }))
    }
}

/// The OParl error object: what every OParl answer with a 4xx or 5xx status carries instead
/// of problem+json.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OparlErrorObject {
    /// Always `https://schema.oparl.org/1.1/Error`.
    #[schema(example = "https://schema.oparl.org/1.1/Error")]
    r#type: String,
    /// What went wrong, for people.
    #[schema(example = "modified_since must be a date-time like 2026-03-26T17:00:00+01:00")]
    message: String,
}

/// A list parameter is malformed (an OParl error object).
#[derive(utoipa::ToResponse)]
#[response(
    content_type = "application/json",
    example = json!({"type": ERROR_TYPE, "message": "modified_since must be a date-time like 2026-03-26T17:00:00+01:00"})
)]
pub struct OparlBadRequest(#[allow(dead_code)] OparlErrorObject);

/// No such object, or not a public one (an OParl error object).
#[derive(utoipa::ToResponse)]
#[response(
    content_type = "application/json",
    example = json!({"type": ERROR_TYPE, "message": "no OParl object at this URL"})
)]
pub struct OparlNotFound(#[allow(dead_code)] OparlErrorObject);

/// The database cannot be reached; retry after `Retry-After` seconds (an OParl error object).
#[derive(utoipa::ToResponse)]
#[response(
    content_type = "application/json",
    headers(("Retry-After" = String, description = "Seconds to wait before retrying")),
    example = json!({"type": ERROR_TYPE, "message": "the database connection was lost; retry"})
)]
pub struct OparlServiceUnavailable(#[allow(dead_code)] OparlErrorObject);

/// Over the caller's request budget; retry after `Retry-After` seconds (an OParl error object).
#[derive(utoipa::ToResponse)]
#[response(
    content_type = "application/json",
    headers(
        ("Retry-After" = String, description = "Seconds to wait before retrying"),
        ("RateLimit-Limit" = u32, description = "Requests the caller may make at once"),
        ("RateLimit-Remaining" = u32, description = "Requests left now (0)"),
        ("RateLimit-Reset" = u32, description = "Seconds until the whole budget is back"),
    ),
    example = json!({"type": ERROR_TYPE, "message": "too many requests from this address without a token; retry after 2 seconds"})
)]
pub struct OparlTooManyRequests(#[allow(dead_code)] OparlErrorObject);
