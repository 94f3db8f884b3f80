//! The profile's CSV files: their rows and the checks that name file, line and field.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Deserialize;

use super::{ProfileError, Source};
use crate::domain::ids::key_fits_kind;

/// One member of the cooperation.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MemberRow {
    #[serde(skip)]
    pub line: u64,
    pub key: String,
    pub name: String,
    pub kind: String,
    /// Empty for a founding member.
    pub joined_on: Option<NaiveDate>,
}

/// A population figure of a member.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PopulationRow {
    #[serde(skip)]
    pub line: u64,
    pub key: String,
    pub population: i32,
    pub reference_date: NaiveDate,
    pub source: Option<String>,
}

/// A field of action of the strategy.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FieldRow {
    #[serde(skip)]
    pub line: u64,
    pub code: String,
    pub name_de: String,
    pub name_en: String,
}

/// A project known from public sources.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct KnownProjectRow {
    #[serde(skip)]
    pub line: u64,
    pub title: String,
    pub field_of_action: String,
    pub category: String,
    pub field_and_category_confirmed: String,
    pub source: String,
}

/// A row that knows its line in the file.
pub trait Lined {
    fn set_line(&mut self, line: u64);
}

macro_rules! lined {
    ($($t:ty),*) => {$(
        impl Lined for $t {
            fn set_line(&mut self, line: u64) {
                self.line = line;
            }
        }
    )*};
}
lined!(MemberRow, PopulationRow, FieldRow, KnownProjectRow);

/// Reads every row of `name`; a row that does not parse is an error naming its line and field.
pub fn read<T: for<'de> Deserialize<'de> + Lined>(
    source: &dyn Source,
    name: &str,
) -> Result<Vec<T>, ProfileError> {
    let file = source.describe(name);
    let text = source
        .read(name)
        .map_err(|e| ProfileError::new(&file, None, None, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ProfileError::new(&file, Some(1), None, e.to_string()))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line());
            ProfileError::new(&file, line, None, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row: T = record.deserialize(Some(&headers)).map_err(|e| {
            let (field, message) = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => (
                    err.field()
                        .and_then(|i| headers.get(i as usize))
                        .map(str::to_owned),
                    match err.kind() {
                        csv::DeserializeErrorKind::Message(m) => m.clone(),
                        other => other.to_string(),
                    },
                ),
                _ => (None, e.to_string()),
            };
            ProfileError::new(&file, Some(line), field.as_deref(), message)
        })?;
        row.set_line(line);
        rows.push(row);
    }
    Ok(rows)
}

fn one_line(file: &str, line: u64, field: &str, value: &str) -> Result<(), ProfileError> {
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(ProfileError::new(
            file,
            Some(line),
            Some(field),
            "must be one line of text, not empty",
        ));
    }
    Ok(())
}

pub fn check_members(
    source: &dyn Source,
    name: &str,
    rows: &[MemberRow],
) -> Result<(), ProfileError> {
    let file = source.describe(name);
    if rows.is_empty() {
        return Err(ProfileError::new(&file, None, None, "has no members"));
    }
    let mut seen = BTreeSet::new();
    for row in rows {
        one_line(&file, row.line, "name", &row.name)?;
        key_fits_kind(&row.key, &row.kind).map_err(|m| {
            let field = if matches!(row.kind.as_str(), "kreis" | "stadt" | "gemeinde" | "agency") {
                "key"
            } else {
                "kind"
            };
            ProfileError::new(&file, Some(row.line), Some(field), m)
        })?;
        if !seen.insert(row.key.as_str()) {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("key"),
                format!("`{}` appears twice", row.key),
            ));
        }
    }
    Ok(())
}

pub fn check_populations(
    source: &dyn Source,
    name: &str,
    rows: &[PopulationRow],
    members: &[MemberRow],
) -> Result<(), ProfileError> {
    let file = source.describe(name);
    let mut seen = BTreeSet::new();
    for row in rows {
        if !members.iter().any(|m| m.key == row.key) {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("key"),
                format!("`{}` is not a member", row.key),
            ));
        }
        if row.population <= 0 {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("population"),
                "must be positive",
            ));
        }
        if let Some(url) = &row.source
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("source"),
                "must be an http(s) URL or empty",
            ));
        }
        if !seen.insert((row.key.as_str(), row.reference_date)) {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("reference_date"),
                format!("`{}` has two figures for {}", row.key, row.reference_date),
            ));
        }
    }
    Ok(())
}

pub fn check_fields(
    source: &dyn Source,
    name: &str,
    rows: &[FieldRow],
) -> Result<(), ProfileError> {
    let file = source.describe(name);
    let mut seen = BTreeSet::new();
    for row in rows {
        let code_ok = !row.code.is_empty()
            && row
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("code"),
                "lowercase letters, digits and `_` only",
            ));
        }
        one_line(&file, row.line, "name_de", &row.name_de)?;
        one_line(&file, row.line, "name_en", &row.name_en)?;
        if !seen.insert(row.code.as_str()) {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("code"),
                format!("`{}` appears twice", row.code),
            ));
        }
    }
    Ok(())
}

pub fn check_known_projects(
    source: &dyn Source,
    name: &str,
    rows: &[KnownProjectRow],
    fields: &[FieldRow],
) -> Result<(), ProfileError> {
    let file = source.describe(name);
    for row in rows {
        one_line(&file, row.line, "title", &row.title)?;
        if !fields.iter().any(|f| f.code == row.field_of_action) {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("field_of_action"),
                format!("`{}` is no field of action", row.field_of_action),
            ));
        }
        if crate::domain::projects::Category::parse(&row.category).is_none() {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("category"),
                format!("`{}` is neither lead nor potential", row.category),
            ));
        }
        if !matches!(row.field_and_category_confirmed.as_str(), "yes" | "no") {
            return Err(ProfileError::new(
                &file,
                Some(row.line),
                Some("field_and_category_confirmed"),
                "must be yes or no",
            ));
        }
    }
    Ok(())
}
