//! Who may call which write endpoint: every refusal, per endpoint, leaves no trace.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Who, assert_refused, led_project};
use crate::helpers::*;

const COORDINATOR_ONLY: &[(Who, u16)] = &[
    (Who::Anonymous, 401),
    (Who::BadToken, 401),
    // Even the lead organization's admin may not edit the catalogue itself.
    (Who::Org(AHLEN, "admin"), 403),
    (Who::Org(AHLEN, "editor"), 403),
    (Who::Org(BECKUM, "admin"), 403),
    (Who::Org(AHLEN, "viewer"), 403),
];

const LEAD_WORK: &[(Who, u16)] = &[
    (Who::Anonymous, 401),
    (Who::BadToken, 401),
    (Who::Org(AHLEN, "viewer"), 403),
    (Who::Org(AHLEN, "integration"), 403),
    // Another organization's admin and editor.
    (Who::Org(BECKUM, "admin"), 403),
    (Who::Org(TELGTE, "editor"), 403),
];

#[actix_web::test]
async fn catalogue_writes_are_for_the_steering_office_only() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "AC-1", AHLEN).await;
    let path = format!("/api/v1/projects/{id}");
    let create = json!({"code": "AC-2", "title": "x", "field_of_action": "administration", "category": "lead"});
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::POST, "/api/v1/projects".into(), Some(create)),
        (Method::PATCH, path.clone(), Some(json!({"title": "neu"}))),
        (Method::DELETE, path.clone(), None),
        (
            Method::POST,
            format!("{path}/status"),
            Some(json!({"status": "planned"})),
        ),
    ];
    for (method, path, body) in endpoints {
        let make = || {
            let req = app.request(method.clone(), &path).header("if-match", "*");
            match &body {
                Some(body) => req.json(body),
                None => req,
            }
        };
        assert_refused(&app, &format!("{method} {path}"), make, COORDINATOR_ONLY).await;
    }
}

