//! The OpenAPI document's root: info, tags, security scheme and the reusable error responses.
//! Paths and their schemas are collected from the route list in `routes.rs`.

mod derived;
mod links;
mod required;
mod text;

pub use links::document_links;
pub use text::text_pattern;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::costs::key_body::MAX_WEIGHT;
use crate::api::costs::{FULL_BP, MAX_AMOUNT_CENTS};
use crate::domain::ids::ORGANIZATION_KEY_PATTERN;
use crate::error::oparl::{
    OparlBadRequest, OparlNotFound, OparlServiceUnavailable, OparlTooManyRequests,
};
use crate::error::responses::*;
use crate::error::{FieldError, Problem};

/// The rules the derive macros cannot state, added to the collected document: the error
/// answers and `Location` headers that follow from each operation's shape, the text patterns of
/// request bodies and parameters, required members that may not be `null`, and the links
/// between operations.
pub fn refine(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut value = serde_json::to_value(&doc).expect("the OpenAPI document serializes");
    derived::document_derived_answers(&mut value);
    text::document_text_rules(&mut value);
    required::forbid_null_in_required(&mut value);
    close_variants(&mut value, "FundingRuleBody");
    bound_key_maps(&mut value);
    for schema in ["CreateWebhook", "UpdateWebhook"] {
        value["components"]["schemas"][schema]["properties"]["url"]["pattern"] =
            text::webhook_url_pattern().into();
    }
    let mut doc: utoipa::openapi::OpenApi =
        serde_json::from_value(value).expect("the refined OpenAPI document deserializes");
    document_links(&mut doc);
    doc
}

/// serde's `deny_unknown_fields` on an internally tagged enum refuses unknown members in each
/// variant; the derive macro does not say so for the variants' object schemas.
fn close_variants(doc: &mut serde_json::Value, schema: &str) {
    let variants = doc["components"]["schemas"][schema]["oneOf"].as_array_mut();
    for variant in variants.into_iter().flatten() {
        if let Some(object) = variant.as_object_mut() {
            object.insert("additionalProperties".into(), false.into());
        }
    }
}

/// A cost key's maps name organizations by key and hold bounded values, as
/// `api::costs::key_body` checks them; the derive macro states neither.
fn bound_key_maps(doc: &mut serde_json::Value) {
    let bounds = [
        ("caps_cents", 0, MAX_AMOUNT_CENTS),
        ("basis_points", 1, FULL_BP),
        ("weights", 1, MAX_WEIGHT),
    ];
    let properties = &mut doc["components"]["schemas"]["CostKeyBody"]["properties"];
    for (name, minimum, maximum) in bounds {
        let map = &mut properties[name];
        map["additionalProperties"]["minimum"] = minimum.into();
        map["additionalProperties"]["maximum"] = maximum.into();
        map["propertyNames"]["pattern"] = ORGANIZATION_KEY_PATTERN.into();
    }
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
            crate::error::oparl::OparlErrorObject,
            crate::api::meetings::export::ExportFormat,
            crate::api::participations::matrix::MatrixFormat,
            crate::api::projects::list_query::ProjectSortParam,
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
            RequestTimeout,
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
