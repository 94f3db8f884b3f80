//! Deleting subscriptions while the worker queues and sends their deliveries: the delete takes
//! its locks in the worker's order, so the two never deadlock (the issue saw 41 deadlocks in
//! 6,250 such deletes, answered 500).

use super::*;

#[actix_web::test]
async fn deletes_racing_the_worker_always_succeed() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    receiver.fail_every(3);
    let worker = start_worker(&app, fast_settings());
    let organizations = [AHLEN, BECKUM, OSTBEVERN, TELGTE];
    let mut statuses = Vec::new();
    for round in 0..40 {
        let mut ids = Vec::new();
        for org in organizations {
            let created = subscribe(&app, org, &receiver.url(&format!("/{org}")), &["*"]).await;
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        // Changes for the worker to queue and send while the deletes run.
        for org in organizations {
            let path = format!("/api/v1/organizations/{org}");
            let response = app
                .patch(&path)
                .by_coordinator()
                .header("If-Match", "*")
                .json(&json!({"contact_email": format!("r{round}@{org}.de")}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        }
        let deletes = ids.iter().map(|id| {
            app.delete(&format!("/api/v1/webhooks/{id}"))
                .by_coordinator()
                .header("If-Match", "*")
                .send()
        });
        for response in futures_util::future::join_all(deletes).await {
            let response = response.unwrap();
            let status = response.status().as_u16();
            if status != 204 {
                panic!("round {round}: {status} {}", response.text().await.unwrap());
            }
            statuses.push(status);
        }
    }
    worker.stop().await;
    assert_eq!(statuses.len(), 160);
}
