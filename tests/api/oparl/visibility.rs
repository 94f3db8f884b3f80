//! Nothing non-public or unconsented appears anywhere in the crawl, nor in the lists of
//! changes.

use super::schemas::Schemas;
use super::*;

#[actix_web::test]
async fn nothing_non_public_or_unconsented_appears_anywhere() {
    let schemas = Schemas::load();
    let app = TestApp::spawn().await;
    let s = scenario(&app).await;
    let members = json(
        app.get("/api/v1/committee/members")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let unconsented: Vec<String> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name_public_consent"] == false)
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(unconsented.len(), 2);

    let mut crawl = crawl(&app, &schemas).await;
    // The lists of changes too (they hold tombstones).
    for list in super::crawl::LISTS {
        let url = format!(
            "{BASE}/bodies/smartregion/{list}?modified_since=2000-01-01T00%3A00%3A00%2B01%3A00"
        );
        let (status, body) = fetch(&app, &url).await;
        assert_eq!(status, 200);
        crawl.bodies.push(body);
    }
    let mut forbidden: Vec<String> = SECRETS.iter().map(|s| s.to_string()).collect();
    forbidden.extend([
        s.sample.secret_item.clone(),
        s.hidden_meeting.clone(),
        s.hidden_item.clone(),
        "Geheimsache".into(),
        "Beschlussvorschlag".into(),
    ]);
    assert!(crawl.bodies.len() > 40, "the crawl saw too little");
    for body in &crawl.bodies {
        for secret in &forbidden {
            assert!(
                !body.contains(secret.as_str()),
                "{secret:?} appears in:\n{body}"
            );
        }
        // An unconsented delegate appears at most as a tombstone without data.
        for id in &unconsented {
            if body.contains(id.as_str()) {
                let value: Value = serde_json::from_str(body).unwrap();
                let mut found = Vec::new();
                objects(&value, &mut found);
                for object in found
                    .iter()
                    .filter(|o| o["id"].as_str().unwrap().contains(id.as_str()))
                {
                    assert_eq!(object["deleted"], true, "{object}");
                    assert!(object.get("name").is_none());
                }
            }
        }
    }

    // Non-public things do not exist for OParl clients.
    for url in [
        format!("{BASE}/meetings/{}", s.hidden_meeting),
        format!("{BASE}/agenda-items/{}", s.hidden_item),
        format!("{BASE}/agenda-items/{}", s.sample.secret_item),
        format!("{BASE}/locations/{}", s.hidden_meeting),
    ] {
        let (status, body) = fetch(&app, &url).await;
        assert_eq!(status, 404, "{url}: {body}");
    }
    // The delegates without consent are tombstones.
    for id in &unconsented {
        let person = get(&app, &format!("{BASE}/persons/{id}")).await;
        assert_eq!(person["deleted"], true);
        schemas.check("person", &person);
        let membership = get(&app, &format!("{BASE}/memberships/{id}")).await;
        assert_eq!(membership["deleted"], true);
    }
}

#[actix_web::test]
async fn minutes_become_a_file_only_once_approved() {
    let schemas = Schemas::load();
    let app = TestApp::spawn().await;
    let s = sample(&app).await;
    let crawl_before = crawl(&app, &schemas).await;
    assert!(
        crawl_before
            .list_ids(&format!("{BASE}/bodies/smartregion/files"))
            .is_empty()
    );
    let meeting = &crawl_before.objects[&format!("{BASE}/meetings/{}", s.meeting)];
    assert!(meeting.get("resultsProtocol").is_none());
    approve(&app, &s.meeting).await;
    let crawl_after = crawl(&app, &schemas).await;
    assert_eq!(
        crawl_after
            .list_ids(&format!("{BASE}/bodies/smartregion/files"))
            .len(),
        1
    );
}
