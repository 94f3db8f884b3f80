//! `/api/v1/meetings/{id}/agenda-items[/{aid}]` and the reorder endpoint `.../order`.
//! Results (result, resolution text, votes) are fields of an agenda item that can be set only
//! while the meeting is held.
//!
//! `handlers` parse, authorize and answer; `types` holds the request bodies and their own
//! checks; `write` the rules of each change, run in one audited transaction on the locked
//! meeting.

mod handlers;
mod types;
mod write;

pub use self::handlers::*;
pub use self::types::{
    AgendaItemPath, AgendaOrder, AgendaResponse, CreateAgendaItem, UpdateAgendaItem,
};
