//! `/api/v1/calendar-feed-tokens[/{id}]`: tokens with which calendar applications subscribe to
//! the members' meeting feed (`GET /api/v1/meetings.ics?token=`). An organization's admin
//! creates and revokes its organization's tokens, the steering office any. The token is shown
//! once, at creation; only its SHA-256 is stored, and the answer is never kept for an
//! `Idempotency-Key` replay.
//!
//! A token may expire (`expires_at`, at most [`MAX_LIFETIME_DAYS`] ahead); an expired token is
//! refused like a revoked one. The service cannot see a person's current roles (there is no user
//! directory), so a token cannot follow its creator's rights by itself: when someone leaves or
//! loses the admin role, the organization's admin or the steering office revokes every token
//! that person created with `DELETE /calendar-feed-tokens?created_by=<subject>`.

mod handlers;
mod types;
mod write;

pub use self::handlers::*;
pub use self::types::*;
