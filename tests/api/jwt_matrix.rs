//! Acceptance/refusal matrix for the bearer-token verifier.
//!
//! Keys under tests/fixtures/keys/ are TEST-ONLY (see generate.sh there).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{DecodingKey, EncodingKey, Header};
use serde_json::{Value, json};
use smartregion::auth::jwt::{
    Algorithm, Claims, JwksSource, JwtConfigError, JwtSettings, JwtVerifier, TokenError,
    issue_hs256,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

const SECRET: &str = "test-only-hs256-secret-0123456789abcdef";
const ISS: &str = "https://idp.smartregion.test";
const AUD: &str = "smartregion-api";

// ----------------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture exists")
}

fn jwk_fixture(name: &str) -> Value {
    serde_json::from_slice(&read_fixture(name)).unwrap()
}

/// A fresh directory under target/tmp, unique per call.
fn scratch_dir(test: &str) -> PathBuf {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("jwt-{test}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_jwks(path: &PathBuf, keys: &[&str]) {
    let set = json!({ "keys": keys.iter().map(|k| jwk_fixture(k)).collect::<Vec<_>>() });
    // Write to a temp file and rename, so a concurrent reader never sees a partial file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&set).unwrap()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn b64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Standard valid claims; tests remove or change fields.
fn claims() -> Value {
    let now = now();
    json!({
        "sub": "user-42",
        "org": "gemeinde-musterdorf",
        "roles": ["planner", "viewer"],
        "iss": ISS,
        "aud": AUD,
        "iat": now,
        "exp": now + 300,
    })
}

fn with(mut c: Value, key: &str, value: Value) -> Value {
    c[key] = value;
    c
}

fn without(mut c: Value, key: &str) -> Value {
    c.as_object_mut().unwrap().remove(key);
    c
}

fn header(alg: Algorithm, kid: Option<&str>) -> Header {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_owned);
    h
}

fn sign_hs(c: &Value) -> String {
    jsonwebtoken::encode(
        &header(Algorithm::HS256, None),
        c,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn sign_rs(c: &Value, private_pem: &str, kid: Option<&str>) -> String {
    let key = EncodingKey::from_rsa_pem(&read_fixture(private_pem)).unwrap();
    jsonwebtoken::encode(&header(Algorithm::RS256, kid), c, &key).unwrap()
}

fn sign_es(c: &Value, kid: Option<&str>) -> String {
    let key = EncodingKey::from_ec_pem(&read_fixture("ec_p256_private.pem")).unwrap();
    jsonwebtoken::encode(&header(Algorithm::ES256, kid), c, &key).unwrap()
}

fn base() -> JwtSettings {
    let mut s = JwtSettings::new(ISS, AUD);
    s.leeway_secs = 30;
    s.jwks_refresh_min_interval = Duration::from_secs(60);
    s
}

fn hs_settings() -> JwtSettings {
    JwtSettings {
        hs256_secret: Some(SECRET.to_owned()),
        ..base()
    }
}

fn rsa_pem_settings() -> JwtSettings {
    JwtSettings {
        public_key_pem_file: Some(fixture("rsa_a_public.pem")),
        ..base()
    }
}

fn jwks_file_settings(path: PathBuf, interval: Duration) -> JwtSettings {
    JwtSettings {
        jwks: Some(JwksSource::File(path)),
        jwks_refresh_min_interval: interval,
        ..base()
    }
}

/// HS secret + RSA PEM + JWKS (EC and RSA A): everything configured at once.
async fn all_sources() -> JwtVerifier {
    let dir = scratch_dir("all");
    let path = dir.join("jwks.json");
    write_jwks(&path, &["ec_p256.jwk.json", "rsa_a.jwk.json"]);
    JwtVerifier::new(JwtSettings {
        hs256_secret: Some(SECRET.to_owned()),
        public_key_pem_file: Some(fixture("rsa_a_public.pem")),
        ..jwks_file_settings(path, Duration::from_secs(60))
    })
    .await
    .unwrap()
}

async fn hs() -> JwtVerifier {
    JwtVerifier::new(hs_settings()).await.unwrap()
}

async fn expect_err(v: &JwtVerifier, token: &str, expected: TokenError) {
    match v.verify(token).await {
        Ok(c) => panic!("expected {expected:?}, token was accepted: {c:?}"),
        Err(e) => assert_eq!(e, expected),
    }
}

// ----------------------------------------------------------------------------------------------
// Accepted tokens
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn valid_hs256_via_issue_helper() {
    let v = hs().await;
    let c = Claims::new(
        "user-1",
        "gemeinde-a",
        ["admin"],
        ISS,
        AUD,
        Duration::from_secs(600),
    );
    let token = issue_hs256(SECRET.as_bytes(), &c).unwrap();
    let got = v.verify(&token).await.unwrap();
    assert_eq!(got, c);
    assert!(got.has_role("admin"));
}

#[tokio::test]
async fn valid_hs256_hand_built_claims() {
    let got = hs().await.verify(&sign_hs(&claims())).await.unwrap();
    assert_eq!(got.sub, "user-42");
    assert_eq!(got.org, "gemeinde-musterdorf");
    assert_eq!(got.roles, vec!["planner", "viewer"]);
    assert_eq!(got.iss, ISS);
    assert_eq!(got.aud, AUD);
    assert_eq!(got.nbf, None);
    assert!(got.iat.is_some());
}

#[tokio::test]
async fn valid_rs256_via_pem_inferred_and_explicit() {
    let token = sign_rs(&claims(), "rsa_a_private.pem", None);
    let inferred = JwtVerifier::new(rsa_pem_settings()).await.unwrap();
    assert_eq!(inferred.verify(&token).await.unwrap().sub, "user-42");
    let explicit = JwtVerifier::new(JwtSettings {
        public_key_alg: Some(Algorithm::RS256),
        ..rsa_pem_settings()
    })
    .await
    .unwrap();
    assert!(explicit.verify(&token).await.is_ok());
    // A kid is ignored when no JWKS is configured.
    let with_kid = sign_rs(&claims(), "rsa_a_private.pem", Some("whatever"));
    assert!(inferred.verify(&with_kid).await.is_ok());
}

#[tokio::test]
async fn valid_es256_via_jwks() {
    let v = JwtVerifier::new(jwks_file_settings(
        fixture("jwks_ec.json"),
        Duration::from_secs(60),
    ))
    .await
    .unwrap();
    let got = v.verify(&sign_es(&claims(), Some("ec-1"))).await.unwrap();
    assert_eq!(got.org, "gemeinde-musterdorf");
    assert_eq!(v.jwks_load_count(), 1);
}

#[tokio::test]
async fn valid_es256_via_pem_inferred() {
    let v = JwtVerifier::new(JwtSettings {
        public_key_pem_file: Some(fixture("ec_p256_public.pem")),
        ..base()
    })
    .await
    .unwrap();
    assert!(v.verify(&sign_es(&claims(), None)).await.is_ok());
    // The EC key is pinned to ES256: an RS256 token is refused.
    expect_err(
        &v,
        &sign_rs(&claims(), "rsa_a_private.pem", None),
        TokenError::UnsupportedAlgorithm,
    )
    .await;
}

#[tokio::test]
async fn all_sources_configured_each_alg_accepted() {
    let v = all_sources().await;
    assert!(v.verify(&sign_hs(&claims())).await.is_ok());
    assert!(
        v.verify(&sign_rs(&claims(), "rsa_a_private.pem", None))
            .await
            .is_ok()
    );
    assert!(
        v.verify(&sign_rs(&claims(), "rsa_a_private.pem", Some("rsa-a")))
            .await
            .is_ok()
    );
    assert!(v.verify(&sign_es(&claims(), Some("ec-1"))).await.is_ok());
}

#[tokio::test]
async fn aud_array_containing_audience_accepted() {
    let c = with(claims(), "aud", json!(["other-api", AUD]));
    assert_eq!(hs().await.verify(&sign_hs(&c)).await.unwrap().aud, AUD);
}

// ----------------------------------------------------------------------------------------------
// Algorithm attacks
// ----------------------------------------------------------------------------------------------

fn hand_built(header: &Value, payload: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(payload.to_string().as_bytes()),
        b64url(signature)
    )
}

#[tokio::test]
async fn alg_none_refused() {
    let v = all_sources().await;
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = json!({ "alg": alg, "typ": "JWT" });
        let unsigned = hand_built(&h, &claims(), b"");
        expect_err(&v, &unsigned, TokenError::UnsupportedAlgorithm).await;
        let with_sig = hand_built(&h, &claims(), b"junk");
        expect_err(&v, &with_sig, TokenError::UnsupportedAlgorithm).await;
    }
}

#[tokio::test]
async fn other_algorithms_refused() {
    let v = all_sources().await;
    for alg in [
        "HS384", "HS512", "RS512", "PS256", "ES384", "EdDSA", "hs256", "",
    ] {
        let t = hand_built(&json!({ "alg": alg }), &claims(), b"sig");
        expect_err(&v, &t, TokenError::UnsupportedAlgorithm).await;
    }
    // Well-formed HS512 token with the right secret: still refused.
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect_err(&v, &hs512, TokenError::UnsupportedAlgorithm).await;
}

fn hs_signed_with_rsa_public_pem(kid: Option<&str>) -> String {
    jsonwebtoken::encode(
        &header(Algorithm::HS256, kid),
        &claims(),
        &EncodingKey::from_secret(&read_fixture("rsa_a_public.pem")),
    )
    .unwrap()
}

#[tokio::test]
async fn hs_rs_confusion_refused() {
    // Only the RSA public key is configured: HS256 is not accepted at all.
    let rsa_only = JwtVerifier::new(rsa_pem_settings()).await.unwrap();
    expect_err(
        &rsa_only,
        &hs_signed_with_rsa_public_pem(None),
        TokenError::UnsupportedAlgorithm,
    )
    .await;
    // Only a JWKS holding the RSA key: same.
    let jwks_only = JwtVerifier::new(jwks_file_settings(
        fixture("jwks_rsa_a.json"),
        Duration::from_secs(60),
    ))
    .await
    .unwrap();
    expect_err(
        &jwks_only,
        &hs_signed_with_rsa_public_pem(Some("rsa-a")),
        TokenError::UnsupportedAlgorithm,
    )
    .await;
    // HS secret and RSA key configured: HS256 uses only the HS secret, so the forged MAC fails.
    let both = all_sources().await;
    expect_err(
        &both,
        &hs_signed_with_rsa_public_pem(Some("rsa-a")),
        TokenError::BadSignature,
    )
    .await;
}

#[tokio::test]
async fn rs256_refused_when_only_hs_configured() {
    expect_err(
        &hs().await,
        &sign_rs(&claims(), "rsa_a_private.pem", None),
        TokenError::UnsupportedAlgorithm,
    )
    .await;
}

#[tokio::test]
async fn jwk_alg_must_match_token_alg() {
    let v = all_sources().await;
    // ES256 token naming the RSA key's kid.
    expect_err(
        &v,
        &sign_es(&claims(), Some("rsa-a")),
        TokenError::UnsupportedAlgorithm,
    )
    .await;
    // RS256 token naming the EC key's kid.
    expect_err(
        &v,
        &sign_rs(&claims(), "rsa_a_private.pem", Some("ec-1")),
        TokenError::UnsupportedAlgorithm,
    )
    .await;
}

#[tokio::test]
async fn jwks_ignores_symmetric_and_mismatched_keys() {
    let dir = scratch_dir("jwks-filter");
    let path = dir.join("jwks.json");
    let mut rsa_as_ps256 = jwk_fixture("rsa_b.jwk.json");
    rsa_as_ps256["alg"] = json!("PS256");
    let set = json!({ "keys": [
        { "kty": "oct", "kid": "shared", "alg": "HS256", "k": b64url(SECRET.as_bytes()) },
        rsa_as_ps256,
        { "kty": "RSA", "kid": "enc-key", "use": "enc",
          "n": jwk_fixture("rsa_b.jwk.json")["n"], "e": "AQAB" },
        jwk_fixture("rsa_a.jwk.json"),
    ]});
    std::fs::write(&path, set.to_string()).unwrap();
    let v = JwtVerifier::new(jwks_file_settings(path, Duration::from_secs(60)))
        .await
        .unwrap();
    let hs_with_kid = jsonwebtoken::encode(
        &header(Algorithm::HS256, Some("shared")),
        &claims(),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect_err(&v, &hs_with_kid, TokenError::UnsupportedAlgorithm).await;
    expect_err(
        &v,
        &sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-b")),
        TokenError::UnknownKey,
    )
    .await;
    expect_err(
        &v,
        &sign_rs(&claims(), "rsa_b_private.pem", Some("enc-key")),
        TokenError::UnknownKey,
    )
    .await;
    assert!(
        v.verify(&sign_rs(&claims(), "rsa_a_private.pem", Some("rsa-a")))
            .await
            .is_ok()
    );
}

// ----------------------------------------------------------------------------------------------
// Signature and shape
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn tampered_payload_bad_signature() {
    let v = all_sources().await;
    let evil = with(claims(), "roles", json!(["admin"]));
    for token in [
        sign_hs(&claims()),
        sign_rs(&claims(), "rsa_a_private.pem", Some("rsa-a")),
        sign_es(&claims(), Some("ec-1")),
    ] {
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64url(evil.to_string().as_bytes()),
            parts[2]
        );
        expect_err(&v, &forged, TokenError::BadSignature).await;
    }
}

#[tokio::test]
async fn signature_by_other_key_bad_signature() {
    let v = JwtVerifier::new(rsa_pem_settings()).await.unwrap();
    expect_err(
        &v,
        &sign_rs(&claims(), "rsa_b_private.pem", None),
        TokenError::BadSignature,
    )
    .await;
    let wrong_secret = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(b"another-secret-that-is-long-enough-000"),
    )
    .unwrap();
    expect_err(&hs().await, &wrong_secret, TokenError::BadSignature).await;
}

