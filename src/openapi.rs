//! The OpenAPI document's root: info, tags, security scheme and the reusable error responses.
//! Paths and their schemas are collected from the route list in `routes.rs`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::{FieldError, Problem};

mod links;
pub use crate::oparl::error::{
    OparlBadRequest, OparlNotFound, OparlServiceUnavailable, OparlTooManyRequests,
};
pub use links::document_links;
mod text;
pub use text::text_pattern;

/// The rules the derive macros cannot state, added to the collected document: the text
/// patterns of request bodies and the links between operations.
pub fn refine(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut value = serde_json::to_value(&doc).expect("the OpenAPI document serializes");
    text::document_text_rules(&mut value);
    let mut doc: utoipa::openapi::OpenApi =
        serde_json::from_value(value).expect("the refined OpenAPI document deserializes");
    document_links(&mut doc);
    doc
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "smartregion",
        description = "Coordination API of a Smart Region cooperation, a district and its towns and \
municipalities (the deployment's cooperation profile names them): the shared project catalogue, each municipality's voluntary \
opt-ins and council resolutions, exact cost shares, and the steering committee's meetings.\n\n\
Authentication: send `Authorization: Bearer <JWT>`. A token names one organization (`org`, its \
official municipality key) and its roles (`coordinator`, `admin`, `editor`, `viewer`, \
`integration`); `coordinator` (the steering office, acting for every organization) is accepted \
only for the steering office's organization, any other token carrying it is refused with 401. \
Anonymous callers see public data only.\n\n\
Conventions: errors are RFC 9457 `application/problem+json`; lists take `limit` (1–200) and \
an opaque `cursor` and answer `{items, next_cursor}` with a `Link: rel=\"next\"` header; single \
resources carry a strong `ETag` and updates need `If-Match`; timestamps are RFC 3339; money is \
integer euro cents.\n\n\
Rate limits: requests are counted per token (subject and organization) and, without a token, per \
client address, with a lower budget for anonymous calls of the dashboard, the participation \
matrix and the calendar feed. Every answer under `/api` and `/oparl` carries `RateLimit-Limit` \
(requests allowed at once), `RateLimit-Remaining` (left now) and `RateLimit-Reset` (seconds until \
the whole budget is back); a request over budget is answered 429 with `Retry-After`.\n\n\
Safe retries: a member's `POST` may carry an `Idempotency-Key` header (1–255 visible ASCII \
characters, e.g. a UUID), scoped to the token's organization and kept for \
`SMARTREGION_IDEMPOTENCY_TTL_SECS` (default 24 h). Repeating the same request with the same key \
returns the first answer (status, headers, body) with `Idempotent-Replayed: true` and does not \
do the work again; the same key with a different request is refused with 422; while the first \
request is still running, a repeat gets 409. Answers with a 5xx status are not kept. A stored \
answer is replayed only to a token with the same organization and roles: the same request \
from a token with other roles is handled as if it had no key (authorized afresh, not stored). \
Answers that hold a secret shown only once (`POST /webhooks`, `POST /calendar-feed-tokens`) are \
never stored: a repeat gets a 409 problem with `secret_shown_once: true` and the created \
resource's `id` instead.\n\n\
Keeping a copy in sync: follow `GET /api/v1/changes` (every change exactly once, in order, \
deletions included). Every list also takes `modified_since` (RFC 3339) and then holds only the \
items created or changed at or after that instant; the time is the start of the writing \
transaction, so ask again from a little before your last visit, or use the feed where nothing \
may be missed.",
        version = env!("CARGO_PKG_VERSION"),
    ),
    tags(
        (name = "organizations", description = "The members of the cooperation (the district, its towns and municipalities, agencies), with their membership periods."),
        (name = "costs", description = "Cost plans, funding, cost keys and the exact sharing of each project's own share among the paying participants; each organization's budget view."),
        (name = "participations", description = "Each organization's voluntary opt-ins to projects, their council resolutions and history, and the participation matrix."),
        (name = "projects", description = "The Smart Region strategy's project catalogue: projects, their lifecycle, \
milestones, status reports and indicators. Public to read (internal notes for members only).\n\n\
Lifecycle (`POST /projects/{id}/status`): idea → planned → approved → in_implementation → completed; \
planned, approved and in_implementation may go on_hold and back to the state they were held in; \
every state but completed may be discarded; completed and discarded are final. Other moves are 409 \
with `allowed_next_states`.\n\n\
The steering office (coordinator) maintains the catalogue; the lead organization's admin or editor \
posts status reports and maintains progress, milestones and indicators of the projects it leads."),
        (name = "meetings", description = "The steering committee's meetings: agenda, attendance, results, minutes, action items, the decisions register, exports and the calendar feed."),
        (name = "committee", description = "The delegates of the steering committee (names published only with consent)."),
        (name = "strategy", description = "The strategy's vision, guiding principles and goals; projects and indicators are linked to goals on the goal (`project_ids`, `indicator_ids`). Public to read; the steering office writes."),
        (name = "reporting", description = "The implementation report of one organization for its council (JSON, printable HTML, CSV for German Excel) and the cooperation dashboard. Every figure comes from the same queries the corresponding resources use."),
        (name = "reference", description = "Reference data of the Smart Region strategy."),
        (name = "auth", description = "The caller as the service understood its token."),
        (name = "audit", description = "The append-only audit trail of every write."),
        (name = "changes", description = "The change feed: every change in sequence order, for systems that keep a copy in sync."),
        (name = "webhooks", description = "Signed HTTP callbacks for the change feed. An organization's admin or \
integration (the steering office for any organization) subscribes a URL to kinds of record and operations; \
the service POSTs each matching change it may read as `{type, timestamp, data}` (`data` is a change-feed \
item), signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 \
HMAC-SHA256 of \"{id}.{timestamp}.{body}\">`). Events of one subscription go out in order, each at least \
once (deduplicate by `webhook-id`); failed attempts are retried with exponential backoff and jitter for at \
least 24 hours; after `SMARTREGION_WEBHOOK_MAX_FAILURES` consecutive failures the subscription is disabled \
until it is set active again. Targets must be http(s) URLs resolving to public addresses."),
        (name = "oparl", description = "OParl 1.1 (https://oparl.org), the open standard API of German council information \
systems, under `/oparl/v1.1/`, starting at `/oparl/v1.1/system`: the cooperation as one Body, the steering committee and \
its members as Organizations, delegates who consented as Persons with Memberships, public meetings with their public \
agenda items, places and approved minutes (Meeting, AgendaItem, Location, File), projects as Papers and their treatment \
at agenda items as Consultations. Public and read-only; every answer carries `Access-Control-Allow-Origin: *`.\n\n\
Deviation from the conventions of `/api/v1`: these endpoints follow OParl, not this API's house rules. Errors are OParl \
error objects (`application/json`, `{\"type\": \"https://schema.oparl.org/1.1/Error\", \"message\": ...}`), not \
problem+json: 404 for anything the public may not see or that does not exist, 400 for a malformed filter, limit or \
cursor, 405 for other methods, 503 while the database is unreachable. Lists are OParl external lists (`data`, \
`pagination`, `links.next`) with the filters `created_since`, `created_until`, `modified_since`, `modified_until`; \
deleted objects answer 200 with `deleted: true` and are listed only with `modified_since`. Times are Europe/Berlin \
with their offset."),
        (name = "health", description = "Liveness and readiness probes."),
        (name = "initiatives", description = "Each municipality's own digital initiatives beside the joint projects \
(title, summary, field of action, status, dates, a contact role, link, tags), public or for members only. A \
municipality's admin or editor registers its own; the steering office on its behalf. Members-only initiatives \
never reach anonymous callers, OParl or public exports.\n\n\
Lifecycle: idea → planned | running | stopped; planned → idea | running | stopped; running → completed | \
stopped; stopped → idea | planned; completed is final. `running` needs `start_date`, `completed` both dates."),
        (name = "working-groups", description = "The working groups, networks and project groups that already exist \
(kind, host, member organizations, fields of action and projects they serve, meeting rhythm, a contact role), so that \
new efforts use them instead of duplicate structures. Public to read; the steering office maintains them; an \
organization's admin adds or removes its own organization as a member."),
    ),
    components(
        // Enums used only in query parameters: utoipa-actix-web registers the schemas of
        // bodies, not of `IntoParams`, and a dangling `$ref` breaks client generators.
        schemas(
            Problem,
            FieldError,
            crate::oparl::error::OparlErrorObject,
            crate::api::meetings::export::ExportFormat,
            crate::api::participations::matrix::MatrixFormat,
            crate::api::projects::catalogue::ProjectSortParam,
            crate::api::projects::transfer::TransferFormat,
            crate::api::initiatives::handlers::InitiativeSortParam,
        ),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            TransitionRefused,
            WebhookCreateConflict,
            SecretShownOnce,
            Gone,
            PreconditionFailed,
            PayloadTooLarge,
            UnsupportedMediaType,
            UnprocessableEntity,
            PreconditionRequired,
            TooManyRequests,
            ServiceUnavailable,
            OparlBadRequest,
            OparlNotFound,
            OparlTooManyRequests,
            OparlServiceUnavailable
        )
    ),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with the claims `sub`, `org` (organization key), `roles`, `iss`, \
                         `aud` and `exp`.",
                    ))
                    .build(),
            ),
        );
    }
}

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

/// Adds the 429 of the rate limits (`http::rate_limit`) to every operation under `/api` and
/// `/oparl`: the middleware answers it before any handler runs, so no handler declares it.
pub fn document_rate_limits(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Ref, RefOr};
    for (path, item) in doc.paths.paths.iter_mut() {
        let response = if path.starts_with("/api/") {
            "TooManyRequests"
        } else if path.starts_with("/oparl/") {
            "OparlTooManyRequests"
        } else {
            continue;
        };
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            operation.responses.responses.insert(
                "429".to_owned(),
                RefOr::Ref(Ref::from_response_name(response)),
            );
        }
    }
}

/// The database cannot be reached right now; retry after a few seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
    example = json!({"type": "urn:smartregion:problem:service-unavailable", "title": "Service unavailable", "status": 503,
                     "detail": "the database is not reachable right now; retry shortly"})
)]
pub struct ServiceUnavailable(#[allow(dead_code)] Problem);
