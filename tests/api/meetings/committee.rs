//! Committee members: who maintains them, and who sees their names.

use serde_json::{Value, json};

use super::*;

#[actix_web::test]
async fn admins_maintain_their_own_delegates_and_names_need_consent_to_be_public() {
    let app = TestApp::spawn().await;
    let body = json!({"organization": AHLEN, "name": "Hanna Heimlich", "function": "Kämmerin",
                      "role": "deputy", "start_date": "2025-11-01"});
    let before = app.trail_counts().await;
    problem(
        app.post("/api/v1/committee/members")
            .json(&body)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    for (org, roles) in [
        (BECKUM, &["admin"][..]),
        (AHLEN, &["editor"]),
        (AHLEN, &["viewer"]),
    ] {
        problem(
            app.post("/api/v1/committee/members")
                .bearer_for(org, roles)
                .json(&body)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    let refused = problem(
        app.post("/api/v1/committee/members")
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"organization": AHLEN, "name": "", "role": "member",
                          "start_date": "2025-11-01", "end_date": "2025-01-01"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/name", "/end_date"]);
    assert_eq!(app.trail_counts().await, before);

    let response = app
        .post("/api/v1/committee/members")
        .bearer_for(AHLEN, &["admin"])
        .json(&body)
        .send()
        .await
        .unwrap();
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    let created = json(response, 201).await;
    assert_eq!(created["name_public_consent"], false);
    let path = format!(
        "/api/v1/committee/members/{}",
        created["id"].as_str().unwrap()
    );

    let public = json(app.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(public["name"], Value::Null);
    assert_eq!(public["function"], Value::Null);
    assert_eq!(public["role"], "deputy");
    let member = json(
        app.get(&path)
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(member["name"], "Hanna Heimlich");

    // Consent given by the organization's admin: the name becomes public.
    problem(
        app.patch(&path)
            .bearer_for(BECKUM, &["admin"])
            .header("If-Match", &tag)
            .json(&json!({"name_public_consent": true}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    json(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("If-Match", &tag)
            .json(&json!({"name_public_consent": true}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let public = json(app.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(public["name"], "Hanna Heimlich");
    let filtered = json(
        app.get(&format!("/api/v1/committee/members?organization={BECKUM}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(filtered["items"], json!([]));

    let tag = etag(&app, &path).await;
    problem(
        app.delete(&path)
            .bearer_for(BECKUM, &["admin"])
            .header("If-Match", &tag)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let response = app
        .delete(&path)
        .bearer_for(AHLEN, &["admin"])
        .header("If-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    problem(app.get(&path).send().await.unwrap(), 404).await;
}
