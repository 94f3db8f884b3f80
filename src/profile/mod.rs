//! The cooperation profile: who the cooperation is (names, steering office, committee, OParl
//! body, time zone, export language) and its reference data (members, population figures,
//! fields of action, known projects).
//!
//! A profile is a directory with `profile.toml` and the CSV files it names (see
//! `profiles/*/profile.toml`, which documents every field). The service embeds one default
//! ([`embedded`]); `SMARTREGION_PROFILE` names another. [`Profile::load`] validates everything
//! at start, and every error names the file, the line and the field.
//!
//! The reference data is loaded by `db::seed` on the first start; after that the database is
//! the truth and the profile only adds what is missing (see `db::seed::differences`).

mod csv_rows;
pub mod embedded;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

pub use csv_rows::{FieldRow, KnownProjectRow, MemberRow, PopulationRow};

/// The time zones the service has calendar definitions (VTIMEZONE) for.
pub const SUPPORTED_TIME_ZONES: &[&str] = &["Europe/Berlin"];
/// The languages the exports are written in.
pub const SUPPORTED_LOCALES: &[&str] = &["de"];

/// A loaded, validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Where it came from (`embedded` or a path), for logs.
    pub origin: String,
    pub name: String,
    pub short_name: String,
    pub steering_office: String,
    pub committee_name: String,
    pub time_zone: chrono_tz::Tz,
    pub export_locale: String,
    pub calendar_uid_domain: String,
    pub oparl: OparlProfile,
    pub members: Vec<MemberRow>,
    pub populations: Vec<PopulationRow>,
    pub fields_of_action: Vec<FieldRow>,
    pub known_projects: Vec<KnownProjectRow>,
}

/// The OParl body and what it publishes about itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OparlProfile {
    pub body_id: String,
    pub classification: String,
    #[serde(default)]
    pub ags: Option<String>,
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    pub license: String,
    pub legislative_term_key: String,
    pub legislative_term_name: String,
    pub legislative_term_start: NaiveDate,
    pub legislative_term_end: NaiveDate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    short_name: String,
    steering_office: String,
    committee_name: String,
    time_zone: String,
    export_locale: String,
    calendar_uid_domain: String,
    oparl: OparlProfile,
    data: DataFiles,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFiles {
    members: String,
    populations: String,
    fields_of_action: String,
    #[serde(default)]
    known_projects: Option<String>,
}

/// A profile that cannot be used: the file, the line (when known) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub file: String,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

