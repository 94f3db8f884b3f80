//! The binary's subcommands, run as a user would.

use std::process::Command;

use crate::helpers::*;

pub(crate) fn smartregion() -> Command {
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
fn serve_refuses_a_secret_published_in_the_repository_unless_dev() {
    for (var, value) in [
        ("SMARTREGION_JWT_SECRET", SECRET),
        (
            "SMARTREGION_JWT_SECRET",
            "compose-trial-secret-change-me-0123456789",
        ),
        (
            "SMARTREGION_WEBHOOK_SECRET_KEY",
            "Y29tcG9zZS10cmlhbC1rZXktY2hhbmdlLW1lLTAxMjM=",
        ),
    ] {
        let mut command = smartregion();
        if var != "SMARTREGION_JWT_SECRET" {
            command.env(
                "SMARTREGION_JWT_SECRET",
                format!("own-{}", uuid::Uuid::new_v4()),
            );
        }
        let output = command
            .env(var, value)
            .env(
                "DATABASE_URL",
                "postgres://smartregion_app@127.0.0.1:1/none",
            )
            .env("SMARTREGION_BIND", "127.0.0.1:0")
            .arg("serve")
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(var) && stderr.contains("published in the smartregion repository"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(value),
            "the refusal does not repeat the secret"
        );
    }
    // With --dev the same value passes this check (and fails later, on the unreachable database).
    let output = smartregion()
        .env("SMARTREGION_JWT_SECRET", SECRET)
        .env(
            "DATABASE_URL",
            "postgres://smartregion_app@127.0.0.1:1/none",
        )
        .env("SMARTREGION_BIND", "127.0.0.1:0")
        .args(["serve", "--dev"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("published in the smartregion repository"),
        "{stderr}"
    );
}

#[test]
fn openapi_prints_the_document() {
    let output = smartregion().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["info"]["title"], "smartregion");
}

#[actix_web::test]
async fn serve_creates_migrates_and_seeds_its_database_logs_json_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let database = format!("t_sr_serve_{}", uuid::Uuid::new_v4().simple());
    // A secret of its own: `serve` refuses the values published in the repository.
    let secret = format!("serve-test-{}", uuid::Uuid::new_v4().simple());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = smartregion()
        .env(
            "DATABASE_URL",
            crate::helpers::db::runtime_database_url(&database),
        )
        .env(
            "SMARTREGION_OWNER_DATABASE_URL",
            crate::helpers::db::database_url(&database),
        )
        .env("SMARTREGION_BIND", format!("127.0.0.1:{port}"))
        .env("SMARTREGION_JWT_SECRET", &secret)
        .env("SMARTREGION_LOG_FORMAT", "json")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = client.get(format!("{base}/health/ready")).send().await
            && response.status() == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "serve did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = json(
        client
            .get(format!("{base}/api/v1/organizations?limit=200"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        15,
        "reference data loaded"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "{exit:?}");

    let mut lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    lines.extend(
        BufReader::new(child.stderr.take().unwrap())
            .lines()
            .map_while(Result::ok),
    );
    let logs: Vec<serde_json::Value> = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON log line: {l}")))
        .collect();
    assert!(logs.iter().any(|l| l["message"] == "loaded reference data"));
    assert!(
        logs.iter()
            .any(|l| l["message"] == "request finished" && l["status"] == 200)
    );
    assert!(
        !lines.iter().any(|l| l.contains(&secret)),
        "the signing secret never reaches the logs"
    );
    crate::helpers::db::drop_database(database);
}

#[test]
fn the_readme_documents_every_setting() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (name, _) in smartregion::config::VARIABLES {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not document {name}"
        );
    }
}
