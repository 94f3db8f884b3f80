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

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::domain::validation::{TextKind, normalize_line_breaks, text_problem};
use crate::error::{ApiError, FieldError};
use crate::http::body_lengths::BodyLengths;

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
        // The route and its limits are looked up only for a text the text rule shortened.
        let req = req.clone();
        Box::pin(async move {
            if !content_type_ok {
                return Ok(Json(Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ))));
            }
            let max_length = |pointer: &str| {
                let lengths = req.app_data::<web::Data<BodyLengths>>()?;
                let path = req.match_pattern()?;
                lengths.max_length(req.method().as_str(), &path, pointer)
            };
            Ok(Json(match body.await {
                Ok(bytes) => parse_checked(&bytes, Some(&max_length)),
                Err(error) => Err(payload_error(error)),
            }))
        })
    }
}

/// Parses and checks a JSON body (see [`Json`]).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    parse_checked(bytes, None)
}

/// The document's `maxLength` at a JSON pointer of the body, if it states one.
pub type MaxLength<'a> = &'a dyn Fn(&str) -> Option<u64>;

/// [`parse`], and with `max_length`, the strings the text rule shortened are held to it as sent (see
/// [`crate::http::body_lengths`]).
pub fn parse_checked<T: DeserializeOwned>(
    bytes: &[u8],
    max_length: Option<MaxLength<'_>>,
) -> Result<T, ApiError> {
    let UniqueKeys(mut value) = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    // Every request body is an object; serde would also read a struct from an array of its
    // fields in order (`[null, null]`), which no client means and the document does not allow.
    if !value.is_object() {
        return Err(ApiError::invalid_field(
            "",
            "the body must be a JSON object",
        ));
    }
    let mut shortened = Vec::new();
    let mut text_errors = Vec::new();
    walk_text(
        &mut value,
        "",
        &mut String::new(),
        &mut text_errors,
        &mut shortened,
    );
    if let Some(max_length) = max_length {
        for (pointer, sent) in shortened {
            if let Some(max) = max_length(&pointer).filter(|max| sent as u64 > *max) {
                text_errors.push(FieldError::new(
                    pointer,
                    format!("must be at most {max} characters long (counted as sent)"),
                ));
            }
        }
    }
    if !text_errors.is_empty() {
        return Err(ApiError::Validation(text_errors));
    }
    integral_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|error| {
        let pointer = pointer_from_path(error.path());
        ApiError::Validation(vec![FieldError::new(
            pointer,
            error.into_inner().to_string(),
        )])
    })
}

