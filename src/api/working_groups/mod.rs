//! `/api/v1/working-groups`: the working groups, networks and project groups that exist, so
//! that new efforts use them instead of building duplicate structures.
//!
//! Who may do what:
//! - everybody reads them (they hold no personal data: the contact is a role);
//! - the steering office (`coordinator`) creates, changes and deletes them, and sets members;
//! - an organization's `admin` adds its own organization as a member, or takes it out.

mod handlers;
pub mod types;

pub use self::handlers::*;
