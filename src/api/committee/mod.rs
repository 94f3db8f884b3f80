//! `/api/v1/committee/members[/{mid}]`: the delegates of the steering committee. Names are
//! personal data: anonymous callers see a name (and function) only when the delegate
//! consented to publishing it. The steering office, or an organization's admin for its own
//! delegates, maintains them; the committee-wide fields (a committee office such as the chair,
//! and the voting right) only the steering office.

mod handlers;
mod types;
mod write;

pub use handlers::*;
pub use types::*;
pub use write::erased_name;