#[tokio::test]
async fn malformed_tokens() {
    let v = hs().await;
    let good = sign_hs(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let cases = [
        String::new(),
        "abc".to_owned(),
        "a.b".to_owned(),
        format!("{good}.extra"),
        format!("{}.{}.{}", "!!!", parts[1], parts[2]),
        format!("{}.{}.{}", b64url(b"not json"), parts[1], parts[2]),
        format!("{}.{}.{}", b64url(b"[1,2]"), parts[1], parts[2]),
        format!("{}.{}.{}", b64url(br#"{"typ":"JWT"}"#), parts[1], parts[2]),
        format!("{}..{}", parts[0], parts[2]),
        "x".repeat(20_000),
    ];
    for t in &cases {
        expect_err(&v, t, TokenError::Malformed).await;
    }
    // Signed, but the payload is not a JSON object.
    let not_object = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!([1, 2, 3]),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect_err(&v, &not_object, TokenError::Malformed).await;
}

#[tokio::test]
async fn crit_header_refused() {
    let v = hs().await;
    let mut h = Header::new(Algorithm::HS256);
    h.crit = Some(vec!["exp".to_owned()]);
    let t =
        jsonwebtoken::encode(&h, &claims(), &EncodingKey::from_secret(SECRET.as_bytes())).unwrap();
    assert!(matches!(v.verify(&t).await, Err(TokenError::Invalid(_))));
}

// ----------------------------------------------------------------------------------------------
// Time window
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_exp() {
    let t = sign_hs(&without(claims(), "exp"));
    expect_err(&hs().await, &t, TokenError::MissingClaim("exp")).await;
}

#[tokio::test]
async fn exp_not_a_number() {
    // jsonwebtoken treats an unparsable required claim as absent.
    let t = sign_hs(&with(claims(), "exp", json!("tomorrow")));
    expect_err(&hs().await, &t, TokenError::MissingClaim("exp")).await;
    let t = sign_hs(&with(claims(), "exp", json!(-5)));
    expect_err(&hs().await, &t, TokenError::MissingClaim("exp")).await;
}

#[tokio::test]
async fn nbf_not_a_number() {
    let t = sign_hs(&with(claims(), "nbf", json!("now")));
    assert!(matches!(
        hs().await.verify(&t).await,
        Err(TokenError::Invalid(_))
    ));
}

#[tokio::test]
async fn expired_beyond_leeway() {
    let t = sign_hs(&with(claims(), "exp", json!(now() - 120)));
    expect_err(&hs().await, &t, TokenError::Expired).await;
}

#[tokio::test]
async fn expired_within_leeway_accepted() {
    let t = sign_hs(&with(claims(), "exp", json!(now() - 10)));
    assert!(hs().await.verify(&t).await.is_ok());
}

#[tokio::test]
async fn zero_leeway_refuses_just_expired() {
    let v = JwtVerifier::new(JwtSettings {
        leeway_secs: 0,
        ..hs_settings()
    })
    .await
    .unwrap();
    let t = sign_hs(&with(claims(), "exp", json!(now() - 10)));
    expect_err(&v, &t, TokenError::Expired).await;
}

#[tokio::test]
async fn nbf_in_future_beyond_leeway() {
    let t = sign_hs(&with(claims(), "nbf", json!(now() + 120)));
    expect_err(&hs().await, &t, TokenError::NotYetValid).await;
}

#[tokio::test]
async fn nbf_within_leeway_or_past_accepted() {
    let v = hs().await;
    let soon = v
        .verify(&sign_hs(&with(claims(), "nbf", json!(now() + 10))))
        .await
        .unwrap();
    assert!(soon.nbf.is_some());
    assert!(
        v.verify(&sign_hs(&with(claims(), "nbf", json!(now() - 60))))
            .await
            .is_ok()
    );
}

// ----------------------------------------------------------------------------------------------
// Issuer, audience, subject, org, roles
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_iss() {
    let t = sign_hs(&without(claims(), "iss"));
    expect_err(&hs().await, &t, TokenError::MissingClaim("iss")).await;
}

#[tokio::test]
async fn wrong_iss() {
    let t = sign_hs(&with(claims(), "iss", json!("https://evil.test")));
    expect_err(&hs().await, &t, TokenError::WrongIssuer).await;
}

#[tokio::test]
async fn missing_aud() {
    let t = sign_hs(&without(claims(), "aud"));
    expect_err(&hs().await, &t, TokenError::MissingClaim("aud")).await;
}

#[tokio::test]
async fn wrong_aud() {
    let v = hs().await;
    let t = sign_hs(&with(claims(), "aud", json!("other-api")));
    expect_err(&v, &t, TokenError::WrongAudience).await;
    let t = sign_hs(&with(claims(), "aud", json!(["other-api", "third"])));
    expect_err(&v, &t, TokenError::WrongAudience).await;
}

#[tokio::test]
async fn missing_sub() {
    let t = sign_hs(&without(claims(), "sub"));
    expect_err(&hs().await, &t, TokenError::MissingClaim("sub")).await;
}

#[tokio::test]
async fn empty_sub_refused() {
    let t = sign_hs(&with(claims(), "sub", json!("")));
    assert!(matches!(
        hs().await.verify(&t).await,
        Err(TokenError::Invalid(_))
    ));
}

#[tokio::test]
async fn missing_org() {
    let t = sign_hs(&without(claims(), "org"));
    expect_err(&hs().await, &t, TokenError::MissingClaim("org")).await;
    let t = sign_hs(&with(claims(), "org", json!("")));
    assert!(matches!(
        hs().await.verify(&t).await,
        Err(TokenError::Invalid(_))
    ));
}

#[tokio::test]
async fn empty_roles_refused() {
    let v = hs().await;
    let t = sign_hs(&with(claims(), "roles", json!([])));
    expect_err(
        &v,
        &t,
        TokenError::Invalid("claim roles is empty".to_owned()),
    )
    .await;
    let t = sign_hs(&without(claims(), "roles"));
    expect_err(&v, &t, TokenError::MissingClaim("roles")).await;
    for bad in [json!("admin"), json!([""]), json!([1]), json!({"a": 1})] {
        let t = sign_hs(&with(claims(), "roles", bad));
        assert!(matches!(v.verify(&t).await, Err(TokenError::Invalid(_))));
    }
}

// ----------------------------------------------------------------------------------------------
// kid handling and JWKS refresh (file)
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_kid_refused() {
    let v = JwtVerifier::new(jwks_file_settings(
        fixture("jwks_rsa_a.json"),
        Duration::from_secs(60),
    ))
    .await
    .unwrap();
    expect_err(
        &v,
        &sign_rs(&claims(), "rsa_a_private.pem", Some("nope")),
        TokenError::UnknownKey,
    )
    .await;
    // Within the refresh interval since start-up: no reload was attempted.
    assert_eq!(v.jwks_load_count(), 1);
}

#[tokio::test]
async fn missing_kid_refused_with_jwks_only() {
    // Even though this JWKS has exactly one key (documented choice).
    let v = JwtVerifier::new(jwks_file_settings(
        fixture("jwks_rsa_a.json"),
        Duration::from_secs(60),
    ))
    .await
    .unwrap();
    expect_err(
        &v,
        &sign_rs(&claims(), "rsa_a_private.pem", None),
        TokenError::MissingKeyId,
    )
    .await;
}

#[tokio::test]
async fn key_rotation_via_file() {
    let interval = Duration::from_millis(500);
    let dir = scratch_dir("rotation");
    let path = dir.join("jwks.json");
    write_jwks(&path, &["rsa_a.jwk.json"]);
    let token_a = sign_rs(&claims(), "rsa_a_private.pem", Some("rsa-a"));
    let token_b = sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-b"));
    let v = JwtVerifier::new(jwks_file_settings(path.clone(), interval))
        .await
        .unwrap();

    assert!(v.verify(&token_a).await.is_ok());
    expect_err(&v, &token_b, TokenError::UnknownKey).await;

    write_jwks(&path, &["rsa_a.jwk.json", "rsa_b.jwk.json"]);
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    assert_eq!(v.verify(&token_b).await.unwrap().sub, "user-42");
    assert!(v.verify(&token_a).await.is_ok());
    assert_eq!(v.jwks_load_count(), 2);

    // Issuer drops A; a forced refresh (e.g. from a periodic task) removes it.
    write_jwks(&path, &["rsa_b.jwk.json"]);
    assert_eq!(v.refresh_jwks().await.unwrap(), 1);
    expect_err(&v, &token_a, TokenError::UnknownKey).await;
    assert!(v.verify(&token_b).await.is_ok());
}

#[tokio::test]
async fn the_periodic_reload_stops_a_removed_key() {
    let dir = scratch_dir("periodic");
    let path = dir.join("jwks.json");
    write_jwks(&path, &["rsa_a.jwk.json", "rsa_b.jwk.json"]);
    let token_a = sign_rs(&claims(), "rsa_a_private.pem", Some("rsa-a"));
    let token_b = sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-b"));
    // The unknown-kid reload may not run for an hour: only the periodic one can act.
    let v = JwtVerifier::new(jwks_file_settings(path.clone(), Duration::from_secs(3600)))
        .await
        .unwrap();
    let no_jwks = JwtVerifier::new(rsa_pem_settings()).await.unwrap();
    assert!(
        no_jwks
            .spawn_jwks_refresh(Duration::from_millis(100))
            .is_none()
    );
    let task = v.spawn_jwks_refresh(Duration::from_millis(100)).unwrap();
    assert!(v.verify(&token_a).await.is_ok());

    // The issuer removes A (say, after a leak).
    write_jwks(&path, &["rsa_b.jwk.json"]);
    let mut refused = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if v.verify(&token_a).await == Err(TokenError::UnknownKey) {
            refused = true;
            break;
        }
    }
    assert!(refused, "the removed key was still accepted after 2.5 s");
    assert!(v.verify(&token_b).await.is_ok());
    task.abort();
}

#[tokio::test]
async fn refresh_at_most_once_per_interval() {
    let interval = Duration::from_millis(1500);
    let dir = scratch_dir("once-per-interval");
    let path = dir.join("jwks.json");
    write_jwks(&path, &["rsa_a.jwk.json"]);
    let v = JwtVerifier::new(jwks_file_settings(path.clone(), interval))
        .await
        .unwrap();
    assert_eq!(v.jwks_load_count(), 1);
    let token_b = sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-b"));
    let token_x = sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-x"));

    // Past the interval: one unknown kid triggers exactly one reload (still unknown).
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    expect_err(&v, &token_x, TokenError::UnknownKey).await;
    assert_eq!(v.jwks_load_count(), 2);

    // The file now holds B, but we are inside the interval: it is not re-read.
    write_jwks(&path, &["rsa_a.jwk.json", "rsa_b.jwk.json"]);
    for _ in 0..5 {
        expect_err(&v, &token_b, TokenError::UnknownKey).await;
        expect_err(&v, &token_x, TokenError::UnknownKey).await;
    }
    assert_eq!(v.jwks_load_count(), 2);

    // After the interval, many concurrent unknown-kid requests share one reload.
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let v = v.clone();
        let t = if i % 2 == 0 {
            token_b.clone()
        } else {
            token_x.clone()
        };
        tasks.push(tokio::spawn(async move { v.verify(&t).await }));
    }
    let mut accepted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(e) => assert_eq!(e, TokenError::UnknownKey),
        }
    }
    assert_eq!(accepted, 10);
    assert_eq!(v.jwks_load_count(), 3);
}

