//! HTTP plumbing shared by every resource: request ids, body and parameter extraction,
//! pagination, ETags, and the answers for unknown routes.

pub mod etag;
pub mod extract;
pub mod fallback;
pub mod pagination;
pub mod request_id;
