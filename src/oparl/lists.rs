//! External lists: pages with `data`, `pagination` and `links`, a stable order (by id), the
//! filters `created_since`, `created_until`, `modified_since` and `modified_until` (kept in
//! every link), `limit` and an opaque `cursor`. Deleted objects are listed only when
//! `modified_since` is given, so that a client syncing changes learns about deletions.

use chrono::DateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::oparl::{OparlError, OparlResult};
use crate::http::pagination::{decode_cursor, encode_cursor};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

const FILTERS: [&str; 4] = [
    "created_since",
    "created_until",
    "modified_since",
    "modified_until",
];

pub use crate::db::oparl::Window;

/// A parsed list request.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub window: Window,
    pub limit: i64,
    /// The raw cursor (decoded by the list that knows its key type).
    cursor: Option<String>,
    /// The filters and the limit as the client sent them, for the links.
    kept: Vec<(String, String)>,
}

impl ListRequest {
    /// Parses the query string; unknown parameters are ignored, as OParl clients may send
    /// their own.
    pub fn parse(query: &str) -> OparlResult<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| OparlError::bad_request("the query string is malformed"))?;
        let mut request = ListRequest {
            window: Window::default(),
            limit: DEFAULT_LIMIT,
            cursor: None,
            kept: Vec::new(),
        };
        for (name, value) in pairs {
            match name.as_str() {
                "limit" => {
                    request.limit = value
                        .parse()
                        .ok()
                        .filter(|l| (1..=MAX_LIMIT).contains(l))
                        .ok_or_else(|| {
                            OparlError::bad_request(format!(
                                "limit must be a whole number from 1 to {MAX_LIMIT}"
                            ))
                        })?;
                    request.kept.push((name, value));
                }
                "cursor" => request.cursor = Some(value),
                filter if FILTERS.contains(&filter) => {
                    let instant = DateTime::parse_from_rfc3339(&value)
                        .map_err(|_| {
                            OparlError::bad_request(format!(
                                "{filter} must be a date-time like 2026-03-26T17:00:00+01:00"
                            ))
                        })?
                        .to_utc();
                    let w = &mut request.window;
                    match filter {
                        "created_since" => w.created_since = Some(instant),
                        "created_until" => w.created_until = Some(instant),
                        "modified_since" => w.modified_since = Some(instant),
                        _ => w.modified_until = Some(instant),
                    }
                    request.kept.push((name, value));
                }
                _ => {}
            }
        }
        Ok(request)
    }

    /// Deleted objects are part of a list only for clients that sync changes.
    pub fn include_deleted(&self) -> bool {
        self.window.modified_since.is_some()
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    pub fn after<K: DeserializeOwned>(&self) -> OparlResult<Option<K>> {
        self.cursor
            .as_deref()
            .map(decode_cursor)
            .transpose()
            .map_err(|_| OparlError::bad_request("cursor is not a cursor this list handed out"))
    }

    fn link(&self, list_url: &str, cursor: Option<&str>) -> String {
        let mut pairs = self.kept.clone();
        if let Some(cursor) = cursor {
            pairs.push(("cursor".into(), cursor.into()));
        }
        if pairs.is_empty() {
            return list_url.to_owned();
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{list_url}?{query}")
    }

    /// The page: `rows` were fetched with [`fetch`](Self::fetch); `key` gives an object's
    /// position in the list's order.
    pub fn page<T, K: Serialize>(
        &self,
        list_url: &str,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> K,
        render: impl FnMut(&T) -> Value,
    ) -> Value {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = more
            .then(|| rows.last().map(|last| encode_cursor(&key(last))))
            .flatten();
        let data: Vec<Value> = rows.iter().map(render).collect();
        let mut links = json!({
            "first": self.link(list_url, None),
            "self": self.link(list_url, self.cursor.as_deref()),
        });
        if let Some(next) = next {
            links["next"] = Value::String(self.link(list_url, Some(&next)));
        }
        json!({
            "data": data,
            "pagination": {"elementsPerPage": self.limit},
            "links": links,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_parsed_and_kept_in_links() {
        let request =
            ListRequest::parse("modified_since=2026-03-01T00%3A00%3A00%2B01%3A00&limit=2&foo=bar")
                .unwrap();
        assert!(request.include_deleted());
        assert_eq!(request.limit, 2);
        let page = request.page("https://x/list", vec![1, 2, 3], |n| *n, |n| json!(n));
        assert_eq!(page["data"], json!([1, 2]));
        let next = page["links"]["next"].as_str().unwrap();
        assert!(next.starts_with(
            "https://x/list?modified_since=2026-03-01T00%3A00%3A00%2B01%3A00&limit=2&cursor="
        ));
        let last = request.page("https://x/list", vec![1], |n| *n, |n| json!(n));
        assert!(last["links"].get("next").is_none());
    }

    #[test]
    fn bad_filters_and_limits_are_refused() {
        assert!(ListRequest::parse("created_since=yesterday").is_err());
        assert!(ListRequest::parse("limit=0").is_err());
        assert!(ListRequest::parse("limit=501").is_err());
        assert!(
            ListRequest::parse("cursor=%21")
                .unwrap()
                .after::<String>()
                .is_err()
        );
    }
}
