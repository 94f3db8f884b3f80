//! Renderers for exports: pure functions from data to bytes.

pub mod excel_csv;
