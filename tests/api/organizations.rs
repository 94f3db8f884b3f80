use serde_json::{Value, json};

use crate::helpers::*;

#[actix_web::test]
async fn lists_all_fifteen_members_in_key_order_across_pages() {
    let app = TestApp::spawn().await;
    let mut keys = Vec::new();
    let mut path = "/api/v1/organizations?limit=4".to_owned();
    let mut pages = 0;
    loop {
        let response = app.get(&path).send().await.unwrap();
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = json(response, 200).await;
        pages += 1;
        for item in body["items"].as_array().unwrap() {
            keys.push(item["key"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("a Link header accompanies next_cursor");
                assert!(
                    link.starts_with(&format!("<{PUBLIC_URL}/api/v1/organizations?")),
                    "{link}"
                );
                assert!(link.ends_with("rel=\"next\""));
                assert!(link.contains("limit=4"));
                path = format!("/api/v1/organizations?limit=4&cursor={cursor}");
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(keys.len(), 15);
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "stable key order without duplicates");
    assert_eq!(keys[0], DISTRICT);
    assert!(keys.contains(&"gfw".to_owned()));
}

#[actix_web::test]
async fn filters_by_kind() {
    let app = TestApp::spawn().await;
    let body = json(
        app.get("/api/v1/organizations?kind=gemeinde")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Beelen", "Everswinkel", "Ostbevern", "Wadersloh"]);
    problem(
        app.get("/api/v1/organizations?kind=village")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}

#[actix_web::test]
async fn refuses_page_sizes_outside_the_range_and_foreign_cursors() {
    let app = TestApp::spawn().await;
    for limit in ["0", "-1", "201", "abc"] {
        let response = app
            .get(&format!("/api/v1/organizations?limit={limit}"))
            .send()
            .await
            .unwrap();
        problem(response, 400).await;
    }
    let response = app
        .get("/api/v1/organizations?cursor=bm9wZQ")
        .send()
        .await
        .unwrap();
    problem(response, 400).await;
}

#[actix_web::test]
async fn reads_one_organization_with_an_etag() {
    let app = TestApp::spawn().await;
    let response = app
        .get(&format!("/api/v1/organizations/{OSTBEVERN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let body = json(response, 200).await;
    assert_eq!(body["name"], "Ostbevern");
    assert_eq!(body["kind"], "gemeinde");
    assert_eq!(body["population"]["value"], 11116);
    assert_eq!(body["population"]["reference_date"], "2020-12-31");

    let gfw = json(
        app.get("/api/v1/organizations/gfw").send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(gfw["kind"], "agency");
    assert_eq!(gfw["population"], Value::Null);

    let missing = problem(
        app.get("/api/v1/organizations/05579999")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert!(missing["detail"].as_str().unwrap().contains("05579999"));
}

async fn etag_of(app: &TestApp, key: &str) -> String {
    let response = app
        .get(&format!("/api/v1/organizations/{key}"))
        .send()
        .await
        .unwrap();
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_coordinator_updates_contacts_and_the_trail_records_it() {
    let app = TestApp::spawn().await;
    let etag = etag_of(&app, AHLEN).await;
    let response = app
        .patch(&format!("/api/v1/organizations/{AHLEN}"))
        .by_coordinator()
        .header("if-match", &etag)
        .header("x-request-id", "req-update-ahlen")
        .json(&json!({"contact_email": "digital@ahlen.de", "website_url": "https://www.ahlen.de"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"2\"");
    assert_eq!(response.headers()["x-request-id"], "req-update-ahlen");
    let body = json(response, 200).await;
    assert_eq!(body["contact"]["email"], "digital@ahlen.de");

    let trail = json(
        app.get(&format!(
            "/api/v1/audit?entity=organization&organization={AHLEN}"
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    let entry = &trail["items"][0];
    assert_eq!(entry["action"], "organization.updated");
    assert_eq!(entry["request_id"], "req-update-ahlen");
    assert_eq!(entry["actor"]["organization"], DISTRICT);
    assert_eq!(entry["actor"]["roles"], json!(["coordinator"]));
    assert_eq!(entry["before"]["contact_email"], Value::Null);
    assert_eq!(entry["after"]["contact_email"], "digital@ahlen.de");

    // `null` clears a contact field.
    let response = app
        .patch(&format!("/api/v1/organizations/{AHLEN}"))
        .by_coordinator()
        .header("if-match", "\"2\"")
        .json(&json!({"contact_email": null}))
        .send()
        .await
        .unwrap();
    let body = json(response, 200).await;
    assert_eq!(body["contact"]["email"], Value::Null);
    assert_eq!(body["contact"]["website_url"], "https://www.ahlen.de");
}

#[actix_web::test]
async fn a_new_population_figure_joins_the_history_and_old_figures_never_change() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/organizations/{TELGTE}");
    let response = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "*")
        .json(&json!({"population": {"value": 20500, "reference_date": "2024-12-31", "source": "IT.NRW"}}))
        .send()
        .await
        .unwrap();
    let body = json(response, 200).await;
    assert_eq!(body["population"]["value"], 20500);
    assert_eq!(body["population"]["reference_date"], "2024-12-31");

    // An older figure is kept in the history but does not replace the current one.
    let response = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "*")
        .json(&json!({"population": {"value": 19800, "reference_date": "2019-12-31"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(response, 200).await["population"]["value"], 20500);

    let history = json(
        app.get(&format!("{path}/populations"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let dates: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reference_date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2024-12-31", "2023-12-31", "2019-12-31"]);

    let before = app.trail_counts().await;
    let response = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "*")
        .json(&json!({"population": {"value": 1, "reference_date": "2023-12-31"}}))
        .send()
        .await
        .unwrap();
    problem(response, 409).await;
    assert_eq!(
        app.trail_counts().await,
        before,
        "a refused write records nothing"
    );
    problem(
        app.get("/api/v1/organizations/05579999/populations")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[actix_web::test]
async fn only_the_coordinator_may_update_and_refusals_change_nothing() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/organizations/{AHLEN}");
    let body = json!({"name": "Stadt Ahlen"});
    let before = app.trail_counts().await;

    let anonymous = app
        .patch(&path)
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.headers()["www-authenticate"],
        "Bearer realm=\"smartregion\""
    );
    problem(anonymous, 401).await;

    let bad_token = app
        .patch(&path)
        .bearer_auth("not.a.token")
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        bad_token.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    problem(bad_token, 401).await;

    // Ahlen's own admin may not rename Ahlen: the catalogue of members is the district's.
    for (org, roles) in [
        (AHLEN, &["admin"][..]),
        (BECKUM, &["admin"][..]),
        (AHLEN, &["editor", "viewer", "integration"][..]),
    ] {
        let response = app
            .patch(&path)
            .bearer_for(org, roles)
            .header("if-match", "\"1\"")
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(response, 403).await;
    }
    assert_eq!(app.trail_counts().await, before);
    let current = json(app.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(current["name"], "Ahlen");
}

#[actix_web::test]
async fn updates_need_a_current_if_match() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/organizations/{BECKUM}");
    let body = json!({"name": "Stadt Beckum"});
    let missing = app
        .patch(&path)
        .by_coordinator()
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(missing, 428).await;

    let first = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    json(first, 200).await;

    // A second writer with the old version loses, and its change is not applied.
    let stale = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Beckum (alt)"}))
        .send()
        .await
        .unwrap();
    problem(stale, 412).await;
    let weak = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "W/\"2\"")
        .json(&json!({"name": "Beckum (alt)"}))
        .send()
        .await
        .unwrap();
    problem(weak, 412).await;
    let current = json(app.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(current["name"], "Stadt Beckum");

    let unknown = app
        .patch("/api/v1/organizations/05579999")
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(unknown, 404).await;
}

#[actix_web::test]
async fn invalid_updates_name_every_bad_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/organizations/{AHLEN}");
    let before = app.trail_counts().await;
    let response = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&json!({
            "name": " ",
            "contact_email": "no-address",
            "contact_phone": "call me",
            "website_url": "ftp://ahlen.de",
            "population": {"value": 0, "reference_date": "2999-01-01", "source": "x"}
        }))
        .send()
        .await
        .unwrap();
    let body = problem(response, 422).await;
    assert_eq!(
        pointers(&body),
        [
            "/name",
            "/contact_email",
            "/contact_phone",
            "/website_url",
            "/population/value",
            "/population/reference_date"
        ]
    );

    let wrong_type = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&json!({"population": {"value": "many", "reference_date": "2024-12-31"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        pointers(&problem(wrong_type, 422).await),
        ["/population/value"]
    );

    let unknown_field = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&json!({"key": "05570099"}))
        .send()
        .await
        .unwrap();
    problem(unknown_field, 422).await;

    let nul = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Ah\u{0}len"}))
        .send()
        .await
        .unwrap();
    assert_eq!(pointers(&problem(nul, 422).await), ["/name"]);

    let malformed = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(malformed, 400).await;

    let wrong_media = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .header("content-type", "text/plain")
        .body("name=Ahlen")
        .send()
        .await
        .unwrap();
    problem(wrong_media, 415).await;

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(1_100_000));
    let too_large = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    problem(too_large, 413).await;

    assert_eq!(app.trail_counts().await, before);
    let current = json(app.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(current["name"], "Ahlen");
}

#[actix_web::test]
async fn lists_the_fields_of_action_in_strategy_order() {
    let app = TestApp::spawn().await;
    let body = json(
        app.get("/api/v1/fields-of-action").send().await.unwrap(),
        200,
    )
    .await;
    let codes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "digital_infrastructure",
            "climate_mobility_environment",
            "family_education_quality_of_life",
            "administration",
            "economy_work",
            "town_village_centres"
        ]
    );
    assert_eq!(body["items"][0]["name_de"], "Digitale Infrastruktur");
}

#[actix_web::test]
async fn modified_since_lists_only_organizations_changed_at_or_after_it() {
    let app = TestApp::spawn().await;
    let etag = app
        .get(&format!("/api/v1/organizations/{TELGTE}"))
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let updated = json(
        app.patch(&format!("/api/v1/organizations/{TELGTE}"))
            .by_coordinator()
            .header("if-match", etag)
            .json(&json!({ "name": "Stadt Telgte" }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let since: chrono::DateTime<chrono::Utc> =
        updated["updated_at"].as_str().unwrap().parse().unwrap();
    let list = |since: chrono::DateTime<chrono::Utc>| {
        let since = since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        app.get(&format!("/api/v1/organizations?modified_since={since}"))
            .send()
    };
    let body = json(list(since).await.unwrap(), 200).await;
    let keys: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [TELGTE], "the bound is inclusive");
    let later = json(
        list(since + chrono::Duration::microseconds(1))
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(later["items"], json!([]));
    let all = json(
        list(since - chrono::Duration::days(3650)).await.unwrap(),
        200,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 15);
    problem(
        app.get("/api/v1/organizations?modified_since=yesterday")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}
