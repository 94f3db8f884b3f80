//! Who may do what, for every endpoint and every pair of (caller organization, target
//! organization) among five members (the district, two towns, a municipality, the gfw).

use serde_json::{Value, json};

use super::*;
use crate::helpers::builders::ProjectBuilder;

const ORGS: [&str; 5] = [DISTRICT, AHLEN, BECKUM, OSTBEVERN, GFW];
const MEMBER_ROLES: [&str; 4] = ["admin", "editor", "viewer", "integration"];

#[actix_web::test]
async fn only_the_organization_itself_or_the_coordinator_may_write_its_participation() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("WA-1").create(&app).await;
    let body = json!({"state": "interested", "note": "intern"});

    // Refusals first, so that every target is still absent and nothing else could refuse.
    for caller in ORGS {
        for role in MEMBER_ROLES {
            for target in ORGS {
                let allowed = caller == target && (role == "admin" || role == "editor");
                if allowed {
                    continue;
                }
                let before = app.trail_counts().await;
                let refused = problem(
                    put(
                        &app,
                        project,
                        target,
                        Some(token(caller, &[role])),
                        None,
                        &body,
                    )
                    .await,
                    403,
                )
                .await;
                if caller != target {
                    assert!(
                        refused["detail"]
                            .as_str()
                            .unwrap()
                            .contains("may not act for"),
                        "{caller}/{role} -> {target}: {refused}"
                    );
                }
                assert_eq!(
                    app.trail_counts().await,
                    before,
                    "{caller}/{role} -> {target}"
                );
            }
        }
    }
    for target in ORGS {
        problem(app.get(&path(project, target)).send().await.unwrap(), 404).await;
    }

    // Allowed: each organization's admin and editor for itself.
    let project_b = ProjectBuilder::new("WA-2").create(&app).await;
    for (project, role) in [(project, "admin"), (project_b, "editor")] {
        for org in ORGS {
            let created = json(
                put(&app, project, org, Some(token(org, &[role])), None, &body).await,
                201,
            )
            .await;
            assert_eq!(created["organization"], org);
        }
    }
    let audits = audit_entries(&app, "participation").await;
    assert_eq!(audits.len(), 10);
    assert!(audits.iter().all(|a| a["on_behalf_of"] == Value::Null));
    assert!(
        audits
            .iter()
            .all(|a| a["actor"]["organization"] == a["organization"])
    );

    // Anonymous and refused tokens.
    let before = app.trail_counts().await;
    problem(
        put(&app, project, AHLEN, None, Some("\"1\""), &body).await,
        401,
    )
    .await;
    problem(
        put(
            &app,
            project,
            AHLEN,
            Some("not-a-jwt".into()),
            Some("\"1\""),
            &body,
        )
        .await,
        401,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
}

#[actix_web::test]
async fn the_coordinator_records_for_every_organization_on_its_behalf() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("WA-3").create(&app).await;
    for org in ORGS {
        record(
            &app,
            project,
            org,
            json!({"state": "intends_to_join", "reason": "Meldung im Lenkungskreis"}),
        )
        .await;
    }
    let audits = audit_entries(&app, "participation").await;
    assert_eq!(audits.len(), ORGS.len());
    for (audit, org) in audits.iter().zip(ORGS) {
        assert_eq!(audit["organization"], org);
        assert_eq!(audit["actor"]["organization"], DISTRICT);
        // The district's own participation is no "on behalf".
        let expected = if org == DISTRICT {
            Value::Null
        } else {
            json!(org)
        };
        assert_eq!(audit["on_behalf_of"], expected, "{org}");
        let entry = &history(&app, project, org).await[0];
        assert_eq!(entry["on_behalf_of"], expected, "{org}");
        assert_eq!(entry["actor"]["organization"], DISTRICT);
    }
    // A council decision recorded on behalf of Ostbevern.
    record(
        &app,
        project,
        OSTBEVERN,
        json!({"state": "council_decision_pending"}),
    )
    .await;
    record(
        &app,
        project,
        OSTBEVERN,
        json!({"state": "committed", "council_resolution": resolution("approved")}),
    )
    .await;
    let resolution_audit = audit_entries(&app, "council_resolution").await;
    assert_eq!(resolution_audit[0]["on_behalf_of"], OSTBEVERN);
}

