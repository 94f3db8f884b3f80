//! Request and response types of `/webhooks`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::webhooks::{Delivery, Webhook};
use crate::domain::validation::Validator;
use crate::domain::webhooks::{EventType, GENERATED_KEY_BYTES, SigningSecret};

/// The path of a webhook subscription.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SubscriptionPath {
    /// Subscription id
    pub id: Uuid,
}

/// The `event_types` of a subscription: every value `EventType::parse` takes, listed.
fn event_types_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let mut values = vec!["*".to_owned()];
    for entity in crate::domain::feed::ENTITIES {
        values.push(entity.name.to_owned());
        for operation in crate::domain::webhooks::OPERATIONS {
            values.push(format!("{}.{operation}", entity.name));
        }
    }
    ArrayBuilder::new()
        .description(Some(
            "1 to 20 entries: `*`, a kind of record of the change feed (`project`) or a kind \
             and an operation (`project.created`, `.updated`, `.deleted`).",
        ))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values)),
        )
        .min_items(Some(1))
        .max_items(Some(20))
        .examples([serde_json::json!(["project", "participation.updated"])])
        .build()
}

/// [`event_types_schema`] or `null` (an update's `null` leaves them as they are).
fn event_types_or_null_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(event_types_schema())
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .build(),
    )
}

/// A webhook subscription (the secret is shown only once, when it is created or replaced).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    /// Stable id.
    pub id: Uuid,
    /// The organization the subscription belongs to; it receives the changes this
    /// organization may read.
    #[schema(example = "99001004")]
    pub organization: String,
    /// Where the events are POSTed.
    #[schema(example = "https://it.musterstadt.example/hooks/smartregion")]
    pub url: String,
    /// `*`, a kind of record (`project`) or a kind and an operation (`project.created`).
    #[schema(example = json!(["project", "participation.created"]))]
    pub event_types: Vec<String>,
    /// Inactive subscriptions receive nothing; their events wait until they are active again.
    pub active: bool,
    /// A note for people.
    #[schema(example = "Haushaltsplanung (HKR-Verfahren)")]
    pub description: Option<String>,
    /// Why the service disabled the subscription (after too many failed attempts).
    pub disabled_reason: Option<String>,
    /// Failed delivery attempts since the last successful one.
    #[schema(example = 0)]
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebhookResponse {
    pub fn new(webhook: Webhook, consecutive_failures: i32) -> Self {
        Self {
            id: webhook.id,
            organization: webhook.organization_key,
            url: webhook.url,
            event_types: webhook.event_types,
            active: webhook.active,
            description: webhook.description,
            disabled_reason: webhook.disabled_reason,
            consecutive_failures,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
        }
    }
}

/// A subscription just created (or with a new secret), with its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecretResponse {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// The signing secret (`whsec_<base64>`): shown this once, store it. Verify each delivery
    /// per Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256 over
    /// "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the base64-decoded part after
    /// `whsec_`.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://it.musterstadt.example/hooks/smartregion",
    "event_types": ["project", "participation.created"],
    "description": "Haushaltsplanung (HKR-Verfahren)"
}))]
pub struct CreateWebhook {
    /// An http:// or https:// URL, at most 2,000 characters, whose host resolves to public
    /// addresses only.
    #[schema(max_length = 2000)]
    pub url: String,
    #[schema(schema_with = event_types_schema)]
    pub event_types: Vec<String>,
    /// A signing secret of your own (`whsec_` and the base64 of 24 to 64 bytes); omit it and
    /// the service generates one.
    #[schema(
        pattern = "^whsec_(?:[A-Za-z0-9+/]{4}){8}(?:(?:[A-Za-z0-9+/]{4}){0,13}|(?:[A-Za-z0-9+/]{4}){0,13}[A-Za-z0-9+/][AQgw]==|(?:[A-Za-z0-9+/]{4}){0,12}[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)$"
    )]
    pub secret: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// Changes to a subscription; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": true}))]
pub struct UpdateWebhook {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(schema_with = event_types_or_null_schema)]
    pub event_types: Option<Vec<String>>,
    /// A new signing secret of your own (`whsec_` and the base64 of 24 to 64 bytes).
    #[schema(
        pattern = "^whsec_(?:[A-Za-z0-9+/]{4}){8}(?:(?:[A-Za-z0-9+/]{4}){0,13}|(?:[A-Za-z0-9+/]{4}){0,13}[A-Za-z0-9+/][AQgw]==|(?:[A-Za-z0-9+/]{4}){0,12}[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)$"
    )]
    pub secret: Option<String>,
    /// Setting `true` resumes a disabled subscription: its failure count starts again at 0 and
    /// its waiting events are sent.
    pub active: Option<bool>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub description: Option<Option<String>>,
}

/// The event types, parsed, normalized and without duplicates.
pub(super) fn event_types(v: &mut Validator, types: &[String]) -> Vec<String> {
    v.check(
        (1..=20).contains(&types.len()),
        "/event_types",
        "must list 1 to 20 event types",
    );
    let mut out: Vec<String> = Vec::new();
    for (i, text) in types.iter().enumerate() {
        match EventType::parse(text) {
            Ok(event_type) => {
                let text = event_type.as_string();
                if !out.contains(&text) {
                    out.push(text);
                }
            }
            Err(message) => v.error(format!("/event_types/{i}"), message),
        }
    }
    out
}

pub(super) fn secret(v: &mut Validator, text: &str) -> String {
    match SigningSecret::parse(text.trim()) {
        Ok(secret) => secret.expose(),
        Err(message) => {
            v.error("/secret", message);
            String::new()
        }
    }
}

pub(super) fn generated_secret() -> String {
    let key: [u8; GENERATED_KEY_BYTES] = rand::random();
    SigningSecret::from_key(key.to_vec()).expose()
}

pub(super) fn description(v: &mut Validator, text: Option<String>) -> Option<String> {
    text.map(|t| v.text("/description", &t, 0, 500))
        .filter(|t| !t.is_empty())
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not sent successfully yet; `next_attempt_at` says when it is tried (again).
    Pending,
    /// The receiver answered with a 2xx status.
    Succeeded,
    /// Given up after retrying for the retry window (at least 24 hours).
    Abandoned,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Abandoned => "abandoned",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "succeeded" => Self::Succeeded,
            "abandoned" => Self::Abandoned,
            _ => Self::Pending,
        }
    }
}

/// One event for one subscription, and how sending it went.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    /// Sent as `webhook-id`; the same for every attempt, so receivers can drop duplicates.
    pub id: Uuid,
    /// The change record's sequence number (events of a subscription go out in this order).
    #[schema(example = 1042)]
    pub change_seq: i64,
    #[schema(example = "project.created")]
    pub event_type: String,
    pub state: DeliveryState,
    #[schema(example = 1)]
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status at the last attempt; `null` when there was no answer.
    #[schema(example = 204)]
    pub last_status: Option<i16>,
    /// What went wrong at the last attempt.
    pub last_error: Option<String>,
    /// The body that is sent: `{type, timestamp, data}` with `data` a change-feed item.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryResponse {
    fn from(d: Delivery) -> Self {
        let state = DeliveryState::parse(&d.state);
        Self {
            id: d.id,
            change_seq: d.change_seq,
            event_type: d.event_type,
            next_attempt_at: matches!(state, DeliveryState::Pending).then_some(d.next_attempt_at),
            state,
            attempts: d.attempts,
            last_attempt_at: d.last_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            payload: d.payload,
            created_at: d.created_at,
            completed_at: d.completed_at,
        }
    }
}
