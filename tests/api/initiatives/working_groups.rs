//! Working groups and networks: the steering office maintains them; an organization's admin
//! joins or leaves; initiatives name the group that carries them.

use serde_json::json;

use super::{id_of, register};
use crate::helpers::*;
use crate::projects::{Who, assert_refused, etag_of, led_project};

#[actix_web::test]
async fn the_steering_office_maintains_groups_and_members_join_themselves() {
    let app = TestApp::spawn().await;
    let project = led_project(&app, "LP-91", AHLEN).await;
    let body = json!({"name": "Arbeitskreis Digitalisierung", "kind": "working_group",
                      "host_organization": DISTRICT, "members": [AHLEN, DISTRICT, AHLEN],
                      "fields_of_action": ["digital_infrastructure"], "project_ids": [project],
                      "meeting_rhythm": "quartalsweise", "contact_role": "Stabsstelle Digitalisierung"});
    assert_refused(
        &app,
        "create",
        || app.post("/api/v1/working-groups").json(&body),
        &[
            (Who::Anonymous, 401),
            (Who::BadToken, 401),
            (Who::Org(AHLEN, "admin"), 403),
        ],
    )
    .await;
    let created = json(
        app.post("/api/v1/working-groups")
            .by_coordinator()
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let id = id_of(&created);
    assert_eq!(created["members"], json!([DISTRICT, AHLEN]));
    assert_eq!(created["project_ids"], json!([project]));
    let path = format!("/api/v1/working-groups/{id}");

    // Telgte's admin joins; Beckum's admin may not add Telgte; a viewer may not join.
    let member_path = format!("{path}/members/{TELGTE}");
    assert_refused(
        &app,
        "join",
        || app.request(reqwest::Method::PUT, &member_path),
        &[
            (Who::Anonymous, 401),
            (Who::Org(BECKUM, "admin"), 403),
            (Who::Org(TELGTE, "viewer"), 403),
            (Who::Org(TELGTE, "editor"), 403),
        ],
    )
    .await;
    let joined = json(
        app.request(reqwest::Method::PUT, &member_path)
            .bearer_for(TELGTE, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(joined["members"], json!([DISTRICT, AHLEN, TELGTE]));
    // Joining again changes nothing.
    let before = app.trail_counts().await;
    json(
        app.request(reqwest::Method::PUT, &member_path)
            .bearer_for(TELGTE, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(app.trail_counts().await, before);
    // Leaving: once, then 404.
    let left = json(
        app.delete(&member_path)
            .bearer_for(TELGTE, &["admin"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(left["members"], json!([DISTRICT, AHLEN]));
    problem(
        app.delete(&member_path)
            .bearer_for(TELGTE, &["admin"])
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;

    // Lists filter by member and project.
    let by_member = json(
        app.get(&format!("/api/v1/working-groups?member={AHLEN}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(by_member["items"].as_array().unwrap().len(), 1);
    let by_project = json(
        app.get(&format!("/api/v1/working-groups?project={project}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(by_project["items"][0]["id"], id);
    let none = json(
        app.get(&format!("/api/v1/working-groups?member={BECKUM}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(none["items"].as_array().unwrap().is_empty());

    // Update with If-Match; a town may not.
    let etag = etag_of(&app, &path).await;
    problem(
        app.patch(&path)
            .bearer_for(AHLEN, &["admin"])
            .header("if-match", &etag)
            .json(&json!({"meeting_rhythm": "monatlich"}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let changed = json(
        app.patch(&path)
            .by_coordinator()
            .header("if-match", &etag)
            .json(&json!({"meeting_rhythm": "monatlich", "project_ids": []}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(changed["meeting_rhythm"], "monatlich");
    assert_eq!(changed["project_ids"], json!([]));

    // An initiative names the group that carries it.
    let initiative = register(
        &app,
        AHLEN,
        json!({"title": "Glasfaser-Sprechstunde", "working_group_id": id}),
    )
    .await;
    assert_eq!(initiative["working_group_id"], id);
    let carried = json(
        app.get(&format!("/api/v1/initiatives?working_group={id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(carried["items"][0]["id"], id_of(&initiative));

    // The change feed and audit trail have every write.
    let audit = json(
        app.get(&format!(
            "/api/v1/audit?entity=working_group&entity_id={id}"
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 4, "{audit}");

    // Delete: 410 afterwards; initiatives may not name it any more.
    let etag = etag_of(&app, &path).await;
    let response = app
        .delete(&path)
        .by_coordinator()
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    problem(app.get(&path).send().await.unwrap(), 410).await;
    let refused = problem(
        app.post("/api/v1/initiatives")
            .bearer_for(AHLEN, &["editor"])
            .json(&json!({"organization": AHLEN, "title": "X", "field_of_action": "town_village_centres",
                          "working_group_id": id}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/working_group_id"]);
}

#[actix_web::test]
async fn invalid_groups_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let refused = problem(
        app.post("/api/v1/working-groups")
            .by_coordinator()
            .json(
                &json!({"name": "", "kind": "network", "members": ["99999999"],
                          "fields_of_action": ["space"],
                          "project_ids": ["00000000-0000-0000-0000-000000000000"],
                          "contact_role": "Frau Schulze"}),
            )
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let mut got = pointers(&refused);
    got.sort();
    assert_eq!(
        got,
        [
            "/contact_role",
            "/fields_of_action/0",
            "/members/0",
            "/name",
            "/project_ids/0"
        ]
    );
}

/// A project's answer (one project and the list) names the live working groups that carry it,
/// by name, from the groups' `project_ids`.
#[actix_web::test]
async fn projects_show_the_working_groups_that_carry_them() {
    let app = TestApp::spawn().await;
    let carried = led_project(&app, "LP-92", AHLEN).await;
    let alone = led_project(&app, "LP-93", AHLEN).await;
    let mut ids = Vec::new();
    for name in ["Netzwerk Nahversorgung", "Arbeitskreis Dorfläden"] {
        let body = json!({"name": name, "kind": "working_group", "project_ids": [carried]});
        let created = json(
            app.post("/api/v1/working-groups")
                .by_coordinator()
                .json(&body)
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        ids.push(id_of(&created));
    }
    let (network, circle) = (ids[0].clone(), ids[1].clone());
    let expected = json!([{"id": circle, "name": "Arbeitskreis Dorfläden"},
                          {"id": network, "name": "Netzwerk Nahversorgung"}]);

    let project = json(
        app.get(&format!("/api/v1/projects/{carried}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(project["working_groups"], expected);
    let other = json(
        app.get(&format!("/api/v1/projects/{alone}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(other["working_groups"], json!([]));
    let list = json(
        app.get("/api/v1/projects?limit=50").send().await.unwrap(),
        200,
    )
    .await;
    let in_list = |id: uuid::Uuid| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == json!(id))
            .unwrap()["working_groups"]
            .clone()
    };
    assert_eq!(in_list(carried), expected);
    assert_eq!(in_list(alone), json!([]));

    // A deleted group no longer carries anything.
    let path = format!("/api/v1/working-groups/{network}");
    let etag = etag_of(&app, &path).await;
    let response = app
        .delete(&path)
        .by_coordinator()
        .header("if-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let project = json(
        app.get(&format!("/api/v1/projects/{carried}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        project["working_groups"],
        json!([{"id": circle, "name": "Arbeitskreis Dorfläden"}])
    );
}
