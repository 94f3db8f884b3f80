//! The cooperation dashboard: its figures against the resources, and what anonymous callers see.

use serde_json::{Value, json};

use super::scenario::build;
use crate::helpers::*;

#[actix_web::test]
async fn the_dashboard_counts_sums_and_hides_member_only_data_from_the_public() {
    let app = TestApp::spawn().await;
    let s = build(&app).await;
    // A goal with an indicator of the Glasfaser project, measured twice.
    let base = format!("/api/v1/projects/{}/indicators", s.glasfaser);
    let indicator = json(
        app.post(&base)
            .by_coordinator()
            .json(&json!({"name": "Angeschlossene Betriebe", "unit": "Anzahl", "baseline": 0, "target": 50}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let indicator_id = indicator["id"].as_str().unwrap();
    for (date, value) in [("2026-06-30", 55.0), ("2026-03-31", 20.0)] {
        json(
            app.post(&format!("{base}/{indicator_id}/measurements"))
                .by_coordinator()
                .json(&json!({"measured_on": date, "value": value}))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
    }
    json(
        app.post("/api/v1/strategy/goals")
            .by_coordinator()
            .json(
                &json!({"title": "Gewerbe anbinden", "field_of_action": "digital_infrastructure",
                          "project_ids": [s.glasfaser], "indicator_ids": [indicator_id]}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    // A marker only members may see.
    json(
        app.post("/api/v1/action-items")
            .by_coordinator()
            .json(&json!({"title": "AKTION-MARKER", "owner_organization": BECKUM, "due_date": "2026-01-15"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    let public = json(app.get("/api/v1/dashboard").send().await.unwrap(), 200).await;
    let text = public.to_string();
    assert!(public.get("overdue_action_items").is_none());
    for marker in [
        "AKTION-MARKER",
        "Haushaltsmittel anmelden",
        "NICHTOEFFENTLICH-MARKER",
    ] {
        assert!(!text.contains(marker), "{marker} leaked: {text}");
    }
    let member = json(
        app.get("/api/v1/dashboard")
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let overdue: Vec<&str> = member["overdue_action_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(overdue.contains(&"AKTION-MARKER"));
    assert!(overdue.contains(&"Haushaltsmittel anmelden"));
    assert!(!overdue.contains(&"Erledigte Aufgabe"));

    // Projects per field and status (all six fields) against the catalogue.
    let catalogue = json(
        app.get("/api/v1/projects?limit=100").send().await.unwrap(),
        200,
    )
    .await;
    let catalogue = catalogue["items"].as_array().unwrap();
    let fields = public["projects_by_field"].as_array().unwrap();
    assert_eq!(fields.len(), 6);
    for field in fields {
        let mut expected: std::collections::BTreeMap<String, i64> = Default::default();
        for p in catalogue
            .iter()
            .filter(|p| p["field_of_action"] == field["field_of_action"])
        {
            *expected
                .entry(p["status"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        assert_eq!(field["by_status"], json!(expected), "{field}");
        assert_eq!(
            field["total"].as_i64().unwrap(),
            expected.values().sum::<i64>()
        );
    }
    let total: i64 = fields.iter().map(|f| f["total"].as_i64().unwrap()).sum();
    assert_eq!(total, catalogue.len() as i64);

    // Participation counts against the participation lists.
    for entry in public["participations_by_project"].as_array().unwrap() {
        let id = entry["project_id"].as_str().unwrap();
        let list = json(
            app.get(&format!("/api/v1/projects/{id}/participations"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let committed = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["state"] == "committed")
            .count() as i64;
        assert_eq!(entry["committed"], committed);
        assert_eq!(
            entry["active"],
            list["items"].as_array().unwrap().len() as i64
        );
    }
    let ostbevern = public["participations_by_organization"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["organization_key"] == OSTBEVERN)
        .unwrap();
    assert_eq!(ostbevern["active"], 2);
    assert_eq!(ostbevern["committed"], 1);

    // Costs per year: the sum of the projects' planning allocations.
    let mut expected: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for id in [s.glasfaser, s.dorfladen, s.sensoren] {
        let allocation = json(
            app.get(&format!("/api/v1/projects/{id}/allocation?include=pending"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        for y in allocation["years"].as_array().unwrap() {
            let e = expected
                .entry(y["fiscal_year"].as_i64().unwrap())
                .or_default();
            e.0 += y["total_cents"].as_i64().unwrap();
            e.1 += y["funding_cents"].as_i64().unwrap();
        }
    }
    let actual: std::collections::BTreeMap<i64, (i64, i64)> = public["costs_by_year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["fiscal_year"].as_i64().unwrap(),
                (
                    y["total_cents"].as_i64().unwrap(),
                    y["funding_cents"].as_i64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    assert!(!actual.is_empty());

    // Overdue milestones are public; the done one is not overdue.
    let titles: Vec<&str> = public["overdue_milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Förderantrag gestellt", "Baubeginn", "Inbetriebnahme"]
    );

    // The evaluation indicator with its latest value against the target.
    let indicators = public["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), 1);
    let i: &Value = &indicators[0];
    assert_eq!(i["id"], indicator_id);
    assert_eq!(i["latest_value"], 55.0);
    assert_eq!(i["latest_measured_on"], "2026-06-30");
    assert_eq!(i["target"], 50.0);
    assert_eq!(i["target_reached"], true);
    assert_eq!(i["project_code"], "DI-1");
}
