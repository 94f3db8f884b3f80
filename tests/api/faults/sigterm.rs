//! SIGTERM with requests in flight: the service stops taking new work but lets the requests it
//! has finish (up to `SMARTREGION_SHUTDOWN_TIMEOUT_SECS`), then exits with status 0; past the
//! timeout it stops anyway, and the cut-off writes are absent.
//!
//! The requests are held in flight deterministically: the test sends each write's headers and
//! half of its body over a raw connection, signals, and sends the rest when it chooses.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::count;
use super::service::Service;
use crate::helpers::*;

const IN_FLIGHT: usize = 3;

/// A project creation of which the service has the headers and half the body.
struct HalfSent {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl HalfSent {
    async fn start(service: &Service, code: &str) -> HalfSent {
        let body = serde_json::json!({"code": code, "title": format!("Projekt {code}"),
                                      "field_of_action": "administration", "category": "lead"})
        .to_string();
        let host = service.address.trim_start_matches("http://").to_owned();
        let mut stream = TcpStream::connect(&host).await.unwrap();
        let head = format!(
            "POST /api/v1/projects HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            coordinator(),
            body.len()
        );
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(first).await.unwrap();
        stream.flush().await.unwrap();
        HalfSent {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest and returns the status line of the answer, or `None` without one.
    async fn finish(mut self) -> Option<String> {
        if self.stream.write_all(&self.rest).await.is_err() {
            return None;
        }
        let mut answer = Vec::new();
        let _ = self.stream.read_to_end(&mut answer).await;
        let text = String::from_utf8_lossy(&answer);
        text.lines()
            .next()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
    }
}

async fn projects_with_prefix(app: &TestApp, prefix: &str) -> i64 {
    let mut conn = app.conn().await;
    count(
        &mut conn,
        "SELECT count(*) AS n FROM projects WHERE code LIKE $1 || '-%'",
        prefix,
    )
    .await
}

#[actix_web::test]
async fn sigterm_lets_requests_in_flight_finish_then_exits_cleanly() {
    let app = TestApp::spawn().await;
    let service = Service::start(
        &db::runtime_database_url(&app.database),
        &[("SMARTREGION_SHUTDOWN_TIMEOUT_SECS", "60")],
    )
    .await;
    let mut writes = Vec::new();
    for n in 1..=IN_FLIGHT {
        writes.push(HalfSent::start(&service, &format!("TE-{n}")).await);
    }
    // Let the service read what was sent, so that the requests are in its hands.
    tokio::time::sleep(Duration::from_millis(500)).await;

    service.signal("TERM");
    // Draining, not gone: it waits for the requests it has.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(service.running(), "exited with requests in flight");
    for write in writes {
        let status = write.finish().await;
        assert_eq!(
            status.as_deref(),
            Some("HTTP/1.1 201 Created"),
            "{}",
            service.logs()
        );
    }
    let exit = service.exited(Duration::from_secs(60)).await;
    assert!(exit.success(), "{exit:?}:\n{}", service.logs());
    assert_eq!(projects_with_prefix(&app, "TE").await, IN_FLIGHT as i64);
    let mut conn = app.conn().await;
    super::assert_writes_whole(&mut conn).await;
}

#[actix_web::test]
async fn past_the_shutdown_timeout_sigterm_stops_and_cut_off_writes_are_absent() {
    let app = TestApp::spawn().await;
    let service = Service::start(
        &db::runtime_database_url(&app.database),
        &[("SMARTREGION_SHUTDOWN_TIMEOUT_SECS", "1")],
    )
    .await;
    let mut writes = Vec::new();
    for n in 1..=IN_FLIGHT {
        writes.push(HalfSent::start(&service, &format!("TO-{n}")).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    service.signal("TERM");
    let exit = service.exited(Duration::from_secs(60)).await;
    assert!(exit.success(), "{exit:?}:\n{}", service.logs());
    for write in writes {
        assert_eq!(write.finish().await, None, "answered after the timeout");
    }
    assert_eq!(projects_with_prefix(&app, "TO").await, 0);
    let mut conn = app.conn().await;
    super::assert_writes_whole(&mut conn).await;
}
