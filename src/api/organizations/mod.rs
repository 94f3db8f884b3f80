//! `/api/v1/organizations`: the members of the cooperation. Public to read; the steering office
//! maintains names, contacts and population figures.

mod handlers;
mod membership;
mod membership_types;
mod types;

pub use self::handlers::*;
pub use membership::*;
pub use types::*;