/// JSON Schema (and so the OpenAPI document) counts `2027.0` as an integer; serde's integer
/// types do not. Every number with no fractional part that an `i64` holds exactly becomes that
/// integer, which a floating-point field reads as the same value.
fn integral_numbers(value: &mut Value) {
    /// 2^53: above it an `f64` no longer holds every integer, so the value may not be the one
    /// the client meant.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                *number = (float as i64).into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(members) => members.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// A JSON value whose objects have no member name twice. RFC 8259 leaves the meaning of
/// duplicate names open (some parsers take the first, serde_json the last), so that a body
/// could say one thing to a proxy or a log and another to the service: it is refused (400).
struct UniqueKeys(Value);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let UniqueKeys(value) = map.next_value()?;
            if members.contains_key(&name) {
                return Err(serde::de::Error::custom(format!(
                    "the member name `{name}` occurs twice in one object"
                )));
            }
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

fn payload_error(error: actix_web::Error) -> ApiError {
    let payload = error.as_error::<PayloadError>();
    if let Some(late) = payload.and_then(crate::http::body_deadline::timed_out) {
        return late;
    }
    match payload {
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
    walk_text(value, "", &mut String::new(), &mut found, &mut Vec::new());
    found
}

/// Applies the text rule below `value`, reporting each string that breaks it in `found` and
/// each string the normalization shortened, with the length sent, in `shortened`.
fn walk_text(
    value: &mut Value,
    field: &str,
    pointer: &mut String,
    found: &mut Vec<FieldError>,
    shortened: &mut Vec<(String, usize)>,
) {
    match value {
        Value::String(text) => {
            let sent = text.chars().count();
            let mut changed = false;
            if let Cow::Owned(normalized) = normalize_line_breaks(text) {
                *text = normalized;
                changed = true;
            }
            // Stored in NFC, so that names differing only in their Unicode normalization (a
            // precomposed `ö` or `o` with a combining diaeresis) are the same name to the
            // uniqueness rules, to searches and to the systems that copy them.
            if is_nfc_quick(text.chars()) != IsNormalized::Yes {
                *text = text.nfc().collect();
                changed = true;
            }
            if changed && text.chars().count() < sent {
                shortened.push((pointer.clone(), sent));
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
                walk_text(item, field, pointer, found, shortened);
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
                walk_text(item, key, pointer, found, shortened);
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

/// The text rule for query strings: every parameter's name and value, percent-decoded (`+` as
/// a space), must be UTF-8 and single-line text ([`text_problem`]): no NUL, no other control
/// character, no bidi override, no invisible formatting character. A query that breaks it is a
/// 400 naming the parameter, before any handler sees it (a NUL would otherwise reach PostgreSQL
/// and fail there). Returns the query in NFC when it was not (a search for a decomposed `ö`
/// finds what is stored precomposed), else `None`.
pub fn check_query(query: &str) -> Result<Option<String>, ApiError> {
    let mut normalized = Vec::new();
    let mut changed = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode_query_part(name)
            .map_err(|_| ApiError::bad_request("a query parameter name is not valid UTF-8"))?;
        if let Some(problem) = text_problem(&name, TextKind::SingleLine) {
            return Err(ApiError::bad_request(format!(
                "a query parameter name {problem}"
            )));
        }
        let value = decode_query_part(value).map_err(|_| {
            ApiError::bad_request(format!("query parameter `{name}` is not valid UTF-8"))
        })?;
        if let Some(problem) = text_problem(&value, TextKind::SingleLine) {
            return Err(ApiError::bad_request(format!(
                "query parameter `{name}` {problem}"
            )));
        }
        if is_nfc_quick(name.chars()) != IsNormalized::Yes
            || is_nfc_quick(value.chars()) != IsNormalized::Yes
        {
            changed = true;
        }
        normalized.push((
            name.nfc().collect::<String>(),
            value.nfc().collect::<String>(),
        ));
    }
    if !changed {
        return Ok(None);
    }
    Ok(Some(serde_urlencoded::to_string(&normalized).map_err(
        |e| ApiError::bad_request(format!("invalid query: {e}")),
    )?))
}

/// The API's query parameters that filter by an organization key: a value that is no key, the
/// empty one included, is a 400 (a typo would otherwise filter everything away). The OpenAPI
/// document states the same rule (`openapi::text`).
pub const ORGANIZATION_KEY_QUERY_PARAMETERS: &[&str] =
    &["lead", "member", "organization", "owner", "participant"];

fn check_key_parameters(query: &str) -> Result<(), ApiError> {
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Ok(name), Ok(value)) = (decode_query_part(name), decode_query_part(value)) else {
            continue; // `check_query` has refused it already
        };
        if ORGANIZATION_KEY_QUERY_PARAMETERS.contains(&name.as_str())
            && !crate::domain::ids::is_organization_key(&value)
        {
            return Err(ApiError::bad_request(format!(
                "query parameter `{name}` must be an organization key (5 or 8 digits, or a \
                 lowercase slug)"
            )));
        }
    }
    Ok(())
}

fn decode_query_part(part: &str) -> Result<String, std::string::FromUtf8Error> {
    let spaced = part.replace('+', " ");
    String::from_utf8(percent_encoding::percent_decode_str(&spaced).collect())
}

/// Applies [`check_query`] to every request (an OParl request gets its error in OParl's
/// format), and hands the handlers the query in NFC.
pub async fn query_text(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // The path's segments follow the same rule: a NUL or control character in an id or key
    // would otherwise reach PostgreSQL (a 500) or a log line.
    let path_problem = match percent_encoding::percent_decode_str(req.path()).decode_utf8() {
        Ok(path) => text_problem(&path, TextKind::SingleLine)
            .map(|problem| ApiError::bad_request(format!("the path {problem}"))),
        Err(_) => Some(ApiError::bad_request("the path is not valid UTF-8")),
    };
    let checked = match path_problem {
        Some(problem) => Err(problem),
        None if req.path().starts_with("/api/") => {
            check_key_parameters(req.query_string()).and_then(|()| check_query(req.query_string()))
        }
        None => check_query(req.query_string()),
    };
    match checked {
        Ok(None) => {}
        Ok(Some(query)) => {
            let path_and_query = format!("{}?{query}", req.path());
            if let Ok(uri) = path_and_query.parse() {
                // Only the query changes: the path the router matched stays the same.
                req.head_mut().uri = uri;
            }
        }
        Err(problem) => {
            let response = if req.path().starts_with("/oparl/") {
                req.error_response(crate::error::oparl::OparlError(problem))
            } else {
                req.error_response(problem)
            };
            return Ok(response.map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
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

    #[test]
    fn a_text_shortened_by_the_text_rule_is_held_to_its_limit_as_sent() {
        #[derive(serde::Deserialize)]
        struct Body {
            #[allow(dead_code)]
            reason: String,
        }
        let lengths = BodyLengths::new(serde_json::json!({
            "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {
                "schema": {"properties": {"reason": {"type": "string", "maxLength": 4}}}
            }}}}}}
        }));
        let lookup = |pointer: &str| lengths.max_length("POST", "/x", pointer);
        let limits = || Some(&lookup as MaxLength<'_>);
        // Five characters sent, four once CRLF is read as LF or `o` and U+0308 are composed.
        for sent in [r#"{"reason": "a\r\nbc"}"#, r#"{"reason": "o\u0308bcd"}"#] {
            let refused = parse_checked::<Body>(sent.as_bytes(), limits()).err();
            assert!(
                matches!(&refused, Some(ApiError::Validation(errors)) if errors[0].pointer == "/reason"),
                "{sent}: {refused:?}"
            );
            assert!(parse::<Body>(sent.as_bytes()).is_ok(), "{sent}");
        }
        assert!(parse_checked::<Body>(br#"{"reason": "a\r\nb"}"#, limits()).is_ok());
    }

    #[test]
    fn integral_floats_read_as_integers_and_fractions_stay_refused() {
        #[derive(Debug, serde::Deserialize)]
        struct Year {
            year: i32,
            share: f64,
        }
        let year: Year = parse(br#"{"year": 2027.0, "share": 2.0}"#).unwrap();
        assert_eq!((year.year, year.share), (2027, 2.0));
        assert!(parse::<Year>(br#"{"year": 2027.5, "share": 1}"#).is_err());
        assert!(parse::<Year>(br#"{"year": 1e300, "share": 1}"#).is_err());
        let exact: Value = parse(br#"{"n": [-0.0, 9007199254740993.0, 1e16]}"#).unwrap();
        assert_eq!(
            exact,
            serde_json::json!({"n": [0, 9007199254740992_i64, 1e16]})
        );
        let error = parse::<Year>(b"[2027, 1.0]").unwrap_err();
        assert_eq!(error.problem().status, 422);
    }

    #[test]
    fn duplicate_member_names_are_refused_at_every_depth() {
        for body in [r#"{"a": 1, "a": 1}"#, r#"{"a": {"b": [{"c": 1, "c": 2}]}}"#] {
            let error = parse::<Value>(body.as_bytes()).unwrap_err();
            assert!(
                matches!(&error, ApiError::BadRequest(d) if d.contains("occurs twice")),
                "{error:?}"
            );
        }
        let value: Value = parse(br#"{"a": {"a": [1, {"a": null}]}, "b": 1.5}"#).unwrap();
        assert_eq!(value["a"]["a"][1]["a"], Value::Null);
        assert_eq!(value["b"], 1.5);
    }

    #[test]
    fn text_is_stored_in_nfc() {
        let value: Value = parse("{\"name\": \"Fo\u{0308}rderung\"}".as_bytes()).unwrap();
        assert_eq!(value["name"], "F\u{f6}rderung");
    }

    #[test]
    fn query_strings_follow_the_text_rule() {
        assert_eq!(check_query("").unwrap(), None);
        assert_eq!(
            check_query("q=Dorfladen+Ahlen&limit=5&lead=05570004").unwrap(),
            None
        );
        assert_eq!(check_query("q=%C3%B6ffentlich&flag").unwrap(), None);
        assert_eq!(
            check_query("q=o%CC%88ffentlich+Amt&limit=5")
                .unwrap()
                .as_deref(),
            Some("q=%C3%B6ffentlich+Amt&limit=5")
        );
        for bad in [
            "lead=%00",
            "q=a%0Ab",
            "q=%E2%80%AEabc",
            "q=%FF",
            "%00=1",
            "q=%E2%80%8B",
            "q=a\u{7}",
        ] {
            let error = check_query(bad).unwrap_err();
            assert!(matches!(error, ApiError::BadRequest(_)), "{bad}");
        }
    }

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
