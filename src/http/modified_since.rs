//! The `modified_since` filter every list accepts, so that an integrating system can fetch
//! only what changed since its last visit.
//!
//! Each list compares it with the time its items last changed (`updated_at`; for records
//! that never change once written, such as history entries, the time they were written).
//! Those times are the start of the writing transaction, so a change that committed slowly
//! can carry a time a little before the moment it became visible: a client that must not
//! miss anything asks again from slightly before its last visit, or follows the change feed
//! (`/api/v1/changes`), which is exact and also reports deletions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use utoipa::IntoParams;

/// Query parameter of every list endpoint.
#[derive(Debug, Default, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModifiedSince {
    /// Only items created or changed at or after this instant (RFC 3339; encode `+` as
    /// `%2B`). Deleted items are not listed; the change feed (`/api/v1/changes`) reports
    /// deletions and is exact where this filter may lag a slowly committing write.
    #[param(example = "2026-11-01T00:00:00Z")]
    #[serde(default, deserialize_with = "instant")]
    pub modified_since: Option<DateTime<Utc>>,
}

impl ModifiedSince {
    pub fn get(&self) -> Option<DateTime<Utc>> {
        self.modified_since
    }

    /// Whether an item last changed at `changed_at` passes the filter (for short lists
    /// filtered after loading).
    pub fn includes(&self, changed_at: DateTime<Utc>) -> bool {
        self.modified_since.is_none_or(|since| changed_at >= since)
    }
}

/// Parses the instant with an error that names the parameter and the likely mistake.
fn instant<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    parse(&text).map(Some).map_err(serde::de::Error::custom)
}

/// Parses a `modified_since` value; the error is meant for the caller (lists that parse
/// their query string themselves use it too).
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            let hint = if text.contains(' ') {
                " (a `+` in a query string must be sent as `%2B`)"
            } else {
                ""
            };
            format!(
                "modified_since must be an RFC 3339 instant such as 2026-11-01T00:00:00Z, got `{text}`{hint}"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_query(query: &str) -> Result<ModifiedSince, String> {
        serde_urlencoded::from_str(query).map_err(|e| e.to_string())
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let since = from_query("modified_since=2026-03-01T00%3A00%3A00%2B01%3A00").unwrap();
        assert_eq!(
            since.get().unwrap().to_rfc3339(),
            "2026-02-28T23:00:00+00:00"
        );
        assert_eq!(from_query("").unwrap().get(), None);
        assert_eq!(from_query("limit=3").unwrap().get(), None);
    }

    #[test]
    fn malformed_instants_name_the_parameter_and_the_plus_sign() {
        let err = from_query("modified_since=yesterday").unwrap_err();
        assert!(
            err.contains("modified_since must be an RFC 3339 instant"),
            "{err}"
        );
        let err = from_query("modified_since=2026-03-01T00:00:00+01:00").unwrap_err();
        assert!(err.contains("%2B"), "{err}");
        assert!(from_query("modified_since=2026-03-01").is_err());
    }
}
