//! Every list takes `modified_since`. The lists are read from the OpenAPI document (every
//! `list_` operation under `/api/v1`), so a list added later is checked without being named
//! here.

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::costs::{nrw_programme, set_state};
use crate::helpers::*;
use crate::meetings::{add_member, patch_item};
use crate::reporting::scenario::{self, Scenario};
use crate::webhooks::{Receiver, fast_settings, start_worker, subscribe};

const LONG_AGO: &str = "2000-01-01T00:00:00Z";

/// The `/api/v1` list paths of the OpenAPI document (path templates).
fn list_paths() -> Vec<String> {
    let doc = serde_json::to_value(smartregion::startup::openapi_document()).unwrap();
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, item)| {
            path.starts_with("/api/v1/")
                && item["get"]["operationId"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("list_"))
        })
        .map(|(path, _)| path.clone())
        .collect();
    assert!(paths.len() >= 25, "only {} lists found", paths.len());
    paths
}

/// The ids the path templates are filled with.
struct Ids {
    project: String,
    meeting: String,
    indicator: String,
    webhook: String,
    /// An organization with data in every per-organization list.
    organization: &'static str,
}

impl Ids {
    fn fill(&self, template: &str) -> String {
        let id = if template.starts_with("/api/v1/meetings/") {
            &self.meeting
        } else if template.starts_with("/api/v1/webhooks/") {
            &self.webhook
        } else {
            &self.project
        };
        template
            .replace("{id}", id)
            .replace("{iid}", &self.indicator)
            .replace("{key}", self.organization)
            .replace("{org}", self.organization)
    }
}

fn with_since(path: &str, since: &str) -> String {
    let since = since.replace('+', "%2B");
    format!("{path}?modified_since={since}")
}

async fn items(app: &TestApp, path: &str) -> Vec<Value> {
    let body = json(app.get(path).by_coordinator().send().await.unwrap(), 200).await;
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no items in {body}"))
        .clone()
}

