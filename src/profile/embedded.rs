//! The embedded default profile: the Smart Region Kreis Warendorf, the cooperation this
//! service was first built for. Its files live in `profiles/kreis-warendorf/` and are compiled
//! into the binary, so that `serve --dev` on a fresh machine needs nothing else.
//!
//! This file and that directory are the only places where the default cooperation's names and
//! keys may appear in `src/` (`tests/api/profile_neutral.rs` holds that).

use super::Source;

/// The directory of the embedded profile, relative to the repository root.
pub const DIRECTORY: &str = "profiles/kreis-warendorf";

const FILES: &[(&str, &str)] = &[
    (
        "profile.toml",
        include_str!("../../profiles/kreis-warendorf/profile.toml"),
    ),
    (
        "members.csv",
        include_str!("../../profiles/kreis-warendorf/members.csv"),
    ),
    (
        "populations.csv",
        include_str!("../../profiles/kreis-warendorf/populations.csv"),
    ),
    (
        "fields_of_action.csv",
        include_str!("../../profiles/kreis-warendorf/fields_of_action.csv"),
    ),
    (
        "projects_known.csv",
        include_str!("../../profiles/kreis-warendorf/projects_known.csv"),
    ),
];

/// The embedded files, read like a directory.
pub struct Embedded;

impl Source for Embedded {
    fn describe(&self, name: &str) -> String {
        format!("{DIRECTORY}/{name} (embedded)")
    }

    fn read(&self, name: &str) -> Result<String, String> {
        FILES
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| (*text).to_owned())
            .ok_or_else(|| "not among the embedded files".to_owned())
    }
}
