use std::collections::BTreeMap;

use super::*;

/// A profile held in memory: the embedded one with some files replaced.
struct Files(BTreeMap<String, String>);

impl Files {
    fn embedded() -> Self {
        let mut files = BTreeMap::new();
        for name in [
            "profile.toml",
            "members.csv",
            "populations.csv",
            "fields_of_action.csv",
            "projects_known.csv",
        ] {
            files.insert(name.to_owned(), embedded::Embedded.read(name).unwrap());
        }
        Files(files)
    }

    fn edit(mut self, name: &str, edit: impl FnOnce(&str) -> String) -> Self {
        let text = edit(&self.0[name]);
        self.0.insert(name.to_owned(), text);
        self
    }

    fn load(&self) -> Result<Profile, ProfileError> {
        Profile::from_source(self, "test")
    }
}

impl Source for Files {
    fn describe(&self, name: &str) -> String {
        name.to_owned()
    }

    fn read(&self, name: &str) -> Result<String, String> {
        self.0.get(name).cloned().ok_or_else(|| "missing".into())
    }
}

#[test]
fn the_embedded_profile_is_valid_and_complete() {
    let profile = Profile::embedded();
    assert_eq!(profile.members.len(), 15);
    assert_eq!(
        profile.members.iter().filter(|m| m.kind == "kreis").count(),
        1
    );
    assert_eq!(profile.populations.len(), 14);
    assert_eq!(profile.fields_of_action.len(), 6);
    assert_eq!(profile.known_projects.len(), 8);
    assert_eq!(profile.steering_office_member().kind, "kreis");
    assert_eq!(profile.time_zone, chrono_tz::Europe::Berlin);
}

#[test]
fn the_example_profile_in_the_repository_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/example-cooperation");
    let profile = Profile::load(&dir).unwrap();
    assert!(profile.members.iter().all(|m| !m.key.starts_with("05")));
    assert!(profile.members.len() >= 4);
}

#[test]
fn errors_name_file_line_and_field() {
    let error = Files::embedded()
        .edit("populations.csv", |t| t.replacen(",53278,", ",many,", 1))
        .load()
        .unwrap_err();
    assert_eq!(error.file, "populations.csv");
    assert_eq!(error.line, Some(3));
    assert_eq!(error.field.as_deref(), Some("population"));

    let error = Files::embedded()
        .edit("members.csv", |t| format!("{t}05570004,Doppelt,stadt,\n"))
        .load()
        .unwrap_err();
    assert_eq!(
        (error.line, error.field.as_deref()),
        (Some(17), Some("key"))
    );
    assert!(error.to_string().contains("appears twice"), "{error}");

    let error = Files::embedded()
        .edit("members.csv", |t| t.replacen(",stadt,", ",dorf,", 1))
        .load()
        .unwrap_err();
    assert_eq!(
        (error.line, error.field.as_deref()),
        (Some(3), Some("kind"))
    );

    let error = Files::embedded()
        .edit("members.csv", |t| t.replacen("05570004,", "5570004,", 1))
        .load()
        .unwrap_err();
    assert_eq!((error.line, error.field.as_deref()), (Some(3), Some("key")));
}

#[test]
fn profile_toml_errors_name_the_line() {
    let error = Files::embedded()
        .edit("profile.toml", |t| {
            t.replace(
                "time_zone = \"Europe/Berlin\"",
                "time_zone = \"Mars/Olympus\"",
            )
        })
        .load()
        .unwrap_err();
    assert_eq!(error.field.as_deref(), Some("time_zone"));
    assert!(error.line.is_some());
    assert!(
        error.to_string().starts_with("profile.toml, line "),
        "{error}"
    );

    let error = Files::embedded()
        .edit("profile.toml", |t| t.replace("short_name =", "shortname ="))
        .load()
        .unwrap_err();
    assert!(error.line.is_some(), "{error}");

    let error = Files::embedded()
        .edit("profile.toml", |t| {
            t.replace("steering_office = \"05570\"", "steering_office = \"05571\"")
        })
        .load()
        .unwrap_err();
    assert_eq!(error.field.as_deref(), Some("steering_office"));
    assert!(error.message.contains("not among the members"), "{error}");
}
