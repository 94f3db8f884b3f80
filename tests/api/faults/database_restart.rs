//! PostgreSQL stopped and started again under a mixed load, twice: once with a fast shutdown
//! (sessions terminated) and once with an immediate one (every database process killed, like a
//! crash, with recovery at the next start). The service runs on (the real binary, never
//! restarted) against a cluster of the test's own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;

use super::cluster::Cluster;
use super::load::{Ack, Load, State, acks_in, answers_in};
use super::service::Service;
use super::{Api, assert_writes_whole, cost_sharing_project, skip};
use crate::helpers::*;

/// Longest a request may take while the database is down: the pool's wait (1 s here) plus
/// a generous margin for a busy machine. A hang would take the client's 30 s timeout.
const QUICK: Duration = Duration::from_secs(5);

#[actix_web::test]
async fn the_database_stopped_and_restarted_under_load_answers_503_then_serves_and_loses_nothing() {
    let cluster = match Cluster::create() {
        Ok(cluster) => Arc::new(cluster),
        Err(reason) => {
            return skip("faults::database_restart", &reason);
        }
    };
    run_blocking(&cluster, |c| c.start()).await;
    let owner_url = cluster.url("smartregion");
    let service = Arc::new(
        Service::start(
            &cluster.url_as(db::RUNTIME_ROLE, "smartregion"),
            &[("SMARTREGION_OWNER_DATABASE_URL", owner_url.as_str())],
        )
        .await,
    );
    let project = cost_sharing_project(&*service, "FP-1").await;

    let load = Load::start(service.clone(), &project, 4, 2);
    let phase = load.phase.clone();
    load.until(Duration::from_secs(120), "writes before the outage", |o| {
        acks_in(o, 0) >= 12
    })
    .await;
    for mode in ["fast", "immediate"] {
        phase.enter(State::Changing);
        run_blocking(&cluster, move |c| c.stop(mode)).await;
        phase.enter(State::Down);
        let down = phase.epoch();
        load.until(Duration::from_secs(120), "answers while down", |o| {
            answers_in(o, down) >= 30
        })
        .await;

        phase.enter(State::Changing);
        run_blocking(&cluster, |c| c.start()).await;
        ready(&service).await;
        phase.enter(State::Up);
        let up = phase.epoch();
        load.until(Duration::from_secs(120), "writes after the restart", |o| {
            acks_in(o, up) >= 12
        })
        .await;
    }
    let outcomes = load.stop().await;

    // Every request got an answer: 2xx, or a quick 503 problem with Retry-After; never a 500.
    let mut wrong = Vec::new();
    for outcome in &outcomes {
        let state = outcome.whole_epoch().map(|e| phase.state_of(e));
        let status = outcome.status;
        let fault = if let Some(error) = &outcome.transport_error {
            Some(format!("no answer: {error}"))
        } else if !matches!(status, Some(200 | 201 | 503)) {
            Some("neither 2xx nor 503".to_owned())
        } else if status == Some(503) && !(outcome.retry_after && outcome.problem_json) {
            Some("a 503 without Retry-After or problem+json".to_owned())
        } else if state == Some(State::Down) && status != Some(503) {
            Some("not 503 while the database was down".to_owned())
        } else if state == Some(State::Down) && outcome.elapsed > QUICK {
            Some("slow while the database was down".to_owned())
        } else if state == Some(State::Up) && status == Some(503) {
            Some("503 while the database was up".to_owned())
        } else {
            None
        };
        if let Some(fault) = fault {
            wrong.push(format!(
                "{fault}: {} -> {status:?} in {:?} ({state:?}) {}",
                outcome.what, outcome.elapsed, outcome.body
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers: {wrong:#?}",
        wrong.len()
    );
    assert!(
        service.running(),
        "the service ran through:\n{}",
        service.logs()
    );

    // Every acknowledged write is there, whole; so is every write that committed unanswered.
    let acks: Vec<&Ack> = outcomes.iter().filter_map(|o| o.ack.as_ref()).collect();
    for ack in &acks {
        let path = match ack {
            Ack::Project { id, .. } => format!("/api/v1/projects/{id}"),
            Ack::CostItem { id, .. } => format!("/api/v1/projects/{project}/cost-items/{id}"),
        };
        let body = json(
            service
                .call(Method::GET, &path)
                .by_coordinator()
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        match ack {
            Ack::Project { code, .. } => assert_eq!(&body["code"], code),
            Ack::CostItem { description, .. } => assert_eq!(&body["description"], description),
        }
    }
    let pool =
        smartregion::db::pool(&cluster.url("smartregion"), 1, Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().await.unwrap();
    assert_writes_whole(&mut conn).await;
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

    let down: Vec<_> = outcomes
        .iter()
        .filter(|o| o.whole_epoch().map(|e| phase.state_of(e)) == Some(State::Down))
        .collect();
    eprintln!(
        "database restart: {} answers, {} acknowledged writes, {} answers while down (slowest \
         {:?}), {} 503 in all, 0 other errors",
        outcomes.len(),
        acks.len(),
        down.len(),
        down.iter().map(|o| o.elapsed).max().unwrap_or_default(),
        outcomes.iter().filter(|o| o.status == Some(503)).count(),
    );
}

/// Runs a blocking cluster command off the test's runtime thread, so that the load keeps
/// running (and has requests in flight) while the database stops or starts.
async fn run_blocking(cluster: &Arc<Cluster>, f: impl FnOnce(&Cluster) + Send + 'static) {
    let cluster = cluster.clone();
    tokio::task::spawn_blocking(move || f(&cluster))
        .await
        .unwrap();
}

/// Waits until the service finds the database again, by itself.
async fn ready(service: &Service) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = service.get("/health/ready").send().await
            && response.status() == 200
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the service did not find the database again:\n{}",
            service.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
