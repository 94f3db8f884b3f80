//! [`TokenError`]: why a bearer token was refused, and how `jsonwebtoken` errors map onto it.

use std::fmt;

use jsonwebtoken::errors::ErrorKind;

/// Why a bearer token was refused. `Display` gives a fixed, client-safe description (never the
/// token, never header or claim values from it), suitable for RFC 6750 `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not a compact JWS: wrong shape, bad base64url/JSON, or too long.
    Malformed,
    /// `alg` is not one this verifier accepts (`none`, other algorithms, or no key configured for it,
    /// or the selected key is pinned to a different algorithm).
    UnsupportedAlgorithm,
    /// Token has no `kid` but the key can only be chosen by `kid` (JWKS only).
    MissingKeyId,
    /// No key with the token's `kid`, even after a permitted JWKS refresh.
    UnknownKey,
    /// Signature does not verify.
    BadSignature,
    /// `exp` is in the past beyond the leeway.
    Expired,
    /// `nbf` is in the future beyond the leeway.
    NotYetValid,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    WrongAudience,
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// Anything else (claim of the wrong type, empty `roles`, `crit` header, ...). The text is
    /// fixed by this module, never copied from the token.
    Invalid(String),
}

impl TokenError {
    /// RFC 6750 error code: always `invalid_token` for these failures.
    pub fn error_code(&self) -> &'static str {
        "invalid_token"
    }

    /// A ready `WWW-Authenticate` header value:
    /// `Bearer error="invalid_token", error_description="..."`.
    pub fn www_authenticate(&self) -> String {
        // RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E (no `"` and no `\`).
        let description: String = self
            .to_string()
            .chars()
            .map(|c| match c {
                '"' | '\\' => '\'',
                c if (' '..='~').contains(&c) => c,
                _ => '?',
            })
            .collect();
        format!(
            "Bearer error=\"{}\", error_description=\"{description}\"",
            self.error_code()
        )
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Malformed => f.write_str("the token is malformed"),
            TokenError::UnsupportedAlgorithm => {
                f.write_str("the token's signing algorithm is not accepted")
            }
            TokenError::MissingKeyId => f.write_str("the token has no key id (kid)"),
            TokenError::UnknownKey => f.write_str("the token's key id (kid) is unknown"),
            TokenError::BadSignature => f.write_str("the token signature is invalid"),
            TokenError::Expired => f.write_str("the token has expired"),
            TokenError::NotYetValid => f.write_str("the token is not valid yet"),
            TokenError::WrongIssuer => f.write_str("the token issuer is not accepted"),
            TokenError::WrongAudience => f.write_str("the token audience is not accepted"),
            TokenError::MissingClaim(c) => write!(f, "the token lacks the required claim {c}"),
            TokenError::Invalid(msg) => write!(f, "the token is invalid: {msg}"),
        }
    }
}

impl std::error::Error for TokenError {}

pub(super) fn map_jwt_error(e: jsonwebtoken::errors::Error) -> TokenError {
    match e.kind() {
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => TokenError::Malformed,
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::MissingAlgorithm => TokenError::UnsupportedAlgorithm,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(c) => match c.as_str() {
            "exp" => TokenError::MissingClaim("exp"),
            "iss" => TokenError::MissingClaim("iss"),
            "aud" => TokenError::MissingClaim("aud"),
            "sub" => TokenError::MissingClaim("sub"),
            "nbf" => TokenError::MissingClaim("nbf"),
            _ => TokenError::Invalid("a required claim is missing".to_owned()),
        },
        ErrorKind::InvalidClaimFormat(c) => match c.as_str() {
            "exp" => TokenError::Invalid("claim exp must be a number".to_owned()),
            "nbf" => TokenError::Invalid("claim nbf must be a number".to_owned()),
            _ => TokenError::Invalid("a claim has an invalid format".to_owned()),
        },
        other => {
            // Key problems should have been caught at load time.
            tracing::error!(error = ?other, "unexpected JWT verification failure");
            TokenError::Invalid("the token could not be verified".to_owned())
        }
    }
}
