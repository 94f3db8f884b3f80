//! Parsing of the (still unverified) compact JWS header: `alg` and `kid`, with strict base64url.

use jsonwebtoken::Algorithm;
use serde_json::Value;

use super::error::TokenError;
use super::settings::{MAX_KID_LEN, MAX_TOKEN_LEN};

/// Reads `alg` and `kid` from the (unverified) header; refuses anything but HS256/RS256/ES256.
pub(super) fn parse_header(token: &str) -> Result<(Algorithm, Option<String>), TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    if header.is_empty() || payload.is_empty() {
        return Err(TokenError::Malformed);
    }
    let header = b64url_decode(header).ok_or(TokenError::Malformed)?;
    let Ok(Value::Object(header)) = serde_json::from_slice::<Value>(&header) else {
        return Err(TokenError::Malformed);
    };
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => match alg.as_str() {
            "HS256" => Algorithm::HS256,
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            _ => return Err(TokenError::UnsupportedAlgorithm),
        },
        _ => return Err(TokenError::Malformed),
    };
    if signature.is_empty() {
        return Err(TokenError::BadSignature);
    }
    if header.contains_key("crit") {
        return Err(TokenError::Invalid(
            "critical header extensions are not supported".to_owned(),
        ));
    }
    let kid = match header.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if !k.is_empty() && k.len() <= MAX_KID_LEN => Some(k.clone()),
        Some(_) => return Err(TokenError::Malformed),
    };
    Ok((alg, kid))
}

/// Strict unpadded base64url decoding (RFC 7515 §2).
fn b64url_decode(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    }
    let bytes = input.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let produced = chunk.len() * 6 / 8;
        for i in 0..produced {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
        // Reject non-canonical encodings (non-zero unused bits).
        let unused_mask = match chunk.len() {
            2 => 0xFFFF,
            3 => 0xFF,
            _ => 0,
        };
        if acc & unused_mask != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64url_decode_strict() {
        assert_eq!(b64url_decode("").unwrap(), b"");
        assert_eq!(b64url_decode("Zg").unwrap(), b"f");
        assert_eq!(b64url_decode("Zm8").unwrap(), b"fo");
        assert_eq!(b64url_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(b64url_decode("_-8").unwrap(), [0xff, 0xef]);
        assert!(b64url_decode("Zm9v=").is_none(), "padding");
        assert!(b64url_decode("Zh").is_none(), "non-canonical trailing bits");
        assert!(b64url_decode("Z").is_none(), "impossible length");
        assert!(b64url_decode("Zm+v").is_none(), "standard alphabet");
    }

    #[test]
    fn header_parsing() {
        let tok = |h: &str| format!("{}.e30.c2ln", b64(h.as_bytes()));
        assert_eq!(
            parse_header(&tok(r#"{"alg":"RS256","kid":"k1"}"#)).unwrap(),
            (Algorithm::RS256, Some("k1".to_owned()))
        );
        assert_eq!(
            parse_header(&tok(r#"{"alg":"none"}"#)),
            Err(TokenError::UnsupportedAlgorithm)
        );
        assert_eq!(
            parse_header(&tok(r#"{"alg":"HS256","kid":7}"#)),
            Err(TokenError::Malformed)
        );
        let long_kid = format!(
            r#"{{"alg":"ES256","kid":"{}"}}"#,
            "k".repeat(MAX_KID_LEN + 1)
        );
        assert_eq!(parse_header(&tok(&long_kid)), Err(TokenError::Malformed));
    }

    fn b64(data: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for c in data.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..=c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
