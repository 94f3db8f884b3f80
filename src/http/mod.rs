//! HTTP plumbing shared by every resource: request ids, body and parameter extraction,
//! pagination, ETags, and the answers for unknown routes.

pub mod cors;
pub mod etag;
pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod metrics;
pub mod pagination;
pub mod request_id;
