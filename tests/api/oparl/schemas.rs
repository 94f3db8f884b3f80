//! The OParl 1.1 JSON Schemas (draft-07, offline) plus the rules the schemas miss, as listed
//! in `tests/fixtures/oparl-schema/README.md`.

use std::collections::HashMap;
use std::path::PathBuf;

use jsonschema::{Draft, Registry, Resource, Validator};
use serde_json::Value;

const TYPE_PREFIX: &str = "https://schema.oparl.org/1.1/";

/// The schema folder, in the repository (with its licence and attribution).
/// `OPARL_SCHEMA_DIR` names another place, e.g. a newer copy of the schemas.
fn folder() -> PathBuf {
    match std::env::var_os("OPARL_SCHEMA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oparl-schema"),
    }
}

pub struct Schemas {
    validators: HashMap<String, Validator>,
}

impl Schemas {
    /// Fails (never skips) when the schemas are missing.
    pub fn load() -> Self {
        let dir = folder().join("schema");
        assert!(
            dir.is_dir(),
            "the OParl JSON Schemas are missing: expected them in {} (or name another folder \
             with OPARL_SCHEMA_DIR)",
            dir.display()
        );
        let mut schemas: Vec<(String, Value)> = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let value: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                schemas.push((name, value));
            }
        }
        assert!(
            schemas.len() >= 12,
            "expected the 12 OParl schemas in {}",
            dir.display()
        );
        // `$ref`s say `File.json`, resolved against the `$id`s: register both forms.
        let mut registry = Registry::new().draft(Draft::Draft7);
        for (name, schema) in &schemas {
            let id = schema["$id"]
                .as_str()
                .expect("every schema has an $id")
                .to_owned();
            registry = registry
                .add(&id, Resource::from_contents(schema.clone()))
                .unwrap()
                .add(
                    format!("{TYPE_PREFIX}{name}.json"),
                    Resource::from_contents(schema.clone()),
                )
                .unwrap();
        }
        let registry = registry.prepare().expect("the schema registry");
        let validators = schemas
            .iter()
            .map(|(name, schema)| {
                let validator = jsonschema::options()
                    .with_draft(Draft::Draft7)
                    .with_registry(&registry)
                    .build(schema)
                    .unwrap_or_else(|e| panic!("schema {name}: {e}"));
                (name.clone(), validator)
            })
            .collect();
        Schemas { validators }
    }

    /// Validates one object served on its own URL (with everything it embeds).
    pub fn check(&self, url: &str, object: &Value) {
        let type_name = object["type"]
            .as_str()
            .and_then(|t| t.strip_prefix(TYPE_PREFIX))
            .unwrap_or_else(|| panic!("{url}: no OParl type: {object}"));
        let validator = self
            .validators
            .get(type_name)
            .unwrap_or_else(|| panic!("{url}: no schema for {type_name}"));
        let errors: Vec<String> = validator
            .iter_errors(object)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{url} breaks the {type_name} schema: {errors:?}\n{object}"
        );
        extra_rules(url, object);
    }
}

/// `yyyy-mm-ddThh:mm:ss±hh:mm`.
pub fn is_oparl_datetime(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 25
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
        && b[10] == b'T'
        && (b[19] == b'+' || b[19] == b'-')
        && b[22] == b':'
}

const DATETIME_FIELDS: [&str; 6] = [
    "created",
    "modified",
    "start",
    "end",
    "licenseValidSince",
    "oparlSince",
];

/// The rules of the OParl text that the schemas do not state.
fn extra_rules(url: &str, value: &Value) {
    match value {
        Value::Null => panic!("{url}: null value"),
        Value::String(s) => assert!(!s.is_empty(), "{url}: empty string"),
        Value::Array(items) => items.iter().for_each(|v| extra_rules(url, v)),
        Value::Object(map) => {
            if let Some(type_url) = map.get("type").and_then(Value::as_str)
                && type_url.starts_with(TYPE_PREFIX)
            {
                for field in ["created", "modified"] {
                    assert!(map.contains_key(field), "{url}: {type_url} without {field}");
                }
                for field in DATETIME_FIELDS {
                    if let Some(v) = map.get(field) {
                        let text = v.as_str().unwrap_or_default();
                        assert!(is_oparl_datetime(text), "{url}: {field} = {text:?}");
                    }
                }
                if map.get("deleted") == Some(&Value::Bool(true)) {
                    return;
                }
                match type_url.strip_prefix(TYPE_PREFIX).unwrap() {
                    "Body" => {
                        for list in [
                            "organization",
                            "person",
                            "meeting",
                            "paper",
                            "agendaItem",
                            "consultation",
                            "file",
                            "locationList",
                            "legislativeTermList",
                            "membership",
                        ] {
                            assert!(map[list].is_string(), "{url}: Body without {list}");
                        }
                        assert!(
                            !map.contains_key("mainOrganization"),
                            "{url}: mainOrganization"
                        );
                    }
                    "Meeting" => {
                        if let Some(items) = map.get("agendaItem").and_then(Value::as_array) {
                            let orders: Vec<u64> =
                                items.iter().map(|i| i["order"].as_u64().unwrap()).collect();
                            let expected: Vec<u64> = (0..items.len() as u64).collect();
                            assert_eq!(orders, expected, "{url}: agenda order");
                        }
                    }
                    "AgendaItem" => {
                        assert!(map["order"].is_u64(), "{url}: AgendaItem without order");
                    }
                    _ => {}
                }
            }
            map.values().for_each(|v| extra_rules(url, v));
        }
        _ => {}
    }
}

#[test]
fn the_extra_rules_catch_what_the_schemas_miss() {
    let schemas = Schemas::load();
    let good = serde_json::json!({
        "id": "https://x/oparl/v1.1/persons/1",
        "type": "https://schema.oparl.org/1.1/Person",
        "name": "Erika Mustermann",
        "created": "2026-03-26T17:00:00+01:00",
        "modified": "2026-03-26T17:00:00+01:00"
    });
    schemas.check("good", &good);
    for (field, bad) in [
        ("modified", Value::Null),
        ("modified", Value::String("2026-03-26T16:00:00Z".into())),
        (
            "modified",
            Value::String("2026-03-26T17:00:00.5+01:00".into()),
        ),
        ("name", Value::String(String::new())),
        ("name", Value::Null),
    ] {
        let mut object = good.clone();
        object[field] = bad;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            schemas.check("bad", &object)
        }));
        assert!(result.is_err(), "{field}: {object} passed");
    }
    let mut without = good.clone();
    without.as_object_mut().unwrap().remove("created");
    assert!(
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || schemas.check("bad", &without)
        ))
        .is_err()
    );
    let mut wrong_type = good.clone();
    wrong_type["name"] = serde_json::json!(3);
    assert!(
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || schemas.check("bad", &wrong_type)
        ))
        .is_err()
    );
}