fn ids_of(items: &[Value], field: &str) -> BTreeSet<String> {
    items
        .iter()
        .map(|item| match &item[field] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The database's clock, which stamps every change.
async fn database_now(app: &TestApp) -> DateTime<Utc> {
    let mut conn = app.conn().await;
    diesel::select(sql::<Timestamptz>("clock_timestamp()"))
        .get_result(&mut conn)
        .await
        .unwrap()
}

async fn post(path: &str, request: reqwest::RequestBuilder, body: Value) -> Value {
    let response = request.json(&body).send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 201, "POST {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn patch(app: &TestApp, path: &str, body: Value) -> Value {
    json(
        app.patch(path)
            .by_coordinator()
            .header("if-match", "*")
            .json(&body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// The reporting scenario plus what it lacks for every list to hold something: a committee
/// member, attendance, a feed token, funding, a snapshot, an indicator with a measurement, a
/// strategy goal and webhook deliveries.
async fn populate(app: &TestApp, receiver: &Receiver) -> (Scenario, Ids) {
    let hook = subscribe(app, AHLEN, &receiver.url("/ahlen"), &["*"]).await;
    let scenario = scenario::build(app).await;
    let project = scenario.glasfaser;
    let meetings = items(app, "/api/v1/meetings").await;
    let meeting = meetings[0]["id"].as_str().unwrap().to_owned();

    let member = add_member(app, OSTBEVERN, "Erika Mustermann", "member", true).await;
    json(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/meetings/{meeting}/attendance/{OSTBEVERN}"),
        )
        .by_coordinator()
        .json(&json!({"status": "present", "delegate_member_ids": [member]}))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    let path = "/api/v1/calendar-feed-tokens";
    post(
        path,
        app.post(path).by_coordinator(),
        json!({"label": "Intranet"}),
    )
    .await;
    let programme = nrw_programme(app).await;
    let path = format!("/api/v1/projects/{project}/funding");
    post(
        &path,
        app.post(&path).by_coordinator(),
        json!({"programme_id": programme, "state": "granted", "granted_cents": 1_000_000, "decision_date": "2026-10-01",
               "first_year": 2027, "last_year": 2027}),
    )
    .await;
    let path = format!("/api/v1/projects/{project}/allocation/snapshots");
    post(
        &path,
        app.post(&path).by_coordinator(),
        json!({"label": "Vorlage Rat Ostbevern", "include_pending": true}),
    )
    .await;
    let path = format!("/api/v1/projects/{project}/indicators");
    let indicator = post(
        &path,
        app.post(&path).by_coordinator(),
        json!({"name": "Angeschlossene Betriebe", "unit": "Anzahl"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/projects/{project}/indicators/{indicator}/measurements");
    post(
        &path,
        app.post(&path).by_coordinator(),
        json!({"measured_on": "2026-03-31", "value": 40}),
    )
    .await;
    let path = "/api/v1/strategy/goals";
    post(
        path,
        app.post(path).by_coordinator(),
        json!({"title": "Gewerbe anbinden", "field_of_action": "digital_infrastructure",
               "project_ids": [project], "indicator_ids": [indicator]}),
    )
    .await;

    // A public initiative of a municipality and a working group that carries it.
    let path = "/api/v1/working-groups";
    let group = post(
        path,
        app.post(path).by_coordinator(),
        json!({"name": "Arbeitskreis Nahversorgung", "kind": "working_group",
               "members": [OSTBEVERN], "fields_of_action": ["digital_infrastructure"],
               "project_ids": [project], "contact_role": "Stabsstelle Digitalisierung"}),
    )
    .await;
    let path = "/api/v1/initiatives";
    post(
        path,
        app.post(path).by_coordinator(),
        json!({"organization": OSTBEVERN, "title": "Digitaler Dorfladen",
               "summary": "Paketstation und Selbstbedienung", "status": "planned",
               "field_of_action": "digital_infrastructure", "visibility": "public",
               "working_group_id": group["id"]}),
    )
    .await;

    for status in ["on_hold", "in_implementation"] {
        let response = app
            .post(&format!("/api/v1/projects/{project}/status"))
            .by_coordinator()
            .json(&json!({"status": status, "reason": "Lieferengpass beim Tiefbau"}))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{status}: {}",
            response.status()
        );
    }

    let webhook = hook["id"].as_str().unwrap().to_owned();
    deliver_everything(app, &webhook).await;
    let ids = Ids {
        project: project.to_string(),
        meeting,
        indicator,
        webhook,
        organization: OSTBEVERN,
    };
    (scenario, ids)
}

/// Runs a delivery worker until the subscription has passed every change recorded so far
/// and each of its deliveries succeeded, then stops it (so that no attempt changes a delivery
/// behind the test's back). The worker numbers and follows the change feed at its own pace
/// (the machine is shared with other tests), hence the generous limit.
async fn deliver_everything(app: &TestApp, webhook: &str) {
    use smartregion::db::schema::webhook_cursors;
    let webhook_id: Uuid = webhook.parse().unwrap();
    let last_change = Some(app.number_changes().await);
    let worker = start_worker(app, fast_settings());
    let pending = format!("/api/v1/webhooks/{webhook}/deliveries?state=pending");
    let mut settled = false;
    for _ in 0..600 {
        let passed: Option<i64> = webhook_cursors::table
            .find(webhook_id)
            .select(webhook_cursors::last_seq)
            .get_result(&mut app.conn().await)
            .await
            .optional()
            .unwrap();
        if passed >= last_change && items(app, &pending).await.is_empty() {
            settled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.stop().await;
    assert!(settled, "the deliveries of {webhook} did not settle");
}

/// The change feed after `since`, once it holds something (a write is in the feed as soon as
/// it was answered, see `db::changes`; the wait only guards against a broken premise).
async fn fresh_changes(app: &TestApp, since: &str) -> Vec<Value> {
    for _ in 0..400 {
        let fresh = items(app, &with_since("/api/v1/changes", since)).await;
        if !fresh.is_empty() {
            return fresh;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Vec::new()
}

#[actix_web::test]
async fn every_list_holds_only_what_changed_since_the_instant() {
    let app = crate::webhooks::app_allowing_private().await;
    let receiver = Receiver::start().await;
    let (scenario, ids) = populate(&app, &receiver).await;
    let paths: Vec<String> = list_paths().iter().map(|t| ids.fill(t)).collect();

    // Long ago: the filter keeps everything, and every list has something to filter.
    for path in &paths {
        if path == "/api/v1/changes" {
            // The feed only ever grows (see `fresh_changes`).
            let all = fresh_changes(&app, LONG_AGO).await;
            assert!(!all.is_empty(), "{path}: the feed stays empty");
            let since = items(&app, &with_since(path, LONG_AGO)).await;
            assert_eq!(
                since[..all.len()],
                all[..],
                "{path}: the past dropped items"
            );
            continue;
        }
        let all = items(&app, path).await;
        assert!(
            !all.is_empty(),
            "{path}: the test data leaves this list empty"
        );
        let since = items(&app, &with_since(path, LONG_AGO)).await;
        assert_eq!(
            since, all,
            "{path}: modified_since in the past dropped items"
        );
    }

    // Now: nothing changed since, in any list.
    let now = database_now(&app)
        .await
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    for path in &paths {
        let since = items(&app, &with_since(path, &now)).await;
        assert!(
            since.is_empty(),
            "{path}: unchanged items listed: {since:?}"
        );
    }

    // Change one thing in several lists; each list then holds just that.
    let project = scenario.glasfaser;
    let milestones = items(&app, &format!("/api/v1/projects/{project}/milestones")).await;
    let milestone = milestones[1]["id"].as_str().unwrap().to_owned();
    patch(
        &app,
        &format!("/api/v1/projects/{project}/milestones/{milestone}"),
        json!({"title": "Ausschreibung veröffentlicht"}),
    )
    .await;
    let actions = items(&app, "/api/v1/action-items").await;
    let action = actions[0]["id"].as_str().unwrap().to_owned();
    patch(
        &app,
        &format!("/api/v1/action-items/{action}"),
        json!({"status": "in_progress"}),
    )
    .await;
    let meetings = items(&app, "/api/v1/meetings").await;
    let second = meetings[1]["id"].as_str().unwrap().to_owned();
    let agenda = items(&app, &format!("/api/v1/meetings/{second}/agenda-items")).await;
    let item = agenda[0]["id"].as_str().unwrap().to_owned();
    patch_item(
        &app,
        &second,
        &item,
        json!({"resolution_text": "Standorte Ostbevern, Beckum und Telgte."}),
    )
    .await;
    set_state(&app, scenario.sensoren, BECKUM, "committed").await;
    deliver_everything(&app, &ids.webhook).await;

    let since = |path: String| {
        let app = &app;
        let now = now.clone();
        async move { items(app, &with_since(&path, &now)).await }
    };
    assert_eq!(
        ids_of(
            &since(format!("/api/v1/projects/{project}/milestones")).await,
            "id"
        ),
        BTreeSet::from([milestone])
    );
    assert_eq!(
        ids_of(&since("/api/v1/action-items".into()).await, "id"),
        BTreeSet::from([action])
    );
    assert_eq!(
        ids_of(&since("/api/v1/meetings".into()).await, "id"),
        BTreeSet::from([second.clone()])
    );
    assert_eq!(
        ids_of(
            &since(format!("/api/v1/meetings/{second}/agenda-items")).await,
            "id"
        ),
        BTreeSet::from([item])
    );
    // A decision shows its meeting, so a changed meeting lists all its decisions.
    let decisions = since("/api/v1/decisions".into()).await;
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    assert!(
        decisions
            .iter()
            .all(|d| d["meeting"]["id"] == second.as_str())
    );
    let sensoren = scenario.sensoren;
    assert_eq!(
        ids_of(
            &since(format!("/api/v1/projects/{sensoren}/participations")).await,
            "organization"
        ),
        BTreeSet::from([BECKUM.to_owned()])
    );
    let portfolio = since(format!("/api/v1/organizations/{BECKUM}/participations")).await;
    assert_eq!(portfolio.len(), 1, "{portfolio:?}");
    assert_eq!(portfolio[0]["project"]["id"], sensoren.to_string());
    let history = since(format!(
        "/api/v1/projects/{sensoren}/participations/{BECKUM}/history"
    ))
    .await;
    assert_eq!(
        history.len(),
        2,
        "intends_to_join, then committed: {history:?}"
    );
    for list in [
        "/api/v1/projects/{project}/cost-items",
        "/api/v1/strategy/goals",
    ] {
        let list = list.replace("{project}", &project.to_string());
        assert!(since(list.clone()).await.is_empty(), "{list}");
    }

    // Append-only lists and the feeds: only records written after the instant.
    let start: DateTime<Utc> = now.parse().unwrap();
    for (path, field) in [
        ("/api/v1/audit".to_owned(), "occurred_at"),
        ("/api/v1/changes".to_owned(), "occurred_at"),
        (
            format!("/api/v1/webhooks/{}/deliveries", ids.webhook),
            "created_at",
        ),
    ] {
        let fresh = if path == "/api/v1/changes" {
            fresh_changes(&app, &now).await
        } else {
            since(path.clone()).await
        };
        let all = items(&app, &path).await;
        assert!(!fresh.is_empty(), "{path}: the changes are missing");
        assert!(fresh.len() < all.len(), "{path}: older records listed");
        for record in &fresh {
            let at: DateTime<Utc> = record[field].as_str().unwrap().parse().unwrap();
            assert!(at >= start, "{path}: {record}");
        }
    }
}

#[actix_web::test]
async fn a_malformed_instant_is_a_bad_request_on_every_list() {
    let app = TestApp::spawn().await;
    let ids = Ids {
        project: Uuid::new_v4().to_string(),
        meeting: Uuid::new_v4().to_string(),
        indicator: Uuid::new_v4().to_string(),
        webhook: Uuid::new_v4().to_string(),
        organization: AHLEN,
    };
    let before = app.trail_counts().await;
    for template in list_paths() {
        let path = ids.fill(&template);
        for (value, hint) in [
            ("yesterday", "RFC 3339"),
            ("2026-11-01", "RFC 3339"),
            // An unencoded `+` arrives as a space.
            ("2026-11-01T00:00:00+01:00", "%2B"),
        ] {
            let response = app
                .get(&format!("{path}?modified_since={value}"))
                .by_coordinator()
                .send()
                .await
                .unwrap();
            let body = problem(response, 400).await;
            let detail = body["detail"].as_str().unwrap();
            assert!(
                detail.contains("modified_since") && detail.contains(hint),
                "{path} with {value}: {detail}"
            );
        }
    }
    assert_eq!(app.trail_counts().await, before);
}
