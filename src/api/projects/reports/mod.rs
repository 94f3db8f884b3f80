//! `/projects/{id}/reports[/{rid}]`: dated status reports. Posting one updates the project's
//! current progress and traffic light in the same transaction (unless a report with a later
//! report date exists). A report can be corrected for 24 hours after it was posted, by the
//! database's clock; after that it is frozen and only superseded by a new report.
//!
//! `handlers` parse, authorize and answer; `types` holds the request and response types and
//! the checks of their fields; `write` what a new report changes in its project.

mod handlers;
mod types;
mod write;

pub use self::handlers::*;
pub use self::types::*;
