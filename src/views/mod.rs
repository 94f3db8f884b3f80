//! Shared response and document types: what the API answers and what the renderers, the
//! webhook worker and OParl show, above the database and authentication and below the
//! handlers (`api`), so that every consumer reaches them without importing `api`.

pub mod allocation;
pub mod budget;
pub mod changes;
pub mod decisions;
pub mod meetings;
pub mod report;
pub mod similarity;
