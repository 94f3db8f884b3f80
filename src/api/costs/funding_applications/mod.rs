//! `/api/v1/projects/{id}/funding`: a project's applications to funding programmes. Granted
//! amounts reduce the own share; planned and submitted applications count with their expected
//! grant in planning views.

mod handlers;
mod types;

pub use self::handlers::*;
pub use self::types::*;