impl ProfileError {
    fn new(file: &str, line: Option<u64>, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ProfileError {}

/// Reads the files of a profile: by name, relative to the profile's directory.
pub trait Source {
    /// What the file is called in error messages.
    fn describe(&self, name: &str) -> String;
    fn read(&self, name: &str) -> Result<String, String>;
}

/// A profile directory on disk.
pub struct Directory(pub PathBuf);

impl Source for Directory {
    fn describe(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    fn read(&self, name: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(name)).map_err(|e| e.to_string())
    }
}

impl Profile {
    /// The embedded default profile.
    pub fn embedded() -> Self {
        Self::from_source(&embedded::Embedded, "embedded")
            .expect("the embedded profile is valid (tested)")
    }

    /// Loads the profile at `path`: a directory holding `profile.toml`, or that file itself.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let (dir, file) = if path.is_dir() {
            (path.to_path_buf(), "profile.toml".to_owned())
        } else {
            let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "profile.toml".into());
            (dir, file)
        };
        Self::from_named_source(&Directory(dir), &file, &path.display().to_string())
    }

    pub fn from_source(source: &dyn Source, origin: &str) -> Result<Self, ProfileError> {
        Self::from_named_source(source, "profile.toml", origin)
    }

    fn from_named_source(
        source: &dyn Source,
        main: &str,
        origin: &str,
    ) -> Result<Self, ProfileError> {
        let main_name = source.describe(main);
        let text = source
            .read(main)
            .map_err(|e| ProfileError::new(&main_name, None, None, e))?;
        let file: ProfileFile = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() as u64 + 1);
            ProfileError::new(&main_name, line, None, e.message().to_owned())
        })?;
        let at = |field: &str, message: String| {
            let line = line_of_key(&text, field);
            ProfileError::new(&main_name, line, Some(field), message)
        };
        for (field, value) in [
            ("name", &file.name),
            ("short_name", &file.short_name),
            ("committee_name", &file.committee_name),
            ("calendar_uid_domain", &file.calendar_uid_domain),
            ("body_id", &file.oparl.body_id),
            ("contact_name", &file.oparl.contact_name),
            ("license", &file.oparl.license),
        ] {
            if value.trim().is_empty() || value.chars().any(char::is_control) {
                return Err(at(field, "must be one line of text, not empty".into()));
            }
        }
        if !crate::domain::ids::is_organization_key(&file.steering_office) {
            return Err(at(
                "steering_office",
                format!("`{}` is not an organization key", file.steering_office),
            ));
        }
        let body_id_ok = (1..=64).contains(&file.oparl.body_id.len())
            && file
                .oparl
                .body_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !body_id_ok {
            return Err(at(
                "body_id",
                "1 to 64 lowercase letters, digits and `-` (it is a URL segment)".into(),
            ));
        }
        if let Some(ags) = &file.oparl.ags
            && !crate::domain::ids::is_ags(ags)
        {
            return Err(at("ags", format!("`{ags}` is not an AGS")));
        }
        if file.oparl.legislative_term_end < file.oparl.legislative_term_start {
            return Err(at(
                "legislative_term_end",
                "is before legislative_term_start".into(),
            ));
        }
        let time_zone: chrono_tz::Tz = match file.time_zone.parse() {
            Ok(zone) if SUPPORTED_TIME_ZONES.contains(&file.time_zone.as_str()) => zone,
            _ => {
                return Err(at(
                    "time_zone",
                    format!(
                        "`{}` is not supported (supported: {})",
                        file.time_zone,
                        SUPPORTED_TIME_ZONES.join(", ")
                    ),
                ));
            }
        };
        if !SUPPORTED_LOCALES.contains(&file.export_locale.as_str()) {
            return Err(at(
                "export_locale",
                format!(
                    "`{}` is not supported (supported: {})",
                    file.export_locale,
                    SUPPORTED_LOCALES.join(", ")
                ),
            ));
        }

        let members: Vec<MemberRow> = csv_rows::read(source, &file.data.members)?;
        csv_rows::check_members(source, &file.data.members, &members)?;
        if !members.iter().any(|m| m.key == file.steering_office) {
            return Err(at(
                "steering_office",
                format!(
                    "`{}` is not among the members in {}",
                    file.steering_office, file.data.members
                ),
            ));
        }
        let populations: Vec<PopulationRow> = csv_rows::read(source, &file.data.populations)?;
        csv_rows::check_populations(source, &file.data.populations, &populations, &members)?;
        let fields_of_action: Vec<FieldRow> = csv_rows::read(source, &file.data.fields_of_action)?;
        csv_rows::check_fields(source, &file.data.fields_of_action, &fields_of_action)?;
        let known_projects: Vec<KnownProjectRow> = match &file.data.known_projects {
            Some(name) => {
                let rows = csv_rows::read(source, name)?;
                csv_rows::check_known_projects(source, name, &rows, &fields_of_action)?;
                rows
            }
            None => Vec::new(),
        };

        Ok(Profile {
            origin: origin.to_owned(),
            name: file.name,
            short_name: file.short_name,
            steering_office: file.steering_office,
            committee_name: file.committee_name,
            time_zone,
            export_locale: file.export_locale,
            calendar_uid_domain: file.calendar_uid_domain,
            oparl: file.oparl,
            members,
            populations,
            fields_of_action,
            known_projects,
        })
    }

    /// The member rows of the steering office.
    pub fn steering_office_member(&self) -> &MemberRow {
        self.members
            .iter()
            .find(|m| m.key == self.steering_office)
            .expect("validated: the steering office is a member")
    }
}

/// The line of the first `key = ...` in a TOML text, for error messages.
fn line_of_key(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i as u64 + 1)
}

#[cfg(test)]
mod tests;
