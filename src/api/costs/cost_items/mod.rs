//! `/api/v1/projects/{id}/cost-items`: what a project costs, per fiscal year.

mod handlers;
mod types;

pub use self::handlers::*;
pub use self::types::*;
