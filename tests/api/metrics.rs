//! `/metrics`, served only on the metrics listener (`SMARTREGION_METRICS_BIND`): parsed with a
//! Prometheus text-format parser (openmetrics-parser; prometheus-parse silently drops samples
//! whose label values hold `}`, as route patterns like `{key}` do).

use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};

use crate::helpers::*;

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

async fn with_metrics_listener() -> TestApp {
    TestApp::builder()
        .env("SMARTREGION_METRICS_BIND", "127.0.0.1:0")
        .spawn()
        .await
}

async fn scrape(app: &TestApp) -> Exposition {
    let address = app.metrics_address.as_deref().expect("a metrics listener");
    let response = app
        .client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    parse_prometheus(&text).unwrap_or_else(|e| panic!("not Prometheus text: {e:?}\n{text}"))
}

/// The value of the sample of `family` whose labels include `labels`.
fn sample<'a>(
    metrics: &'a Exposition,
    family: &str,
    labels: &[(&str, &str)],
) -> Option<&'a PrometheusValue> {
    let family = metrics.families.get(family)?;
    family
        .iter_samples()
        .find(|s| {
            let set = s.get_labelset().unwrap();
            labels
                .iter()
                .all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .map(|s| &s.value)
}

fn counter(value: Option<&PrometheusValue>) -> f64 {
    match value {
        Some(PrometheusValue::Counter(c)) => c.value.as_f64(),
        other => panic!("not a counter: {other:?}"),
    }
}

fn gauge(metrics: &Exposition, name: &str) -> f64 {
    match sample(metrics, name, &[]) {
        Some(PrometheusValue::Gauge(n)) => n.as_f64(),
        other => panic!("{name}: {other:?}"),
    }
}

#[actix_web::test]
async fn requests_per_route_and_status_and_the_pool_are_exported() {
    let app = with_metrics_listener().await;
    let mut paths = vec![format!("/api/v1/organizations/{AHLEN}"); 3];
    paths.extend(
        [
            "/api/v1/organizations/05579999",
            "/api/v1/no-such-thing/123",
            "/api/v1/me",
        ]
        .map(String::from),
    );
    for path in paths {
        app.get(&path).send().await.unwrap().bytes().await.unwrap();
    }

    let metrics = scrape(&app).await;
    let total = "smartregion_http_requests_total";
    let route = "/api/v1/organizations/{key}";
    let ok = sample(
        &metrics,
        total,
        &[("endpoint", route), ("method", "GET"), ("status", "200")],
    );
    assert_eq!(counter(ok), 3.0);
    let missing = sample(&metrics, total, &[("endpoint", route), ("status", "404")]);
    assert_eq!(counter(missing), 1.0);
    let unauthorized = sample(
        &metrics,
        total,
        &[("endpoint", "/api/v1/me"), ("status", "401")],
    );
    assert_eq!(counter(unauthorized), 1.0);
    // Unknown paths are one series, not one per path.
    assert!(sample(&metrics, total, &[("endpoint", "UNKNOWN")]).is_some());
    let endpoints: Vec<String> = metrics.families[total]
        .iter_samples()
        .filter_map(|s| {
            s.get_labelset()
                .unwrap()
                .get_label_value("endpoint")
                .map(str::to_owned)
        })
        .collect();
    assert!(
        !endpoints.iter().any(|e| e.contains("no-such-thing")),
        "{endpoints:?}"
    );

    let histogram = sample(
        &metrics,
        "smartregion_http_requests_duration_seconds",
        &[("endpoint", route), ("status", "200")],
    );
    match histogram {
        Some(PrometheusValue::Histogram(h)) => {
            assert_eq!(h.count, Some(3));
            let last = h.buckets.last().unwrap();
            assert!(last.upper_bound.is_infinite());
            assert_eq!(last.count.as_f64(), 3.0);
        }
        other => panic!("not a histogram: {other:?}"),
    }

    // The test app's pool has 4 connections at most.
    assert_eq!(gauge(&metrics, "smartregion_db_pool_max_size"), 4.0);
    let size = gauge(&metrics, "smartregion_db_pool_size");
    assert!((1.0..=4.0).contains(&size), "{size}");
    assert!(gauge(&metrics, "smartregion_db_pool_available") <= size);
    assert_eq!(gauge(&metrics, "smartregion_db_pool_waiting"), 0.0);
}

#[actix_web::test]
async fn the_public_listener_never_serves_metrics() {
    for app in [TestApp::spawn().await, with_metrics_listener().await] {
        let response = app.get("/metrics").send().await.unwrap();
        let body = problem(response, 404).await;
        assert_eq!(body["type"], "urn:smartregion:problem:not-found", "{body}");
        // Not with a token either: the steering office scrapes the metrics listener too.
        let response = app.get("/metrics").by_coordinator().send().await.unwrap();
        problem(response, 404).await;
    }
}

#[actix_web::test]
async fn the_metrics_listener_serves_only_metrics() {
    let app = with_metrics_listener().await;
    let address = app.metrics_address.clone().unwrap();
    assert_ne!(address, app.address);
    for path in ["/", "/api/v1/organizations", "/health/live", "/metrics/x"] {
        let response = app
            .client
            .get(format!("{address}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    let response = app
        .client
        .post(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let response = app
        .client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers().get("server").is_none());
    scrape(&app).await;
}
