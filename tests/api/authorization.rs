//! Authorization hardening (issue 18): the preview's share visibility, the coordinator role
//! bound to the steering office, the delegates' committee-wide fields, and rights checked
//! again on the locked row.

use std::process::Command;
use std::time::Duration;

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use reqwest::{RequestBuilder, Response};
use serde_json::{Value, json};
use smartregion::db::DbPool;
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use uuid::Uuid;

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// Finding 1: the what-if preview shows shares to whom the allocation shows them.

fn preview_path(project: Uuid) -> String {
    format!("/api/v1/projects/{project}/allocation/preview")
}

async fn preview_as(app: &TestApp, project: Uuid, token: String, body: Value) -> Value {
    json(
        app.post(&preview_path(project))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

async fn allocation_as(app: &TestApp, project: Uuid, query: &str, token: String) -> Value {
    json(
        app.get(&format!("/api/v1/projects/{project}/allocation{query}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// A project led by Ahlen with costs in 2027–2029 split equally; Ahlen and Beckum committed,
/// Telgte's council decision pending. Ostbevern takes no part.
async fn shared_project(app: &TestApp) -> Uuid {
    let project = crate::costs::project(app).await;
    crate::costs::add_standard_items(app, project).await;
    crate::costs::put_key(app, project, json!({"type": "equal"})).await;
    crate::costs::set_state(app, project, AHLEN, "committed").await;
    crate::costs::set_state(app, project, BECKUM, "committed").await;
    crate::costs::set_state(app, project, TELGTE, "council_decision_pending").await;
    project
}

#[actix_web::test]
async fn a_non_participant_cannot_read_shares_through_the_preview() {
    let app = TestApp::spawn().await;
    let project = shared_project(&app).await;
    let outsider = || token(OSTBEVERN, &["viewer"]);

    // The allocation hides the shares from Ostbevern ...
    let stored = allocation_as(&app, project, "?include=pending", outsider()).await;
    assert_eq!(stored["shares_visible"], false);
    assert_eq!(stored["years"][0]["shares_cents"], Value::Null);

    // ... and so does the preview, for the current participants (pending ones included) and
    // for participants the caller names.
    for body in [
        json!({}),
        json!({"include_pending": true}),
        json!({"participants": [AHLEN, BECKUM, TELGTE]}),
        json!({"participants": [AHLEN, BECKUM], "key": {"type": "equal"}}),
    ] {
        let seen = preview_as(&app, project, outsider(), body.clone()).await;
        assert_eq!(seen["status"], "complete", "{body}: {seen}");
        assert_eq!(seen["shares_visible"], false, "{body}: {seen}");
        assert_eq!(seen["participants"], Value::Null, "{body}: {seen}");
        for year in seen["years"].as_array().unwrap() {
            assert_eq!(year["shares_cents"], Value::Null, "{body}: {seen}");
        }
        // The totals stay public, as in the allocation.
        assert_eq!(seen["years"][0]["own_share_cents"], 10_100_001);
    }

    // Asking what joining would cost it, Ostbevern sees its own share and nobody else's.
    let joining = preview_as(
        &app,
        project,
        outsider(),
        json!({"participants": [AHLEN, BECKUM, OSTBEVERN]}),
    )
    .await;
    assert_eq!(joining["shares_visible"], false);
    assert_eq!(joining["participants"], Value::Null);
    assert_eq!(
        joining["years"][0]["shares_cents"],
        json!({OSTBEVERN: 3_366_667})
    );
}

#[actix_web::test]
async fn the_office_the_lead_and_the_participants_see_in_the_preview_what_the_allocation_shows() {
    let app = TestApp::spawn().await;
    let project = shared_project(&app).await;
    for (who, token) in [
        ("office", coordinator()),
        ("lead", token(AHLEN, &["viewer"])),
        ("committed", token(BECKUM, &["viewer"])),
        ("pending", token(TELGTE, &["viewer"])),
    ] {
        for (query, body) in [
            ("", json!({})),
            ("?include=pending", json!({"include_pending": true})),
        ] {
            let stored = allocation_as(&app, project, query, token.clone()).await;
            let seen = preview_as(&app, project, token.clone(), body).await;
            assert_eq!(stored["shares_visible"], true, "{who}{query}");
            assert_eq!(seen["shares_visible"], true, "{who}{query}");
            assert_eq!(seen["years"], stored["years"], "{who}{query}");
            let keys = |v: &Value| -> Vec<Value> {
                v["participants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["organization_key"].clone())
                    .collect()
            };
            assert_eq!(keys(&seen), keys(&stored), "{who}{query}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Finding 7: the role coordinator only for the steering office's organization.

/// Asserts the refusal of a coordinator token of another organization.
async fn refused_as_foreign_coordinator(response: Response, organization: &str) {
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    let body = problem(response, 401).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("coordinator is accepted only for the steering office"),
        "{detail}"
    );
    assert!(detail.contains(organization), "{detail}");
}

async fn organization_etag(app: &TestApp, key: &str) -> String {
    let response = app
        .get(&format!("/api/v1/organizations/{key}"))
        .send()
        .await
        .unwrap();
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_coordinator_token_of_a_town_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let rogue = || token(OSTBEVERN, &["coordinator"]);
    let project_body = json!({"code": "RG-1", "title": "Übernahme",
                              "field_of_action": "administration", "category": "lead"});
    let ahlen_tag = organization_etag(&app, AHLEN).await;
    let before = app.trail_counts().await;

    refused_as_foreign_coordinator(
        app.post("/api/v1/projects")
            .bearer_auth(rogue())
            .json(&project_body)
            .send()
            .await
            .unwrap(),
        OSTBEVERN,
    )
    .await;
    // Through the idempotency middleware too, which authenticates the same way.
    refused_as_foreign_coordinator(
        app.post("/api/v1/projects")
            .bearer_auth(rogue())
            .header("idempotency-key", "rogue-1")
            .json(&project_body)
            .send()
            .await
            .unwrap(),
        OSTBEVERN,
    )
    .await;
    refused_as_foreign_coordinator(
        app.patch(&format!("/api/v1/organizations/{AHLEN}"))
            .bearer_auth(rogue())
            .header("if-match", &ahlen_tag)
            .json(&json!({"contact_email": "uebernahme@example.org"}))
            .send()
            .await
            .unwrap(),
        OSTBEVERN,
    )
    .await;
    refused_as_foreign_coordinator(
        app.get("/api/v1/audit")
            .bearer_auth(rogue())
            .send()
            .await
            .unwrap(),
        OSTBEVERN,
    )
    .await;
    // Carrying other roles besides does not help.
    refused_as_foreign_coordinator(
        app.get("/api/v1/me")
            .bearer_for(OSTBEVERN, &["admin", "coordinator"])
            .send()
            .await
            .unwrap(),
        OSTBEVERN,
    )
    .await;
    assert_eq!(app.trail_counts().await, before, "nothing was written");
    assert_eq!(organization_etag(&app, AHLEN).await, ahlen_tag);
    let projects = json(
        app.get("/api/v1/projects?q=Übernahme")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(projects["items"], json!([]));

    // The district's steering office still works, and Ostbevern's admin token too.
    json(
        app.post("/api/v1/projects")
            .by_coordinator()
            .json(&project_body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    json(
        app.get("/api/v1/audit")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    json(
        app.get("/api/v1/me")
            .bearer_for(OSTBEVERN, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
}

#[actix_web::test]
async fn a_configured_steering_office_holds_the_coordinator_role() {
    let app = TestApp::builder()
        .env("SMARTREGION_STEERING_OFFICE", "gfw")
        .spawn()
        .await;
    let me = json(
        app.get("/api/v1/me")
            .bearer_for("gfw", &["coordinator"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(me["acts_for_all_organizations"], true);
    json(
        app.get("/api/v1/audit")
            .bearer_for("gfw", &["coordinator"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    // Now the district's token is the one refused.
    refused_as_foreign_coordinator(
        app.get("/api/v1/audit")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        DISTRICT,
    )
    .await;
}

fn smartregion_token(org: &str) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smartregion"));
    for var in [
        "SMARTREGION_JWT_SECRET",
        "SMARTREGION_JWKS_URL",
        "SMARTREGION_JWKS_FILE",
        "SMARTREGION_JWT_PUBLIC_KEY_FILE",
        "SMARTREGION_STEERING_OFFICE",
    ] {
        command.env_remove(var);
    }
    command
        .args(["token", "--dev", "--org", org, "--role", "coordinator"])
        .output()
        .unwrap()
}

#[test]
fn the_token_command_gives_the_coordinator_role_to_the_steering_office_only() {
    let refused = smartregion_token(OSTBEVERN);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("accepted only for the steering office"),
        "{stderr}"
    );
    assert!(refused.stdout.is_empty(), "no token printed");
    let issued = smartregion_token(DISTRICT);
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Finding 8: committee offices and voting rights are the steering office's.

const MEMBERS: &str = "/api/v1/committee/members";

async fn member_etag(app: &TestApp, path: &str) -> String {
    let response = app.get(path).send().await.unwrap();
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn an_admin_may_not_give_its_delegates_a_committee_office_or_a_vote() {
    let app = TestApp::spawn().await;
    let before = app.trail_counts().await;
    for (body, refused) in [
        (json!({"role": "chair"}), "role (member to chair)"),
        (
            json!({"voting_right": true}),
            "voting_right (false to true)",
        ),
        (
            json!({"role": "secretary", "voting_right": true}),
            "role (member to secretary), voting_right (false to true)",
        ),
    ] {
        let mut request = json!({"organization": AHLEN, "name": "Anna Amt",
                                 "start_date": "2025-11-01"});
        request
            .as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let problem = problem(
            app.post(MEMBERS)
                .bearer_for(AHLEN, &["admin"])
                .json(&request)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("only the steering office"), "{detail}");
        assert!(detail.ends_with(&format!("refused: {refused}")), "{detail}");
    }
    assert_eq!(app.trail_counts().await, before, "nothing was written");

    // The defaults, or a deputy, the admin may name.
    let plain = json(
        app.post(MEMBERS)
            .bearer_for(AHLEN, &["admin"])
            .json(
                &json!({"organization": AHLEN, "name": "Anna Amt", "voting_right": false,
                          "start_date": "2025-11-01"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(plain["role"], "member");
    assert_eq!(plain["voting_right"], false);
    let path = format!("{MEMBERS}/{}", plain["id"].as_str().unwrap());

    // On update, a change of either field is refused; the current values are no change.
    let tag = member_etag(&app, &path).await;
    let before = app.trail_counts().await;
    for (body, refused) in [
        (
            json!({"role": "deputy_chair"}),
            "role (member to deputy_chair)",
        ),
        (
            json!({"voting_right": true}),
            "voting_right (false to true)",
        ),
    ] {
        let problem = problem(
            app.patch(&path)
                .bearer_for(AHLEN, &["admin"])
                .header("if-match", &tag)
                .json(&body)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.ends_with(&format!("refused: {refused}")), "{detail}");
    }
    assert_eq!(app.trail_counts().await, before, "nothing was written");
    let unchanged = json(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", &tag)
            .json(&json!({"role": "member", "voting_right": false, "function": "Kämmerin"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(unchanged["function"], "Kämmerin");

    // The steering office gives the office and the vote; the admin cannot take them away.
    let tag = member_etag(&app, &path).await;
    let chair = json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", &tag)
            .json(&json!({"role": "chair", "voting_right": true}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(chair["role"], "chair");
    assert_eq!(chair["voting_right"], true);
    let tag = member_etag(&app, &path).await;
    let problem = problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", &tag)
            .json(&json!({"role": "member", "voting_right": false}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .ends_with("refused: role (chair to member), voting_right (true to false)"),
        "{problem}"
    );
    // Its own fields stay the admin's.
    json(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", &tag)
            .json(&json!({"name_public_consent": true, "role": "chair", "voting_right": true}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;

    // The steering office creates a voting chair directly.
    let created = json(
        app.post(MEMBERS)
            .by_coordinator()
            .json(
                &json!({"organization": BECKUM, "name": "Bernd Vorsitz", "role": "chair",
                          "voting_right": true, "start_date": "2025-11-01"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(created["role"], "chair");
    assert_eq!(created["voting_right"], true);
}

// ---------------------------------------------------------------------------------------------
// Finding 15: rights checked again on the row as locked in the write's transaction.

/// Waits until some session of the test's database waits for a lock.
async fn wait_for_lock_waiter(pool: &DbPool) {
    let mut conn = pool.get().await.unwrap();
    for _ in 0..500 {
        let waiting: i64 = diesel::select(diesel::dsl::sql::<BigInt>(
            "(SELECT count(*) FROM pg_stat_activity \
              WHERE datname = current_database() AND wait_event_type = 'Lock')",
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the request never waited for the row lock");
}

/// Holds the row lock `lock_sql` takes in a transaction of the test's own, sends `request`,
/// waits until the request waits for that lock, applies `change_sql` (audited as `entry`),
/// commits, and returns the answer. The request has checked its rights before its
/// transaction, on the row as it was; only a check on the locked row sees the change.
async fn while_locked(
    app: &TestApp,
    lock_sql: String,
    change_sql: String,
    entry: Entry,
    request: RequestBuilder,
) -> Response {
    let pool = app.pool.clone();
    let mut conn = app.conn().await;
    let actor = Actor::system("test-race");
    // `audited` may run the write more than once; the request is sent by the first run.
    let request = std::sync::Mutex::new(Some(request));
    let request = &request;
    let pending = audited(&mut conn, &actor, move |conn| {
        let (lock_sql, change_sql, entry, pool) = (
            lock_sql.clone(),
            change_sql.clone(),
            entry.clone(),
            pool.clone(),
        );
        let request = request.lock().unwrap().take().expect("sent once");
        async move {
            diesel::sql_query(lock_sql).execute(conn).await?;
            let pending = actix_web::rt::spawn(request.send());
            wait_for_lock_waiter(&pool).await;
            diesel::sql_query(change_sql).execute(conn).await?;
            Ok(Recorded::new(pending).with(entry))
        }
        .scope_boxed()
    })
    .await
    .unwrap();
    pending.await.unwrap().unwrap()
}

async fn milestone_count(app: &TestApp, project: Uuid) -> usize {
    let page = json(
        app.get(&format!("/api/v1/projects/{project}/milestones"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    page["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn a_lead_change_while_a_milestone_waits_for_the_lock_refuses_the_former_lead() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("LK-1").lead(AHLEN).create(&app).await;
    let response = while_locked(
        &app,
        format!("SELECT 1 FROM projects WHERE id = '{project}' FOR UPDATE"),
        format!("UPDATE projects SET lead_organization = '{BECKUM}' WHERE id = '{project}'"),
        Entry::updated("project", project),
        app.post(&format!("/api/v1/projects/{project}/milestones"))
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"title": "Zu spät", "planned_date": "2026-06-30"})),
    )
    .await;
    let refused = problem(response, 403).await;
    assert!(
        refused["detail"].as_str().unwrap().contains(BECKUM),
        "{refused}"
    );
    assert_eq!(milestone_count(&app, project).await, 0);
}

#[actix_web::test]
async fn a_lead_change_while_a_cost_proposal_waits_for_the_lock_refuses_the_former_lead() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("LK-2").lead(AHLEN).create(&app).await;
    let response = while_locked(
        &app,
        format!("SELECT 1 FROM projects WHERE id = '{project}' FOR UPDATE"),
        format!("UPDATE projects SET lead_organization = '{BECKUM}' WHERE id = '{project}'"),
        Entry::updated("project", project),
        app.post(&format!("/api/v1/projects/{project}/cost-items"))
            .bearer_for(AHLEN, &["admin"])
            .json(
                &json!({"category": "investment", "recurrence": "one_off", "fiscal_year": 2027,
                          "amount_cents": 100_000, "eligible_for_funding": false,
                          "basis": "estimate", "description": "Vorschlag"}),
            ),
    )
    .await;
    problem(response, 403).await;
    let items = json(
        app.get(&format!("/api/v1/projects/{project}/cost-items"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(items["items"], json!([]));
}

#[actix_web::test]
async fn an_owner_change_while_an_update_waits_for_the_lock_refuses_the_former_owner() {
    let app = TestApp::spawn().await;
    let item = json(
        app.post("/api/v1/action-items")
            .by_coordinator()
            .json(&json!({"title": "Förderantrag", "owner_organization": AHLEN}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let id: Uuid = item["id"].as_str().unwrap().parse().unwrap();
    let path = format!("/api/v1/action-items/{id}");
    let response = while_locked(
        &app,
        format!("SELECT 1 FROM action_items WHERE id = '{id}' FOR UPDATE"),
        format!("UPDATE action_items SET owner_organization = '{BECKUM}' WHERE id = '{id}'"),
        Entry::updated("action_item", id),
        app.patch(&path)
            .bearer_for(AHLEN, &["editor"])
            .header("if-match", "\"1\"")
            .json(&json!({"status": "done"})),
    )
    .await;
    problem(response, 403).await;
    let now = json(app.get(&path).by_coordinator().send().await.unwrap(), 200).await;
    assert_eq!(now["status"], "open");
    assert_eq!(now["owner_organization"], BECKUM);
}

#[actix_web::test]
async fn after_a_lead_change_the_former_leads_editor_is_refused() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("LK-3").lead(AHLEN).create(&app).await;
    let path = format!("/api/v1/projects/{project}");
    let tag = app.get(&path).send().await.unwrap().headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", &tag)
            .json(&json!({"lead_organization": BECKUM}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let before = app.trail_counts().await;
    let writes = [
        (
            "milestones",
            json!({"title": "Start", "planned_date": "2026-06-30"}),
        ),
        (
            "reports",
            json!({"report_date": "2026-01-31", "text": "Läuft.", "progress_percent": 10,
                   "traffic_light": "green"}),
        ),
    ];
    for (sub, body) in &writes {
        problem(
            app.post(&format!("{path}/{sub}"))
                .bearer_for(AHLEN, &["editor"])
                .json(body)
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    assert_eq!(app.trail_counts().await, before, "nothing was written");
    for (sub, body) in &writes {
        json(
            app.post(&format!("{path}/{sub}"))
                .bearer_for(BECKUM, &["editor"])
                .json(body)
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
    }
}
