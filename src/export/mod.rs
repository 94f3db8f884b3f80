//! Renderers for exports: pure functions from data to bytes.

pub mod budget_csv;
pub mod excel_csv;
