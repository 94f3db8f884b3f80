//! The rules of a new feed token: its expiry and its secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};

use super::types::MAX_LIFETIME_DAYS;
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// Checks an expiry against `now`: in the future, at most [`MAX_LIFETIME_DAYS`] ahead.
pub(super) fn expiry(v: &mut Validator, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    if let Some(at) = expires_at {
        if at <= now {
            v.error("/expires_at", "must be in the future");
        } else if at > now + TimeDelta::days(MAX_LIFETIME_DAYS) {
            v.error(
                "/expires_at",
                format!("must be at most {MAX_LIFETIME_DAYS} days ahead"),
            );
        }
    }
}

/// 32 random bytes from the operating system, URL-safe.
pub(super) fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(format!("srf_{}", URL_SAFE_NO_PAD.encode(bytes)))
}
