//! Pure domain logic and types: no actix, no diesel, so the rules are tested alone.

pub mod allocation;
pub mod funding;
pub mod ids;
pub mod meetings;
pub mod validation;
