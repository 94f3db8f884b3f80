//! Renderers of a meeting for people and other programs: CSV for German Excel, iCalendar and
//! printable HTML. Each is a pure function of the visibility-filtered
//! [`MeetingDocument`](crate::api::meetings::types::MeetingDocument), so every format shows
//! exactly what the JSON API shows to the same caller.

pub mod csv;
pub mod german;
pub mod html;
pub mod ics;

use std::collections::HashMap;

/// Organization names by key, to print names instead of keys.
#[derive(Debug, Clone, Default)]
pub struct OrganizationNames(pub HashMap<String, String>);

impl OrganizationNames {
    /// The name of an organization, or its key when unknown.
    pub fn name<'a>(&'a self, key: &'a str) -> &'a str {
        self.0.get(key).map(String::as_str).unwrap_or(key)
    }
}
