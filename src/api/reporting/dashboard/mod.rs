//! `GET /api/v1/dashboard`: the cooperation at a glance, for the steering committee's
//! continuous evaluation of the strategy.
//!
//! Public (anonymous callers included): projects per field of action and status,
//! participation counts per project and per organization, planned costs and funding per
//! fiscal year, overdue milestones, and the evaluation indicators (those attached to a goal)
//! with their latest values against their targets. Members only: `overdue_action_items`
//! (action items are member-only everywhere); the field is absent for anonymous callers.
//! Eleven queries, each reading a bounded number of rows whatever the size of the catalogue:
//! the counts and sums come from summaries kept in the write transactions (migration 000060),
//! the per-project counts stop after `DASHBOARD_PROJECTS` projects, the other lists after
//! `SECTION_LIMIT` rows.

//!
//! `sections` builds each part of the answer, `handlers` reads them in one snapshot.

mod handlers;
mod sections;
mod types;

pub use self::handlers::*;
pub use self::types::*;
