//! Catalogue exchange with other systems: `GET /projects/export` and `POST /projects/import`
//! (steering office), with the same columns in both directions ([`rows::COLUMNS`]), as JSON or
//! as CSV for German Excel. Importing an unchanged export changes nothing.

pub mod export;
pub mod import;
pub mod parse;
pub mod rows;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The exchange format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferFormat {
    /// An array of catalogue rows.
    #[default]
    Json,
    /// CSV for German Excel: UTF-8 with BOM, `;`, German headings, dates as TT.MM.JJJJ, tags
    /// separated by commas.
    Csv,
}
