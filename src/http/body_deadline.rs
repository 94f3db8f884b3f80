//! A deadline for the request body. actix-web's `client_request_timeout` covers the request
//! head only: a client that sends its headers and then trickles the body one byte at a time
//! would hold a worker's connection (and, for an import, a buffer) for as long as it likes.
//! Every body is read through [`middleware`]'s stream, which fails with a timed-out I/O error
//! once the deadline (`SMARTREGION_BODY_TIMEOUT_SECS`, 30 s) has passed since the service first
//! asked for it; the body readers
//! ([`crate::http::extract::Json`], the CSV imports) answer that with 408 and close the
//! connection.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::error::ApiError;

/// Puts every request body behind `deadline` (a request without a body is left alone).
pub async fn middleware(
    deadline: Duration,
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let payload = req.take_payload();
    if !matches!(payload, Payload::None) {
        let bounded = Deadline {
            inner: payload,
            deadline,
            timer: None,
            expired: false,
        };
        req.set_payload(Payload::Stream {
            payload: Box::pin(bounded),
        });
    }
    next.call(req).await
}

/// The 408 problem for a body read that ran out of time, if that is what `error` is.
pub fn timed_out(error: &PayloadError) -> Option<ApiError> {
    match error {
        PayloadError::Io(io) if io.kind() == io::ErrorKind::TimedOut => {
            Some(ApiError::RequestTimeout(io.to_string()))
        }
        _ => None,
    }
}

/// The payload stream with a deadline that starts at its first poll, so that time a request
/// spends waiting for a worker or a rate limit does not count against the client.
struct Deadline {
    inner: Payload,
    deadline: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        let deadline = self.deadline;
        self.timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(Instant::now() + deadline)));
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        let expired = self
            .timer
            .as_mut()
            .is_some_and(|timer| timer.as_mut().poll(cx).is_ready());
        if expired {
            self.expired = true;
            return Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the request body did not arrive within {} s",
                    deadline.as_secs()
                ),
            )))));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_timed_out_read_is_a_408() {
        let slow = PayloadError::Io(io::Error::new(io::ErrorKind::TimedOut, "too slow"));
        let problem = timed_out(&slow).expect("a timed-out read is a 408");
        assert_eq!(problem.problem().status, 408);
        assert!(timed_out(&PayloadError::Overflow).is_none());
        let reset = PayloadError::Io(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
        assert!(timed_out(&reset).is_none());
    }
}
