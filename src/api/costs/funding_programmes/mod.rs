//! `/api/v1/funding-programmes`: the programmes projects apply to, and how each computes its
//! grant. Maintained by the steering office.

mod handlers;
mod types;

pub use self::handlers::*;
pub use self::types::*;
