//! Errors as the client sees them: every failure becomes an RFC 9457 `application/problem+json`
//! body.
//!
//! Which error type belongs where:
//! - handlers and model functions return [`ApiError`]; its variants are the statuses the API
//!   promises, nothing else;
//! - diesel errors convert with `?`: `NotFound` is 404, unique/foreign-key/check violations are
//!   409/422, a lost connection is 503, anything else is a 500 that is logged once here and
//!   reaches the client without details;
//! - actix's own extractor errors are turned into problems by the handlers in `http::extract`.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub mod oparl;
pub mod responses;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::domain::validation::{FieldError, Invalid};

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        ApiError::Validation(invalid.0)
    }
}

/// An RFC 9457 problem document, the body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:smartregion:problem:validation-failed",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "2 fields are invalid",
    "errors": [
        {"pointer": "/population", "detail": "must be a positive whole number"},
        {"pointer": "/population_date", "detail": "is required together with population"}
    ]
}))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "urn:smartregion:problem:not-found")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    #[schema(example = "Not found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong with this request.
    #[schema(example = "organization 05579999 does not exist")]
    pub detail: String,
    /// The invalid fields (validation problems only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Further members specific to the problem kind, e.g. `allowed_next_states`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    /// No usable credentials. `invalid_token` says whether a token was sent but refused.
    Unauthorized {
        detail: String,
        invalid_token: bool,
    },
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed {
        allowed: Vec<String>,
    },
    Conflict {
        detail: String,
        extensions: Map<String, Value>,
    },
    Gone(String),
    PreconditionFailed(String),
    PayloadTooLarge(String),
    /// The body did not arrive in time (`http::body_deadline`); the connection is closed.
    RequestTimeout(String),
    UnsupportedMediaType(String),
    Validation(Vec<FieldError>),
    /// A 422 with its own detail and extra members, e.g. an import's per-row error report.
    ValidationReport {
        detail: String,
        errors: Vec<FieldError>,
        extensions: Map<String, Value>,
    },
    PreconditionRequired(String),
    /// Over the caller's request budget (`http::rate_limit`); carries `Retry-After`.
    TooManyRequests {
        detail: String,
        retry_after: u64,
    },
    ServiceUnavailable(String),
    /// A deadlock or serialization failure (SQLSTATE 40P01, 40001): the write lost a race with
    /// another one and may succeed when run again. `db::write::audited` runs it again a few
    /// times; what is left answers 503 with `Retry-After`.
    Contention(String),
    /// A fault of the service; the message is logged, never returned.
    Internal(String),
}

/// A missing row as 404: `.or_not_found("project", id)?` answers "project {id} does not
/// exist" where a query found nothing, and converts any other error as `?` would.
pub trait OrNotFound<T> {
    fn or_not_found(self, what: &str, id: impl std::fmt::Display) -> Result<T, ApiError>;
}

