//! The implementation report against the resources it mirrors, as printable HTML against a
//! golden file, as CSV read like German Excel, and who may read it.

use serde_json::{Value, json};

use super::scenario::{FROM, TO, build, report_path};
use crate::helpers::*;

async fn member_get(app: &TestApp, path: &str) -> Value {
    json(
        app.get(path)
            .bearer_for(OSTBEVERN, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

#[actix_web::test]
async fn every_section_matches_the_resource_it_mirrors() {
    let app = TestApp::spawn().await;
    let s = build(&app).await;
    let report = member_get(&app, &report_path(OSTBEVERN, "json")).await;
    assert_eq!(report["organization"]["key"], OSTBEVERN);
    assert_eq!(report["from"], FROM);
    assert_eq!(report["to"], TO);
    assert_eq!(report["reference_date"], TO);

    // Projects it takes part in: Glasfaser (committed) and Dorfladenbox (pending), by code.
    let projects = report["projects"].as_array().unwrap();
    let codes: Vec<&str> = projects
        .iter()
        .map(|p| p["project"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["DI-1", "PP-2"]);
    for (entry, id) in projects.iter().zip([s.glasfaser, s.dorfladen]) {
        let project = member_get(&app, &format!("/api/v1/projects/{id}")).await;
        for field in [
            "status",
            "progress_percent",
            "traffic_light",
            "traffic_light_note",
            "title",
        ] {
            assert_eq!(entry["project"][field], project[field], "{field}");
        }
        let participation = member_get(
            &app,
            &format!("/api/v1/projects/{id}/participations/{OSTBEVERN}"),
        )
        .await;
        assert_eq!(entry["participation_state"], participation["state"]);
        let latest = participation["council_resolutions"]
            .as_array()
            .unwrap()
            .last();
        match latest {
            Some(resolution) => {
                for field in [
                    "deciding_body",
                    "decided_on",
                    "paper_reference",
                    "outcome",
                    "url",
                ] {
                    assert_eq!(entry["resolution"][field], resolution[field], "{field}");
                }
            }
            None => assert_eq!(entry["resolution"], Value::Null),
        }
    }
    let glasfaser = &projects[0];
    assert_eq!(glasfaser["participation_state"], "committed");
    assert_eq!(glasfaser["resolution"]["paper_reference"], "V 2025/054");
    assert_eq!(glasfaser["resolution"]["decided_on"], "2025-04-08");
    assert_eq!(
        projects[1]["participation_state"],
        "council_decision_pending"
    );
    assert_eq!(projects[1]["resolution"], Value::Null);

    // The latest status report of the period, as the report list has it.
    let reports = member_get(&app, &format!("/api/v1/projects/{}/reports", s.glasfaser)).await;
    let in_period: Vec<&Value> = reports["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let date = r["report_date"].as_str().unwrap();
            (FROM..=TO).contains(&date)
        })
        .collect();
    let latest = &glasfaser["latest_status_report"];
    assert_eq!(latest["id"], in_period[0]["id"]);
    assert_eq!(latest["text"], in_period[0]["text"]);
    assert_eq!(latest["report_date"], "2026-05-20");
    assert_eq!(projects[1]["latest_status_report"], Value::Null);

    // Milestones: due in the period, and the older one still open; missed judged on 30.06.
    let milestones: Vec<(String, String, bool)> = glasfaser["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["title"].as_str().unwrap().to_owned(),
                m["state"].as_str().unwrap().to_owned(),
                m["missed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        milestones,
        [
            ("Förderantrag gestellt".into(), "open".into(), true),
            ("Ausschreibung".into(), "done".into(), false),
            ("Baubeginn".into(), "open".into(), true),
        ]
    );
    let listed = member_get(
        &app,
        &format!("/api/v1/projects/{}/milestones", s.glasfaser),
    )
    .await;
    for m in glasfaser["milestones"].as_array().unwrap() {
        let same = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == m["id"])
            .unwrap();
        assert_eq!(same["planned_date"], m["planned_date"]);
        assert_eq!(same["state"], m["state"]);
    }

    // The budget section is the budget view of the same years.
    let budget = member_get(
        &app,
        &format!("/api/v1/organizations/{OSTBEVERN}/budget?from=2026&to=2030"),
    )
    .await;
    assert_eq!(report["budget"], budget);
    assert!(budget["totals"]["committed_cents"].as_i64().unwrap() > 0);
    assert!(budget["totals"]["pending_cents"].as_i64().unwrap() > 0);

    // Decisions: the register's public entries of the period on its projects.
    let register = json(
        app.get(&format!("/api/v1/decisions?from={FROM}&to={TO}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let ours = [s.glasfaser.to_string(), s.dorfladen.to_string()];
    let expected: Vec<&Value> = register["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["agenda_item"]["projects"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| ours.contains(&p["id"].as_str().unwrap().to_owned()))
        })
        .collect();
    let decisions: Vec<&Value> = report["decisions"].as_array().unwrap().iter().collect();
    assert_eq!(decisions, expected);
    let titles: Vec<&str> = decisions
        .iter()
        .map(|d| d["agenda_item"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Glasfaser: Vergabe", "Dorfladenbox: Standorte"]);

    // Action items: the list's pending items of Ostbevern.
    let mut expected = Vec::new();
    for status in ["open", "in_progress"] {
        let page = member_get(
            &app,
            &format!("/api/v1/action-items?owner={OSTBEVERN}&status={status}"),
        )
        .await;
        expected.extend(page["items"].as_array().unwrap().clone());
    }
    expected.sort_by_key(|a| a["created_at"].as_str().unwrap().to_owned());
    assert_eq!(report["action_items"].as_array().unwrap(), &expected);
    assert_eq!(expected.len(), 2);

    // Joinable: the Sensorik project, with what the preview says Ostbevern would pay.
    let joinable = report["joinable_projects"].as_array().unwrap();
    let codes: Vec<&str> = joinable
        .iter()
        .map(|j| j["project"]["code"].as_str().unwrap())
        .collect();
    // Besides the seeded catalogue: LP-3, not its own projects, not the completed one.
    assert!(codes.contains(&"LP-3"), "{codes:?}");
    for own_or_closed in ["DI-1", "PP-2", "LP-4"] {
        assert!(!codes.contains(&own_or_closed), "{codes:?}");
    }
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted, "by code");
    let preview = json(
        app.post(&format!(
            "/api/v1/projects/{}/allocation/preview",
            s.sensoren
        ))
        .bearer_for(OSTBEVERN, &["viewer"])
        .json(&json!({"participants": [AHLEN, OSTBEVERN], "include_pending": true}))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    let sensoren = joinable
        .iter()
        .find(|j| j["project"]["code"] == "LP-3")
        .unwrap();
    assert_eq!(sensoren["preview_status"], preview["status"]);
    let years = sensoren["years"].as_array().unwrap();
    assert_eq!(years.len(), preview["years"].as_array().unwrap().len());
    let mut total = 0;
    for (mine, theirs) in years.iter().zip(preview["years"].as_array().unwrap()) {
        assert_eq!(mine["fiscal_year"], theirs["fiscal_year"]);
        assert_eq!(mine["own_share_cents"], theirs["own_share_cents"]);
        assert_eq!(mine["share_cents"], theirs["shares_cents"][OSTBEVERN]);
        total += mine["share_cents"].as_i64().unwrap();
    }
    assert_eq!(sensoren["total_share_cents"], total);
    assert!(total > 0);
    let _ = s.abgeschlossen;
}

const GOLDEN: &str = "tests/golden/implementation_report.html";

/// The printable report of the scenario against `tests/golden/implementation_report.html`.
/// The page holds no ids or timestamps (only the scenario's fixed dates), so nothing needs
/// redacting. After an intended change to the HTML, regenerate the file with
///
/// ```text
/// UPDATE_GOLDEN=1 cargo test --test api reporting::report::the_printable_report_matches_the_golden_file
/// ```
///
/// and review the diff.
#[actix_web::test]
async fn the_printable_report_matches_the_golden_file() {
    let app = TestApp::spawn().await;
    build(&app).await;
    let response = app
        .get(&report_path(OSTBEVERN, "html"))
        .by_coordinator()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let html = response.text().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &html).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        html == golden,
        "the HTML differs from {GOLDEN}; if intended, regenerate it with\n\n    \
         UPDATE_GOLDEN=1 cargo test --test api reporting::report::the_printable_report_matches_the_golden_file\n\n\
         got:\n{html}"
    );
    assert!(html.contains("@media print"));
    assert!(html.contains("<html lang=\"de\">"));
    assert!(html.contains("Bauarbeiten laufen; &lt;Tiefbau&gt; &amp; Verzug."));
    assert!(!html.contains("NICHTOEFFENTLICH-MARKER"));
    assert!(!html.contains("Nach dem Zeitraum."));
}

#[actix_web::test]
async fn the_csv_reads_like_german_excel_and_carries_the_same_figures() {
    let app = TestApp::spawn().await;
    build(&app).await;
    let report = member_get(&app, &report_path(OSTBEVERN, "json")).await;
    let response = app
        .get(&report_path(OSTBEVERN, "csv"))
        .bearer_for(OSTBEVERN, &["admin"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("umsetzungsbericht-05570032-2026-01-01-2026-06-30.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.contains("\r\n"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headings,
        [
            "Abschnitt",
            "Projekt",
            "Titel",
            "Datum",
            "Stand",
            "Angaben",
            "verbindlich (EUR)",
            "vorbehaltlich Ratsbeschluss (EUR)",
            "bei Beitritt (EUR)"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let section =
        |name: &str| -> Vec<&Vec<String>> { rows.iter().filter(|r| r[0] == name).collect() };
    let projects = section("Projekt");
    assert_eq!(projects.len(), 2);
    assert_eq!(projects[0][1], "DI-1");
    assert_eq!(projects[0][3], "08.04.2025");
    assert!(
        projects[0][5].contains("Vorlage V 2025/054"),
        "{:?}",
        projects[0]
    );
    // Euro amounts with a decimal comma, equal to the JSON's cents.
    let cents = |text: &str| -> i64 {
        let (euros, cents) = text.split_once(',').unwrap();
        euros.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
    };
    let budget = section("Kostenanteil");
    let json_years = report["budget"]["years"].as_array().unwrap();
    assert_eq!(budget.len(), json_years.len() + 1);
    for (row, year) in budget.iter().zip(json_years) {
        assert_eq!(row[2], format!("Haushaltsjahr {}", year["fiscal_year"]));
        assert_eq!(cents(&row[6]), year["committed_cents"].as_i64().unwrap());
        assert_eq!(cents(&row[7]), year["pending_cents"].as_i64().unwrap());
    }
    let sum = budget.last().unwrap();
    assert_eq!(sum[2], "Summe");
    assert_eq!(
        cents(&sum[6]),
        report["budget"]["totals"]["committed_cents"]
            .as_i64()
            .unwrap()
    );
    assert_eq!(section("Beschluss").len(), 2);
    let tasks = section("Aufgabe");
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0][3], "31.03.2026");
    assert_eq!(tasks[0][4], "offen (überfällig)");
    let joinable = section("Beteiligung möglich");
    let json_joinable = report["joinable_projects"].as_array().unwrap();
    assert_eq!(joinable.len(), json_joinable.len());
    let sensoren = joinable.iter().find(|r| r[1] == "LP-3").unwrap();
    let json_sensoren = json_joinable
        .iter()
        .find(|j| j["project"]["code"] == "LP-3")
        .unwrap();
    assert_eq!(
        cents(&sensoren[8]),
        json_sensoren["total_share_cents"].as_i64().unwrap()
    );
    assert_eq!(section("Meilenstein").len(), 3);
    assert_eq!(section("Sachstand").len(), 1);
}

#[actix_web::test]
async fn only_the_organization_and_the_steering_office_read_the_report() {
    let app = TestApp::spawn().await;
    let path = report_path(OSTBEVERN, "json");
    problem(app.get(&path).send().await.unwrap(), 401).await;
    problem(
        app.get(&path)
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    for format in ["json", "html", "csv"] {
        problem(
            app.get(&report_path(OSTBEVERN, format))
                .bearer_for(BECKUM, &["admin"])
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;
    }
    for roles in [&["viewer"][..], &["editor"], &["admin"]] {
        let response = app
            .get(&path)
            .bearer_for(OSTBEVERN, roles)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{roles:?}");
    }
    let response = app.get(&path).by_coordinator().send().await.unwrap();
    assert_eq!(response.status(), 200);
    // An unknown organization (as the steering office), bad periods and formats.
    problem(
        app.get(&report_path("05570999", "json"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    for query in [
        "from=2026-07-01&to=2026-06-30",
        "from=2026-02-30&to=2026-06-30",
        "to=2026-06-30",
        "from=2026-01-01&to=2026-06-30&format=pdf",
    ] {
        problem(
            app.get(&format!("/api/v1/organizations/{OSTBEVERN}/report?{query}"))
                .by_coordinator()
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }
}

#[actix_web::test]
async fn an_organization_without_anything_gets_an_empty_report() {
    let app = TestApp::spawn().await;
    let report = json(
        app.get(&report_path(TELGTE, "json"))
            .bearer_for(TELGTE, &["viewer"])
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(report["projects"], json!([]));
    assert_eq!(report["decisions"], json!([]));
    assert_eq!(report["action_items"], json!([]));
    assert_eq!(report["budget"]["totals"]["total_cents"], 0);
    let html = app
        .get(&report_path(TELGTE, "html"))
        .bearer_for(TELGTE, &["viewer"])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Keine Beteiligung an Projekten."));
}
