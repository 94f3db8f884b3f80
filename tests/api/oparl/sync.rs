//! `modified_since`: after a point in time, the lists return exactly the objects that
//! changed (their answer differs) or were deleted since, and nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

use super::crawl::{LISTS, list_of};
use super::schemas::Schemas;
use super::*;
use crate::meetings::{add_member, etag};

async fn walk(app: &TestApp, first: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut url = Some(first.to_owned());
    while let Some(current) = url {
        let page = get(app, &current).await;
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        url = page["links"]["next"].as_str().map(str::to_owned);
    }
    out
}

fn since(t: DateTime<Utc>) -> String {
    serde_urlencoded::to_string([("modified_since", t.to_rfc3339())]).unwrap()
}

#[actix_web::test]
async fn modified_since_returns_changes_and_deletions_and_nothing_else() {
    let schemas = Schemas::load();
    let app = TestApp::spawn().await;
    let s = scenario(&app).await;
    let meeting = simple_meeting(&app, 8, true).await;
    let item = add_item(
        &app,
        &meeting,
        json!({"number": "1", "title": "Bürgerportal Sachstand", "public": true,
               "project_ids": [s.second_project, s.sample.project]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doomed = ProjectBuilder::new("ZZ-9").create(&app).await;
    let paula = add_member(&app, BECKUM, "Paula Publik", "member", true).await;
    // Published by mistake: made non-public after `t`.
    let withdrawn = simple_meeting(&app, 9, true).await;
    let withdrawn_item = add_item(
        &app,
        &withdrawn,
        json!({"number": "1", "title": "Versehentlich veröffentlicht", "public": true,
               "project_ids": [s.sample.project]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Never public: unknown before and after.
    let never = simple_meeting(&app, 10, false).await;

    let before = crawl(&app, &schemas).await;
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let t = Utc::now();
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;

    // A link removed, a project deleted, a consent withdrawn.
    crate::meetings::patch_item(
        &app,
        &meeting,
        &item,
        json!({"project_ids": [s.sample.project]}),
    )
    .await;
    let tag = etag(&app, &format!("/api/v1/projects/{doomed}")).await;
    let response = app
        .delete(&format!("/api/v1/projects/{doomed}"))
        .by_coordinator()
        .header("If-Match", tag)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let path = format!("/api/v1/committee/members/{paula}");
    let tag = etag(&app, &path).await;
    json(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", tag)
            .json(&json!({"name_public_consent": false}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;

    let path = format!("/api/v1/meetings/{withdrawn}");
    let tag = etag(&app, &path).await;
    json(
        app.patch(&path)
            .by_coordinator()
            .header("If-Match", tag)
            .json(&json!({"public": false}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    json(
        app.patch(&format!("/api/v1/meetings/{never}"))
            .by_coordinator()
            .header("If-Match", "*")
            .json(&json!({"title": "Nichtöffentliche Klausur"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;

    let after = crawl(&app, &schemas).await;

    // What each list says changed since `t`.
    let mut changed: BTreeMap<String, Value> = BTreeMap::new();
    let mut lists: Vec<String> = LISTS
        .iter()
        .map(|l| format!("{BASE}/bodies/smartregion/{l}"))
        .collect();
    lists.push(format!("{BASE}/bodies"));
    for list in &lists {
        for object in walk(&app, &format!("{list}?{}&limit=2", since(t))).await {
            schemas.check(list, &object);
            let modified = DateTime::parse_from_rfc3339(object["modified"].as_str().unwrap())
                .unwrap()
                .to_utc();
            assert!(modified >= t.trunc_subsecs(0), "{object} is older than {t}");
            changed.insert(object["id"].as_str().unwrap().to_owned(), object);
        }
    }

    // Every object known before or after: answered anew, compared with before.
    let urls: BTreeSet<&String> = before.objects.keys().chain(after.objects.keys()).collect();
    for url in urls {
        let old = before.objects.get(url);
        let (status, body) = fetch(&app, url).await;
        assert_eq!(status, 200, "{url}: {body}");
        let now: Value = serde_json::from_str(&body).unwrap();
        let Some(_) = list_of(now["type"].as_str().unwrap()) else {
            continue;
        };
        if old == Some(&now) {
            assert!(
                !changed.contains_key(url),
                "{url} did not change but is listed"
            );
        } else {
            assert_eq!(
                changed.get(url),
                Some(&now),
                "{url} changed but is not listed"
            );
            if let Some(old) = old {
                assert!(
                    now["modified"].as_str() > old["modified"].as_str(),
                    "{url}: modified did not move"
                );
            }
        }
    }

    // The deletions are among them, as tombstones; without the filter they are gone.
    for url in [
        format!("{BASE}/papers/{doomed}"),
        format!("{BASE}/consultations/{item}/{}", s.second_project),
        format!("{BASE}/persons/{paula}"),
        format!("{BASE}/memberships/{paula}"),
        format!("{BASE}/meetings/{withdrawn}"),
        format!("{BASE}/agenda-items/{withdrawn_item}"),
        format!("{BASE}/consultations/{withdrawn_item}/{}", s.sample.project),
        format!("{BASE}/locations/{withdrawn}"),
    ] {
        assert!(
            changed[&url].get("name").is_none(),
            "a tombstone carries content: {}",
            changed[&url]
        );
        assert_eq!(changed[&url]["deleted"], true, "{url}");
        let list = list_of(changed[&url]["type"].as_str().unwrap()).unwrap();
        assert!(
            !after.list_ids(&list).contains(&url),
            "{url} listed without the filter"
        );
    }
    // And what changed with them.
    for url in [
        format!("{BASE}/meetings/{meeting}"),
        format!("{BASE}/agenda-items/{item}"),
        format!("{BASE}/papers/{}", s.second_project),
        format!("{BASE}/organizations/lenkungskreis"),
    ] {
        assert!(changed.contains_key(&url), "{url}");
    }
    assert!(!changed.contains_key(&format!("{BASE}/meetings/{}", s.sample.meeting)));
    assert!(!changed.contains_key(&format!("{BASE}/meetings/{never}")));
    let (status, _) = fetch(&app, &format!("{BASE}/meetings/{never}")).await;
    assert_eq!(status, 404);
    assert_eq!(
        after.objects[&format!("{BASE}/agenda-items/{item}")]["consultation"],
        format!("{BASE}/consultations/{item}/{}", s.sample.project)
    );
}