impl<T> OrNotFound<T> for diesel::QueryResult<T> {
    fn or_not_found(self, what: &str, id: impl std::fmt::Display) -> Result<T, ApiError> {
        self.map_err(|error| match error {
            diesel::result::Error::NotFound => {
                ApiError::not_found(format!("{what} {id} does not exist"))
            }
            other => other.into(),
        })
    }
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest(detail.into())
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(detail.into())
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::NotFound(detail.into())
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            extensions: Map::new(),
        }
    }

    /// A conflict with extra members in the problem body (e.g. the allowed next states).
    pub fn conflict_with(detail: impl Into<String>, extensions: Map<String, Value>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            extensions,
        }
    }

    pub fn invalid_field(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(pointer, detail)])
    }

    pub fn internal(message: impl fmt::Display) -> Self {
        Self::Internal(message.to_string())
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            Unauthorized { .. } => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            MethodNotAllowed { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Gone(_) => (StatusCode::GONE, "gone", "Gone"),
            PreconditionFailed(_) => (
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "The resource has changed",
            ),
            PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Request body too large",
            ),
            RequestTimeout(_) => (
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "Request body too slow",
            ),
            UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Validation(_) | ValidationReport { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-failed",
                "The request has invalid fields",
            ),
            PreconditionRequired(_) => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "If-Match required",
            ),
            TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            ServiceUnavailable(_) | Contention(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "service-unavailable",
                "Service unavailable",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let mut extensions = Map::new();
        let mut errors = None;
        let detail: Cow<'_, str> = match self {
            ApiError::BadRequest(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::Gone(d)
            | ApiError::PreconditionFailed(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::RequestTimeout(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::PreconditionRequired(d)
            | ApiError::ServiceUnavailable(d)
            | ApiError::Contention(d)
            | ApiError::Unauthorized { detail: d, .. }
            | ApiError::TooManyRequests { detail: d, .. } => d.as_str().into(),
            ApiError::MethodNotAllowed { allowed } => {
                format!("allowed methods: {}", allowed.join(", ")).into()
            }
            ApiError::Conflict {
                detail,
                extensions: ext,
            } => {
                extensions = ext.clone();
                detail.as_str().into()
            }
            ApiError::Validation(fields) => {
                errors = Some(fields.clone());
                match fields.len() {
                    1 => format!("{}: {}", fields[0].pointer, fields[0].detail).into(),
                    n => format!("{n} fields are invalid").into(),
                }
            }
            ApiError::ValidationReport {
                detail,
                errors: fields,
                extensions: ext,
            } => {
                errors = Some(fields.clone());
                extensions = ext.clone();
                detail.as_str().into()
            }
            ApiError::Internal(_) => {
                "the service failed to handle the request; it was logged".into()
            }
        };
        Problem {
            problem_type: format!("urn:smartregion:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into_owned(),
            errors,
            extensions,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Internal(message) => write!(f, "internal error: {message}"),
            other => {
                let problem = other.problem();
                write!(
                    f,
                    "{} {}: {}",
                    problem.status, problem.title, problem.detail
                )
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(message) = self {
            tracing::error!(error = %message, "request failed");
        }
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthorized { invalid_token, .. } => {
                let challenge = if *invalid_token {
                    r#"Bearer realm="smartregion", error="invalid_token""#
                } else {
                    r#"Bearer realm="smartregion""#
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            ApiError::MethodNotAllowed { allowed } => {
                if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                    response.insert_header((header::ALLOW, value));
                }
            }
            ApiError::ServiceUnavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::Contention(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            // The rest of the body may still be on its way: the connection cannot carry
            // another request.
            ApiError::RequestTimeout(_) => {
                response.force_close();
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, *retry_after));
            }
            _ => {}
        }
        response.json(problem)
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::NotFound => ApiError::not_found("the requested resource does not exist"),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => ApiError::conflict(format!(
                    "a record with the same {} already exists",
                    info.constraint_name().unwrap_or("key")
                )),
                DatabaseErrorKind::ForeignKeyViolation => {
                    ApiError::Validation(vec![FieldError::new(
                        "",
                        "refers to a record that does not exist",
                    )])
                }
                DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                    ApiError::Validation(vec![FieldError::new(
                        "",
                        format!(
                            "violates the rule {}",
                            info.constraint_name().unwrap_or("of the data model")
                        ),
                    )])
                }
                DatabaseErrorKind::SerializationFailure => {
                    ApiError::Contention("concurrent update, retry the request".into())
                }
                // diesel has no kind for a deadlock (40P01): it arrives as Unknown with
                // PostgreSQL's message. Like a serialization failure, running the write again
                // can get past it (`db::write::audited` does).
                DatabaseErrorKind::Unknown if info.message().starts_with("deadlock detected") => {
                    tracing::warn!(%error, "deadlock");
                    ApiError::Contention(
                        "the write collided with a concurrent one (deadlock); retry the request"
                            .into(),
                    )
                }
                _ if is_retryable(&error) => unavailable(&error),
                _ => ApiError::internal(format!("database error: {error}")),
            },
            _ if is_retryable(&error) => unavailable(&error),
            _ => ApiError::internal(format!("database error: {error}")),
        }
    }
}

/// The 503 for an error [`is_retryable`] accepts, logged once as a warning.
fn unavailable(error: &DieselError) -> ApiError {
    tracing::warn!(%error, "transient database failure");
    let lost = matches!(
        error,
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ) | DieselError::RollbackErrorOnCommit { .. }
            | DieselError::BrokenTransactionManager
    );
    ApiError::ServiceUnavailable(if lost {
        "the database connection was lost; retry".into()
    } else {
        "the database could not complete this now (a concurrent update, a timeout or a \
         restart); retry the request"
            .into()
    })
}

/// Whether a retry of the same request may get past `error`: the connection broke (the
/// database stopped, restarted, failed over, or the network dropped), or the database gave up
/// on a conflict or a timeout. Such errors answer 503 with `Retry-After`, never 500.
pub fn is_retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(kind, info) => match kind {
            DatabaseErrorKind::SerializationFailure
            // diesel-async reports a connection that broke mid-request (no SQLSTATE) as
            // UnableToSendCommand.
            | DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            // A failover left the service on a standby until the pool reconnects.
            | DatabaseErrorKind::ReadOnlyTransaction => true,
            // SQLSTATEs diesel has no kind for arrive as Unknown with PostgreSQL's message.
            DatabaseErrorKind::Unknown => is_transient(info.message()),
            _ => false,
        },
        // A COMMIT that failed (the connection broke) and a ROLLBACK after it that failed too.
        DieselError::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => is_retryable(commit_error) || is_retryable(rollback_error),
        // The connection's transaction state is unknown after a failed COMMIT or ROLLBACK;
        // the pool discards such a connection, and a retry gets a fresh one.
        DieselError::BrokenTransactionManager => true,
        _ => false,
    }
}