#[actix_web::test]
async fn project_work_is_for_the_lead_organization_and_the_office() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "AC-1", AHLEN).await;
    let base = format!("/api/v1/projects/{id}");
    // Sub-resources to act on, created by the lead's editor (which also proves it may).
    let milestone = json(
        app.post(&format!("{base}/milestones"))
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"title": "Start", "planned_date": "2026-06-30"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let report = json(
        app.post(&format!("{base}/reports"))
            .bearer_for(AHLEN, &["admin"])
            .json(&json!({"report_date": "2026-01-31", "text": "Läuft.", "progress_percent": 10, "traffic_light": "green"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let indicator = json(
        app.post(&format!("{base}/indicators"))
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"name": "Sensoren", "unit": "Anzahl"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let indicator_path = format!("{base}/indicators/{}", indicator["id"].as_str().unwrap());
    let measurement = json(
        app.post(&format!("{indicator_path}/measurements"))
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"measured_on": "2026-01-31", "value": 3}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::PATCH,
            format!("{base}/progress"),
            Some(json!({"progress_percent": 50})),
        ),
        (
            Method::POST,
            format!("{base}/milestones"),
            Some(json!({"title": "x", "planned_date": "2026-01-01"})),
        ),
        (
            Method::PATCH,
            format!("{base}/milestones/{}", milestone["id"].as_str().unwrap()),
            Some(json!({"state": "done"})),
        ),
        (
            Method::DELETE,
            format!("{base}/milestones/{}", milestone["id"].as_str().unwrap()),
            None,
        ),
        (
            Method::POST,
            format!("{base}/reports"),
            Some(
                json!({"report_date": "2026-01-01", "text": "x", "progress_percent": 1, "traffic_light": "red"}),
            ),
        ),
        (
            Method::PATCH,
            format!("{base}/reports/{}", report["id"].as_str().unwrap()),
            Some(json!({"text": "y"})),
        ),
        (
            Method::POST,
            format!("{base}/indicators"),
            Some(json!({"name": "x", "unit": "y"})),
        ),
        (
            Method::PATCH,
            indicator_path.clone(),
            Some(json!({"target": 5})),
        ),
        (Method::DELETE, indicator_path.clone(), None),
        (
            Method::POST,
            format!("{indicator_path}/measurements"),
            Some(json!({"measured_on": "2026-02-01", "value": 1})),
        ),
        (
            Method::DELETE,
            format!(
                "{indicator_path}/measurements/{}",
                measurement["id"].as_str().unwrap()
            ),
            None,
        ),
    ];
    for (method, path, body) in &endpoints {
        let make = || {
            let req = app.request(method.clone(), path).header("if-match", "*");
            match body {
                Some(body) => req.json(body),
                None => req,
            }
        };
        assert_refused(&app, &format!("{method} {path}"), make, LEAD_WORK).await;
    }

    // A project without a lead organization: only the office may work on it.
    let orphan = super::create_project(
        &app,
        json!({"code": "AC-3", "title": "Ohne Lead", "field_of_action": "administration", "category": "potential"}),
    )
    .await;
    let orphan = format!("/api/v1/projects/{}", orphan["id"].as_str().unwrap());
    assert_refused(
        &app,
        "report on a project without lead",
        || {
            app.post(&format!("{orphan}/reports")).json(
                &json!({"report_date": "2026-01-01", "text": "x", "progress_percent": 1, "traffic_light": "red"}),
            )
        },
        &[(Who::Org(AHLEN, "admin"), 403)],
    )
    .await;
}

#[actix_web::test]
async fn missing_and_deleted_projects_are_404_and_410_everywhere() {
    let app = TestApp::spawn().await;
    let id = led_project(&app, "AC-1", AHLEN).await;
    let etag = super::etag_of(&app, &format!("/api/v1/projects/{id}")).await;
    let response = app
        .delete(&format!("/api/v1/projects/{id}"))
        .by_coordinator()
        .header("if-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let missing = uuid::Uuid::new_v4();
    let other = uuid::Uuid::new_v4();
    for (project, status) in [(missing, 404), (id, 410)] {
        let base = format!("/api/v1/projects/{project}");
        let reads = [
            base.clone(),
            format!("{base}/status-history"),
            format!("{base}/milestones"),
            format!("{base}/milestones/{other}"),
            format!("{base}/reports"),
            format!("{base}/reports/{other}"),
            format!("{base}/indicators"),
            format!("{base}/indicators/{other}"),
            format!("{base}/indicators/{other}/measurements"),
        ];
        // Participations and costs (members only for most of them).
        let member_reads = [
            format!("{base}/participations"),
            format!("{base}/participations/{AHLEN}"),
            format!("{base}/participations/{AHLEN}/history"),
            format!("{base}/cost-items"),
            format!("{base}/cost-items/{other}"),
            format!("{base}/cost-key"),
            format!("{base}/cost-key/versions"),
            format!("{base}/cost-key/versions/1"),
            format!("{base}/funding"),
            format!("{base}/funding/{other}"),
            format!("{base}/allocation"),
            format!("{base}/allocation/snapshots"),
            format!("{base}/allocation/snapshots/{other}"),
        ];
        let anonymous = reads.into_iter().map(|path| (path, false));
        for (path, member) in anonymous.chain(member_reads.into_iter().map(|path| (path, true))) {
            let request = app.get(&path);
            let request = if member {
                request.by_coordinator()
            } else {
                request
            };
            let body = problem(request.send().await.unwrap(), status).await;
            assert!(
                body["detail"]
                    .as_str()
                    .unwrap()
                    .contains(&project.to_string()),
                "{path}"
            );
        }
        let writes: Vec<(Method, String, Value)> = vec![
            (Method::PATCH, base.clone(), json!({"title": "x"})),
            (Method::DELETE, base.clone(), json!({})),
            (
                Method::POST,
                format!("{base}/status"),
                json!({"status": "planned"}),
            ),
            (
                Method::PATCH,
                format!("{base}/progress"),
                json!({"progress_percent": 1}),
            ),
            (
                Method::POST,
                format!("{base}/milestones"),
                json!({"title": "x", "planned_date": "2026-01-01"}),
            ),
            (
                Method::POST,
                format!("{base}/reports"),
                json!({"report_date": "2026-01-01", "text": "x", "progress_percent": 1, "traffic_light": "red"}),
            ),
            (
                Method::POST,
                format!("{base}/indicators"),
                json!({"name": "x", "unit": "y"}),
            ),
            (
                Method::PUT,
                format!("{base}/participations/{AHLEN}"),
                json!({"state": "interested"}),
            ),
            (
                Method::POST,
                format!("{base}/cost-items"),
                json!({"category": "investment", "recurrence": "one_off", "fiscal_year": 2027,
                       "amount_cents": 100, "eligible_for_funding": true, "basis": "estimate",
                       "description": "x"}),
            ),
            (
                Method::PUT,
                format!("{base}/cost-key"),
                json!({"type": "equal"}),
            ),
            (
                Method::POST,
                format!("{base}/allocation/snapshots"),
                json!({"label": "x"}),
            ),
        ];
        for (method, path, body) in writes {
            assert_refused(
                &app,
                &format!("{method} {path}"),
                || {
                    app.request(method.clone(), &path)
                        .header("if-match", "*")
                        .json(&body)
                },
                &[(Who::Coordinator, status)],
            )
            .await;
        }
    }
    // Sub-resources that do not exist (or belong to another project) are 404.
    let live = led_project(&app, "AC-2", AHLEN).await;
    let base = format!("/api/v1/projects/{live}");
    for path in [
        format!("{base}/milestones/{other}"),
        format!("{base}/reports/{other}"),
        format!("{base}/indicators/{other}"),
        format!("{base}/indicators/{other}/measurements"),
    ] {
        problem(app.get(&path).send().await.unwrap(), 404).await;
    }
    assert_refused(
        &app,
        "patch a missing milestone",
        || {
            app.patch(&format!("{base}/milestones/{other}"))
                .header("if-match", "*")
                .json(&json!({"state": "done"}))
        },
        &[(Who::Org(AHLEN, "editor"), 404)],
    )
    .await;
    problem(
        app.get("/api/v1/projects/not-a-uuid").send().await.unwrap(),
        400,
    )
    .await;
}
