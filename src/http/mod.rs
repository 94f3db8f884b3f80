//! HTTP plumbing shared by every resource: request ids, the body deadline, body and parameter
//! extraction, pagination and the `modified_since` filter, ETags, rate limits, the answers for
//! unknown routes, the security headers of every answer, and how a write answers (`respond`).

pub mod body_deadline;
pub mod body_lengths;
pub mod cors;
pub mod etag;
pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod metrics;
pub mod modified_since;
pub mod pagination;
pub mod rate_limit;
pub mod request_id;
pub mod respond;
pub mod security_headers;
