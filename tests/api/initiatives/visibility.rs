//! Members-only initiatives never reach anonymous callers: not in reads, lists, searches or
//! exports, not in OParl; members see them, and their changes reach members' webhooks only
//! through the members' feed.

use serde_json::{Value, json};

use super::{feed_until, id_of, register, titles};
use crate::helpers::*;

const SECRET_TITLE: &str = "Vertrauliche Vorplanung Glasfaserausbau";

#[actix_web::test]
async fn members_only_initiatives_never_reach_anonymous_callers() {
    let app = TestApp::spawn().await;
    register(&app, AHLEN, json!({"title": "Öffentlicher Dorfladen"})).await;
    let hidden = id_of(
        &register(
            &app,
            AHLEN,
            json!({"title": SECRET_TITLE, "visibility": "members", "tags": ["glasfaser"]}),
        )
        .await,
    );
    let path = format!("/api/v1/initiatives/{hidden}");

    // Anonymous: 404 as if it did not exist, absent from lists, searches and exports.
    problem(app.get(&path).send().await.unwrap(), 404).await;
    for query in ["", "?q=glasfaser", "?visibility=members", "?tag=glasfaser"] {
        let body = json(
            app.get(&format!("/api/v1/initiatives{query}"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert!(!body.to_string().contains(SECRET_TITLE), "{query}: {body}");
    }
    for format in ["json", "csv"] {
        let text = app
            .get(&format!("/api/v1/initiatives/export?format={format}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains("Öffentlicher Dorfladen"), "{format}");
        assert!(!text.contains(SECRET_TITLE), "{format}: {text}");
    }

    // Members of any organization see it.
    let member = json(
        app.get(&path)
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(member["visibility"], "members");
    let listed = json(
        app.get("/api/v1/initiatives?visibility=members")
            .bearer_for(BECKUM, &["integration"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(titles(&listed), [SECRET_TITLE]);
    let exported: Vec<Value> = serde_json::from_str(
        &app.get("/api/v1/initiatives/export")
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(exported.len(), 2);

    // Never in OParl, in any list.
    for list in [
        "organizations",
        "persons",
        "memberships",
        "meetings",
        "agenda-items",
        "papers",
        "consultations",
        "files",
        "locations",
        "legislative-terms",
    ] {
        let text = app
            .get(&format!(
                "/oparl/v1.1/bodies/smartregion/{list}?modified_since=2000-01-01T00%3A00%3A00%2B01%3A00"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains(SECRET_TITLE), "OParl {list}");
        assert!(!text.contains(&hidden), "OParl {list}");
    }
    // Nor in the public dashboard.
    let dashboard = app
        .get("/api/v1/dashboard")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!dashboard.contains(SECRET_TITLE));
}

#[actix_web::test]
async fn the_change_feed_of_initiatives_is_for_members() {
    let app = TestApp::spawn().await;
    let hidden = id_of(
        &register(
            &app,
            AHLEN,
            json!({"title": SECRET_TITLE, "visibility": "members"}),
        )
        .await,
    );
    // Anonymous callers cannot read the feed at all.
    problem(
        app.get("/api/v1/changes?entity=initiative")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    // Any member sees the change (without content), as webhooks of members get it.
    let items = feed_until(&app, &token(BECKUM, &["viewer"]), "initiative", 1).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["entity_id"], hidden);
    assert!(!format!("{items:?}").contains(SECRET_TITLE));
    assert!(smartregion::domain::feed::visible_to_member(
        "initiative",
        Some(AHLEN),
        BECKUM
    ));
}
