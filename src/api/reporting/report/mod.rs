//! `GET /api/v1/organizations/{org}/report`: the implementation report of one organization
//! for its council, as JSON, printable HTML or CSV for German Excel.
//!
//! Each section reuses the query and rule of the resource it mirrors: participations and
//! their resolutions (`db::participations`), the budget view (`costs::budget::budget_view`),
//! the decisions register (`db::committee::decisions::list` + `agenda_item_responses`), the
//! action-item list (`db::committee::action_items::list`), and the what-if preview
//! (`db::costs::allocation::compute_with` + `from_computed`). Rows are loaded for all projects
//! at once: the report costs a fixed number of queries (about twenty), whatever its length.
//!
//! `handlers` parses the period and the format, authorizes and renders; `build` assembles the
//! report in one snapshot of the database.

mod build;
mod handlers;

pub use self::handlers::*;
pub use crate::views::report::*;