#[tokio::test]
async fn failed_file_refresh_keeps_last_good_set() {
    let interval = Duration::from_millis(300);
    let dir = scratch_dir("file-refresh-fails");
    let path = dir.join("jwks.json");
    write_jwks(&path, &["rsa_a.jwk.json"]);
    let v = JwtVerifier::new(jwks_file_settings(path.clone(), interval))
        .await
        .unwrap();
    let token_a = sign_rs(&claims(), "rsa_a_private.pem", Some("rsa-a"));
    let token_b = sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-b"));

    std::fs::write(&path, b"{ not json").unwrap();
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    expect_err(&v, &token_b, TokenError::UnknownKey).await;
    assert_eq!(v.jwks_load_count(), 2);
    assert!(v.verify(&token_a).await.is_ok());
    assert!(matches!(
        v.refresh_jwks().await,
        Err(JwtConfigError::Jwks { .. })
    ));

    std::fs::remove_file(&path).unwrap();
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    expect_err(&v, &token_b, TokenError::UnknownKey).await;
    assert!(v.verify(&token_a).await.is_ok());
}

// ----------------------------------------------------------------------------------------------
// JWKS over HTTP (local server on 127.0.0.1)
// ----------------------------------------------------------------------------------------------

struct JwksServer {
    url: String,
    body: Arc<Mutex<String>>,
    fail: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn jwks_body(keys: &[&str]) -> String {
    json!({ "keys": keys.iter().map(|k| jwk_fixture(k)).collect::<Vec<_>>() }).to_string()
}

async fn start_jwks_server(keys: &[&str]) -> JwksServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let body = Arc::new(Mutex::new(jwks_body(keys)));
    let fail = Arc::new(AtomicBool::new(false));
    let hits = Arc::new(AtomicUsize::new(0));
    let (b, f, h) = (body.clone(), fail.clone(), hits.clone());
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (b, f, h) = (b.clone(), f.clone(), h.clone());
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16 * 1024 {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                h.fetch_add(1, Ordering::SeqCst);
                let resp = if f.load(Ordering::SeqCst) {
                    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_owned()
                } else {
                    let body = b.lock().await.clone();
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    JwksServer {
        url,
        body,
        fail,
        hits,
        task,
    }
}

#[tokio::test]
async fn jwks_url_verify_then_server_fails_last_good_kept() {
    let interval = Duration::from_millis(400);
    let server = start_jwks_server(&["rsa_a.jwk.json"]).await;
    let v = JwtVerifier::new(JwtSettings {
        jwks: Some(JwksSource::Url(server.url.clone())),
        jwks_refresh_min_interval: interval,
        ..base()
    })
    .await
    .unwrap();
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    let token_a = sign_rs(&claims(), "rsa_a_private.pem", Some("rsa-a"));
    let token_b = sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-b"));
    assert!(v.verify(&token_a).await.is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 1, "known kid: no fetch");

    // Server starts failing; an unknown kid triggers one (failed) fetch; A is still accepted.
    server.fail.store(true, Ordering::SeqCst);
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    expect_err(&v, &token_b, TokenError::UnknownKey).await;
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    assert!(v.verify(&token_a).await.is_ok());

    // Garbage body: also a failed refresh, last good set kept.
    server.fail.store(false, Ordering::SeqCst);
    *server.body.lock().await = "<html>oops</html>".to_owned();
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    expect_err(&v, &token_b, TokenError::UnknownKey).await;
    assert_eq!(server.hits.load(Ordering::SeqCst), 3);
    assert!(v.verify(&token_a).await.is_ok());

    // Server healthy with A and B: B accepted after the interval.
    *server.body.lock().await = jwks_body(&["rsa_a.jwk.json", "rsa_b.jwk.json"]);
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    assert!(v.verify(&token_b).await.is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 4);
    assert_eq!(v.jwks_load_count(), 4);

    // Server gone entirely: refresh fails, last good set kept.
    server.task.abort();
    drop(server);
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    let token_x = sign_rs(&claims(), "rsa_b_private.pem", Some("rsa-x"));
    expect_err(&v, &token_x, TokenError::UnknownKey).await;
    assert!(v.verify(&token_a).await.is_ok());
    assert!(v.verify(&token_b).await.is_ok());
}

#[tokio::test]
async fn jwks_url_es256() {
    let server = start_jwks_server(&["ec_p256.jwk.json"]).await;
    let v = JwtVerifier::new(JwtSettings {
        jwks: Some(JwksSource::Url(server.url.clone())),
        ..base()
    })
    .await
    .unwrap();
    assert!(v.verify(&sign_es(&claims(), Some("ec-1"))).await.is_ok());
}

// ----------------------------------------------------------------------------------------------
// Configuration errors
// ----------------------------------------------------------------------------------------------

async fn config_err(s: JwtSettings) -> JwtConfigError {
    JwtVerifier::new(s)
        .await
        .expect_err("config must be refused")
}

#[tokio::test]
async fn config_errors() {
    assert!(matches!(
        config_err(base()).await,
        JwtConfigError::Invalid(_)
    ));
    let e = config_err(JwtSettings {
        leeway_secs: 31,
        ..hs_settings()
    })
    .await;
    assert!(
        matches!(&e, JwtConfigError::Invalid(m) if m.contains("leeway")),
        "{e}"
    );
    assert!(matches!(
        config_err(JwtSettings {
            hs256_secret: Some("short".to_owned()),
            ..base()
        })
        .await,
        JwtConfigError::Invalid(_)
    ));
    assert!(matches!(
        config_err(JwtSettings {
            issuer: String::new(),
            ..hs_settings()
        })
        .await,
        JwtConfigError::Invalid(_)
    ));
    assert!(matches!(
        config_err(JwtSettings {
            audience: " ".to_owned(),
            ..hs_settings()
        })
        .await,
        JwtConfigError::Invalid(_)
    ));
    assert!(matches!(
        config_err(jwks_file_settings(fixture("jwks_ec.json"), Duration::ZERO)).await,
        JwtConfigError::Invalid(_)
    ));
}

#[tokio::test]
async fn config_errors_public_key() {
    let missing = fixture("does-not-exist.pem");
    let e = config_err(JwtSettings {
        public_key_pem_file: Some(missing.clone()),
        ..base()
    })
    .await;
    assert!(matches!(&e, JwtConfigError::PublicKey { path, .. } if *path == missing));
    assert!(e.to_string().contains("does-not-exist.pem"));

    let e = config_err(JwtSettings {
        public_key_pem_file: Some(fixture("rsa_a_private.pem")),
        ..base()
    })
    .await;
    assert!(e.to_string().contains("private key"), "{e}");

    let e = config_err(JwtSettings {
        public_key_pem_file: Some(fixture("rsa_a_public.pem")),
        public_key_alg: Some(Algorithm::ES256),
        ..base()
    })
    .await;
    assert!(matches!(e, JwtConfigError::PublicKey { .. }), "{e}");

    let e = config_err(JwtSettings {
        public_key_pem_file: Some(fixture("ec_p256_public.pem")),
        public_key_alg: Some(Algorithm::HS256),
        ..base()
    })
    .await;
    assert!(matches!(e, JwtConfigError::PublicKey { .. }), "{e}");

    let e = config_err(JwtSettings {
        public_key_pem_file: Some(fixture("jwks_ec.json")),
        ..base()
    })
    .await;
    assert!(matches!(e, JwtConfigError::PublicKey { .. }), "{e}");
}

#[tokio::test]
async fn config_errors_jwks_name_the_source() {
    let missing = fixture("no-such-jwks.json");
    let e = config_err(jwks_file_settings(missing, Duration::from_secs(1))).await;
    assert!(
        matches!(&e, JwtConfigError::Jwks { source, .. } if source.contains("no-such-jwks.json")),
        "{e}"
    );

    // A JWKS with no usable key (only a symmetric one) is a configuration error.
    let dir = scratch_dir("jwks-oct-only");
    let path = dir.join("jwks.json");
    std::fs::write(
        &path,
        json!({"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]}).to_string(),
    )
    .unwrap();
    let e = config_err(jwks_file_settings(path, Duration::from_secs(1))).await;
    assert!(matches!(e, JwtConfigError::Jwks { .. }), "{e}");

    // Unreachable URL (port bound and released: connection refused).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/jwks.json");
    let e = config_err(JwtSettings {
        jwks: Some(JwksSource::Url(url.clone())),
        ..base()
    })
    .await;
    assert!(e.to_string().contains(&url), "{e}");

    // Plain http is only allowed on loopback hosts.
    let e = config_err(JwtSettings {
        jwks: Some(JwksSource::Url("http://idp.example/jwks.json".to_owned())),
        ..base()
    })
    .await;
    assert!(e.to_string().contains("https"), "{e}");
    let e = config_err(JwtSettings {
        jwks: Some(JwksSource::Url("not a url".to_owned())),
        ..base()
    })
    .await;
    assert!(matches!(e, JwtConfigError::Jwks { .. }), "{e}");
}

// ----------------------------------------------------------------------------------------------
// Misc
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn fixtures_are_consistent() {
    for (public, jwk) in [
        ("rsa_a_public.pem", "rsa_a.jwk.json"),
        ("rsa_b_public.pem", "rsa_b.jwk.json"),
    ] {
        let from_pem = Jwk::from_decoding_key(
            &DecodingKey::from_rsa_pem(&read_fixture(public)).unwrap(),
            None,
        )
        .unwrap();
        let fixture_jwk: Jwk = serde_json::from_value(jwk_fixture(jwk)).unwrap();
        assert_eq!(from_pem.algorithm, fixture_jwk.algorithm, "{jwk}");
    }
    let from_pem = Jwk::from_decoding_key(
        &DecodingKey::from_ec_pem(&read_fixture("ec_p256_public.pem")).unwrap(),
        None,
    )
    .unwrap();
    let fixture_jwk: Jwk = serde_json::from_value(jwk_fixture("ec_p256.jwk.json")).unwrap();
    match (&from_pem.algorithm, &fixture_jwk.algorithm) {
        (AlgorithmParameters::EllipticCurve(a), AlgorithmParameters::EllipticCurve(b)) => {
            assert_eq!((&a.x, &a.y), (&b.x, &b.y));
        }
        other => panic!("unexpected {other:?}"),
    }
    let set: JwkSet = serde_json::from_slice(&read_fixture("jwks_rsa_ab.json")).unwrap();
    assert!(set.find("rsa-a").is_some() && set.find("rsa-b").is_some());
}

#[tokio::test]
async fn error_messages_are_header_safe_and_never_contain_the_token() {
    let v = hs().await;
    let token = sign_hs(&with(claims(), "exp", json!(now() - 3600)));
    let e = v.verify(&token).await.unwrap_err();
    assert_eq!(e, TokenError::Expired);
    assert_eq!(
        e.www_authenticate(),
        "Bearer error=\"invalid_token\", error_description=\"the token has expired\""
    );
    let all = [
        TokenError::Malformed,
        TokenError::UnsupportedAlgorithm,
        TokenError::MissingKeyId,
        TokenError::UnknownKey,
        TokenError::BadSignature,
        TokenError::Expired,
        TokenError::NotYetValid,
        TokenError::WrongIssuer,
        TokenError::WrongAudience,
        TokenError::MissingClaim("org"),
        TokenError::Invalid("x \"quoted\" \\ \n".to_owned()),
    ];
    for e in all {
        let h = e.www_authenticate();
        let desc = h.split("error_description=\"").nth(1).unwrap();
        let desc = desc.strip_suffix('"').unwrap();
        assert!(
            desc.chars()
                .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\'),
            "{h}"
        );
        assert!(!e.to_string().contains(&token));
    }
}

#[tokio::test]
async fn settings_debug_redacts_secret() {
    let dbg = format!("{:?}", hs_settings());
    assert!(!dbg.contains(SECRET));
    assert!(dbg.contains("[redacted]"));
}

#[test]
fn verifier_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<JwtVerifier>();
}

#[test]
fn issue_refuses_short_secret() {
    let c = Claims::new("s", "o", ["r"], ISS, AUD, Duration::from_secs(60));
    assert!(issue_hs256(b"short", &c).is_err());
}
