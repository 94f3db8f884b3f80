//! The deferred audit check ties every business row to an audit entry of its own transaction
//! for the entity it belongs to: an entry about something else does not let it through.

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use crate::costs::{add_standard_items, project, put_key, set_state};
use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

/// Runs `statements` in one transaction with an actor named, as `db::write::audited` does;
/// the error of any statement or of the commit, where the deferred audit check runs.
async fn in_transaction(app: &TestApp, statements: Vec<String>) -> Result<(), String> {
    let mut conn = app.conn().await;
    conn.transaction::<(), diesel::result::Error, _>(async move |conn| {
        diesel::sql_query("SELECT set_config('smartregion.actor', 'test:tie', true)")
            .execute(conn)
            .await?;
        for statement in &statements {
            diesel::sql_query(statement).execute(conn).await?;
        }
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())
}

/// An audit entry for `entity` `id`, as `db::write::record` writes it.
fn audit(entity: &str, id: &str) -> String {
    format!(
        "INSERT INTO audit_log (actor_subject, action, entity, entity_id) \
         VALUES ('test:tie', '{entity}.probe', '{entity}', '{id}')"
    )
}

fn refused(result: Result<(), String>, table: &str) {
    let error = result.expect_err(table);
    assert_eq!(
        error,
        format!("write to {table} without an audit entry for the row"),
        "{table}"
    );
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    let mut conn = app.conn().await;
    diesel::sql_query(sql)
        .bind::<Text, _>(bind)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

#[actix_web::test]
async fn a_project_change_needs_an_entry_for_that_project() {
    let app = TestApp::spawn().await;
    let id = ProjectBuilder::new("AT-1").title("Alt").create(&app).await;
    let other = ProjectBuilder::new("AT-2").create(&app).await;
    let rename = format!("UPDATE projects SET title = 'Neu' WHERE id = '{id}'");
    let title = "SELECT count(*) AS n FROM projects WHERE title = $1";

    // An entry about an organization, or about another project, does not describe it.
    refused(
        in_transaction(&app, vec![audit("organization", AHLEN), rename.clone()]).await,
        "projects",
    );
    refused(
        in_transaction(
            &app,
            vec![audit("project", &other.to_string()), rename.clone()],
        )
        .await,
        "projects",
    );
    // Nor does an entry for the project's id under another entity.
    refused(
        in_transaction(
            &app,
            vec![audit("meeting", &id.to_string()), rename.clone()],
        )
        .await,
        "projects",
    );
    assert_eq!(count(&app, title, "Neu").await, 0, "nothing changed");

    // The entry may come after the change: the check runs at commit.
    in_transaction(&app, vec![rename, audit("project", &id.to_string())])
        .await
        .unwrap();
    assert_eq!(count(&app, title, "Neu").await, 1);
}

#[actix_web::test]
async fn a_child_row_needs_an_entry_for_its_parent() {
    let app = TestApp::spawn().await;
    let id = ProjectBuilder::new("AT-1").create(&app).await;
    let other = ProjectBuilder::new("AT-2").create(&app).await;
    let history = "SELECT count(*) AS n FROM project_status_changes WHERE reason = $1";
    let forged = format!(
        "INSERT INTO project_status_changes (project_id, from_status, to_status, reason, \
         actor_subject) VALUES ('{id}', 'planned', 'discarded', 'forged', 'test:tie')"
    );
    refused(
        in_transaction(
            &app,
            vec![audit("project", &other.to_string()), forged.clone()],
        )
        .await,
        "project_status_changes",
    );
    assert_eq!(count(&app, history, "forged").await, 0);
    in_transaction(&app, vec![audit("project", &id.to_string()), forged])
        .await
        .unwrap();
    assert_eq!(count(&app, history, "forged").await, 1);

    // A population figure's entry names the organization and the reference date.
    let figure = format!(
        "INSERT INTO organization_populations (organization_key, reference_date, population) \
         VALUES ('{AHLEN}', '2030-12-31', 40000)"
    );
    let figures = "SELECT count(*) AS n FROM organization_populations \
                   WHERE reference_date = '2030-12-31' AND organization_key = $1";
    for wrong in [
        format!("{AHLEN}/2029-12-31"),
        format!("{BECKUM}/2030-12-31"),
        AHLEN.to_owned(),
    ] {
        refused(
            in_transaction(
                &app,
                vec![audit("population_figure", &wrong), figure.clone()],
            )
            .await,
            "organization_populations",
        );
    }
    assert_eq!(count(&app, figures, AHLEN).await, 0);
    in_transaction(
        &app,
        vec![
            audit("population_figure", &format!("{AHLEN}/2030-12-31")),
            figure,
        ],
    )
    .await
    .unwrap();
    assert_eq!(count(&app, figures, AHLEN).await, 1);
}

#[actix_web::test]
async fn derived_rows_need_an_entry_for_a_change_that_derives_them() {
    let app = TestApp::spawn().await;
    let project = project(&app).await;
    add_standard_items(&app, project).await;
    put_key(&app, project, json!({"type": "equal"})).await;
    set_state(&app, project, AHLEN, "committed").await;
    let other = ProjectBuilder::new("AT-2").create(&app).await;

    // The budget summary changes under a cost change of any project: an entry for the cost
    // item, whichever, lets it through; an entry about an organization or a meeting does not.
    // The summary is spread over write slots (migration 000100): one slot's row is changed,
    // the sum over the slots is read.
    let budget = format!(
        "UPDATE organization_budget_years SET committed_cents = committed_cents + 1 \
         WHERE organization_key = '{AHLEN}' AND fiscal_year = 2027 \
           AND shard = (SELECT min(shard) FROM organization_budget_years \
                         WHERE organization_key = '{AHLEN}' AND fiscal_year = 2027)"
    );
    let committed = "SELECT SUM(committed_cents)::int8 AS n FROM organization_budget_years \
                     WHERE fiscal_year = 2027 AND organization_key = $1";
    let before = count(&app, committed, AHLEN).await;
    assert_eq!(before, 10_100_001);
    refused(
        in_transaction(&app, vec![audit("organization", AHLEN), budget.clone()]).await,
        "organization_budget_years",
    );
    refused(
        in_transaction(
            &app,
            vec![
                audit("meeting", &Uuid::new_v4().to_string()),
                budget.clone(),
            ],
        )
        .await,
        "organization_budget_years",
    );
    assert_eq!(count(&app, committed, AHLEN).await, before);
    in_transaction(
        &app,
        vec![audit("cost_item", &Uuid::new_v4().to_string()), budget],
    )
    .await
    .unwrap();
    assert_eq!(count(&app, committed, AHLEN).await, before + 1);

    // A project's stored allocation: an entry for another project does not describe it, one
    // for the project does. Removing the header cascades to its years and shares, each checked.
    let clear = format!("DELETE FROM project_allocations WHERE project_id = '{project}'");
    let shares = "SELECT count(*) AS n FROM project_allocation_shares WHERE project_id::text = $1";
    let stored = count(&app, shares, &project.to_string()).await;
    assert!(stored > 0);
    let error = in_transaction(
        &app,
        vec![audit("project", &other.to_string()), clear.clone()],
    )
    .await
    .unwrap_err();
    assert!(
        error.starts_with("write to project_allocation") && error.ends_with("for the row"),
        "{error}"
    );
    assert_eq!(count(&app, shares, &project.to_string()).await, stored);
    in_transaction(&app, vec![audit("project", &project.to_string()), clear])
        .await
        .unwrap();
    assert_eq!(count(&app, shares, &project.to_string()).await, 0);
}

#[actix_web::test]
async fn every_guarded_table_is_tied_to_its_entities() {
    let app = TestApp::spawn().await;
    // A table guarded with the loose one-argument `smartregion_guard_writes` would accept any
    // audit entry of its transaction: new tables name their entities.
    let loose = scalar(
        &app,
        "SELECT count(*) AS n FROM pg_trigger \
         WHERE tgfoid = 'smartregion_require_audit()'::regprocedure",
    )
    .await;
    assert_eq!(loose, 0);
    let tied = scalar(
        &app,
        "SELECT count(*) AS n FROM pg_trigger \
         WHERE tgfoid = 'smartregion_require_audit_of()'::regprocedure",
    )
    .await;
    let guarded = scalar(
        &app,
        "SELECT count(*) AS n FROM pg_trigger \
         WHERE tgfoid = 'smartregion_require_actor()'::regprocedure \
           AND tgrelid <> 'audit_log'::regclass",
    )
    .await;
    assert_eq!(tied, guarded);
}
