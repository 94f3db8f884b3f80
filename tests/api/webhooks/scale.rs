//! Restarts and several workers on one database: deliveries are driven from the database.

use std::time::Duration;

use super::*;
use crate::helpers::builders::ProjectBuilder;

fn assert_complete_and_ordered(receiver: &Receiver, path: &str, count: usize) {
    let seqs = accepted_seqs(receiver, path);
    let mut unique = seqs.clone();
    unique.dedup();
    assert_eq!(unique.len(), count, "{path}: {seqs:?}");
    assert!(
        unique.windows(2).all(|w| w[0] < w[1]),
        "{path} out of order: {seqs:?}"
    );
}

#[actix_web::test]
async fn a_new_worker_continues_where_a_stopped_one_left_off() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    subscribe(&app, AHLEN, &receiver.url("/r"), &["project"]).await;
    for i in 0..6 {
        ProjectBuilder::new(&format!("RS-{i:02}"))
            .create(&app)
            .await;
    }
    receiver.delay(150);
    let first = start_worker(&app, fast_settings());
    eventually(10, "two deliveries", || receiver.accepted("/r").len() >= 2).await;
    first.stop().await;
    let before = receiver.accepted("/r").len();
    assert!(before < 6, "the first worker should not have finished");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.accepted("/r").len(),
        before,
        "a stopped worker sends nothing"
    );
    let second = start_worker(&app, fast_settings());
    eventually(10, "all deliveries", || receiver.accepted("/r").len() == 6).await;
    second.stop().await;
    assert_complete_and_ordered(&receiver, "/r", 6);
    // A clean stop finishes what it sent: nothing twice.
    assert_eq!(receiver.received().len(), 6);
}

#[actix_web::test]
async fn deliveries_of_a_crashed_worker_are_sent_again_after_its_lease() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    subscribe(&app, AHLEN, &receiver.url("/c"), &["project"]).await;
    for i in 0..4 {
        ProjectBuilder::new(&format!("CR-{i:02}"))
            .create(&app)
            .await;
    }
    receiver.delay(400);
    let mut settings = fast_settings();
    settings.timeout = Duration::from_secs(1);
    settings.lease = Duration::from_millis(1500);
    let crashing = start_worker(&app, settings.clone());
    // Crash while the first request is out.
    eventually(10, "a request in flight", || {
        receiver
            .state
            .count
            .load(std::sync::atomic::Ordering::SeqCst)
            == 0
            && !receiver.state.in_flight.lock().unwrap().is_empty()
    })
    .await;
    crashing.abort();
    receiver.delay(0);
    let started = std::time::Instant::now();
    let second = start_worker(&app, settings);
    eventually(15, "all deliveries", || {
        let mut seqs = accepted_seqs(&receiver, "/c");
        seqs.dedup();
        seqs.len() == 4
    })
    .await;
    second.stop().await;
    // The first event is sent again (at least once), but only after the lease ran out.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_complete_and_ordered(&receiver, "/c", 4);
}

#[actix_web::test]
async fn two_workers_on_one_database_send_everything_once_and_in_order() {
    let app = app_allowing_private().await;
    let receiver = Receiver::start().await;
    let paths = ["/w1", "/w2", "/w3"];
    for path in paths {
        subscribe(&app, AHLEN, &receiver.url(path), &["project"]).await;
    }
    for i in 0..10 {
        ProjectBuilder::new(&format!("TW-{i:02}"))
            .create(&app)
            .await;
    }
    receiver.delay(20);
    let one = start_worker(&app, fast_settings());
    let two = start_worker(&app, fast_settings());
    eventually(20, "all deliveries", || {
        paths.iter().all(|p| receiver.accepted(p).len() >= 10)
    })
    .await;
    one.stop().await;
    two.stop().await;
    assert!(!receiver.saw_concurrent_duplicate());
    for path in paths {
        assert_complete_and_ordered(&receiver, path, 10);
    }
    // Nothing was sent twice.
    assert_eq!(receiver.received().len(), 30);
}
