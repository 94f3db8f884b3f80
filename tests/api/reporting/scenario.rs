//! A realistic first half of 2026 for Ostbevern, built through the HTTP API.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::costs::{add_item as add_cost_item, put_key, set_state};
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;
use crate::meetings::{
    add_item as add_agenda_item, create_meeting, meeting_body, patch_item, transition,
};
use crate::participations::commit;

pub const FROM: &str = "2026-01-01";
pub const TO: &str = "2026-06-30";

pub struct Scenario {
    /// Ostbevern committed (council resolution), Ahlen committed; in implementation.
    pub glasfaser: Uuid,
    /// Ostbevern's council decision pending, Beckum committed.
    pub dorfladen: Uuid,
    /// Ahlen committed, Ostbevern not taking part: joinable.
    pub sensoren: Uuid,
    /// Completed: not joinable.
    pub abgeschlossen: Uuid,
}

async fn post(app: &TestApp, path: &str, org: Option<&str>, body: Value) -> Value {
    let request = app.post(path).json(&body);
    let request = match org {
        Some(org) => request.bearer_for(org, &["editor"]),
        None => request.by_coordinator(),
    };
    json(request.send().await.unwrap(), 201).await
}

async fn costs(app: &TestApp, project: Uuid, amount_cents: i64) {
    add_cost_item(
        app,
        project,
        json!({"category": "investment", "recurrence": "one_off", "fiscal_year": 2027,
               "amount_cents": amount_cents, "eligible_for_funding": true, "basis": "estimate",
               "description": "Investition"}),
    )
    .await;
    add_cost_item(
        app,
        project,
        json!({"category": "licence", "recurrence": "recurring", "first_year": 2027, "last_year": 2028,
               "amount_cents": 100_001, "eligible_for_funding": false, "basis": "estimate",
               "description": "Lizenz"}),
    )
    .await;
    put_key(app, project, json!({"type": "equal"})).await;
}

