//! The binary's subcommands, run as a user would.

use std::process::Command;

use crate::helpers::*;

fn smartregion() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smartregion"));
    for var in [
        "SMARTREGION_JWT_SECRET",
        "SMARTREGION_JWKS_URL",
        "SMARTREGION_JWKS_FILE",
        "SMARTREGION_JWT_PUBLIC_KEY_FILE",
    ] {
        command.env_remove(var);
    }
    command
}

#[actix_web::test]
async fn token_prints_a_token_the_service_accepts() {
    let app = TestApp::spawn().await;
    let output = smartregion()
        .env("SMARTREGION_JWT_SECRET", SECRET)
        .args([
            "token",
            "--org",
            OSTBEVERN,
            "--role",
            "admin",
            "--role",
            "viewer",
            "--sub",
            "it@ostbevern",
            "--ttl",
            "60",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap();
    let body = json(
        app.get("/api/v1/me")
            .bearer_auth(token.trim())
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(body["organization"], OSTBEVERN);
    assert_eq!(body["subject"], "it@ostbevern");
    assert_eq!(body["roles"], serde_json::json!(["admin", "viewer"]));
}

#[test]
fn token_refuses_unknown_roles_and_keys_and_needs_a_secret() {
    for args in [
        &["token", "--org", "Ahlen", "--role", "admin", "--dev"][..],
        &["token", "--org", AHLEN, "--role", "mayor", "--dev"],
        &["token", "--org", AHLEN, "--role", "admin"],
    ] {
        let output = smartregion().args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn serve_refuses_to_start_without_a_signing_key() {
    let output = smartregion()
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SMARTREGION_JWT_SECRET") && stderr.contains("--dev"),
        "{stderr}"
    );

    let output = smartregion()
        .env("SMARTREGION_BIND", "0.0.0.0:0")
        .args(["serve", "--dev"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}

#[test]
fn a_wrong_setting_stops_the_service_naming_the_variable() {
    let output = smartregion()
        .env("SMARTREGION_MAX_BODY_BYTES", "lots")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("SMARTREGION_MAX_BODY_BYTES"));
}

#[test]
fn openapi_prints_the_document() {
    let output = smartregion().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["info"]["title"], "smartregion");
}
