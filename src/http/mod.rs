//! HTTP plumbing shared by every resource: request ids, body and parameter extraction,
//! pagination and the `modified_since` filter, ETags, rate limits, the answers for unknown
//! routes, and the security headers of every answer.

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
pub mod security_headers;
