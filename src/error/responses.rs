//! The documented problem answers: one `ToResponse` per status, referenced by the operations'
//! annotations and listed as components of the OpenAPI document. They live beside `ApiError`
//! (not in `openapi`, which assembles the document from the route list) so that handlers can
//! name them without importing the layer that imports them.

use utoipa::ToResponse;

use super::Problem;

/// The request is malformed: invalid JSON, or bad query or path parameters.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:bad-request", "title": "Bad request", "status": 400,
                     "detail": "limit must be between 1 and 200, got 500"})
)]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// No bearer token, or the token was refused. Carries `WWW-Authenticate: Bearer`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"smartregion\"`, with `error=\"invalid_token\"` when a token was refused")),
    example = json!({"type": "urn:smartregion:problem:unauthorized", "title": "Authentication required", "status": 401,
                     "detail": "this request needs a bearer token"})
)]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// The token is valid but its organization or roles do not allow this.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:forbidden", "title": "Not allowed", "status": 403,
                     "detail": "a token of organization 99001008 may not act for organization 99001004"})
)]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// No such resource.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:not-found", "title": "Not found", "status": 404,
                     "detail": "organization 05579999 does not exist"})
)]
pub struct NotFound(#[allow(dead_code)] Problem);

/// The request conflicts with the resource's current state.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:conflict", "title": "Conflict", "status": 409,
                     "detail": "a population figure for 2023-12-31 already exists with another value"})
)]
pub struct Conflict(#[allow(dead_code)] Problem);

/// The lifecycle does not allow this move; the problem names the allowed next states.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:conflict", "title": "Conflict", "status": 409,
                     "detail": "a project cannot move from idea to completed; allowed next: planned, discarded",
                     "current_status": "idea", "allowed_next_states": ["planned", "discarded"]})
)]
pub struct TransitionRefused(#[allow(dead_code)] Problem);

/// A repeat of a request with the same `Idempotency-Key` whose first answer held a secret that
/// is shown only once: the request was carried out (`original_status`, the created resource's
/// `id` and, where it has one, `Location`), but its answer was not stored, so the secret is
/// not handed out again. A client that lost the secret replaces it (webhooks) or revokes the
/// resource and creates a new one (feed tokens). While the first request still runs, a repeat
/// gets the plain 409 of the `Idempotency-Key` rules.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:conflict", "title": "Conflict", "status": 409,
                     "detail": "the request with this Idempotency-Key was carried out (status 201, id 0b6f1c9e-5d0a-4f57-9a55-2f3e0d7f1a11); its answer held a secret that is shown only once, so it is neither stored nor replayed. If the secret was lost, set a new one with PATCH /api/v1/webhooks/0b6f1c9e-5d0a-4f57-9a55-2f3e0d7f1a11 (field `secret`).",
                     "secret_shown_once": true, "original_status": 201,
                     "id": "0b6f1c9e-5d0a-4f57-9a55-2f3e0d7f1a11"})
)]
pub struct SecretShownOnce(#[allow(dead_code)] Problem);

/// Creating a webhook subscription conflicts: either the organization has as many
/// subscriptions as allowed (`limit` says how many; delete one first), or the request repeats
/// an `Idempotency-Key` whose answer held the signing secret, which is shown only once
/// (`secret_shown_once`, `original_status` and the subscription's `id`, as in `SecretShownOnce`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:conflict", "title": "Conflict", "status": 409,
                     "detail": "organization 99001004 already has 10 webhook subscriptions, the most allowed; delete one first",
                     "limit": 10})
)]
pub struct WebhookCreateConflict(#[allow(dead_code)] Problem);

/// The resource existed but was deleted.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:gone", "title": "Gone", "status": 410,
                     "detail": "project 0b6f1c9e-5d0a-4f57-9a55-2f3e0d7f1a11 was deleted"})
)]
pub struct Gone(#[allow(dead_code)] Problem);

/// `If-Match` names a version that is no longer current.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:precondition-failed", "title": "The resource has changed", "status": 412,
                     "detail": "the resource has changed since you read it; read it again and reapply your change"})
)]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

/// The request body is larger than the service accepts (1 MiB by default).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:payload-too-large", "title": "Request body too large", "status": 413,
                     "detail": "the request body is larger than this service accepts"})
)]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

/// The request body did not arrive within the body deadline (30 s from the first byte the
/// service reads); the service closes the connection.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:request-timeout", "title": "Request body too slow", "status": 408,
                     "detail": "the request body did not arrive within 30 s"})
)]
pub struct RequestTimeout(#[allow(dead_code)] Problem);

/// The body is not `application/json`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:unsupported-media-type", "title": "Unsupported media type", "status": 415,
                     "detail": "send the body as application/json"})
)]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

/// Fields of the request are invalid; `errors` names each with a JSON pointer.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:validation-failed", "title": "The request has invalid fields", "status": 422,
                     "detail": "2 fields are invalid",
                     "errors": [{"pointer": "/name", "detail": "must not be empty"},
                                {"pointer": "/population/value", "detail": "must be between 1 and 10000000"}]})
)]
pub struct UnprocessableEntity(#[allow(dead_code)] Problem);

/// The update needs `If-Match` with the ETag of the version read.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:smartregion:problem:precondition-required", "title": "If-Match required", "status": 428,
                     "detail": "send If-Match with the ETag of the version you read"})
)]
pub struct PreconditionRequired(#[allow(dead_code)] Problem);

/// Over the caller's request budget (per token, or per client address without one); retry
/// after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(
        ("Retry-After" = u32, description = "Seconds to wait before retrying"),
        ("RateLimit-Limit" = u32, description = "Requests the caller may make at once"),
        ("RateLimit-Remaining" = u32, description = "Requests left now (0)"),
        ("RateLimit-Reset" = u32, description = "Seconds until the whole budget is back"),
    ),
    example = json!({"type": "urn:smartregion:problem:too-many-requests", "title": "Too many requests", "status": 429,
                     "detail": "too many requests from this token; retry after 2 seconds"})
)]
pub struct TooManyRequests(#[allow(dead_code)] Problem);

/// The database cannot be reached right now; retry after a few seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
    example = json!({"type": "urn:smartregion:problem:service-unavailable", "title": "Service unavailable", "status": 503,
                     "detail": "the database is not reachable right now; retry shortly"})
)]
pub struct ServiceUnavailable(#[allow(dead_code)] Problem);
