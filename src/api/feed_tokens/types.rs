//! The request, response, path and query types of feed tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::committee::feed_tokens::FeedToken;

/// The path of a feed token.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FeedTokenPath {
    /// Feed token id
    pub id: Uuid,
}

/// The longest a feed token may be valid, counted from its creation.
pub const MAX_LIFETIME_DAYS: i64 = 366;

/// A feed token (without the secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedTokenResponse {
    pub id: Uuid,
    #[schema(example = "99001004")]
    pub organization: String,
    /// What the token is for.
    #[schema(example = "Kalender Bürgermeisterbüro")]
    pub label: String,
    /// The subject (`sub`) of the token that created it.
    #[schema(example = "it@musterstadt")]
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When the token stops opening the feed; `null`: valid until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// Set once revoked; the token no longer opens the feed.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<FeedToken> for FeedTokenResponse {
    fn from(t: FeedToken) -> Self {
        Self {
            id: t.id,
            organization: t.organization_key,
            label: t.label,
            created_by: t.created_by,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new feed token with its secret, shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedFeedTokenResponse {
    #[serde(flatten)]
    pub token_info: FeedTokenResponse,
    /// The secret; it cannot be read again.
    #[schema(example = "srf_Zq3v0eV1m6bq5xP4cHc3m8kq2fJ0aT7yWkR9sN1uL4o")]
    pub token: String,
    /// The URL to subscribe to.
    #[schema(
        example = "https://smartregion.musterland.example/api/v1/meetings.ics?token=srf_Zq3v0eV1m6bq5xP4cHc3m8kq2fJ0aT7yWkR9sN1uL4o"
    )]
    pub feed_url: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedTokenQuery {
    /// The organization whose tokens to list (default: the caller's).
    #[param(example = "99001004")]
    pub organization: Option<String>,
}

/// A new feed token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization": "99001004", "label": "Kalender Bürgermeisterbüro",
                          "expires_at": "2027-06-30T22:00:00Z"}))]
pub struct CreateFeedToken {
    /// The organization the token belongs to (default: the caller's).
    pub organization: Option<String>,
    /// What it is for, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    /// When the token stops opening the feed: in the future and at most 366 days ahead.
    /// Omitted: valid until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevokeFeedTokensQuery {
    /// The subject (`sub`) whose tokens to revoke, as `created_by` shows it; required.
    // Optional here so that anonymous callers get their 401 before a 400 for a missing value.
    #[param(
        required = true,
        example = "it@musterstadt",
        min_length = 1,
        max_length = 255
    )]
    pub created_by: Option<String>,
    /// The organization whose tokens to revoke (default: the caller's).
    #[param(example = "99001004")]
    pub organization: Option<String>,
}

/// What a revocation of several tokens did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedFeedTokensResponse {
    /// How many tokens were revoked now (tokens revoked before are not counted).
    #[schema(example = 2)]
    pub revoked: usize,
    /// Their ids.
    pub ids: Vec<Uuid>,
}