#[actix_web::test]
async fn an_editor_moves_only_between_interested_and_intends_to_join() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("WA-4").create(&app).await;
    let editor = || Some(token(BECKUM, &["editor"]));
    let before = app.trail_counts().await;
    for state in ["declined", "council_decision_pending", "committed"] {
        problem(
            put(
                &app,
                project,
                BECKUM,
                editor(),
                None,
                &json!({"state": state}),
            )
            .await,
            403,
        )
        .await;
    }
    assert_eq!(app.trail_counts().await, before);
    json(
        put(
            &app,
            project,
            BECKUM,
            editor(),
            None,
            &json!({"state": "interested"}),
        )
        .await,
        201,
    )
    .await;
    json(
        put(
            &app,
            project,
            BECKUM,
            editor(),
            Some("\"1\""),
            &json!({"state": "intends_to_join"}),
        )
        .await,
        200,
    )
    .await;
    json(
        put(
            &app,
            project,
            BECKUM,
            editor(),
            Some("\"2\""),
            &json!({"state": "interested", "staff_fte_hundredths": 10}),
        )
        .await,
        200,
    )
    .await;
    json(
        put(
            &app,
            project,
            BECKUM,
            editor(),
            Some("\"3\""),
            &json!({"state": "intends_to_join"}),
        )
        .await,
        200,
    )
    .await;

    let counts = app.trail_counts().await;
    for body in [
        json!({"state": "council_decision_pending"}),
        json!({"state": "declined"}),
        json!({"state": "committed", "council_resolution": resolution("approved")}),
        json!({"state": "intends_to_join", "council_resolution_required": false}),
    ] {
        problem(
            put(&app, project, BECKUM, editor(), Some("\"4\""), &body).await,
            403,
        )
        .await;
    }
    assert_eq!(app.trail_counts().await, counts);

    // Past intends_to_join the editor may not touch it at all, not even in place.
    let admin = || Some(token(BECKUM, &["admin"]));
    json(
        put(
            &app,
            project,
            BECKUM,
            admin(),
            Some("\"4\""),
            &json!({"state": "council_decision_pending"}),
        )
        .await,
        200,
    )
    .await;
    let counts = app.trail_counts().await;
    for state in ["council_decision_pending", "intends_to_join", "interested"] {
        problem(
            put(
                &app,
                project,
                BECKUM,
                editor(),
                Some("\"5\""),
                &json!({"state": state}),
            )
            .await,
            403,
        )
        .await;
    }
    assert_eq!(app.trail_counts().await, counts);
    // The admin of another organization cannot either; the admin itself can.
    problem(
        put(
            &app,
            project,
            BECKUM,
            Some(token(AHLEN, &["admin"])),
            Some("\"5\""),
            &json!({"state": "intends_to_join"}),
        )
        .await,
        403,
    )
    .await;
    json(
        put(
            &app,
            project,
            BECKUM,
            admin(),
            Some("\"5\""),
            &json!({"state": "intends_to_join"}),
        )
        .await,
        200,
    )
    .await;
}

#[actix_web::test]
async fn every_read_is_public_and_notes_are_member_only() {
    let app = TestApp::spawn().await;
    let project = ProjectBuilder::new("WA-5").create(&app).await;
    for org in ORGS {
        record(
            &app,
            project,
            org,
            json!({"state": "interested", "note": format!("Notiz {org}")}),
        )
        .await;
    }
    let reads = |target: &str| {
        vec![
            format!("/api/v1/projects/{project}/participations"),
            path(project, target),
            format!("{}/history", path(project, target)),
            format!("/api/v1/organizations/{target}/participations"),
            "/api/v1/participation-matrix".to_owned(),
        ]
    };
    // Anonymous callers see everything public, no note and no token subject.
    for target in ORGS {
        for url in reads(target) {
            let body = json(app.get(&url).send().await.unwrap(), 200).await;
            let text = body.to_string();
            assert!(!text.contains("Notiz"), "{url}: {text}");
            assert!(!text.contains("\"note\""), "{url}: {text}");
            assert!(!text.contains("tester@"), "{url}: {text}");
        }
        problem(
            app.get(&path(project, target))
                .bearer_auth("garbage")
                .send()
                .await
                .unwrap(),
            401,
        )
        .await;
    }
    // Members of every organization, in every role, read every organization's participation
    // with its note.
    for caller in ORGS {
        for role in MEMBER_ROLES {
            for target in ORGS {
                let one = json(
                    app.get(&path(project, target))
                        .bearer_for(caller, &[role])
                        .send()
                        .await
                        .unwrap(),
                    200,
                )
                .await;
                assert_eq!(
                    one["note"],
                    format!("Notiz {target}"),
                    "{caller}/{role} -> {target}"
                );
                let portfolio = json(
                    app.get(&format!("/api/v1/organizations/{target}/participations"))
                        .bearer_for(caller, &[role])
                        .send()
                        .await
                        .unwrap(),
                    200,
                )
                .await;
                assert_eq!(portfolio["items"][0]["note"], format!("Notiz {target}"));
                let history = json(
                    app.get(&format!("{}/history", path(project, target)))
                        .bearer_for(caller, &[role])
                        .send()
                        .await
                        .unwrap(),
                    200,
                )
                .await;
                assert_eq!(
                    history["items"][0]["actor"]["subject"],
                    format!("tester@{DISTRICT}")
                );
            }
            let list = json(
                app.get(&format!("/api/v1/projects/{project}/participations"))
                    .bearer_for(caller, &[role])
                    .send()
                    .await
                    .unwrap(),
                200,
            )
            .await;
            assert_eq!(list["items"].as_array().unwrap().len(), ORGS.len());
            assert!(
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["note"].is_string())
            );
            json(
                app.get("/api/v1/participation-matrix")
                    .bearer_for(caller, &[role])
                    .send()
                    .await
                    .unwrap(),
                200,
            )
            .await;
        }
    }
}
