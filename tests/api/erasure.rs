//! Erasing a delegate's name on request (GDPR Art. 17, issue 17): the name is replaced by the
//! function and organization everywhere, minutes and OParl stay consistent, and no answer,
//! export or table keeps a trace of it.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::meetings::{etag, put, sample};

const NAME: &str = "Dr. Jana Beispiel";
const REPLACEMENT: &str = "Erste Beigeordnete (Ahlen)";

fn erasure_path(member: &str) -> String {
    format!("/api/v1/committee/members/{member}/erasure")
}

/// A delegate of Ahlen named in attendance, minutes, an agenda item, an action item, an
/// update's audit entry and a stored idempotent answer; the minutes are approved (so that
/// OParl publishes them).
async fn delegate_everywhere(app: &TestApp) -> (String, String) {
    let s = sample(app).await;
    let created = json(
        app.post("/api/v1/committee/members")
            .by_coordinator()
            .header("Idempotency-Key", "jana-1")
            .json(&json!({"organization": AHLEN, "name": NAME, "function": "Beigeordnete",
                          "role": "member", "start_date": "2025-11-01", "name_public_consent": true}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let member = created["id"].as_str().unwrap().to_owned();
    let member_path = format!("/api/v1/committee/members/{member}");
    json(
        app.patch(&member_path)
            .by_coordinator()
            .header("If-Match", etag(app, &member_path).await)
            .json(&json!({"function": "Erste Beigeordnete"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let meeting = &s.meeting;
    let attendance = format!("/api/v1/meetings/{meeting}/attendance/{AHLEN}");
    json(
        put(app, &attendance)
            .by_coordinator()
            .header("If-Match", etag(app, &attendance).await)
            .json(&json!({"status": "present", "delegate_member_ids": [member]}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let item = format!("/api/v1/meetings/{meeting}/agenda-items/{}", s.public_item);
    json(
        app.patch(&item)
            .by_coordinator()
            .header("If-Match", etag(app, &item).await)
            .json(&json!({"resolution_text": format!("{NAME} berichtet; der Lenkungskreis empfiehlt die Umsetzung.")}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let minutes = format!("/api/v1/meetings/{meeting}/minutes");
    json(
        put(app, &minutes)
            .by_coordinator()
            .header("If-Match", etag(app, &minutes).await)
            .json(&json!({
                "public_text": format!("{NAME} eröffnet die Sitzung um 17:00 Uhr."),
                "non_public_text": format!("Vertraulich: {NAME} berichtet zu TOP 3."),
                "chair_member_id": member,
            }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    crate::meetings::approve(app, meeting).await;
    json(
        app.post("/api/v1/action-items")
            .by_coordinator()
            .json(
                &json!({"title": format!("{NAME} stellt den Förderantrag vor"),
                          "owner_organization": AHLEN, "due_date": "2026-06-30"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    (member, meeting.clone())
}

/// Every answer and export that could show a delegate, as text, for `token` (None: anonymous).
async fn everything(app: &TestApp, meeting: &str, member: &str, token: Option<&str>) -> String {
    let mut paths = vec![
        "/api/v1/committee/members?limit=200".to_owned(),
        format!("/api/v1/committee/members/{member}"),
        format!("/api/v1/meetings/{meeting}"),
        format!("/api/v1/meetings/{meeting}/attendance"),
        format!("/api/v1/meetings/{meeting}/agenda-items"),
        format!("/api/v1/meetings/{meeting}/minutes"),
        "/api/v1/meetings.ics".to_owned(),
        "/api/v1/action-items?limit=200".to_owned(),
        "/api/v1/decisions?limit=200".to_owned(),
        "/api/v1/changes?limit=200".to_owned(),
        format!("/api/v1/organizations/{AHLEN}/report?from=2026-01-01&to=2026-12-31&format=json"),
        format!("/api/v1/organizations/{AHLEN}/report?from=2026-01-01&to=2026-12-31&format=html"),
        format!("/api/v1/organizations/{AHLEN}/report?from=2026-01-01&to=2026-12-31&format=csv"),
    ];
    for format in ["json", "csv", "ics", "html"] {
        paths.push(format!("/api/v1/meetings/{meeting}/export?format={format}"));
    }
    if token.is_some() {
        paths.push("/api/v1/audit?limit=200".to_owned());
    }
    for list in [
        "persons",
        "memberships",
        "meetings",
        "agenda-items",
        "files",
        "organizations",
    ] {
        paths.push(format!("/oparl/v1.1/bodies/smartregion/{list}"));
    }
    let mut text = String::new();
    let mut oparl_objects = Vec::new();
    for path in &paths {
        let mut request = app.get(path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        // Members only for the report; the rest answers everyone.
        // Some lists and the report are for members only.
        assert!(
            status.is_success()
                || (token.is_none() && status == 401)
                || (path.starts_with("/api/v1/audit") && status == 403),
            "{path}: {status} {body}"
        );
        if path.starts_with("/oparl/")
            && let Ok(page) = serde_json::from_str::<Value>(&body)
        {
            for object in page["data"].as_array().into_iter().flatten() {
                for link in ["id", "accessUrl", "downloadUrl"] {
                    if let Some(url) = object[link].as_str() {
                        oparl_objects.push(url.strip_prefix(PUBLIC_URL).unwrap().to_owned());
                    }
                }
            }
        }
        text.push_str(&crate::meetings::unfold_ics(&body));
        text.push('\n');
    }
    // The OParl objects one by one too (persons, memberships, the minutes file's download).
    for path in oparl_objects {
        let body = app.get(&path).send().await.unwrap().text().await.unwrap();
        text.push_str(&body);
        text.push('\n');
    }
    text
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// The tables (any column, any row) whose text holds `needle`, with their row counts.
async fn tables_holding(app: &TestApp, needle: &str) -> Vec<(String, i64)> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let mut conn = app.conn().await;
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let mut found = Vec::new();
    for table in tables {
        // Binary columns (stored idempotent answers) as text too.
        let hits: Hit = diesel::sql_query(format!(
            "SELECT '{0}' AS table_name, count(*) AS rows FROM \"{0}\" x \
             WHERE strpos(x::text, $1) > 0 OR strpos(x::text, $2) > 0",
            table.name
        ))
        .bind::<Text, _>(needle)
        .bind::<Text, _>(
            needle
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        )
        .get_result(&mut conn)
        .await
        .unwrap();
        if hits.rows > 0 {
            found.push((hits.table_name, hits.rows));
        }
    }
    found
}

#[actix_web::test]
async fn the_steering_office_erases_a_name_and_no_answer_export_or_table_keeps_it() {
    let app = TestApp::spawn().await;
    let (member, meeting) = delegate_everywhere(&app).await;

    // Before: the name is there (so that the search below can find it).
    let office = coordinator();
    assert!(
        everything(&app, &meeting, &member, Some(&office))
            .await
            .contains(NAME)
    );
    assert!(
        everything(&app, &meeting, &member, None)
            .await
            .contains(NAME)
    );
    assert!(!tables_holding(&app, NAME).await.is_empty());
    let minutes_tag = etag(&app, &format!("/api/v1/meetings/{meeting}/minutes")).await;

    let erased = json(
        app.post(&erasure_path(&member))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(erased["name"], REPLACEMENT, "{erased}");
    assert_eq!(erased["function"], "Erste Beigeordnete");
    assert!(erased["name_erased_at"].is_string(), "{erased}");
    assert_eq!(erased["id"], member.as_str());

    // After: no trace in any answer or export, for the office, a member and the public ...
    for token in [Some(office.clone()), Some(token(AHLEN, &["viewer"])), None] {
        let text = everything(&app, &meeting, &member, token.as_deref()).await;
        assert!(!text.contains(NAME), "{token:?}: {text}");
        assert!(!text.contains("Jana"), "{token:?}");
    }
    // ... nor in any table: audit trail, change feed and stored idempotent answers included.
    assert_eq!(
        tables_holding(&app, NAME).await,
        Vec::<(String, i64)>::new()
    );
    assert_eq!(
        tables_holding(&app, "Jana").await,
        Vec::<(String, i64)>::new()
    );

    // The minutes still name the same delegate, now by function and organization.
    let minutes = json(
        app.get(&format!("/api/v1/meetings/{meeting}/minutes"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(minutes["chair"]["id"], member.as_str(), "{minutes}");
    assert_eq!(minutes["chair"]["name"], REPLACEMENT, "{minutes}");
    assert!(
        minutes["public_text"]
            .as_str()
            .unwrap()
            .starts_with(REPLACEMENT),
        "{minutes}"
    );
    assert_ne!(
        etag(&app, &format!("/api/v1/meetings/{meeting}/minutes")).await,
        minutes_tag
    );
    let export = crate::meetings::export(&app, &meeting, "html", None).await;
    assert!(export.contains(REPLACEMENT), "{export}");

    // The erasure is audited, and its entry holds no trace of the name.
    let audit = json(
        app.get("/api/v1/audit?entity=committee_member&limit=200")
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let entries = audit["items"].as_array().unwrap();
    let erasure: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "erased" && e["entity_id"] == member.as_str())
        .collect();
    assert_eq!(erasure.len(), 1, "{audit}");
    assert!(!erasure[0].to_string().contains("Jana"));

    // Once only.
    problem(
        app.post(&erasure_path(&member))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
}

#[actix_web::test]
async fn only_the_steering_office_erases_and_a_refusal_changes_nothing() {
    let app = TestApp::spawn().await;
    let member = crate::meetings::add_member(&app, AHLEN, NAME, "member", true).await;
    let before = app.trail_counts().await;
    for (who, token, status) in [
        ("anonymous", None, 401),
        ("own admin", Some(token(AHLEN, &["admin"])), 403),
        ("own viewer", Some(token(AHLEN, &["viewer"])), 403),
        ("other admin", Some(token(BECKUM, &["admin"])), 403),
        (
            "a town's coordinator",
            Some(token(BECKUM, &["coordinator"])),
            401,
        ),
    ] {
        let mut request = app.post(&erasure_path(&member));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body = problem(request.send().await.unwrap(), status).await;
        assert!(body["detail"].is_string(), "{who}");
    }
    assert_eq!(app.trail_counts().await, before);
    let stored = json(
        app.get(&format!("/api/v1/committee/members/{member}"))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(stored["name"], NAME);
    problem(
        app.post(&erasure_path(&uuid::Uuid::new_v4().to_string()))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[actix_web::test]
async fn the_runtime_role_still_cannot_rewrite_the_audit_trail() {
    // The erasure's exception is for the owner's function only: the service's own
    // connection (the runtime role) is refused an UPDATE even with the setting it uses.
    let app = TestApp::spawn().await;
    crate::meetings::add_member(&app, AHLEN, NAME, "member", true).await;
    let url = crate::helpers::db::runtime_database_url(&app.database);
    let pool = smartregion::db::pool(&url, 1, std::time::Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().await.unwrap();
    use diesel_async::SimpleAsyncConnection;
    let refused = conn
        .batch_execute(
            "BEGIN; SELECT set_config('smartregion.erasing_member', 'x', true); \
             UPDATE audit_log SET after = '{}'::jsonb; COMMIT;",
        )
        .await;
    assert!(refused.is_err(), "the runtime role rewrote the audit trail");
    let _ = conn.batch_execute("ROLLBACK").await;
    assert!(!tables_holding(&app, NAME).await.is_empty());
}

/// A name may be any text, also one that occurs in the JSON of the audit trail as something
/// other than a text (`true`, a number, a member name, a quote): the erasure replaces it in the
/// texts of the documents only and leaves every entry valid JSON with its keys and values.
#[actix_web::test]
async fn a_name_that_looks_like_json_is_erased_from_texts_only() {
    let app = TestApp::spawn().await;
    for name in ["true", "null", "id", "{}", "\"", "\\", "Ahlen"] {
        let created = json(
            app.post("/api/v1/committee/members")
                .by_coordinator()
                .json(
                    &json!({"organization": AHLEN, "name": name, "function": "Beigeordnete",
                              "role": "member", "start_date": "2025-11-01"}),
                )
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let member = created["id"].as_str().unwrap().to_owned();
        let erased = json(
            app.post(&erasure_path(&member))
                .by_coordinator()
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(erased["name"], "Beigeordnete (Ahlen)", "{name:?}: {erased}");
        // The entry of the creation still has its keys, its numbers and its booleans.
        let entries = json(
            app.get(&format!(
                "/api/v1/audit?entity=committee_member&entity_id={member}"
            ))
            .by_coordinator()
            .send()
            .await
            .unwrap(),
            200,
        )
        .await;
        let created_entry = entries["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "committee_member.created")
            .unwrap_or_else(|| panic!("{name:?}: {entries}"));
        let after = &created_entry["after"];
        assert_eq!(after["id"], member.as_str(), "{name:?}: {after}");
        assert_eq!(after["version"], 1, "{name:?}: {after}");
        assert_eq!(after["name"], "Beigeordnete (Ahlen)", "{name:?}: {after}");
        assert_eq!(after["organization_key"], AHLEN, "{name:?}: {after}");
        assert_eq!(after["name_public_consent"], false, "{name:?}: {after}");
        assert_eq!(after["deleted_at"], Value::Null, "{name:?}: {after}");
    }
}