pub async fn build(app: &TestApp) -> Scenario {
    let glasfaser = ProjectBuilder::new("DI-1")
        .title("Glasfaser für Gewerbegebiete")
        .lead(AHLEN)
        .status("in_implementation")
        .create(app)
        .await;
    let dorfladen = ProjectBuilder::new("PP-2")
        .title("Smarte Dorfladenbox")
        .field("town_village_centres")
        .lead(BECKUM)
        .create(app)
        .await;
    let sensoren = ProjectBuilder::new("LP-3")
        .title("Sensorik für Starkregen")
        .field("climate_mobility_environment")
        .lead(AHLEN)
        .create(app)
        .await;
    let abgeschlossen = ProjectBuilder::new("LP-4")
        .title("Abgeschlossenes Projekt")
        .status("completed")
        .create(app)
        .await;

    // Opt-ins: Ostbevern through its council, the others directly.
    commit(app, glasfaser, OSTBEVERN).await;
    set_state(app, glasfaser, AHLEN, "committed").await;
    set_state(app, dorfladen, BECKUM, "committed").await;
    set_state(app, dorfladen, OSTBEVERN, "council_decision_pending").await;
    set_state(app, sensoren, AHLEN, "committed").await;
    for (project, amount) in [
        (glasfaser, 6_000_001),
        (dorfladen, 2_500_000),
        (sensoren, 900_000),
    ] {
        costs(app, project, amount).await;
    }

    // Progress, status reports and milestones of the Glasfaser project (lead: Ahlen).
    let base = format!("/api/v1/projects/{glasfaser}");
    for (date, text, light) in [
        ("2025-12-01", "Vor dem Zeitraum.", "green"),
        ("2026-02-15", "Ausschreibung vorbereitet.", "green"),
        (
            "2026-05-20",
            "Bauarbeiten laufen; <Tiefbau> & Verzug.",
            "yellow",
        ),
    ] {
        post(
            app,
            &format!("{base}/reports"),
            Some(AHLEN),
            json!({"report_date": date, "text": text, "progress_percent": 40, "traffic_light": light,
                   "traffic_light_note": "Tiefbau verzögert", "next_steps": "Abnahme", "risks": "Lieferzeiten"}),
        )
        .await;
    }
    for (title, date) in [
        ("Förderantrag gestellt", "2025-11-30"),
        ("Ausschreibung", "2026-02-28"),
        ("Baubeginn", "2026-05-31"),
        ("Inbetriebnahme", "2026-09-30"),
    ] {
        let milestone = post(
            app,
            &format!("{base}/milestones"),
            Some(AHLEN),
            json!({"title": title, "planned_date": date}),
        )
        .await;
        if title == "Ausschreibung" {
            let path = format!("{base}/milestones/{}", milestone["id"].as_str().unwrap());
            json(
                app.patch(&path)
                    .bearer_for(AHLEN, &["editor"])
                    .header("if-match", "*")
                    .json(&json!({"state": "done", "actual_date": "2026-02-27"}))
                    .send()
                    .await
                    .unwrap(),
                200,
            )
            .await;
        }
    }

    // Two meetings of the steering committee in the period, one after it.
    let mut first = meeting_body(
        1,
        "2026-03-26T17:00:00+01:00",
        "2026-03-26T19:00:00+01:00",
        true,
    );
    first["title"] = json!("1. Sitzung des Lenkungskreises 2026");
    let first = create_meeting(app, first).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = create_meeting(
        app,
        meeting_body(
            2,
            "2026-05-07T17:00:00+02:00",
            "2026-05-07T19:00:00+02:00",
            true,
        ),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let later = create_meeting(
        app,
        meeting_body(
            3,
            "2026-09-10T17:00:00+02:00",
            "2026-09-10T19:00:00+02:00",
            true,
        ),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let items = [
        (
            &first,
            "2",
            "Glasfaser: Vergabe",
            true,
            glasfaser,
            "adopted",
            "Die Vergabe wird empfohlen.",
        ),
        (
            &first,
            "3",
            "Glasfaser: Personalfrage",
            false,
            glasfaser,
            "adopted",
            "NICHTOEFFENTLICH-MARKER",
        ),
        (
            &second,
            "1",
            "Dorfladenbox: Standorte",
            true,
            dorfladen,
            "adopted_with_changes",
            "Standorte Ostbevern und Beckum.",
        ),
        (
            &second,
            "2",
            "Sensorik: Vorstellung",
            true,
            sensoren,
            "noted",
            "Zur Kenntnis genommen.",
        ),
        (
            &later,
            "1",
            "Glasfaser: Abnahme",
            true,
            glasfaser,
            "adopted",
            "Nach dem Zeitraum.",
        ),
    ];
    let mut created = Vec::new();
    for (meeting, number, title, public, project, _, _) in &items {
        let item = add_agenda_item(
            app,
            meeting,
            json!({"number": number, "title": title, "public": public, "project_ids": [project]}),
        )
        .await;
        created.push(item["id"].as_str().unwrap().to_owned());
    }
    for meeting in [&first, &second, &later] {
        transition(app, meeting, "invited", None).await;
        transition(app, meeting, "held", None).await;
    }
    for ((meeting, _, _, _, _, result, text), item) in items.iter().zip(&created) {
        patch_item(
            app,
            meeting,
            item,
            json!({"result": result, "resolution_text": text,
                   "votes": {"yes": 3, "no": 0, "abstentions": 0}}),
        )
        .await;
    }

    // Action items: two of Ostbevern's are pending, one is done; one belongs to Ahlen.
    for (title, owner, due, status) in [
        ("Haushaltsmittel anmelden", OSTBEVERN, "2026-03-31", "open"),
        ("Standort prüfen", OSTBEVERN, "2026-04-30", "in_progress"),
        ("Erledigte Aufgabe", OSTBEVERN, "2026-02-28", "done"),
        ("Aufgabe von Ahlen", AHLEN, "2026-04-30", "open"),
    ] {
        let item = post(
            app,
            "/api/v1/action-items",
            None,
            json!({"title": title, "owner_organization": owner, "due_date": due}),
        )
        .await;
        if status != "open" {
            json(
                app.patch(&format!(
                    "/api/v1/action-items/{}",
                    item["id"].as_str().unwrap()
                ))
                .by_coordinator()
                .header("if-match", "*")
                .json(&json!({"status": status}))
                .send()
                .await
                .unwrap(),
                200,
            )
            .await;
        }
    }
    Scenario {
        glasfaser,
        dorfladen,
        sensoren,
        abgeschlossen,
    }
}

/// The report of `org` for the scenario's period in `format`.
pub fn report_path(org: &str, format: &str) -> String {
    format!("/api/v1/organizations/{org}/report?from={FROM}&to={TO}&format={format}")
}
