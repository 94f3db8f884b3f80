//! `q`: German full-text search plus substring matching for compounds, umlauts and ß.

use serde_json::json;

use super::{codes, create_project};
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

async fn search(app: &TestApp, q: &str) -> Vec<String> {
    let url =
        reqwest::Url::parse_with_params(&format!("{}/api/v1/projects", app.address), &[("q", q)])
            .unwrap();
    let body = json(app.client.get(url).send().await.unwrap(), 200).await;
    codes(&body)
}

#[actix_web::test]
async fn german_words_compounds_umlauts_and_sharp_s() {
    let app = TestApp::spawn().await;
    ProjectBuilder::new("S-1")
        .title("Sichere Straße für Schulkinder")
        .create(&app)
        .await;
    ProjectBuilder::new("S-2")
        .title("Bürgerbeteiligung über eine Plattform")
        .create(&app)
        .await;
    ProjectBuilder::new("S-3")
        .title("Grünflächenkataster")
        .create(&app)
        .await;
    create_project(
        &app,
        json!({"code": "S-4", "title": "Mobilität im ländlichen Raum", "field_of_action": "climate_mobility_environment",
               "category": "lead", "summary": "Fußgängerzonen mit WLAN",
               "description": "Wir bauen **Mobilitätsstationen** an den Bahnhöfen."}),
    )
    .await;

    // The brief's example: part of a compound word (seeded PP-02).
    assert_eq!(search(&app, "dorfladen").await, ["PP-02"]);
    assert_eq!(search(&app, "Dorfladenbox").await, ["PP-02"]);
    // ß as typed, in upper case, and spelled "ss" (the German stemmer folds ß to ss).
    assert_eq!(search(&app, "Straße").await, ["S-1"]);
    assert_eq!(search(&app, "STRASSE").await, ["S-1"]);
    // Inflected forms through stemming: "Schulkind" for "Schulkinder".
    assert_eq!(search(&app, "Schulkind").await, ["S-1"]);
    // Umlauts, any case, inside compounds.
    // "Bürgerschaft" in the seeded PP-01 and "Bürgerbeteiligung".
    assert_eq!(search(&app, "bürger").await, ["PP-01", "S-2"]);
    assert_eq!(search(&app, "BÜRGERBETEILIGUNG").await, ["S-2"]);
    assert_eq!(search(&app, "GRÜNFLÄCHE").await, ["S-3"]);
    assert_eq!(search(&app, "fußgänger").await, ["S-4"]);
    // Summary and description are searched too; Markdown does not get in the way.
    assert_eq!(search(&app, "mobilitätsstation").await, ["S-4"]);
    assert_eq!(search(&app, "Bahnhöfe").await, ["S-4"]);
    // websearch syntax: several words must all match.
    assert_eq!(search(&app, "Sichere Schulkinder").await, ["S-1"]);
    // Codes are searched.
    assert_eq!(search(&app, "LP-03").await, ["LP-03"]);
    // Nothing matches by accident, and LIKE wildcards are plain characters.
    assert!(search(&app, "Windkraft").await.is_empty());
    assert!(search(&app, "%").await.is_empty());
    assert!(search(&app, "_").await.is_empty());
    // Search combines with filters.
    let body = json(
        app.get("/api/v1/projects?q=digital&category=potential")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(codes(&body), ["PP-01"]);
}
