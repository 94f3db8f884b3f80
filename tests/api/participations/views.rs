//! The functions the project resource uses: participants per page of projects, and the
//! `participant=` filter (as a diesel expression and as SQL).

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use serde_json::json;
use smartregion::db::participations::views::participant_filter_sql;
use smartregion::db::participations::{participant_filter, summaries_for_projects};
use smartregion::db::schema::projects;
use uuid::Uuid;

use super::*;
use crate::helpers::builders::ProjectBuilder;

#[derive(QueryableByName)]
struct Code {
    #[diesel(sql_type = Text)]
    code: String,
}

#[actix_web::test]
async fn summaries_and_the_participant_filter_see_the_current_states() {
    let app = TestApp::spawn().await;
    let p1 = ProjectBuilder::new("DI-1").create(&app).await;
    let p2 = ProjectBuilder::new("DI-2").create(&app).await;
    let p3 = ProjectBuilder::new("DI-3").create(&app).await;
    let untouched = ProjectBuilder::new("DI-4").create(&app).await;
    record(&app, p1, BECKUM, json!({"state": "declined"})).await;
    record(&app, p1, AHLEN, json!({"state": "interested"})).await;
    commit(&app, p2, AHLEN).await;
    commit(&app, p3, OSTBEVERN).await;
    record(
        &app,
        p3,
        OSTBEVERN,
        json!({"state": "withdrawn", "withdrawal": {"effective_date": "2026-06-30", "reason": "Haushalt"}}),
    )
    .await;

    let mut conn = app.conn().await;
    let summaries = summaries_for_projects(&mut conn, &[p1, p2, p3, untouched, Uuid::new_v4()])
        .await
        .unwrap();
    let states = |project: Uuid| -> Vec<(String, String, String)> {
        summaries[&project]
            .iter()
            .map(|s| {
                (
                    s.organization_key.clone(),
                    s.organization_name.clone(),
                    s.state.clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        states(p1),
        [
            (AHLEN.into(), "Ahlen".into(), "interested".into()),
            (BECKUM.into(), "Beckum".into(), "declined".into())
        ]
    );
    assert_eq!(
        states(p2),
        [(AHLEN.into(), "Ahlen".into(), "committed".into())]
    );
    assert_eq!(
        states(p3),
        [(OSTBEVERN.into(), "Ostbevern".into(), "withdrawn".into())]
    );
    assert_eq!(
        summaries.len(),
        3,
        "projects without participants are absent"
    );
    assert!(
        summaries_for_projects(&mut conn, &[])
            .await
            .unwrap()
            .is_empty()
    );

    for (org, expected) in [
        (AHLEN, vec!["DI-1", "DI-2"]),
        (BECKUM, vec![]),    // declined
        (OSTBEVERN, vec![]), // withdrawn
        (TELGTE, vec![]),
    ] {
        let codes: Vec<String> = projects::table
            .filter(participant_filter(org))
            .select(projects::code)
            .order(projects::code.asc())
            .load(&mut conn)
            .await
            .unwrap();
        assert_eq!(codes, expected, "{org}");
        let sql = format!(
            "SELECT code FROM projects WHERE {} ORDER BY code",
            participant_filter_sql(1)
        );
        let by_sql: Vec<Code> = diesel::sql_query(sql)
            .bind::<Text, _>(org)
            .load(&mut conn)
            .await
            .unwrap();
        let by_sql: Vec<String> = by_sql.into_iter().map(|c| c.code).collect();
        assert_eq!(by_sql, expected, "{org} by SQL");
    }
    // It composes with other filters of a boxed project query.
    let codes: BTreeSet<String> = projects::table
        .into_boxed()
        .filter(participant_filter(AHLEN))
        .filter(projects::code.ne("DI-1"))
        .select(projects::code)
        .load(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(codes, BTreeSet::from(["DI-2".to_owned()]));
}

#[actix_web::test]
async fn portfolio_and_project_lists_page_through_their_items() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for code in ["DI-1", "DI-2", "DI-3"] {
        let id = ProjectBuilder::new(code).create(&app).await;
        record(&app, id, TELGTE, json!({"state": "interested"})).await;
        ids.push(id);
    }
    for org in [AHLEN, BECKUM] {
        record(&app, ids[0], org, json!({"state": "intends_to_join"})).await;
    }
    let mut seen = Vec::new();
    let mut url = format!("/api/v1/organizations/{TELGTE}/participations?limit=2");
    loop {
        let body = json(app.get(&url).send().await.unwrap(), 200).await;
        for item in body["items"].as_array().unwrap() {
            seen.push(item["project"]["code"].as_str().unwrap().to_owned());
            assert_eq!(item["organization"], TELGTE);
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                url =
                    format!("/api/v1/organizations/{TELGTE}/participations?limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, ["DI-1", "DI-2", "DI-3"]);

    let first = json(
        app.get(&format!(
            "/api/v1/projects/{}/participations?limit=2",
            ids[0]
        ))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    let orgs: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["organization"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, [AHLEN, BECKUM]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json(
        app.get(&format!(
            "/api/v1/projects/{}/participations?limit=2&cursor={cursor}",
            ids[0]
        ))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(second["items"][0]["organization"], TELGTE);
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
    problem(
        app.get(&format!(
            "/api/v1/projects/{}/participations?limit=0",
            ids[0]
        ))
        .send()
        .await
        .unwrap(),
        400,
    )
    .await;
}
