//! The cooperation profile and membership over time. Every test here is named `profile_*` and
//! reads its keys from the test profile, so that CI runs them against the embedded default and
//! against `profiles/example-cooperation` (`SMARTREGION_TEST_PROFILE`, see `.ci/run`).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use smartregion::db::schema::projects;
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use smartregion::profile::Profile;
use uuid::Uuid;

use crate::costs::{add_standard_items, allocation_path, assert_sums, put_key, set_state};
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

/// Two municipalities of the profile (by key order).
fn municipalities(profile: &Profile) -> (String, String) {
    let mut towns: Vec<&str> = profile
        .members
        .iter()
        .filter(|m| m.kind == "stadt" || m.kind == "gemeinde")
        .filter(|m| m.joined_on.is_none())
        .map(|m| m.key.as_str())
        .collect();
    towns.sort();
    (towns[0].to_owned(), towns[1].to_owned())
}

/// A key for a new municipality in the steering office's district that the profile lacks.
fn new_key(profile: &Profile) -> String {
    let district = &profile.steering_office_member().key[..5];
    (900..999)
        .map(|n| format!("{district}{n:03}"))
        .find(|key| !profile.members.iter().any(|m| &m.key == key))
        .unwrap()
}

async fn project(app: &TestApp, profile: &Profile, code: &str) -> Uuid {
    ProjectBuilder::new(code)
        .field(&profile.fields_of_action[0].code)
        .create(app)
        .await
}

/// Marks a project completed, as a fixture (the lifecycle's own rules are tested elsewhere).
async fn complete(app: &TestApp, id: Uuid) {
    let mut conn = app.conn().await;
    audited(&mut conn, &Actor::system("test-fixture"), move |conn| {
        async move {
            diesel::update(projects::table.find(id))
                .set(projects::status.eq("completed"))
                .execute(conn)
                .await?;
            Ok::<_, smartregion::error::ApiError>(
                Recorded::new(()).with(Entry::updated("project", id)),
            )
        }
        .scope_boxed()
    })
    .await
    .unwrap();
}

