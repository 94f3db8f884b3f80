//! The catalogue itself: seed, create, read, update, delete, filters.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use super::{Who, assert_refused, codes, create_project, etag_of};
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

#[actix_web::test]
async fn the_seed_loads_the_known_projects_once_as_planned_with_their_source() {
    let app = TestApp::spawn().await;
    let body = json(
        app.get("/api/v1/projects?limit=50").send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(
        codes(&body),
        [
            "LP-01", "LP-02", "LP-03", "LP-04", "LP-05", "LP-06", "PP-01", "PP-02"
        ]
    );
    let items = body["items"].as_array().unwrap();
    assert!(items.iter().all(|p| p["status"] == "planned"));
    let dorfladen = &items[7];
    assert_eq!(dorfladen["title"], "Smarte Dorfladenbox mit Paketterminal");
    assert_eq!(dorfladen["category"], "potential");
    assert_eq!(dorfladen["classification_confirmed"], true);
    assert_eq!(
        dorfladen["source_url"],
        "https://smart-region-waf.de/ueber-das-projekt/innenstadt-dorfmitte"
    );
    assert_eq!(dorfladen["participants"], json!([]));
    let lorawan = &items[1];
    assert_eq!(
        lorawan["title"],
        "LoRaWAN – kreisweites Funknetz für Echtzeitdaten"
    );
    assert_eq!(lorawan["classification_confirmed"], false);

    // The history says where the state came from.
    let history = json(
        app.get(&format!(
            "/api/v1/projects/{}/status-history",
            dorfladen["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(history["items"][0]["from_status"], Value::Null);
    assert_eq!(history["items"][0]["to_status"], "planned");

    // Running the seed again (every `serve` start does) adds nothing and writes no trail,
    // even after the office re-coded a seeded project.
    let etag = etag_of(
        &app,
        &format!("/api/v1/projects/{}", dorfladen["id"].as_str().unwrap()),
    )
    .await;
    json(
        app.patch(&format!(
            "/api/v1/projects/{}",
            dorfladen["id"].as_str().unwrap()
        ))
        .by_coordinator()
        .header("if-match", etag)
        .json(&json!({"code": "PP-99"}))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    let before = app.trail_counts().await;
    let report = smartregion::db::seed::run(&mut *app.conn().await, &test_profile())
        .await
        .unwrap();
    assert_eq!(report, Default::default());
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn create_read_update_and_soft_delete() {
    let app = TestApp::spawn().await;
    let response = app
        .post("/api/v1/projects")
        .by_coordinator()
        .json(&json!({
            "code": "LP-07", "title": "Smarte Straßenbeleuchtung", "summary": "Licht nach Bedarf",
            "field_of_action": "climate_mobility_environment", "category": "lead",
            "lead_organization": AHLEN, "tags": ["Energie", "energie", "licht"],
            "internal_note": "Kosten noch offen", "planned_start": "2026-01-01", "planned_end": "2026-12-31",
            "gender_equality_relevant": "no", "external_id": "ahlen-42"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = json(response, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{PUBLIC_URL}/api/v1/projects/{id}"));
    assert_eq!(created["status"], "idea");
    assert_eq!(created["tags"], json!(["energie", "licht"]));
    assert_eq!(created["internal_note"], "Kosten noch offen");
    assert_eq!(created["participants"], json!([]));
    let path = format!("/api/v1/projects/{id}");

    // Anonymous callers read everything but the internal note; members see it.
    let public = json(app.get(&path).send().await.unwrap(), 200).await;
    assert!(public.get("internal_note").is_none(), "{public}");
    assert_eq!(public["title"], "Smarte Straßenbeleuchtung");
    let member = json(
        app.get(&path)
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(member["internal_note"], "Kosten noch offen");
    let listed = json(
        app.get("/api/v1/projects?lead=05570004")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(listed["items"][0].get("internal_note").is_none());
    let listed = json(
        app.get("/api/v1/projects?lead=05570004")
            .bearer_for(AHLEN, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(listed["items"][0]["internal_note"], "Kosten noch offen");

    // Updates need If-Match: 428 without, 412 when stale; nothing written either way.
    let update = json!({"title": "Smarte Straßenbeleuchtung 2.0", "internal_note": null, "progress_percent": 20});
    assert_refused(
        &app,
        "no if-match",
        || app.patch(&path).json(&update),
        &[(Who::Coordinator, 428)],
    )
    .await;
    assert_refused(
        &app,
        "stale",
        || app.patch(&path).header("if-match", "\"7\"").json(&update),
        &[(Who::Coordinator, 412)],
    )
    .await;
    let response = app
        .patch(&path)
        .by_coordinator()
        .header("if-match", "\"1\"")
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated = json(response, 200).await;
    assert_eq!(updated["title"], "Smarte Straßenbeleuchtung 2.0");
    assert_eq!(updated["internal_note"], Value::Null);
    assert_eq!(updated["progress_percent"], 20);
    assert_eq!(updated["summary"], "Licht nach Bedarf");

    // Spans are checked against the stored dates; the status moves only through /status.
    let bad = problem(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"2\"")
            .json(&json!({"planned_end": "2025-01-01"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&bad), ["/planned_end"]);
    let bad = problem(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"2\"")
            .json(&json!({"status": "completed"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&bad), ["/status"]);

    // Delete: soft, 410 afterwards, gone from lists, recorded as deleted.
    let before = app.trail_counts().await;
    assert_refused(
        &app,
        "delete without if-match",
        || app.delete(&path),
        &[(Who::Coordinator, 428)],
    )
    .await;
    let response = app
        .delete(&path)
        .by_coordinator()
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(app.trail_counts().await, (before.0 + 1, before.1 + 1));
    let gone = problem(app.get(&path).send().await.unwrap(), 410).await;
    assert_eq!(gone["type"], "urn:smartregion:problem:gone");
    problem(
        app.delete(&path)
            .by_coordinator()
            .header("if-match", "*")
            .send()
            .await
            .unwrap(),
        410,
    )
    .await;
    let listed = json(
        app.get("/api/v1/projects?lead=05570004")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
    {
        use smartregion::db::schema::changes;
        app.number_changes().await;
        let mut conn = app.conn().await;
        let ops: Vec<String> = changes::table
            .filter(changes::entity.eq("project"))
            .filter(changes::entity_id.eq(&id))
            .order(changes::seq.asc())
            .select(changes::operation)
            .load(&mut conn)
            .await
            .unwrap();
        assert_eq!(ops, ["created", "updated", "deleted"]);
    }
    // The code stays reserved.
    let taken = problem(
        app.post("/api/v1/projects")
            .by_coordinator()
            .json(&json!({"code": "LP-07", "title": "x", "field_of_action": "administration", "category": "lead"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert!(
        taken["detail"].as_str().unwrap().contains("code"),
        "{taken}"
    );
}

#[actix_web::test]
async fn create_collects_every_invalid_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let body = json!({
        "code": "lp7", "title": " ", "field_of_action": "space_travel", "category": "lead",
        "lead_organization": "05579999", "tags": ["", "x"], "planned_start": "2026-02-01",
        "planned_end": "2026-01-01", "source_url": "ftp://x", "external_id": ""
    });
    let before = app.trail_counts().await;
    let p = problem(
        app.post("/api/v1/projects")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&p);
    found.sort();
    assert_eq!(
        found,
        [
            "/code",
            "/external_id",
            "/field_of_action",
            "/lead_organization",
            "/planned_end",
            "/source_url",
            "/tags/0",
            "/title"
        ]
    );
    for (body, pointer) in [
        // A missing field: the foundation's extractor names no pointer for it ("").
        (
            json!({"code": "X-1", "title": "x", "field_of_action": "administration"}),
            "",
        ),
        (
            json!({"code": "X-1", "title": "x", "field_of_action": "administration", "category": "big"}),
            "/category",
        ),
        (
            json!({"code": "X-1", "title": "x", "field_of_action": "administration", "category": "lead", "status": "approved"}),
            "/status",
        ),
    ] {
        let p = problem(
            app.post("/api/v1/projects")
                .by_coordinator()
                .json(&body)
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    problem(
        app.post("/api/v1/projects")
            .by_coordinator()
            .body("{}")
            .send()
            .await
            .unwrap(),
        415,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);

    create_project(&app, json!({"code": "X-1", "title": "a", "field_of_action": "administration", "category": "lead", "external_id": "e-1"})).await;
    for body in [
        json!({"code": "X-1", "title": "b", "field_of_action": "administration", "category": "lead"}),
        json!({"code": "X-2", "title": "b", "field_of_action": "administration", "category": "lead", "external_id": "e-1"}),
    ] {
        let before = app.trail_counts().await;
        problem(
            app.post("/api/v1/projects")
                .by_coordinator()
                .json(&body)
                .send()
                .await
                .unwrap(),
            409,
        )
        .await;
        assert_eq!(app.trail_counts().await, before);
    }
}

#[actix_web::test]
async fn lists_filter_by_field_category_status_lead_tag_and_modification() {
    let app = TestApp::spawn().await;
    ProjectBuilder::new("F-1")
        .field("administration")
        .status("idea")
        .lead(AHLEN)
        .tag("ki")
        .create(&app)
        .await;
    ProjectBuilder::new("F-2")
        .field("administration")
        .category("potential")
        .status("approved")
        .lead(BECKUM)
        .create(&app)
        .await;
    ProjectBuilder::new("F-3")
        .field("economy_work")
        .status("in_implementation")
        .lead(AHLEN)
        .tag("ki")
        .tag("daten")
        .create(&app)
        .await;
    let get = |query: &'static str| {
        let app = &app;
        async move {
            codes(
                &json(
                    app.get(&format!("/api/v1/projects?{query}"))
                        .send()
                        .await
                        .unwrap(),
                    200,
                )
                .await,
            )
        }
    };
    // Seeded administration projects: LP-05, LP-06.
    assert_eq!(
        get("field_of_action=administration").await,
        ["F-1", "F-2", "LP-05", "LP-06"]
    );
    assert_eq!(
        get("field_of_action=administration&category=potential").await,
        ["F-2"]
    );
    assert_eq!(
        get("status=idea&status=in_implementation").await,
        ["F-1", "F-3"]
    );
    assert_eq!(get("status=approved,idea").await, ["F-1", "F-2"]);
    assert_eq!(get("lead=05570004").await, ["F-1", "F-3"]);
    assert_eq!(get("tag=KI&lead=05570004").await, ["F-1", "F-3"]);
    assert_eq!(get("tag=daten").await, ["F-3"]);
    assert_eq!(get("lead=05570008&status=idea").await, Vec::<String>::new());

    // modified_since: only what changed at or after the instant.
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    ProjectBuilder::new("F-4").create(&app).await;
    let query = format!(
        "/api/v1/projects?modified_since={}",
        urlencode(&since.to_rfc3339())
    );
    let body = json(app.get(&query).send().await.unwrap(), 200).await;
    assert_eq!(codes(&body), ["F-4"]);

    for bad in [
        "status=done",
        "category=big",
        "sort=popularity",
        "modified_since=yesterday",
        "participant=Ahlen",
        "unknown=1",
        "q=",
        "limit=0",
    ] {
        problem(
            app.get(&format!("/api/v1/projects?{bad}"))
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }
    // A cursor continues only the order it was made for.
    let first = json(
        app.get("/api/v1/projects?limit=2&sort=title")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    problem(
        app.get(&format!(
            "/api/v1/projects?limit=2&sort=code&cursor={cursor}"
        ))
        .send()
        .await
        .unwrap(),
        400,
    )
    .await;
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn titles_sort_in_german_dictionary_order_across_pages() {
    let app = TestApp::spawn().await;
    let titles = [
        "Zentrumsentwicklung",
        "Öffentliches WLAN",
        "Bürgerportal",
        "apotheke digital",
        "Offene Daten",
        "Ärztehaus im Dorf",
        "Buchungssystem",
    ];
    for (i, title) in titles.iter().enumerate() {
        ProjectBuilder::new(&format!("DE-{i}"))
            .title(title)
            .tag("umlaut")
            .create(&app)
            .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/projects?tag=umlaut&sort=title&limit=2".to_owned();
    loop {
        let page = json(app.get(&path).send().await.unwrap(), 200).await;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["title"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/projects?tag=umlaut&sort=title&limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "apotheke digital",
            "Ärztehaus im Dorf",
            "Buchungssystem",
            "Bürgerportal",
            "Offene Daten",
            "Öffentliches WLAN",
            "Zentrumsentwicklung",
        ]
    );
}
