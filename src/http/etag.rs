//! Strong ETags from row versions, and the `If-Match` rules for updates: 428 without it, 412
//! when it names an older version.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};

use crate::error::ApiError;

/// The ETag of a resource at `version`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

pub fn header_value(version: i32) -> HeaderValue {
    HeaderValue::from_str(&etag(version)).expect("an ETag of digits is a valid header")
}

/// What an update's `If-Match` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    /// `If-Match: *`: any current version.
    Any,
    /// One of the listed versions.
    Version(i32),
}

impl IfMatch {
    /// Reads `If-Match`; a missing header is 428. Weak tags never match (RFC 9110 uses the
    /// strong comparison for `If-Match`), so they are 412 like any stale tag.
    pub fn from_request(req: &HttpRequest) -> Result<Self, ApiError> {
        let values: Vec<&HeaderValue> = req.headers().get_all(header::IF_MATCH).collect();
        if values.is_empty() {
            return Err(ApiError::PreconditionRequired(
                "send If-Match with the ETag of the version you read".into(),
            ));
        }
        let mut versions = Vec::new();
        for value in values {
            let text = value
                .to_str()
                .map_err(|_| ApiError::bad_request("If-Match is not text"))?;
            for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                if tag == "*" {
                    return Ok(IfMatch::Any);
                }
                if let Some(version) = tag
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .and_then(|t| t.parse::<i32>().ok())
                {
                    versions.push(version);
                }
            }
        }
        // A client sends the one tag it read; with several, the newest is the one that can
        // still match.
        versions
            .into_iter()
            .max()
            .map(IfMatch::Version)
            .ok_or_else(stale)
    }

    /// Reads `If-Match` where it is optional: a PUT that creates a record or replaces it.
    pub fn optional(req: &HttpRequest) -> Result<Option<Self>, ApiError> {
        if req.headers().contains_key(header::IF_MATCH) {
            Self::from_request(req).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The precondition of a PUT that creates or replaces: replacing the record at version
    /// `current` needs `If-Match` naming it (428 without it, `what_exists` saying what does),
    /// and creating refuses one (412: there is no version it could name).
    pub fn check_put(
        if_match: Option<Self>,
        current: Option<i32>,
        what_exists: &str,
    ) -> Result<(), ApiError> {
        match (if_match, current) {
            (Some(if_match), Some(version)) => if_match.check(version),
            (None, Some(_)) => Err(ApiError::PreconditionRequired(format!(
                "{what_exists}: send If-Match with the ETag of the version you read"
            ))),
            (Some(_), None) => Err(stale()),
            (None, None) => Ok(()),
        }
    }

    /// Checks the header against the current version.
    pub fn check(self, current: i32) -> Result<(), ApiError> {
        match self {
            IfMatch::Any => Ok(()),
            IfMatch::Version(v) if v == current => Ok(()),
            IfMatch::Version(_) => Err(stale()),
        }
    }
}

pub fn stale() -> ApiError {
    ApiError::PreconditionFailed(
        "the resource has changed since you read it; read it again and reapply your change".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn parse(values: &[&str]) -> Result<IfMatch, ApiError> {
        let mut req = TestRequest::default();
        for v in values {
            req = req.append_header((header::IF_MATCH, *v));
        }
        IfMatch::from_request(&req.to_http_request())
    }

    #[test]
    fn if_match_rules() {
        assert!(matches!(parse(&[]), Err(ApiError::PreconditionRequired(_))));
        assert_eq!(parse(&["\"3\""]).unwrap(), IfMatch::Version(3));
        assert_eq!(parse(&["*"]).unwrap(), IfMatch::Any);
        assert!(matches!(
            parse(&["W/\"3\""]),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(matches!(
            parse(&["\"abc\""]),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(IfMatch::Version(3).check(3).is_ok());
        assert!(IfMatch::Version(2).check(3).is_err());
    }
}
