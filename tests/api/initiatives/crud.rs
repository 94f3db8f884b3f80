//! Registering, reading, changing and deleting initiatives; who may; the lifecycle; the audit
//! trail and change feed; search and pages.

use serde_json::json;

use super::{feed_until, id_of, register, titles};
use crate::helpers::*;
use crate::projects::{Who, assert_refused, etag_of, led_project};

#[actix_web::test]
async fn a_municipality_registers_changes_and_deletes_its_own_initiative() {
    let app = TestApp::spawn().await;
    let project = led_project(&app, "LP-90", AHLEN).await;
    let created = register(
        &app,
        AHLEN,
        json!({"title": "Digitaler Dorfladen in Vorhelm", "summary": "Paketstation und Selbstbedienung",
               "status": "planned", "contact_role": "Stabsstelle Digitalisierung",
               "link": "https://www.ahlen.de/dorfladen", "tags": ["Nahversorgung", "nahversorgung", "Paket"],
               "external_id": "AH-1", "project_id": project}),
    )
    .await;
    let id = id_of(&created);
    assert_eq!(created["organization"], AHLEN);
    assert_eq!(created["status"], "planned");
    assert_eq!(created["visibility"], "public");
    assert_eq!(created["tags"], json!(["nahversorgung", "paket"]));
    assert_eq!(created["project_id"], project.to_string());
    let path = format!("/api/v1/initiatives/{id}");

    // Read by anybody, with an ETag.
    let etag = etag_of(&app, &path).await;
    assert_eq!(etag, "\"1\"");

    // Change: 428 without If-Match, 412 with a stale one, then the change.
    let change = json!({"status": "running", "start_date": "2027-03-01"});
    problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .json(&change)
            .send()
            .await
            .unwrap(),
        428,
    )
    .await;
    problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", "\"7\"")
            .json(&change)
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    let changed = json(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", &etag)
            .json(&change)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(changed["status"], "running");
    assert_eq!(changed["start_date"], "2027-03-01");

    // The steering office on the municipality's behalf.
    let etag = etag_of(&app, &path).await;
    let changed = json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", &etag)
            .json(&json!({"contact_role": null, "project_id": null}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(changed["contact_role"].is_null());
    assert!(changed["project_id"].is_null());

    // Every write is in the audit trail, attributed to Ahlen, and in the change feed.
    let audit = json(
        app.get(&format!("/api/v1/audit?entity=initiative&entity_id={id}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{audit}");
    assert!(
        entries.iter().all(|e| e["organization"] == AHLEN),
        "{audit}"
    );
    assert!(
        entries.iter().any(|e| e["on_behalf_of"] == AHLEN),
        "{audit}"
    );
    let items = feed_until(&app, &token(TELGTE, &["viewer"]), "initiative", 3).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(
        items[0]["url"],
        format!("{PUBLIC_URL}/api/v1/initiatives/{id}")
    );

    // Delete: 410 afterwards, gone from the list.
    let etag = etag_of(&app, &path).await;
    let response = app
        .delete(&path)
        .bearer_for(AHLEN, &["editor"])
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    problem(app.get(&path).send().await.unwrap(), 410).await;
    let list = json(app.get("/api/v1/initiatives").send().await.unwrap(), 200).await;
    assert!(titles(&list).is_empty());
}

#[actix_web::test]
async fn only_the_municipality_and_the_steering_office_write_its_initiatives() {
    let app = TestApp::spawn().await;
    let body = json!({"organization": AHLEN, "title": "Smarte Parkplätze",
                      "field_of_action": "town_village_centres"});
    assert_refused(
        &app,
        "create",
        || app.post("/api/v1/initiatives").json(&body),
        &[
            (Who::Anonymous, 401),
            (Who::BadToken, 401),
            (Who::Org(TELGTE, "admin"), 403),
            (Who::Org(AHLEN, "viewer"), 403),
            (Who::Org(AHLEN, "integration"), 403),
        ],
    )
    .await;
    let id = id_of(&register(&app, AHLEN, json!({"title": "Smarte Parkplätze"})).await);
    let path = format!("/api/v1/initiatives/{id}");
    let etag = etag_of(&app, &path).await;
    let change = json!({"title": "Parken"});
    assert_refused(
        &app,
        "update",
        || app.patch(&path).header("if-match", &etag).json(&change),
        &[
            (Who::Anonymous, 401),
            (Who::BadToken, 401),
            (Who::Org(TELGTE, "admin"), 403),
            (Who::Org(AHLEN, "viewer"), 403),
        ],
    )
    .await;
    assert_refused(
        &app,
        "delete",
        || app.delete(&path).header("if-match", &etag),
        &[
            (Who::Anonymous, 401),
            (Who::Org(BECKUM, "editor"), 403),
            (Who::Org(AHLEN, "viewer"), 403),
        ],
    )
    .await;
    // Unknown ids are 404 for writers too.
    let unknown = "/api/v1/initiatives/00000000-0000-0000-0000-000000000000";
    problem(
        app.patch(unknown)
            .by_coordinator()
            .header("if-match", "*")
            .json(&change)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    // The steering office registers for a municipality.
    let created = json(
        app.post("/api/v1/initiatives")
            .by_coordinator()
            .json(
                &json!({"organization": TELGTE, "title": "Glasfaser-Sprechstunde",
                          "field_of_action": "digital_infrastructure"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(created["organization"], TELGTE);
}

#[actix_web::test]
async fn invalid_fields_are_named_and_the_lifecycle_is_kept() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    let bad = problem(
        app.post("/api/v1/initiatives")
            .bearer_for(AHLEN, &["editor"])
            .json(
                &json!({"organization": AHLEN, "title": " ", "field_of_action": "space",
                          "status": "completed", "start_date": "2027-02-01",
                          "contact_role": "Herr Müller", "link": "ftp://x",
                          "project_id": "00000000-0000-0000-0000-000000000000"}),
            )
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut got = pointers(&bad);
    got.sort();
    assert_eq!(
        got,
        [
            "/contact_role",
            "/end_date",
            "/field_of_action",
            "/link",
            "/project_id",
            "/title"
        ],
        "{bad}"
    );
    assert_eq!(app.trail_counts().await, before);

    let id = id_of(&register(&app, AHLEN, json!({"title": "Bürgerportal"})).await);
    let path = format!("/api/v1/initiatives/{id}");
    // idea -> completed skips the lifecycle: 409 naming the allowed moves.
    let conflict = problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["editor"])
            .header("if-match", "\"1\"")
            .json(&json!({"status": "completed", "start_date": "2027-01-01", "end_date": "2027-06-30"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert_eq!(
        conflict["allowed_next_states"],
        json!(["planned", "running", "stopped"])
    );
    // running needs a start date (422), then works with one.
    let missing = problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["editor"])
            .header("if-match", "\"1\"")
            .json(&json!({"status": "running"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&missing), ["/start_date"]);
    let running = json(
        app.patch(&path)
            .bearer_for(AHLEN, &["editor"])
            .header("if-match", "\"1\"")
            .json(&json!({"status": "running", "start_date": "2027-01-01"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(running["status"], "running");
    // An end before the start is refused against the stored start.
    let span = problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["editor"])
            .header("if-match", "\"2\"")
            .json(&json!({"end_date": "2026-12-31"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&span), ["/end_date"]);
    // A second initiative of Ahlen may not take the first one's external id.
    register(&app, AHLEN, json!({"title": "A", "external_id": "X-1"})).await;
    problem(
        app.post("/api/v1/initiatives")
            .bearer_for(AHLEN, &["editor"])
            .json(
                &json!({"organization": AHLEN, "title": "B", "external_id": "X-1",
                          "field_of_action": "town_village_centres"}),
            )
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    // Another municipality may use the same external id.
    register(&app, TELGTE, json!({"title": "C", "external_id": "X-1"})).await;
}

#[actix_web::test]
async fn lists_filter_search_and_page() {
    let app = TestApp::spawn().await;
    register(
        &app,
        AHLEN,
        json!({"title": "Digitaler Dorfladen", "summary": "Nahversorgung im Ortsteil", "tags": ["laden"]}),
    )
    .await;
    register(
        &app,
        TELGTE,
        json!({"title": "Smarte Straßenbeleuchtung", "field_of_action": "climate_mobility_environment",
               "status": "running", "start_date": "2026-05-01"}),
    )
    .await;
    register(
        &app,
        TELGTE,
        json!({"title": "Bürgerbeteiligungsplattform"}),
    )
    .await;
    let list = |query: &str| {
        let app = &app;
        let query = query.to_owned();
        async move {
            titles(
                &json(
                    app.get(&format!("/api/v1/initiatives?{query}"))
                        .send()
                        .await
                        .unwrap(),
                    200,
                )
                .await,
            )
        }
    };
    assert_eq!(list("organization=05570044").await.len(), 2);
    assert_eq!(list("status=running").await, ["Smarte Straßenbeleuchtung"]);
    assert_eq!(list("tag=laden").await, ["Digitaler Dorfladen"]);
    assert_eq!(
        list("field_of_action=climate_mobility_environment").await,
        ["Smarte Straßenbeleuchtung"]
    );
    // German full-text search and substrings of compounds.
    assert_eq!(list("q=dorfladen").await, ["Digitaler Dorfladen"]);
    assert_eq!(list("q=beleuchtung").await, ["Smarte Straßenbeleuchtung"]);
    assert_eq!(list("q=beteiligung").await, ["Bürgerbeteiligungsplattform"]);
    assert_eq!(list("q=Ortsteile").await, ["Digitaler Dorfladen"]);
    assert!(list("q=%25").await.is_empty());
    // Pages of one follow each other without gaps.
    let first = json(
        app.get("/api/v1/initiatives?limit=2").send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(titles(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json(
        app.get(&format!("/api/v1/initiatives?limit=2&cursor={cursor}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(titles(&second), ["Bürgerbeteiligungsplattform"]);
    assert!(second["next_cursor"].is_null());
    // modified_since: only what changed since.
    assert!(list("modified_since=2999-01-01T00:00:00Z").await.is_empty());
    assert_eq!(list("modified_since=2000-01-01T00:00:00Z").await.len(), 3);
    // Bad parameters are 400.
    for query in [
        "status=approved",
        "sort=title",
        "bogus=1",
        "organization=x%3By",
    ] {
        problem(
            app.get(&format!("/api/v1/initiatives?{query}"))
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }
}
