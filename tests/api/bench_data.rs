//! `smartregion bench-data`: what it writes at scales 1 and 2, that the allocations are the
//! cost engine's (the service's own recomputation changes nothing) and sum to the totals, that
//! the audit tie holds, and that the API serves the data.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde_json::Value;
use smartregion::bench_data::{self, generate};
use smartregion::db::costs::{allocation, budget};
use smartregion::db::schema::{
    agenda_items, audit_log, cost_items, meetings, participations, project_allocation_shares,
    projects,
};
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use uuid::Uuid;

use crate::helpers::*;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count_sql(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

/// Fills the test database at `scale` and checks the counts; returns the synthetic projects.
async fn fill_and_count(app: &TestApp, scale: u64) -> Vec<Uuid> {
    let (audits_before, changes_before) = app.trail_counts().await;
    let mut conn = app.conn().await;
    let report = bench_data::fill(&mut conn, scale, 42, |_| {})
        .await
        .unwrap();
    let n = scale as i64;
    assert_eq!(report.projects, 24 * scale);
    let ids: Vec<Uuid> = projects::table
        .filter(projects::code.like("SYN%"))
        .order(projects::code.asc())
        .select(projects::id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(ids.len() as i64, 24 * n);
    let opt_ins: i64 = participations::table
        .filter(participations::project_id.eq_any(&ids))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(opt_ins, 24 * 7 * n);
    let items: i64 = cost_items::table
        .filter(cost_items::project_id.eq_any(&ids))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(items, 24 * 3 * n);
    let meeting_count: i64 = meetings::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(meeting_count, 20 * n);
    let item_count: i64 = agenda_items::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(item_count, 20 * 12 * n);
    // Every project has both scenarios stored; shares exist.
    assert_eq!(report.allocations, 2 * 24 * scale);
    let shares: i64 = project_allocation_shares::table
        .filter(project_allocation_shares::project_id.eq_any(&ids))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(shares as u64, report.allocation_shares);
    assert!(shares > 0);
    // One audit entry and one change record per entity and transaction, all with `*`.
    let (audits, changes) = app.trail_counts().await;
    assert_eq!((audits - audits_before) as u64, report.audit_entries);
    assert_eq!(changes - changes_before, audits - audits_before);
    let bulk: i64 = audit_log::table
        .filter(audit_log::actor_subject.eq("system:bench-data"))
        .filter(audit_log::entity_id.ne("*"))
        .filter(audit_log::entity.ne("funding_programme"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(bulk, 0, "bulk entries describe their entity with `*`");
    ids
}

#[actix_web::test]
async fn bench_data_at_scale_1_is_the_cooperation_with_exact_allocations_served_by_the_api() {
    let app = TestApp::spawn().await;
    let ids = fill_and_count(&app, 1).await;

    // Shares plus what no one could take make each year's own share, in every complete year.
    let wrong = count_sql(
        &app,
        "SELECT COUNT(*) AS n FROM project_allocation_years y \
         JOIN project_allocations a USING (project_id, scenario) \
         WHERE a.status = 'complete' AND y.own_share_cents <> y.unallocated_cents + \
           (SELECT COALESCE(SUM(share_cents), 0) FROM project_allocation_shares s \
             WHERE s.project_id = y.project_id AND s.scenario = y.scenario \
               AND s.fiscal_year = y.fiscal_year)",
    )
    .await;
    assert_eq!(wrong, 0);
    let complete = count_sql(
        &app,
        "SELECT COUNT(*) AS n FROM project_allocations WHERE status = 'complete'",
    )
    .await;
    assert_eq!(complete, 48, "every synthetic allocation is complete");

    // The budget summaries are the sums of the shares.
    let mut conn = app.conn().await;
    for org in ["05570", "05570004", "05570032"] {
        let summary: std::collections::BTreeMap<i32, (i64, i64)> =
            budget::budget_years(&mut conn, org, 2000, 2100)
                .await
                .unwrap()
                .into_iter()
                .map(|y| (y.fiscal_year, (y.committed_cents, y.pending_cents)))
                .collect();
        let from_shares = budget::budget_from_shares(&mut conn, org).await.unwrap();
        assert_eq!(summary, from_shares, "{org}");
    }

    // The service's own recomputation stores exactly what bench-data stored.
    let project = ids[5];
    let before: Vec<(String, i32, String, i64)> = project_allocation_shares::table
        .filter(project_allocation_shares::project_id.eq(project))
        .order((
            project_allocation_shares::scenario,
            project_allocation_shares::fiscal_year,
            project_allocation_shares::organization_key,
        ))
        .select((
            project_allocation_shares::scenario,
            project_allocation_shares::fiscal_year,
            project_allocation_shares::organization_key,
            project_allocation_shares::share_cents,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    let actor = Actor::system("test");
    audited(&mut conn, &actor, |conn| {
        async move {
            allocation::recompute(conn, project).await?;
            Ok(Recorded::new(()).with(Entry::updated("project", project)))
        }
        .scope_boxed()
    })
    .await
    .unwrap();
    let after: Vec<(String, i32, String, i64)> = project_allocation_shares::table
        .filter(project_allocation_shares::project_id.eq(project))
        .order((
            project_allocation_shares::scenario,
            project_allocation_shares::fiscal_year,
            project_allocation_shares::organization_key,
        ))
        .select((
            project_allocation_shares::scenario,
            project_allocation_shares::fiscal_year,
            project_allocation_shares::organization_key,
            project_allocation_shares::share_cents,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(before, after);
    assert!(!before.is_empty());

    // The API serves it.
    let page = json(
        app.get("/api/v1/projects?limit=50").send().await.unwrap(),
        200,
    )
    .await;
    let codes: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .filter(|c| c.starts_with("SYN"))
        .collect();
    assert_eq!(codes.len(), 24);
    let allocation = json(
        app.get(&format!(
            "/api/v1/projects/{project}/allocation?include=pending"
        ))
        .by_coordinator()
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(allocation["status"], "complete");
    let years = allocation["years"].as_array().unwrap();
    assert_eq!(years.len(), 5);
    for year in years {
        let shares: i64 = year["shares_cents"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum();
        assert_eq!(
            shares + year["unallocated_cents"].as_i64().unwrap(),
            year["own_share_cents"].as_i64().unwrap()
        );
    }
    let budget = json(
        app.get("/api/v1/organizations/05570004/budget")
            .header(
                "Authorization",
                format!("Bearer {}", token("05570004", &["viewer"])),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(budget.is_object());
    let meeting_id: Uuid = meetings::table
        .order(meetings::number.asc())
        .select(meetings::id)
        .first(&mut conn)
        .await
        .unwrap();
    let ics = app
        .get(&format!("/api/v1/meetings/{meeting_id}/export?format=ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(ics.status(), 200);
    assert!(ics.text().await.unwrap().contains("BEGIN:VCALENDAR"));
    let dashboard: Value = json(app.get("/api/v1/dashboard").send().await.unwrap(), 200).await;
    let total: i64 = dashboard["projects_by_field"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["total"].as_i64().unwrap())
        .sum();
    assert!(total >= 24);

    // A second run refuses: bench-data fills a fresh database.
    let error = bench_data::fill(&mut conn, 1, 42, |_| {})
        .await
        .unwrap_err();
    assert!(error.to_string().contains("fresh database"), "{error}");
}

#[actix_web::test]
async fn bench_data_at_scale_2_doubles_everything_with_distinct_codes() {
    let app = TestApp::spawn().await;
    let ids = fill_and_count(&app, 2).await;
    let distinct = count_sql(
        &app,
        "SELECT COUNT(DISTINCT code) AS n FROM projects WHERE code LIKE 'SYN%'",
    )
    .await;
    assert_eq!(distinct, 48);
    assert_eq!(ids.len(), 2 * generate::PROJECTS_PER_SCALE as usize);
    let numbers = count_sql(&app, "SELECT COUNT(DISTINCT number) AS n FROM meetings").await;
    assert_eq!(numbers, 40);
    // The synthetic rows say what they are.
    let mut conn = app.conn().await;
    let titles: Vec<String> = projects::table
        .filter(projects::id.eq_any(&ids))
        .select(projects::title)
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        titles
            .iter()
            .all(|t| t.starts_with("Synthetisches Projekt"))
    );
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::Text)]
    key: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn counted(app: &TestApp, sql: &str) -> Vec<Counted> {
    let mut conn = app.conn().await;
    diesel::sql_query(sql).load(&mut conn).await.unwrap()
}

/// The dashboard's summaries against the aggregates they replace.
async fn assert_summaries_match(app: &TestApp) {
    assert_eq!(
        counted(
            app,
            "SELECT field_of_action AS key, status AS state, SUM(projects)::int8 AS n \
             FROM dashboard_project_counts GROUP BY 1, 2 HAVING SUM(projects) <> 0 ORDER BY 1, 2"
        )
        .await,
        counted(
            app,
            "SELECT field_of_action AS key, status AS state, COUNT(*) AS n FROM projects \
             WHERE deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2"
        )
        .await
    );
    assert_eq!(
        counted(
            app,
            "SELECT organization_key AS key, state, SUM(participations)::int8 AS n \
             FROM dashboard_participation_counts GROUP BY 1, 2 HAVING SUM(participations) <> 0 \
             ORDER BY 1, 2"
        )
        .await,
        counted(
            app,
            "SELECT x.organization_key AS key, x.state, COUNT(*) AS n FROM participations x \
             JOIN projects p ON p.id = x.project_id AND p.deleted_at IS NULL \
             GROUP BY 1, 2 ORDER BY 1, 2"
        )
        .await
    );
    assert_eq!(
        counted(
            app,
            "SELECT fiscal_year::text AS key, 'own' AS state, SUM(own_share_cents)::int8 AS n \
             FROM dashboard_cost_years GROUP BY 1 HAVING SUM(total_cents) <> 0 ORDER BY 1"
        )
        .await,
        counted(
            app,
            "SELECT y.fiscal_year::text AS key, 'own' AS state, SUM(y.own_share_cents)::int8 AS n \
             FROM project_allocation_years y JOIN projects p ON p.id = y.project_id \
              AND p.deleted_at IS NULL WHERE y.scenario = 'planning' GROUP BY 1 ORDER BY 1"
        )
        .await
    );
}

#[actix_web::test]
async fn the_dashboard_summaries_stay_equal_to_the_aggregates_through_writes() {
    let app = TestApp::spawn().await;
    let ids = fill_and_count(&app, 1).await;
    assert_summaries_match(&app).await;

    // An opt-in moves (its allocation is recomputed), then a project is deleted.
    let mut conn = app.conn().await;
    let (org, version): (String, i32) = participations::table
        .filter(participations::project_id.eq(ids[0]))
        .filter(participations::state.eq("council_decision_pending"))
        .select((participations::organization_key, participations::version))
        .first(&mut conn)
        .await
        .unwrap();
    drop(conn);
    json(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/projects/{}/participations/{org}", ids[0]),
        )
        .by_coordinator()
        .header("If-Match", format!("\"{version}\""))
        .json(&serde_json::json!({"state": "intends_to_join"}))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_summaries_match(&app).await;
    let etag = app
        .get(&format!("/api/v1/projects/{}", ids[1]))
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let response = app
        .delete(&format!("/api/v1/projects/{}", ids[1]))
        .by_coordinator()
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_summaries_match(&app).await;

    // The dashboard shows the summaries.
    let dashboard = json(app.get("/api/v1/dashboard").send().await.unwrap(), 200).await;
    let live = count_sql(
        &app,
        "SELECT COUNT(*) AS n FROM projects WHERE deleted_at IS NULL",
    )
    .await;
    let total: i64 = dashboard["projects_by_field"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["total"].as_i64().unwrap())
        .sum();
    assert_eq!(total, live);
    assert_eq!(dashboard["participations_by_project_truncated"], false);
    assert_eq!(
        dashboard["participations_by_project"]
            .as_array()
            .unwrap()
            .len(),
        23
    );
}
