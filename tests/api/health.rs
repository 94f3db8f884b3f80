use std::time::{Duration, Instant};

use crate::helpers::proxy::Proxy;
use crate::helpers::*;

#[actix_web::test]
async fn live_and_ready() {
    let app = TestApp::spawn().await;
    let live = json(app.get("/health/live").send().await.unwrap(), 200).await;
    assert_eq!(live["status"], "ok");
    let ready = json(app.get("/health/ready").send().await.unwrap(), 200).await;
    assert_eq!(ready["status"], "ready");
}

#[actix_web::test]
async fn a_database_outage_gives_quick_503s_and_the_service_recovers_by_itself() {
    let proxy = Proxy::start(crate::helpers::db::server_address()).await;
    let app = TestApp::builder()
        .app_database_port(proxy.port)
        .spawn()
        .await;
    json(app.get("/health/ready").send().await.unwrap(), 200).await;
    json(app.get("/api/v1/organizations").send().await.unwrap(), 200).await;

    proxy.down();
    for path in [
        "/health/ready",
        "/api/v1/organizations",
        "/api/v1/organizations/05570004",
    ] {
        let started = Instant::now();
        let response = app
            .get(path)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        assert!(response.headers().contains_key("retry-after"));
        let body = problem(response, 503).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(
            !detail.contains("5432") && !detail.contains("127.0.0.1"),
            "no internals: {detail}"
        );
        // Bounded by the pool's wait (1 s in tests), not a hang.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path} took {:?}",
            started.elapsed()
        );
    }

    proxy.up();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app.get("/health/ready").send().await.unwrap();
        if response.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the service did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    json(app.get("/api/v1/organizations").send().await.unwrap(), 200).await;
}