/// PostgreSQL's messages (as the server sends them with `lc_messages = C`) for errors that a
/// retry can get past: a deadlock (40P01), a lock or statement timeout (55P03, 57014), the
/// server or an administrator ending the session (57P01 fast or immediate shutdown, 57P02 the
/// crash of another backend, 57P05 and 25P03 idle timeouts), a server that is shutting down,
/// starting or recovering (57P03), a standby cancelling a query that conflicts with replay.
fn is_transient(message: &str) -> bool {
    [
        "deadlock detected",
        "canceling statement due to lock timeout",
        "canceling statement due to statement timeout",
        "canceling statement due to conflict with recovery",
        "terminating connection",
        "could not obtain lock",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
        "the database system is not yet accepting connections",
    ]
    .iter()
    .any(|transient| message.starts_with(transient))
}

impl From<deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>> for ApiError {
    fn from(
        error: deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>,
    ) -> Self {
        // Every pool failure (wait timeout, connection refused, failed check) means the
        // database cannot be reached right now; the pool recovers on its own.
        tracing::warn!(%error, "no database connection");
        ApiError::ServiceUnavailable(
            "the database is not reachable right now; retry shortly".into(),
        )
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> ApiError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned())).into()
    }

    #[test]
    fn a_broken_connection_or_a_transient_conflict_is_503_not_500() {
        for (kind, message) in [
            (DatabaseErrorKind::UnableToSendCommand, "connection closed"),
            (
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection",
            ),
            (DatabaseErrorKind::Unknown, "deadlock detected"),
            (
                DatabaseErrorKind::Unknown,
                "canceling statement due to lock timeout",
            ),
            (
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            (
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access",
            ),
        ] {
            let error = database_error(kind, message);
            assert_eq!(
                error.status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{message}"
            );
            let response = error.error_response();
            let retry_after: u64 = response
                .headers()
                .get(header::RETRY_AFTER)
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry_after >= 1, "{message}");
        }
        // The two that a run of the same transaction can get past are marked for the retry.
        assert!(matches!(
            database_error(DatabaseErrorKind::Unknown, "deadlock detected"),
            ApiError::Contention(_)
        ));
        assert!(matches!(
            database_error(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access"
            ),
            ApiError::Contention(_)
        ));
        assert!(matches!(
            database_error(
                DatabaseErrorKind::Unknown,
                "canceling statement due to lock timeout"
            ),
            ApiError::ServiceUnavailable(_)
        ));
        let other = database_error(DatabaseErrorKind::Unknown, "division by zero");
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    fn diesel_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn every_way_a_restart_or_failover_shows_up_is_503() {
        let errors = [
            // PostgreSQL stopped with `-m immediate`, or another backend crashed.
            diesel_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to immediate shutdown command",
            ),
            diesel_error(
                DatabaseErrorKind::Unknown,
                "terminating connection because of crash of another server process",
            ),
            diesel_error(
                DatabaseErrorKind::Unknown,
                "the database system is shutting down",
            ),
            // After a failover to a standby that is still read-only.
            diesel_error(
                DatabaseErrorKind::ReadOnlyTransaction,
                "cannot execute INSERT in a read-only transaction",
            ),
            // The connection broke at COMMIT and the ROLLBACK after it failed too.
            DieselError::RollbackErrorOnCommit {
                rollback_error: Box::new(diesel_error(
                    DatabaseErrorKind::UnableToSendCommand,
                    "connection closed",
                )),
                commit_error: Box::new(diesel_error(
                    DatabaseErrorKind::UnableToSendCommand,
                    "connection closed",
                )),
            },
            DieselError::BrokenTransactionManager,
        ];
        for error in errors {
            let text = error.to_string();
            let api: ApiError = error.into();
            assert_eq!(api.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{text}");
            assert!(
                api.error_response()
                    .headers()
                    .contains_key(header::RETRY_AFTER),
                "{text}"
            );
        }
        // A failed COMMIT for a reason of the data stays what it is.
        let constraint = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(DieselError::NotInTransaction),
            commit_error: Box::new(diesel_error(
                DatabaseErrorKind::Unknown,
                "invalid input syntax",
            )),
        };
        assert_eq!(
            ApiError::from(constraint).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
