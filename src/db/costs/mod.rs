//! Cost plans, funding, cost keys, stored allocations, snapshots and budget summaries.

pub mod allocation;
mod allocation_rows;
pub mod budget;
pub mod computed;
pub mod cost_items;
pub mod cost_keys;
pub mod funding;
pub mod participants;
pub mod plan_rows;
pub mod snapshots;
