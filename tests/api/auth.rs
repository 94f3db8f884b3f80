//! Authentication over HTTP: what `/me` shows and which tokens the service refuses. The full
//! verifier matrix (key types, JWKS rotation) is in `jwt_matrix.rs`.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::*;

/// A change to otherwise valid claims.
type Mutation = Box<dyn Fn(&mut Value)>;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({"sub": "clerk@ahlen", "org": AHLEN, "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE,
           "exp": now() + 600})
}

fn hs256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.get("/api/v1/me")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn me_shows_the_caller_as_understood() {
    let app = TestApp::spawn().await;
    let mut c = claims();
    c["roles"] = json!(["editor", "viewer", "mayor"]);
    let body = json(me(&app, &hs256(&c)).await, 200).await;
    assert_eq!(body["subject"], "clerk@ahlen");
    assert_eq!(body["organization"], AHLEN);
    assert_eq!(body["organization_name"], "Ahlen");
    assert_eq!(
        body["roles"],
        json!(["editor", "viewer"]),
        "unknown roles are ignored"
    );
    assert_eq!(body["acts_for_all_organizations"], false);

    let office = json(
        app.get("/api/v1/me").by_coordinator().send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(office["acts_for_all_organizations"], true);

    let anonymous = app.get("/api/v1/me").send().await.unwrap();
    assert_eq!(
        anonymous.headers()["www-authenticate"],
        "Bearer realm=\"smartregion\""
    );
    problem(anonymous, 401).await;
}

#[actix_web::test]
async fn refuses_every_kind_of_bad_token() {
    let app = TestApp::spawn().await;
    let valid = hs256(&claims());
    json(me(&app, &valid).await, 200).await;

    let mut cases: Vec<(&str, String)> = Vec::new();

    // alg "none" with the signature stripped.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    cases.push(("alg none", format!("{header}.{payload}.")));

    // The payload changed after signing.
    let parts: Vec<&str> = valid.split('.').collect();
    let mut forged = claims();
    forged["roles"] = json!(["coordinator"]);
    cases.push((
        "tampered payload",
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(forged.to_string()),
            parts[2]
        ),
    ));

    let wrong_secret = encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(b"another-secret-another-secret-0000"),
    )
    .unwrap();
    cases.push(("wrong secret", wrong_secret));

    // An RS256 token while only an HS256 secret is configured.
    let rsa = std::fs::read(fixture("rsa_a_private.pem")).unwrap();
    let mut rs_header = Header::new(Algorithm::RS256);
    rs_header.kid = Some("rsa-a".into());
    cases.push((
        "RS256 without RSA keys",
        encode(
            &rs_header,
            &claims(),
            &EncodingKey::from_rsa_pem(&rsa).unwrap(),
        )
        .unwrap(),
    ));

    let mutations: Vec<(&str, Mutation)> = vec![
        (
            "expired beyond leeway",
            Box::new(|c| c["exp"] = json!(now() - 120)),
        ),
        (
            "missing exp",
            Box::new(|c| drop(c.as_object_mut().unwrap().remove("exp"))),
        ),
        (
            "exp not a number",
            Box::new(|c| c["exp"] = json!("tomorrow")),
        ),
        (
            "nbf in the future",
            Box::new(|c| c["nbf"] = json!(now() + 600)),
        ),
        (
            "wrong issuer",
            Box::new(|c| c["iss"] = json!("someone-else")),
        ),
        (
            "missing issuer",
            Box::new(|c| drop(c.as_object_mut().unwrap().remove("iss"))),
        ),
        (
            "wrong audience",
            Box::new(|c| c["aud"] = json!("another-api")),
        ),
        (
            "missing audience",
            Box::new(|c| drop(c.as_object_mut().unwrap().remove("aud"))),
        ),
        (
            "missing subject",
            Box::new(|c| drop(c.as_object_mut().unwrap().remove("sub"))),
        ),
        (
            "missing org",
            Box::new(|c| drop(c.as_object_mut().unwrap().remove("org"))),
        ),
        ("org not a key", Box::new(|c| c["org"] = json!("Ahlen"))),
        ("no known role", Box::new(|c| c["roles"] = json!(["mayor"]))),
        ("no roles", Box::new(|c| c["roles"] = json!([]))),
    ];
    for (name, mutate) in mutations {
        let mut c = claims();
        mutate(&mut c);
        cases.push((name, hs256(&c)));
    }
    cases.push(("garbage", "abc.def.ghi".into()));

    for (name, token) in cases {
        let response = me(&app, &token).await;
        assert_eq!(response.status(), 401, "{name} must be refused");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.contains("invalid_token"), "{name}: {challenge}");
        let body = problem(response, 401).await;
        assert!(
            !body["detail"].as_str().unwrap().contains(&token),
            "{name}: token echoed"
        );
    }

    // Expired within the 30 s leeway is still accepted.
    let mut c = claims();
    c["exp"] = json!(now() - 10);
    json(me(&app, &hs256(&c)).await, 200).await;

    // A refused token is refused on public endpoints too, never silently anonymous.
    let response = app
        .get("/api/v1/organizations")
        .bearer_auth("abc.def.ghi")
        .send()
        .await
        .unwrap();
    problem(response, 401).await;
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

#[actix_web::test]
async fn accepts_rs256_tokens_from_a_jwks_file_and_refuses_unknown_keys() {
    let app = TestApp::builder()
        .env(
            "SMARTREGION_JWKS_FILE",
            fixture("jwks_rsa_a.json").to_str().unwrap(),
        )
        .spawn()
        .await;
    let rsa_a = std::fs::read(fixture("rsa_a_private.pem")).unwrap();
    let rsa_b = std::fs::read(fixture("rsa_b_private.pem")).unwrap();
    let kid_a = kid_of("rsa_a.jwk.json");
    let kid_b = kid_of("rsa_b.jwk.json");

    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid_a);
    let token = encode(
        &header,
        &claims(),
        &EncodingKey::from_rsa_pem(&rsa_a).unwrap(),
    )
    .unwrap();
    json(me(&app, &token).await, 200).await;

    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid_b);
    let token = encode(
        &header,
        &claims(),
        &EncodingKey::from_rsa_pem(&rsa_b).unwrap(),
    )
    .unwrap();
    problem(me(&app, &token).await, 401).await;

    // HS256 signed with the RSA public key as secret (algorithm confusion).
    let public = std::fs::read(fixture("rsa_a_public.pem")).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid_of("rsa_a.jwk.json"));
    let confused = encode(&header, &claims(), &EncodingKey::from_secret(&public)).unwrap();
    problem(me(&app, &confused).await, 401).await;

    // The HS256 secret still works beside the JWKS.
    json(me(&app, &hs256(&claims())).await, 200).await;
}

fn kid_of(jwk_file: &str) -> String {
    let jwk: Value = serde_json::from_slice(&std::fs::read(fixture(jwk_file)).unwrap()).unwrap();
    jwk["kid"].as_str().unwrap().to_owned()
}