async fn allocation(app: &TestApp, project: Uuid) -> Value {
    json(
        app.get(&allocation_path(project))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

fn year_shares(allocation: &Value, year: i64) -> Value {
    allocation["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["fiscal_year"] == year)
        .unwrap_or_else(|| panic!("no year {year}: {allocation}"))["shares_cents"]
        .clone()
}

#[actix_web::test]
async fn profile_start_loads_the_members_and_names_the_steering_office() {
    let profile = test_profile();
    let app = TestApp::spawn().await;
    let page = json(
        app.get("/api/v1/organizations?limit=200")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let mut listed: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap().to_owned())
        .collect();
    let mut expected: Vec<String> = profile.members.iter().map(|m| m.key.clone()).collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);

    let me = json(
        app.get("/api/v1/me").by_coordinator().send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(me["organization"], profile.steering_office.as_str());
    assert_eq!(
        me["organization_name"],
        profile.steering_office_member().name.as_str()
    );
    // Only the profile's steering office may hold the coordinator role.
    let (town, _) = municipalities(&profile);
    let refused = app
        .get("/api/v1/me")
        .bearer_for(&town, &["coordinator"])
        .send()
        .await
        .unwrap();
    problem(refused, 401).await;

    // A member that joined later has the period the profile gives it.
    if let Some(late) = profile.members.iter().find(|m| m.joined_on.is_some()) {
        let periods = json(
            app.get(&format!("/api/v1/organizations/{}/memberships", late.key))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(
            periods["items"][0]["joined_on"],
            late.joined_on.unwrap().to_string()
        );
    }
}

#[actix_web::test]
async fn profile_oparl_system_and_body_describe_the_cooperation() {
    let profile = test_profile();
    let app = TestApp::spawn().await;
    let system = json(app.get("/oparl/v1.1/system").send().await.unwrap(), 200).await;
    assert_eq!(system["name"], format!("{} – OParl", profile.name));
    assert_eq!(system["license"], profile.oparl.license.as_str());
    assert_eq!(system["contactName"], profile.oparl.contact_name.as_str());
    let body_url = format!("/oparl/v1.1/bodies/{}", profile.oparl.body_id);
    assert!(
        system["body"]
            .as_str()
            .unwrap()
            .ends_with("/oparl/v1.1/bodies")
    );
    let body = json(app.get(&body_url).send().await.unwrap(), 200).await;
    assert!(body["id"].as_str().unwrap().ends_with(&body_url));
    assert!(
        body["meeting"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{body_url}/meetings"))
    );
    let meetings = app
        .get(&format!("{body_url}/meetings"))
        .send()
        .await
        .unwrap();
    assert_eq!(meetings.status(), 200);
    let elsewhere = app
        .get("/oparl/v1.1/bodies/another-body/meetings")
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(body["name"], profile.name.as_str());
    assert_eq!(body["shortName"], profile.short_name.as_str());
    assert_eq!(
        body["classification"],
        profile.oparl.classification.as_str()
    );
    match &profile.oparl.ags {
        Some(ags) => assert_eq!(body["ags"], ags.as_str()),
        None => assert_eq!(body["ags"], Value::Null),
    }
    let term = &body["legislativeTerm"][0];
    assert_eq!(term["name"], profile.oparl.legislative_term_name.as_str());
    assert_eq!(
        term["startDate"],
        profile.oparl.legislative_term_start.to_string()
    );
    assert!(
        term["id"]
            .as_str()
            .unwrap()
            .ends_with(&profile.oparl.legislative_term_key)
    );
    let committee = json(
        app.get("/oparl/v1.1/organizations/lenkungskreis")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(committee["name"], profile.committee_name.as_str());
    // The steering office's contact data, which the profile filled on the first start.
    if let Some(email) = &profile.oparl.contact_email {
        assert_eq!(body["contactEmail"], email.as_str());
    }
}

#[actix_web::test]
async fn profile_exports_carry_the_cooperation_s_names() {
    let profile = test_profile();
    let app = TestApp::spawn().await;
    let meeting = json(
        app.post("/api/v1/meetings")
            .by_coordinator()
            .json(&json!({"number": 1, "title": "Erste Sitzung",
                          "starts_at": "2027-03-11T17:00:00+01:00",
                          "ends_at": "2027-03-11T19:00:00+01:00",
                          "online_url": "https://meet.example.org/1", "public": true}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let id = meeting["id"].as_str().unwrap();
    let ics = app
        .get(&format!("/api/v1/meetings/{id}/export?format=ics"))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(ics.status(), 200);
    // Long content lines are folded (RFC 5545): unfold before looking.
    let ics = ics.text().await.unwrap().replace("\r\n ", "");
    assert!(
        ics.contains(&format!("PRODID:-//{}//smartregion//DE", profile.name)),
        "{ics}"
    );
    assert!(
        ics.contains(&format!("UID:meeting-{id}@{}", profile.calendar_uid_domain)),
        "{ics}"
    );
    let html = app
        .get(&format!("/api/v1/meetings/{id}/export?format=html"))
        .by_coordinator()
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&profile.committee_name), "{html}");

    let (town, _) = municipalities(&profile);
    let report = app
        .get(&format!(
            "/api/v1/organizations/{town}/report?from=2026-01-01&to=2026-12-31&format=html"
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    assert!(report.contains(&profile.name), "{report}");
}

#[actix_web::test]
async fn profile_the_steering_office_adds_members_and_others_may_not() {
    let profile = test_profile();
    let app = TestApp::spawn().await;
    let key = new_key(&profile);
    let body = json!({"key": key, "name": "Neustadt", "kind": "stadt",
                      "joined_on": "2026-06-01", "reason": "Ratsbeschluss vom 12.05.2026",
                      "population": {"value": 12000, "reference_date": "2025-12-31"}});
    let (town, _) = municipalities(&profile);

    problem(
        app.post("/api/v1/organizations")
            .json(&body)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.post("/api/v1/organizations")
            .bearer_for(&town, &["admin"])
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let before = app.trail_counts().await;
    for (wrong, pointer) in [
        (json!({"key": "5570", "kind": "stadt"}), "/key"),
        (json!({"key": "17001001", "kind": "stadt"}), "/key"),
        (
            json!({"key": format!("{}", &key[..5]), "kind": "gemeinde"}),
            "/key",
        ),
        (json!({"key": "Agentur", "kind": "agency"}), "/key"),
        (json!({"name": " "}), "/name"),
    ] {
        let mut sent = body.clone();
        for (k, v) in wrong.as_object().unwrap() {
            sent[k] = v.clone();
        }
        let refused = problem(
            app.post("/api/v1/organizations")
                .by_coordinator()
                .json(&sent)
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(pointers(&refused), [pointer], "{sent}");
    }
    assert_eq!(
        app.trail_counts().await,
        before,
        "a refusal changes nothing"
    );

    let response = app
        .post("/api/v1/organizations")
        .by_coordinator()
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/api/v1/organizations/{key}"))
    );
    let created = json(response, 201).await;
    assert_eq!(created["kind"], "stadt");
    assert_eq!(created["population"]["value"], 12000);
    let duplicate = problem(
        app.post("/api/v1/organizations")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert!(duplicate["detail"].as_str().unwrap().contains(&key));
    let agency = json(
        app.post("/api/v1/organizations")
            .by_coordinator()
            .json(
                &json!({"key": "stadtwerke-neu", "name": "Stadtwerke Neu GmbH",
                          "kind": "agency", "joined_on": "2026-01-01"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(agency["population"], Value::Null);

    let periods = json(
        app.get(&format!("/api/v1/organizations/{key}/memberships"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(periods["member"], true);
    assert_eq!(periods["items"][0]["joined_on"], "2026-06-01");

    // Audited, and in the change feed, in the transaction that made them.
    let mut conn = app.conn().await;
    use smartregion::db::schema::{audit_log, changes};
    for entity in ["organization", "membership", "population_figure"] {
        let recorded: i64 = changes::table
            .filter(changes::entity.eq(entity))
            .filter(changes::entity_id.like(format!("{key}%")))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        let audited: i64 = audit_log::table
            .filter(audit_log::entity.eq(entity))
            .filter(audit_log::entity_id.like(format!("{key}%")))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!((recorded, audited), (1, 1), "{entity}");
    }
}

#[actix_web::test]
async fn profile_leaving_needs_settled_commitments_and_keeps_history() {
    let profile = test_profile();
    let app = TestApp::spawn().await;
    let (town, other) = municipalities(&profile);
    let project = project(&app, &profile, "SR-7").await;
    set_state(&app, project, &town, "committed").await;
    let leave = json!({"left_on": "2026-12-31", "reason": "Austritt nach Ratsbeschluss"});
    let path = format!("/api/v1/organizations/{town}/memberships/leave");

    problem(
        app.post(&path)
            .bearer_for(&town, &["admin"])
            .json(&leave)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let refused = problem(
        app.post(&path)
            .by_coordinator()
            .json(&leave)
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("SR-7 (committed)"),
        "{refused}"
    );
    assert_eq!(refused["open_commitments"][0]["project_code"], "SR-7");

    set_state(&app, project, &town, "withdrawn").await;
    let closed = json(
        app.post(&path)
            .by_coordinator()
            .json(&leave)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(closed["left_on"], "2026-12-31");
    problem(
        app.post(&path)
            .by_coordinator()
            .json(&leave)
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;

    // Its history stays readable.
    let history = app
        .get(&format!(
            "/api/v1/projects/{project}/participations/{town}/history"
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(history.status(), 200);

    // Rejoining overlaps the period it left; a later date opens a new one.
    let rejoin = format!("/api/v1/organizations/{town}/memberships");
    problem(
        app.post(&rejoin)
            .by_coordinator()
            .json(&json!({"joined_on": "2026-12-31"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    json(
        app.post(&rejoin)
            .by_coordinator()
            .json(&json!({"joined_on": "2030-01-01", "reason": "Wiedereintritt"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let periods = json(app.get(&rejoin).send().await.unwrap(), 200).await;
    assert_eq!(periods["items"].as_array().unwrap().len(), 2);

    // The steering office itself cannot leave.
    problem(
        app.post(&format!(
            "/api/v1/organizations/{}/memberships/leave",
            profile.steering_office
        ))
        .by_coordinator()
        .json(&leave)
        .send()
        .await
        .unwrap(),
        409,
    )
    .await;
    let _ = other;
}

#[actix_web::test]
async fn profile_allocation_charges_each_year_s_members_only() {
    let profile = test_profile();
    let app = TestApp::spawn().await;
    let (town, other) = municipalities(&profile);

    // A member that joined in mid-2026 is not charged for 2025.
    let newcomer = new_key(&profile);
    json(
        app.post("/api/v1/organizations")
            .by_coordinator()
            .json(
                &json!({"key": newcomer, "name": "Neustadt", "kind": "gemeinde",
                          "joined_on": "2026-06-01"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let project = project(&app, &profile, "SR-8").await;
    crate::costs::add_item(
        &app,
        project,
        json!({"category": "licence", "recurrence": "recurring", "first_year": 2025,
               "last_year": 2028, "amount_cents": 300_001, "eligible_for_funding": false,
               "basis": "estimate", "description": "Lizenz"}),
    )
    .await;
    put_key(&app, project, json!({"type": "equal"})).await;
    for org in [&town, &other, &newcomer] {
        set_state(&app, project, org, "committed").await;
    }
    let shares = allocation(&app, project).await;
    assert_eq!(shares["status"], "complete", "{shares}");
    assert_sums(&shares);
    let y2025 = year_shares(&shares, 2025);
    assert_eq!(y2025.as_object().unwrap().len(), 2, "{y2025}");
    assert_eq!(y2025[&town], 150_001);
    assert_eq!(y2025[&newcomer], Value::Null);
    assert_eq!(year_shares(&shares, 2026)[&newcomer], 100_000);

    // The project is completed; `town` left in mid-2026: its share of 2026, none of 2027 and
    // 2028.
    complete(&app, project).await;
    json(
        app.post(&format!("/api/v1/organizations/{town}/memberships/leave"))
            .by_coordinator()
            .json(&json!({"left_on": "2026-06-30", "reason": "Austritt"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let shares = allocation(&app, project).await;
    assert_sums(&shares);
    assert_eq!(year_shares(&shares, 2026)[&town], 100_001);
    let y2027 = year_shares(&shares, 2027);
    assert_eq!(y2027[&town], Value::Null, "{y2027}");
    assert_eq!(y2027.as_object().unwrap().len(), 2);
    assert_eq!(
        y2027[&other].as_i64().unwrap() + y2027[&newcomer].as_i64().unwrap(),
        300_001
    );

    // A former member cannot opt in to anything new.
    let other_project = project_with_code(&app, &profile, "SR-9").await;
    let refused = problem(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/projects/{other_project}/participations/{town}"),
        )
        .by_coordinator()
        .json(&json!({"state": "interested"}))
        .send()
        .await
        .unwrap(),
        409,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("no member"));
}

async fn project_with_code(app: &TestApp, profile: &Profile, code: &str) -> Uuid {
    project(app, profile, code).await
}

#[actix_web::test]
async fn profile_standard_cost_plan_splits_among_the_profile_s_members() {
    let profile = test_profile();
    let app = TestApp::spawn().await;
    let (town, other) = municipalities(&profile);
    let project = project(&app, &profile, "SR-2").await;
    add_standard_items(&app, project).await;
    put_key(&app, project, json!({"type": "equal"})).await;
    set_state(&app, project, &town, "committed").await;
    set_state(&app, project, &other, "committed").await;
    let shares = allocation(&app, project).await;
    assert_eq!(shares["status"], "complete");
    assert_sums(&shares);
    assert_eq!(year_shares(&shares, 2027)[&town], 5_050_001);
}
