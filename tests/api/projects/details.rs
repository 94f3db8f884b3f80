//! Milestones, status reports and indicators with measurements.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use smartregion::db::schema::project_reports;
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use uuid::Uuid;

use super::{Who, assert_refused, led_project};
use crate::helpers::*;

#[actix_web::test]
async fn milestones_are_kept_by_the_lead_in_date_order() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "M-1", AHLEN).await;
    let base = format!("/api/v1/projects/{id}/milestones");
    let mut ids = Vec::new();
    for (title, date) in [
        ("Ausschreibung", "2026-09-30"),
        ("Förderantrag", "2026-03-31"),
        ("Abnahme", "2027-06-30"),
    ] {
        let response = app
            .post(&base)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"title": title, "planned_date": date}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["etag"], "\"1\"");
        let m = json(response, 201).await;
        assert_eq!(m["state"], "open");
        ids.push(m["id"].as_str().unwrap().to_owned());
    }
    let page = json(
        app.get(&format!("{base}?limit=2")).send().await.unwrap(),
        200,
    )
    .await;
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Förderantrag", "Ausschreibung"]);
    let rest = json(
        app.get(&format!(
            "{base}?limit=2&cursor={}",
            page["next_cursor"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(rest["items"][0]["title"], "Abnahme");
    assert_eq!(rest["next_cursor"], Value::Null);

    let path = format!("{base}/{}", ids[1]);
    assert_eq!(etag_of(&app, &path).await, "\"1\"");
    assert_refused(
        &app,
        "no if-match",
        || app.patch(&path).json(&json!({"state": "done"})),
        &[(Who::Org(AHLEN, "admin"), 428)],
    )
    .await;
    assert_refused(
        &app,
        "bad state",
        || {
            app.patch(&path)
                .header("if-match", "\"1\"")
                .json(&json!({"state": "finished"}))
        },
        &[(Who::Org(AHLEN, "admin"), 422)],
    )
    .await;
    let done = json(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", "\"1\"")
            .json(&json!({"state": "done", "actual_date": "2026-03-20"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(done["state"], "done");
    assert_eq!(done["actual_date"], "2026-03-20");
    assert_refused(
        &app,
        "stale",
        || {
            app.patch(&path)
                .header("if-match", "\"1\"")
                .json(&json!({"title": "x"}))
        },
        &[(Who::Coordinator, 412)],
    )
    .await;
    let invalid = problem(
        app.post(&base)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"title": "", "planned_date": "2026-13-01"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&invalid), ["/planned_date"]);
    let invalid = problem(
        app.post(&base)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"title": "  ", "planned_date": "2026-12-01"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&invalid), ["/title"]);

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
    problem(app.get(&path).send().await.unwrap(), 404).await;
    // A milestone is reachable under its own project only.
    let other = led_project(&app, "M-2", AHLEN).await;
    problem(
        app.get(&format!("/api/v1/projects/{other}/milestones/{}", ids[0]))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

async fn post_report(app: &TestApp, id: Uuid, body: Value) -> Value {
    json(
        app.post(&format!("/api/v1/projects/{id}/reports"))
            .bearer_for(AHLEN, &["editor"])
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

async fn project(app: &TestApp, id: Uuid) -> Value {
    json(
        app.get(&format!("/api/v1/projects/{id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// Moves a report's posting time back by `hours`, as if the clock had advanced.
async fn age_report(app: &TestApp, report: &str, hours: i32) {
    let id: Uuid = report.parse().unwrap();
    let mut conn = app.conn().await;
    let actor = Actor::system("test-clock");
    audited(&mut conn, &actor, move |conn| {
        async move {
            diesel::update(project_reports::table.find(id))
                .set(project_reports::created_at.eq(diesel::dsl::sql::<
                    diesel::sql_types::Timestamptz,
                >(&format!(
                    "now() - interval '{hours} hours'"
                ))))
                .execute(conn)
                .await?;
            Ok(Recorded::new(()).with(Entry::updated("report", id)))
        }
        .scope_boxed()
    })
    .await
    .unwrap();
}

#[actix_web::test]
async fn a_report_sets_the_projects_progress_and_is_frozen_after_24_hours() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "R-1", AHLEN).await;
    let base = format!("/api/v1/projects/{id}/reports");
    let first = post_report(
        &app,
        id,
        json!({"report_date": "2026-03-31", "text": "Standortsuche läuft.", "progress_percent": 30,
               "traffic_light": "yellow", "traffic_light_note": "Förderbescheid steht aus",
               "next_steps": "Ausschreibung", "risks": "Lieferzeiten"}),
    )
    .await;
    assert_eq!(first["author_organization"], AHLEN);
    let p = project(&app, id).await;
    assert_eq!(
        (p["progress_percent"].clone(), p["traffic_light"].clone()),
        (json!(30), json!("yellow"))
    );
    assert_eq!(p["traffic_light_note"], "Förderbescheid steht aus");

    // An older report date does not override the current state.
    post_report(&app, id, json!({"report_date": "2026-01-31", "text": "Start.", "progress_percent": 5, "traffic_light": "green"})).await;
    let p = project(&app, id).await;
    assert_eq!(p["progress_percent"], 30);

    // A correction within 24 hours also corrects the project.
    let rid = first["id"].as_str().unwrap().to_owned();
    let path = format!("{base}/{rid}");
    let corrected = json(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", "\"1\"")
            .json(&json!({"progress_percent": 35, "traffic_light": "green", "traffic_light_note": null}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(corrected["progress_percent"], 35);
    let p = project(&app, id).await;
    assert_eq!(
        (p["progress_percent"].clone(), p["traffic_light"].clone()),
        (json!(35), json!("green"))
    );
    assert_eq!(p["traffic_light_note"], Value::Null);

    // 23 hours later it can still be corrected, 24 hours later not, by anyone.
    age_report(&app, &rid, 23).await;
    json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"2\"")
            .json(&json!({"risks": "keine"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    age_report(&app, &rid, 24).await;
    assert_refused(
        &app,
        "frozen report",
        || {
            app.patch(&path)
                .header("if-match", "*")
                .json(&json!({"text": "umgeschrieben"}))
        },
        &[(Who::Org(AHLEN, "editor"), 409), (Who::Coordinator, 409)],
    )
    .await;
    // The database refuses it too, whatever the code path.
    let rid_uuid: Uuid = rid.parse().unwrap();
    let mut conn = app.conn().await;
    let direct = audited(&mut conn, &Actor::system("test"), move |conn| {
        async move {
            diesel::update(project_reports::table.find(rid_uuid))
                .set(project_reports::text.eq("x"))
                .execute(conn)
                .await?;
            Ok(Recorded::new(()).with(Entry::updated("report", rid_uuid)))
        }
        .scope_boxed()
    })
    .await;
    assert!(direct.is_err(), "the trigger refuses frozen reports");
    drop(conn);

    // A frozen report is superseded by a new one, once.
    let newer = post_report(
        &app,
        id,
        json!({"report_date": "2026-03-31", "text": "Korrigiert.", "progress_percent": 33, "traffic_light": "yellow", "supersedes": rid}),
    )
    .await;
    assert_eq!(newer["supersedes"], rid.as_str());
    let old = json(app.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(old["superseded_by"], newer["id"]);
    assert_eq!(old["text"], "Standortsuche läuft.");
    assert_eq!(project(&app, id).await["progress_percent"], 33);
    assert_refused(
        &app,
        "superseded twice",
        || {
            app.post(&base).json(
                &json!({"report_date": "2026-04-01", "text": "x", "progress_percent": 1,
                                          "traffic_light": "red", "supersedes": rid}),
            )
        },
        &[(Who::Org(AHLEN, "editor"), 409)],
    )
    .await;
    let elsewhere = led_project(&app, "R-2", AHLEN).await;
    let p = problem(
        app.post(&format!("/api/v1/projects/{elsewhere}/reports"))
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"report_date": "2026-04-01", "text": "x", "progress_percent": 1, "traffic_light": "red", "supersedes": rid}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/supersedes"]);

    // The list: latest report date first, with successors.
    let list = json(
        app.get(&format!("{base}?limit=10")).send().await.unwrap(),
        200,
    )
    .await;
    let texts: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 3);
    assert_eq!(texts[2], "Start.");
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["superseded_by"] == newer["id"])
    );

    // Validation collects every field.
    let p = problem(
        app.post(&base)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"report_date": "2999-01-01", "text": "", "progress_percent": 101, "traffic_light": "green"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&p);
    found.sort();
    assert_eq!(found, ["/progress_percent", "/report_date", "/text"]);
}

#[actix_web::test]
async fn progress_is_updated_by_the_lead_with_if_match() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "P-1", AHLEN).await;
    let path = format!("/api/v1/projects/{id}/progress");
    assert_refused(
        &app,
        "no if-match",
        || app.patch(&path).json(&json!({"progress_percent": 10})),
        &[(Who::Org(AHLEN, "editor"), 428)],
    )
    .await;
    assert_refused(
        &app,
        "out of range",
        || {
            app.patch(&path)
                .header("if-match", "\"1\"")
                .json(&json!({"progress_percent": 101, "traffic_light": "blue"}))
        },
        &[(Who::Org(AHLEN, "editor"), 422)],
    )
    .await;
    assert_refused(
        &app,
        "other fields",
        || {
            app.patch(&path)
                .header("if-match", "\"1\"")
                .json(&json!({"title": "gekapert"}))
        },
        &[(Who::Org(AHLEN, "editor"), 422)],
    )
    .await;
    let response = app
        .patch(&path)
        .bearer_for(AHLEN, &["editor"])
        .header("if-match", "\"1\"")
        .json(&json!({"progress_percent": 60, "traffic_light": "red", "traffic_light_note": "Verzug beim Lieferanten"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"2\"");
    let body = json(response, 200).await;
    assert_eq!(body["progress_percent"], 60);
    assert_eq!(body["traffic_light"], "red");
    // The lead's member token sees the internal note field.
    assert!(body.get("internal_note").is_some());
    let trail = json(
        app.get(&format!("/api/v1/audit?entity=project&entity_id={id}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(trail["items"][0]["action"], "project.progress_updated");
    assert_eq!(trail["items"][0]["organization"], AHLEN);
}

#[actix_web::test]
async fn indicators_and_their_measurements() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "I-1", AHLEN).await;
    let base = format!("/api/v1/projects/{id}/indicators");
    let indicator = json(
        app.post(&base)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"name": "Angeschlossene Sensoren", "unit": "Anzahl", "baseline": 0, "target": 500, "target_date": "2027-12-31"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(indicator["target"], 500.0);
    let path = format!("{base}/{}", indicator["id"].as_str().unwrap());
    let updated = json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", "\"1\"")
            .json(&json!({"target": 600.5, "baseline": null}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(updated["target"], 600.5);
    assert_eq!(updated["baseline"], Value::Null);
    let p = problem(
        app.post(&base)
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"name": "", "unit": "", "target": 1e16}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut found = pointers(&p);
    found.sort();
    assert_eq!(found, ["/name", "/target", "/unit"]);

    let measurements = format!("{path}/measurements");
    for (date, value) in [("2026-06-30", 120.0), ("2026-03-31", 40.0)] {
        json(
            app.post(&measurements)
                .bearer_for(AHLEN, &["admin"])
                .json(&json!({"measured_on": date, "value": value}))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
    }
    assert_refused(
        &app,
        "same date twice",
        || {
            app.post(&measurements)
                .json(&json!({"measured_on": "2026-06-30", "value": 1}))
        },
        &[(Who::Org(AHLEN, "editor"), 409)],
    )
    .await;
    let list = json(
        app.get(&format!("{measurements}?limit=1"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(list["items"][0]["measured_on"], "2026-03-31");
    let next = json(
        app.get(&format!(
            "{measurements}?limit=1&cursor={}",
            list["next_cursor"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(next["items"][0]["value"], 120.0);

    // An indicator with measurements is not deleted under them.
    assert_refused(
        &app,
        "delete with measurements",
        || app.delete(&path).header("if-match", "*"),
        &[(Who::Coordinator, 409)],
    )
    .await;
    for m in [&list["items"][0], &next["items"][0]] {
        let response = app
            .delete(&format!("{measurements}/{}", m["id"].as_str().unwrap()))
            .bearer_for(AHLEN, &["editor"])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
    problem(
        app.delete(&format!("{measurements}/{}", Uuid::new_v4()))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert_refused(
        &app,
        "stale delete",
        || app.delete(&path).header("if-match", "\"1\""),
        &[(Who::Coordinator, 412)],
    )
    .await;
    let response = app
        .delete(&path)
        .bearer_for(AHLEN, &["editor"])
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let list = json(app.get(&base).send().await.unwrap(), 200).await;
    assert_eq!(list["items"], json!([]));
}

async fn etag_of(app: &TestApp, path: &str) -> String {
    super::etag_of(app, path).await
}
