//! Request extraction that answers every failure with a problem document: JSON bodies
//! ([`Json`]), and the error handlers for actix's query and path extractors.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{PathError, PayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::validation::{TextKind, normalize_line_breaks, text_problem};
use crate::error::{ApiError, FieldError};

/// A JSON request body of type `T`, checked only when the handler asks for it with
/// [`Json::into_inner`], so that a handler decides who may call it before it looks at the body
/// (an anonymous caller gets 401, not a validation error).
///
/// - a content type other than `application/json` (or `+json`) is 415;
/// - a body over the configured limit is 413;
/// - malformed JSON is 400;
/// - text with characters its field may not hold (NUL, other control characters, bidi
///   overrides: see [`check_text`]) is 422 naming every such field; CRLF is read as LF;
/// - a missing field or a value of the wrong type is 422 with the field's JSON pointer.
#[derive(Debug)]
pub struct Json<T>(Result<T, ApiError>);

impl<T> Json<T> {
    /// The parsed body, or the problem with it.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Ok(Json(Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ))));
            }
            Ok(Json(match body.await {
                Ok(bytes) => parse(&bytes),
                Err(error) => Err(payload_error(error)),
            }))
        })
    }
}

/// Parses and checks a JSON body (see [`Json`]).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let text_errors = check_text(&mut value);
    if !text_errors.is_empty() {
        return Err(ApiError::Validation(text_errors));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let pointer = pointer_from_path(error.path());
        ApiError::Validation(vec![FieldError::new(
            pointer,
            error.into_inner().to_string(),
        )])
    })
}

fn payload_error(error: actix_web::Error) -> ApiError {
    match error.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => {
            ApiError::PayloadTooLarge("the request body is larger than this service accepts".into())
        }
        _ => {
            // `Bytes` reports an over-long Content-Length as its own error type.
            if error.as_response_error().status_code()
                == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
            {
                ApiError::PayloadTooLarge(
                    "the request body is larger than this service accepts".into(),
                )
            } else {
                ApiError::bad_request(format!("the request body could not be read: {error}"))
            }
        }
    }
}

/// Applies the text rule of [`crate::domain::validation`] to every string of a JSON document:
/// CRLF becomes LF, and each string that breaks the rule for its field (single-line or
/// multi-line, by the name of the member holding it) is reported with its pointer. Member
/// names are single-line. The one place every request body's text passes through.
pub fn check_text(value: &mut Value) -> Vec<FieldError> {
    let mut found = Vec::new();
    walk_text(value, "", &mut String::new(), &mut found);
    found
}

fn walk_text(value: &mut Value, field: &str, pointer: &mut String, found: &mut Vec<FieldError>) {
    match value {
        Value::String(text) => {
            if let Cow::Owned(normalized) = normalize_line_breaks(text) {
                *text = normalized;
            }
            if let Some(problem) = text_problem(text, TextKind::of_field(field)) {
                found.push(FieldError::new(pointer.clone(), problem));
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{index}"));
                // An element is judged like its array (`tags/0` like `tags`).
                walk_text(item, field, pointer, found);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
                if let Some(problem) = text_problem(key, TextKind::SingleLine) {
                    found.push(FieldError::new(pointer.clone(), format!("names {problem}")));
                }
                walk_text(item, key, pointer, found);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn pointer_from_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
            }
            Segment::Enum { variant } => {
                pointer.push('/');
                pointer.push_str(&escape_pointer(variant));
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

/// Query-string errors are 400 problems naming the parameter where serde says which.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _req| {
        ApiError::bad_request(format!("invalid query parameters: {error}")).into()
    })
}

/// Path-segment errors (e.g. a malformed id) are 400 problems.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error: PathError, req| {
        let literal_route = req
            .app_data::<web::Data<crate::http::fallback::RouteTable>>()
            .and_then(|routes| routes.method_not_allowed(req.method().as_str(), req.path()));
        literal_route
            .unwrap_or_else(|| ApiError::bad_request(format!("invalid path parameter: {error}")))
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        amount: i64,
    }

    #[test]
    fn wrong_types_point_at_the_field() {
        let err = parse::<Body>(br#"{"name": "x", "items": [{"amount": 1}, {"amount": "two"}]}"#)
            .unwrap_err();
        match err {
            ApiError::Validation(fields) => assert_eq!(fields[0].pointer, "/items/1/amount"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn nul_bytes_are_refused_with_pointers() {
        let err =
            parse::<Body>(br#"{"name": "a\u0000b", "items": [], "x/y": "\u0000"}"#).unwrap_err();
        match err {
            ApiError::Validation(fields) => {
                let pointers: Vec<_> = fields.iter().map(|f| f.pointer.as_str()).collect();
                assert_eq!(pointers, ["/name", "/x~1y"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn control_characters_are_refused_by_field_kind() {
        let err = parse::<Body>(
            br#"{"name": "a\rATTENDEE:x", "items": [], "description": "ok\r\nnext\tline",
                 "tags": ["fine", "b\u202Ed"], "note": "bell\u0007"}"#,
        )
        .unwrap_err();
        match err {
            ApiError::Validation(fields) => {
                let mut pointers: Vec<_> = fields.iter().map(|f| f.pointer.as_str()).collect();
                pointers.sort();
                assert_eq!(pointers, ["/name", "/note", "/tags/1"]);
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut value = serde_json::json!({"description": "a\r\nb"});
        assert!(check_text(&mut value).is_empty());
        assert_eq!(value["description"], "a\nb");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse::<Body>(b"{"), Err(ApiError::BadRequest(_))));
    }
}
