//! Renderers for exports: pure functions from data to bytes.

pub mod budget_csv;
