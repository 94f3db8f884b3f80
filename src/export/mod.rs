//! Renderers for exports: pure functions from data to bytes.
//!
//! `excel_csv` writes CSV that German Excel opens correctly. The meeting renderers (`csv`,
//! `ics`, `html`) are pure functions of the visibility-filtered
//! [`MeetingDocument`](crate::views::meetings::types::MeetingDocument), so every format shows
//! exactly what the JSON API shows to the same caller.

pub mod budget_csv;
pub mod csv;
pub mod excel_csv;
pub mod german;
pub mod html;
pub mod ics;
pub mod report_csv;
pub mod report_html;

use std::collections::HashMap;

/// The inline stylesheets of the HTML pages: their `Content-Security-Policy` allows exactly
/// these (see `http::security_headers`).
pub const HTML_STYLESHEETS: [&str; 2] = [html::STYLE, report_html::STYLE];

/// Organization names by key, to print names instead of keys.
#[derive(Debug, Clone, Default)]
pub struct OrganizationNames(pub HashMap<String, String>);

impl OrganizationNames {
    /// The name of an organization, or its key when unknown.
    pub fn name<'a>(&'a self, key: &'a str) -> &'a str {
        self.0.get(key).map(String::as_str).unwrap_or(key)
    }
}
