//! SIGKILL of the service (the real binary) in the middle of a burst of writes: no shutdown,
//! no rollback by the service. Every write must be whole (its row, the recomputed shares, its
//! audit entry and change record) or absent, acknowledged writes present, and the service must
//! start again on the same database and go on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;

use super::service::Service;
use super::{Api, assert_writes_whole, cost_item, cost_sharing_project, count};
use crate::helpers::*;

/// A write the burst sent: what identifies it in the database, and whether it was answered 201.
#[derive(Debug, Clone)]
struct Sent {
    entity: &'static str,
    /// The project code or the cost item's description.
    key: String,
    acknowledged: bool,
}

#[actix_web::test]
async fn sigkill_in_a_write_burst_leaves_every_write_whole_or_absent() {
    // The in-process app only provides the database (and a pool to check it).
    let app = TestApp::spawn().await;
    let database_url = db::runtime_database_url(&app.database);
    let service =
        Arc::new(Service::start(&database_url, &[("SMARTREGION_DB_POOL_SIZE", "8")]).await);
    let projects = [
        cost_sharing_project(&*service, "KP-1").await,
        cost_sharing_project(&*service, "KP-2").await,
    ];

    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let killed = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for task in 0..8u8 {
        let (service, sent, killed, projects) = (
            service.clone(),
            sent.clone(),
            killed.clone(),
            projects.clone(),
        );
        tasks.push(actix_web::rt::spawn(async move {
            let letter = char::from(b'A' + task);
            // Back to back, no pause: at the kill, about one write per task is in flight.
            for n in 0..2_000usize {
                let (entity, key, request) = if n.is_multiple_of(2) {
                    let description = format!("Burst {letter}{n}");
                    let request = service
                        .call(
                            Method::POST,
                            &format!("/api/v1/projects/{}/cost-items", projects[n % 4 / 2]),
                        )
                        .json(&cost_item(&description, 500 + n as i64));
                    ("cost_item", description, request)
                } else {
                    let code = format!("K{letter}-{}", n / 2 + 1);
                    let request = service.call(Method::POST, "/api/v1/projects").json(
                        &serde_json::json!({"code": code, "title": format!("Burst {code}"),
                                            "field_of_action": "administration",
                                            "category": "lead"}),
                    );
                    ("project", code, request)
                };
                let index = {
                    let mut sent = sent.lock().unwrap();
                    sent.push(Sent {
                        entity,
                        key,
                        acknowledged: false,
                    });
                    sent.len() - 1
                };
                match request.by_coordinator().send().await {
                    Ok(response) if response.status() == 201 => {
                        sent.lock().unwrap()[index].acknowledged = true;
                    }
                    Ok(response) => panic!(
                        "a write before the kill answered {}: {}",
                        response.status(),
                        response.text().await.unwrap()
                    ),
                    Err(error) => {
                        assert!(killed.load(Ordering::SeqCst), "no answer: {error}");
                        break;
                    }
                }
            }
        }));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while sent
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.acknowledged)
        .count()
        < 40
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the burst is too slow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killed.store(true, Ordering::SeqCst);
    service.signal("KILL");
    let exit = service.exited(Duration::from_secs(30)).await;
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit.signal(), Some(9), "{exit:?}");
    }
    for task in tasks {
        task.await.unwrap();
    }
    drop(service);

    let sent = std::mem::take(&mut *sent.lock().unwrap());
    let mut conn = app.conn().await;
    let mut committed_unanswered = 0;
    for write in &sent {
        let (rows, audited) = match write.entity {
            "cost_item" => (
                count(
                    &mut conn,
                    "SELECT count(*) AS n FROM cost_items WHERE description = $1",
                    &write.key,
                )
                .await,
                count(
                    &mut conn,
                    "SELECT count(*) AS n FROM audit_log WHERE entity = 'cost_item' \
                     AND after->>'description' = $1",
                    &write.key,
                )
                .await,
            ),
            _ => (
                count(
                    &mut conn,
                    "SELECT count(*) AS n FROM projects WHERE code = $1",
                    &write.key,
                )
                .await,
                count(
                    &mut conn,
                    "SELECT count(*) AS n FROM audit_log WHERE entity = 'project' \
                     AND after->>'code' = $1",
                    &write.key,
                )
                .await,
            ),
        };
        assert_eq!(rows, audited, "{write:?}: rows and audit entries differ");
        assert!(rows <= 1, "{write:?} written {rows} times");
        if write.acknowledged {
            assert_eq!(rows, 1, "acknowledged but lost: {write:?}");
        } else if rows == 1 {
            committed_unanswered += 1;
        }
    }
    assert_writes_whole(&mut conn).await;

    // The service starts again on the same database, shows whole allocations and writes on.
    let service = Service::start(&database_url, &[]).await;
    for project in &projects {
        let allocation = json(
            service
                .call(
                    Method::GET,
                    &format!("/api/v1/projects/{project}/allocation"),
                )
                .by_coordinator()
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(allocation["status"], "complete", "{allocation}");
        crate::costs::assert_sums(&allocation);
    }
    json(
        service
            .call(
                Method::POST,
                &format!("/api/v1/projects/{}/cost-items", projects[0]),
            )
            .by_coordinator()
            .json(&cost_item("Nach dem Neustart", 700))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_writes_whole(&mut conn).await;

    let acknowledged = sent.iter().filter(|s| s.acknowledged).count();
    eprintln!(
        "sigkill: {} writes sent, {acknowledged} acknowledged, {} in flight at the kill \
         ({committed_unanswered} of them committed, the rest absent), none partial",
        sent.len(),
        sent.len() - acknowledged,
    );
}
