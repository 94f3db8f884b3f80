//! The project resource shows who takes part, and the list filters by participant.

use serde_json::{Value, json};

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;
use crate::participations::{commit, record};

fn codes(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn projects_show_their_participants_and_filter_by_them() {
    let app = TestApp::spawn().await;
    let first = ProjectBuilder::new("XT-01").create(&app).await;
    let second = ProjectBuilder::new("XT-02").create(&app).await;
    commit(&app, first, AHLEN).await;
    record(&app, first, OSTBEVERN, json!({"state": "interested"})).await;
    record(&app, second, OSTBEVERN, json!({"state": "declined"})).await;

    let project = json(
        app.get(&format!("/api/v1/projects/{first}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        project["participants"],
        json!([
            {"organization": AHLEN, "state": "committed"},
            {"organization": OSTBEVERN, "state": "interested"}
        ])
    );

    let list = json(app.get("/api/v1/projects?q=XT").send().await.unwrap(), 200).await;
    let items = list["items"].as_array().unwrap();
    let second_item = items.iter().find(|p| p["code"] == "XT-02").unwrap();
    assert_eq!(
        second_item["participants"],
        json!([{"organization": OSTBEVERN, "state": "declined"}])
    );

    let ahlen = json(
        app.get(&format!("/api/v1/projects?participant={AHLEN}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(codes(&ahlen), ["XT-01"]);
    // A declined participation is no taking part.
    let ostbevern = json(
        app.get(&format!("/api/v1/projects?participant={OSTBEVERN}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(codes(&ostbevern), ["XT-01"]);
    let nobody = json(
        app.get(&format!("/api/v1/projects?participant={TELGTE}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(codes(&nobody), Vec::<String>::new());
}
