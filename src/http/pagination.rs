//! Keyset pagination shared by every list: `limit` and an opaque `cursor` in, `{items,
//! next_cursor}` and a `Link: rel="next"` header out.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Page parameters of every list endpoint.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items to return (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit it for the first page. Opaque: only a value
    /// this list handed out is accepted, any other is a 400.
    #[param(pattern = "^[A-Za-z0-9_-]+$", example = "WyIwNTU3MDAwNCJd")]
    pub cursor: Option<String>,
}

/// A validated page request; `after` is the decoded sort key of the last item already seen.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: i64,
    pub after: Option<K>,
}

impl PageQuery {
    pub fn parse<K: DeserializeOwned>(&self) -> Result<PageRequest<K>, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {limit}"
            )));
        }
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(PageRequest { limit, after })
    }
}

impl<K> PageRequest<K> {
    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the extra row off and returns the page with the cursor of its last item.
    pub fn page<T, C: Serialize>(&self, mut rows: Vec<T>, key_of: impl Fn(&T) -> C) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| encode_cursor(&key_of(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the list's stable order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

impl<T: Serialize> Page<T> {
    /// The JSON response, with a `Link` header to the next page built from the public URL.
    pub fn respond(&self, req: &HttpRequest, public_url: &str) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        if let Some(cursor) = &self.next_cursor {
            let link = format!("<{}>; rel=\"next\"", next_url(req, public_url, cursor));
            response.insert_header((header::LINK, link));
        }
        response.json(self)
    }
}

/// The URL of the next page: this request's path and query with `cursor` replaced.
pub fn next_url(req: &HttpRequest, public_url: &str, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(name, _)| name != "cursor");
    pairs.push(("cursor".into(), cursor.into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{public_url}{}?{query}", req.path())
}

pub fn encode_cursor<C: Serialize>(key: &C) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).expect("sort keys serialize"))
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    let invalid = || ApiError::bad_request("cursor is not a cursor this list handed out");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_the_range_are_bad_requests() {
        for limit in [0, -1, 201] {
            let query = PageQuery {
                limit: Some(limit),
                cursor: None,
            };
            assert!(matches!(
                query.parse::<String>(),
                Err(ApiError::BadRequest(_))
            ));
        }
        let query = PageQuery {
            limit: None,
            cursor: None,
        };
        assert_eq!(query.parse::<String>().unwrap().limit, 50);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = encode_cursor(&("05570004", 7));
        let decoded: (String, i32) = decode_cursor(&cursor).unwrap();
        assert_eq!(decoded, ("05570004".to_owned(), 7));
        assert!(decode_cursor::<(String, i32)>("not-a-cursor!").is_err());
    }

    #[test]
    fn a_page_keeps_the_limit_and_points_past_its_last_item() {
        let request = PageRequest::<i32> {
            limit: 2,
            after: None,
        };
        let page = request.page(vec![1, 2, 3], |x| *x);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            decode_cursor::<i32>(page.next_cursor.as_deref().unwrap()).unwrap(),
            2
        );
        let last = request.page(vec![1, 2], |x| *x);
        assert!(last.next_cursor.is_none());
    }
}
