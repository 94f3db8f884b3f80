//! `/api/v1/action-items[/{id}]`: tasks that come out of meetings. Members read them; the
//! steering office creates and edits them; the owner organization's admin or editor updates
//! the status and due date of its own.

mod handlers;
mod types;
mod write;

pub use handlers::*;
pub use types::*;
