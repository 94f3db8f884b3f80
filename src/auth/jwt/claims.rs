//! [`Claims`], the claim checks applied after signature verification, and the dev/test token
//! issuer [`issue_hs256`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Inner;
use super::error::TokenError;
use super::settings::MIN_HS256_SECRET_LEN;

/// Failure of [`issue_hs256`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueError(String);

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot issue token: {}", self.0)
    }
}

impl std::error::Error for IssueError {}

/// The verified claims of a bearer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Organisation (municipality) the subject acts for.
    pub org: String,
    pub roles: Vec<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    pub iss: String,
    /// After verification: the configured audience (the token may have carried an array).
    pub aud: String,
}

impl Claims {
    /// Claims issued now (`iat`), valid for `ttl` (`exp`), without `nbf`.
    pub fn new(
        sub: impl Into<String>,
        org: impl Into<String>,
        roles: impl IntoIterator<Item = impl Into<String>>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
        ttl: Duration,
    ) -> Self {
        let now = unix_now();
        Claims {
            sub: sub.into(),
            org: org.into(),
            roles: roles.into_iter().map(Into::into).collect(),
            exp: now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            nbf: None,
            iat: Some(now),
            iss: issuer.into(),
            aud: audience.into(),
        }
    }

    /// True if `role` is among the roles.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// Signs `claims` as an `HS256` JWT (`typ: JWT`, no `kid`) — for the dev/test token issuer.
pub fn issue_hs256(secret: &[u8], claims: &Claims) -> Result<String, IssueError> {
    if secret.len() < MIN_HS256_SECRET_LEN {
        return Err(IssueError(format!(
            "HS256 secret must be at least {MIN_HS256_SECRET_LEN} bytes"
        )));
    }
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| IssueError(e.to_string()))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Inner {
    pub(super) fn extract_claims(&self, mut map: Map<String, Value>) -> Result<Claims, TokenError> {
        let sub = required_string(&mut map, "sub")?;
        let org = required_string(&mut map, "org")?;
        let roles = match map.remove("roles") {
            None | Some(Value::Null) => return Err(TokenError::MissingClaim("roles")),
            Some(Value::Array(items)) if !items.is_empty() => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) if !s.is_empty() => Ok(s),
                    _ => Err(TokenError::Invalid(
                        "claim roles must contain non-empty strings".to_owned(),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(Value::Array(_)) => {
                return Err(TokenError::Invalid("claim roles is empty".to_owned()));
            }
            Some(_) => {
                return Err(TokenError::Invalid(
                    "claim roles must be an array of strings".to_owned(),
                ));
            }
        };
        let exp = numeric(map.get("exp"), "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
        let nbf = numeric(map.get("nbf"), "nbf")?;
        let iat = numeric(map.get("iat"), "iat")?;

        // jsonwebtoken already checked membership; we additionally insist on the plain forms.
        let iss = match map.get("iss") {
            Some(Value::String(s)) if *s == self.issuer => s.clone(),
            None | Some(Value::Null) => return Err(TokenError::MissingClaim("iss")),
            Some(_) => return Err(TokenError::WrongIssuer),
        };
        let aud_ok = match map.get("aud") {
            Some(Value::String(s)) => *s == self.audience,
            Some(Value::Array(items)) => items
                .iter()
                .any(|v| v.as_str() == Some(self.audience.as_str())),
            None | Some(Value::Null) => return Err(TokenError::MissingClaim("aud")),
            Some(_) => false,
        };
        if !aud_ok {
            return Err(TokenError::WrongAudience);
        }

        Ok(Claims {
            sub,
            org,
            roles,
            exp,
            nbf,
            iat,
            iss,
            aud: self.audience.clone(),
        })
    }
}

fn required_string(map: &mut Map<String, Value>, name: &'static str) -> Result<String, TokenError> {
    match map.remove(name) {
        None | Some(Value::Null) => Err(TokenError::MissingClaim(name)),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(TokenError::Invalid(format!(
            "claim {name} must be a non-empty string"
        ))),
    }
}

fn numeric(value: Option<&Value>, name: &'static str) -> Result<Option<i64>, TokenError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 9.0e15)
                    .map(|f| f.round() as i64)
            })
            .map(Some)
            .ok_or_else(|| TokenError::Invalid(format!("claim {name} is not a valid number"))),
        Some(_) => Err(TokenError::Invalid(format!(
            "claim {name} must be a number"
        ))),
    }
}
