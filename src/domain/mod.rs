//! Pure domain logic and types: no actix, no diesel, so the rules are tested alone.

pub mod allocation;
pub mod cost_plan;
pub mod cost_sharing;
pub mod feed;
pub mod funding;
pub mod ids;
pub mod initiatives;
pub mod lifecycle;
pub mod meetings;
pub mod membership;
pub mod participation;
pub mod projects;
pub mod reporting;
pub mod validation;
pub mod webhooks;
