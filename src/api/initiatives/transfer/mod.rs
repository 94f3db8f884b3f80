//! Exchange with the municipalities' own systems: `GET /initiatives/export` and
//! `POST /initiatives/import`, with the same columns both ways, as JSON or as CSV for German
//! Excel, under the catalogue's conventions and with its readers (`projects::transfer::parse`).
//! Importing an unchanged export changes nothing.

//!
//! `rows` is the exchange's row and its columns, `export` and `import` the two endpoints.

mod export;
mod import;
mod rows;

pub use self::export::*;
pub use self::import::*;
pub use self::rows::*;
