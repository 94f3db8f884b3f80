//! Overlap detection: similar projects and initiatives with score and matching terms, only
//! what the caller may see; registering answers with the likely overlaps; clusters across
//! municipalities; the threshold is configurable.

use serde_json::{Value, json};

use super::{id_of, register};
use crate::helpers::*;
use crate::projects::create_project;

fn titles(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn registering_an_initiative_shows_what_others_already_do() {
    let app = TestApp::spawn().await;
    let project = create_project(
        &app,
        json!({"code": "LP-80", "title": "Smarte Dorfladenbox mit Paketstation",
               "field_of_action": "town_village_centres", "category": "lead",
               "summary": "Nahversorgung im Dorf rund um die Uhr"}),
    )
    .await;
    register(
        &app,
        TELGTE,
        json!({"title": "Digitaler Dorfladen mit Paketstation", "summary": "Nahversorgung für Ortsteile",
               "tags": ["nahversorgung"]}),
    )
    .await;
    let hidden = register(
        &app,
        BECKUM,
        json!({"title": "Dorfladen digital", "summary": "Nahversorgung im Ortsteil",
               "visibility": "members", "tags": ["nahversorgung"]}),
    )
    .await;
    register(&app, BECKUM, json!({"title": "Hitzeschutzplan für Kitas"})).await;

    let created = register(
        &app,
        AHLEN,
        json!({"title": "Dorfladen mit Paketstation in Vorhelm", "summary": "Nahversorgung im Ortsteil",
               "tags": ["nahversorgung"]}),
    )
    .await;
    let overlaps = &created["likely_overlaps"];
    let found = titles(overlaps);
    assert!(
        found.contains(&"Digitaler Dorfladen mit Paketstation".to_owned()),
        "{overlaps}"
    );
    assert!(
        found.contains(&"Smarte Dorfladenbox mit Paketstation".to_owned()),
        "{overlaps}"
    );
    // The registering member may see members-only initiatives of others.
    assert!(
        found.contains(&"Dorfladen digital".to_owned()),
        "{overlaps}"
    );
    assert!(
        !found.iter().any(|t| t.contains("Hitzeschutz")),
        "{overlaps}"
    );
    let first = &overlaps[0];
    assert!(first["score"].as_f64().unwrap() >= 0.3, "{first}");
    let by_project = overlaps
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "project")
        .unwrap();
    assert_eq!(by_project["id"], project["id"]);
    assert!(
        by_project["matching_terms"]
            .as_array()
            .unwrap()
            .contains(&json!("paketstation")),
        "{by_project}"
    );
    // Reading it again does not carry the overlaps.
    let id = id_of(&created);
    let read = json(
        app.get(&format!("/api/v1/initiatives/{id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(read.get("likely_overlaps").is_none());

    // Anonymous callers never see the members-only one; members do.
    let public = json(
        app.get(&format!("/api/v1/initiatives/{id}/similar"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(public["threshold"], 0.3);
    assert!(
        !titles(&public["items"]).contains(&"Dorfladen digital".to_owned()),
        "{public}"
    );
    assert!(!public.to_string().contains(hidden["id"].as_str().unwrap()));
    let member = json(
        app.get(&format!("/api/v1/initiatives/{id}/similar?limit=2"))
            .bearer_for(BECKUM, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(member["items"].as_array().unwrap().len(), 2);
    // An initiative of the same municipality is no overlap.
    register(
        &app,
        AHLEN,
        json!({"title": "Dorfladen mit Paketstation in Dolberg"}),
    )
    .await;
    let again = json(
        app.get(&format!("/api/v1/initiatives/{id}/similar"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(
        again["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["organization"] != AHLEN || i["kind"] == "project"),
        "{again}"
    );

    // The project sees the initiatives and the members-only one only for members.
    let project_id = project["id"].as_str().unwrap();
    let for_project = json(
        app.get(&format!("/api/v1/projects/{project_id}/similar"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let names = titles(&for_project["items"]);
    assert!(
        names.contains(&"Dorfladen mit Paketstation in Vorhelm".to_owned()),
        "{for_project}"
    );
    assert!(
        !names.contains(&"Dorfladen digital".to_owned()),
        "{for_project}"
    );
    assert!(
        !names.contains(&"Smarte Dorfladenbox mit Paketstation".to_owned()),
        "itself"
    );

    // A members-only initiative's own similar list is 404 for anonymous callers.
    problem(
        app.get(&format!(
            "/api/v1/initiatives/{}/similar",
            hidden["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;
    problem(
        app.get(&format!("/api/v1/initiatives/{id}/similar?limit=0"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    problem(
        app.get("/api/v1/projects/00000000-0000-0000-0000-000000000000/similar")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[actix_web::test]
async fn the_threshold_is_configurable() {
    let app = TestApp::builder()
        .env("SMARTREGION_SIMILARITY_THRESHOLD", "0.95")
        .spawn()
        .await;
    register(
        &app,
        TELGTE,
        json!({"title": "Digitaler Dorfladen mit Paketstation"}),
    )
    .await;
    let created = register(
        &app,
        AHLEN,
        json!({"title": "Dorfladen mit Paketstation in Vorhelm"}),
    )
    .await;
    assert_eq!(created["likely_overlaps"], json!([]));
    let exact = register(
        &app,
        BECKUM,
        json!({"title": "Digitaler Dorfladen mit Paketstation"}),
    )
    .await;
    assert_eq!(
        titles(&exact["likely_overlaps"]),
        ["Digitaler Dorfladen mit Paketstation"]
    );
    assert_eq!(exact["likely_overlaps"][0]["score"], 1.0);
}

#[actix_web::test]
async fn clusters_gather_similar_efforts_of_several_municipalities() {
    let app = TestApp::spawn().await;
    register(
        &app,
        AHLEN,
        json!({"title": "Digitaler Dorfladen mit Paketstation"}),
    )
    .await;
    register(
        &app,
        TELGTE,
        json!({"title": "Digitaler Dorfladen mit Paketstation in Westbevern"}),
    )
    .await;
    register(
        &app,
        BECKUM,
        json!({"title": "Digitaler Dorfladen Paketstation", "visibility": "members"}),
    )
    .await;
    // Same municipality only: no cluster.
    register(&app, OSTBEVERN, json!({"title": "Mitfahrbank Ostbevern"})).await;
    register(
        &app,
        OSTBEVERN,
        json!({"title": "Mitfahrbank Ostbevern Nord"}),
    )
    .await;
    // Already a joint project: left out.
    let project = crate::projects::led_project(&app, "LP-70", AHLEN).await;
    register(
        &app,
        AHLEN,
        json!({"title": "Smarte Straßenbeleuchtung", "project_id": project}),
    )
    .await;
    register(&app, TELGTE, json!({"title": "Smarte Straßenbeleuchtung"})).await;

    let public = json(
        app.get("/api/v1/initiatives/clusters")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let clusters = public["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{public}");
    assert_eq!(clusters[0]["organizations"], json!([AHLEN, TELGTE]));
    assert!(
        clusters[0]["common_terms"]
            .as_array()
            .unwrap()
            .contains(&json!("dorflad")),
        "{public}"
    );
    let members = json(
        app.get("/api/v1/initiatives/clusters")
            .bearer_for(OSTBEVERN, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let clusters = members["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{members}");
    assert_eq!(clusters[0]["organizations"], json!([AHLEN, BECKUM, TELGTE]));
    assert_eq!(clusters[0]["initiatives"].as_array().unwrap().len(), 3);
}

/// A broad title term shared by more initiatives than are ranked by full text (the candidates
/// are bounded, migration 000033) does not hide an effort that resembles the title only in
/// trigrams: the nearest ones in trigrams are candidates of their own.
#[actix_web::test]
async fn a_broad_term_shared_by_many_does_not_hide_a_similar_compound() {
    let app = TestApp::spawn().await;
    // 120 initiatives of Telgte sharing the term "digital" (more than the 100 candidates the
    // full-text ranking hands on), none of them about a village shop.
    let rows: Vec<Value> = (0..120)
        .map(|n| {
            json!({"organization": TELGTE, "title": format!("Digitale Verwaltung {n}"),
                   "summary": "Digitaler Antrag im Rathaus", "field_of_action": "town_village_centres",
                   "status": "idea", "visibility": "public"})
        })
        .collect();
    let report = json(
        app.post("/api/v1/initiatives/import")
            .bearer_for(TELGTE, &["editor"])
            .json(&rows)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(report["created"], 120, "{report}");
    // Beckum's shop shares no full-text term with the new title ("Dorfladenbox" is stemmed as
    // one word), only trigrams.
    register(
        &app,
        BECKUM,
        json!({"title": "Dorfladenbox", "summary": "Regionale Waren rund um die Uhr"}),
    )
    .await;

    let created = register(
        &app,
        AHLEN,
        json!({"title": "Digitaler Dorfladen", "summary": "Digitaler Einkauf im Ortsteil"}),
    )
    .await;
    let overlaps = &created["likely_overlaps"];
    assert!(
        titles(overlaps).contains(&"Dorfladenbox".to_owned()),
        "{overlaps}"
    );
    let shop = overlaps
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["title"] == "Dorfladenbox")
        .unwrap();
    assert_eq!(shop["matching_terms"], json!([]), "{shop}");
    assert!(shop["score"].as_f64().unwrap() >= 0.3, "{shop}");
}
