//! Faults the service must survive: the database stopped and restarted under load, the process
//! killed in the middle of a write burst, a SIGTERM with requests in flight; and a backup
//! restored into a fresh database and a fresh cluster. `docs/reliability.md` describes them.
//!
//! Tests that need something the machine may lack (PostgreSQL's server binaries for a cluster
//! of their own, `pg_dump`) say so on stderr and pass without running; see [`skip`].

mod cluster;
mod database_restart;
mod load;
mod restore;
mod service;
mod sigkill;
mod sigterm;

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::*;

/// Reports that a test cannot run on this machine, and why. Written to the process's stderr
/// directly (not through the test harness's captured output), so that it shows in every run.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {reason} (see docs/reliability.md)"
    );
}

#[derive(diesel::QueryableByName, Debug)]
struct Mismatch {
    #[diesel(sql_type = Text)]
    what: String,
}

/// Asserts what every committed write leaves behind, whatever happened to the process or the
/// database: each audit entry has exactly one change record and each change record its audit
/// entry; every business row the tests write has its audit entry and change record; every
/// stored allocation year totals the accepted cost items of that year, and its shares sum to
/// what is allocated.
pub async fn assert_writes_whole(conn: &mut AsyncPgConnection) {
    let checks = [
        // Audit entries and change records pair up one to one.
        "SELECT 'audit entry ' || a.id || ' without change record' AS what FROM audit_log a \
         WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.audit_id = a.id) \
         UNION ALL \
         SELECT 'change ' || c.id || ' without audit entry' FROM changes c \
         WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = c.audit_id) \
         UNION ALL \
         SELECT 'audit entry ' || audit_id || ' with ' || count(*) || ' change records' \
         FROM changes GROUP BY audit_id HAVING count(*) > 1",
        // Every project and cost item was recorded as created, in the audit trail and the feed.
        "SELECT 'project ' || p.id || ' without its creation' AS what FROM projects p \
         WHERE NOT EXISTS (SELECT 1 FROM audit_log a JOIN changes c ON c.audit_id = a.id \
                           WHERE a.entity = 'project' AND a.entity_id = p.id::text \
                             AND c.operation = 'created') \
         UNION ALL \
         SELECT 'cost item ' || i.id || ' without its creation' FROM cost_items i \
         WHERE NOT EXISTS (SELECT 1 FROM audit_log a JOIN changes c ON c.audit_id = a.id \
                           WHERE a.entity = 'cost_item' AND a.entity_id = i.id::text \
                             AND c.operation = 'created')",
        // The stored allocation is the one of the stored cost items.
        "SELECT 'allocation ' || y.project_id || '/' || y.scenario || '/' || y.fiscal_year \
                || ' totals ' || y.total_cents || ', its items ' || coalesce(s.cents, 0) AS what \
         FROM project_allocation_years y \
         LEFT JOIN LATERAL (SELECT sum(i.amount_cents) AS cents FROM cost_items i \
                            WHERE i.project_id = y.project_id AND i.status = 'accepted' \
                              AND y.fiscal_year BETWEEN i.first_year AND i.last_year) s ON true \
         WHERE y.total_cents <> coalesce(s.cents, 0) \
         UNION ALL \
         SELECT 'allocation ' || y.project_id || '/' || y.scenario || '/' || y.fiscal_year \
                || ' shares ' || sum(sh.share_cents) || ' of ' \
                || (y.own_share_cents - y.unallocated_cents) \
         FROM project_allocation_years y \
         JOIN project_allocations a USING (project_id, scenario) \
         JOIN project_allocation_shares sh USING (project_id, scenario, fiscal_year) \
         WHERE a.status = 'complete' \
         GROUP BY y.project_id, y.scenario, y.fiscal_year, y.own_share_cents, y.unallocated_cents \
         HAVING sum(sh.share_cents) <> y.own_share_cents - y.unallocated_cents",
    ];
    let mut broken = Vec::new();
    for check in checks {
        let rows: Vec<Mismatch> = diesel::sql_query(check).load(conn).await.unwrap();
        broken.extend(rows.into_iter().map(|r| r.what));
    }
    assert!(broken.is_empty(), "incomplete writes: {broken:#?}");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many rows `sql` (a `SELECT count(*) AS n ..` with one text parameter) counts.
pub async fn count(conn: &mut AsyncPgConnection, sql: &str, parameter: &str) -> i64 {
    let row: Count = diesel::sql_query(sql)
        .bind::<Text, _>(parameter)
        .get_result(conn)
        .await
        .unwrap();
    row.n
}

/// Anything that answers the API over HTTP: the in-process [`TestApp`] or the binary
/// ([`service::Service`]).
pub trait Api {
    fn call(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder;
}

impl Api for TestApp {
    fn call(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request(method, path)
    }
}

impl Api for service::Service {
    fn call(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request(method, path)
    }
}

/// Creates a project as the steering office and returns its id.
pub async fn create_project(api: &impl Api, code: &str) -> String {
    let project = json(
        api.call(reqwest::Method::POST, "/api/v1/projects")
            .by_coordinator()
            .json(&json!({"code": code, "title": format!("Projekt {code}"),
                          "field_of_action": "digital_infrastructure", "category": "lead",
                          "lead_organization": AHLEN}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    project["id"].as_str().unwrap().to_owned()
}

/// A project led by Ahlen, with an equal cost key and Ahlen and Beckum committed, so that each
/// accepted cost item recomputes shares.
pub async fn cost_sharing_project(api: &impl Api, code: &str) -> String {
    use reqwest::Method;
    let id = create_project(api, code).await;
    json(
        api.call(Method::PUT, &format!("/api/v1/projects/{id}/cost-key"))
            .by_coordinator()
            .header("if-match", "*")
            .json(&json!({"type": "equal"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    for org in [AHLEN, BECKUM] {
        let mut etag: Option<String> = None;
        for state in ["intends_to_join", "committed"] {
            let mut request = api
                .call(
                    Method::PUT,
                    &format!("/api/v1/projects/{id}/participations/{org}"),
                )
                .by_coordinator()
                .json(&json!({"state": state, "council_resolution_required": false}));
            if let Some(tag) = &etag {
                request = request.header("if-match", tag);
            }
            let response = request.send().await.unwrap();
            assert!(
                response.status().is_success(),
                "{org} -> {state}: {}",
                response.text().await.unwrap()
            );
            etag = Some(response.headers()["etag"].to_str().unwrap().to_owned());
        }
    }
    id
}

/// The body of a one-off accepted cost item in 2027 named `description`.
pub fn cost_item(description: &str, amount_cents: i64) -> Value {
    json!({"category": "service", "recurrence": "one_off", "fiscal_year": 2027,
           "amount_cents": amount_cents, "eligible_for_funding": false, "basis": "estimate",
           "description": description})
}
