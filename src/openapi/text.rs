//! The text rule of every request body (`domain::validation::text_problem`, applied by
//! `http::extract` to each string of a JSON body) as `pattern`s in the document, so that a
//! client generated from it (or Schemathesis) knows the service refuses control characters,
//! bidi controls in single-line fields and formula starts in names and titles.
//!
//! The query and path parameters follow the single-line rule (`http::extract::query_text`
//! refuses a control or bidi character in the path or the query with a 400); their string
//! schemas get its pattern too.
//!
//! Strings with a `format`, an `enum` or a `pattern` of their own are left as they are.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::domain::ids::ORGANIZATION_KEY_PATTERN;
use crate::domain::projects::PROJECT_CODE_PATTERN;
use crate::domain::validation::{
    EMAIL_FIELDS, MULTI_LINE_FIELDS, TITLE_FIELDS, URL_FIELDS, URL_HOST_COMPATIBILITY_FORBIDDEN,
    URL_HOST_FORBIDDEN,
};
use crate::http::extract::ORGANIZATION_KEY_QUERY_PARAMETERS;

/// Unicode White_Space that is not a control character (what `str::trim` also removes).
const SPACE: &str = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// Control characters (Unicode Cc) and the bidi embeddings, overrides and isolates.
const SINGLE_LINE_BANNED: &str = r"\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069";
/// Control characters but tab and line feed (a CRLF is taken as a line break too).
const MULTI_LINE_BANNED: &str = r"\u0000-\u0008\u000b-\u001f\u007f-\u009f";

/// The pattern of a text field named `field`; `required` when it must hold more than spaces
/// (the service trims before it checks `minLength`).
pub fn text_pattern(field: &str, required: bool) -> String {
    if ORGANIZATION_KEY_FIELDS.contains(&field) {
        ORGANIZATION_KEY_PATTERN.to_owned()
    } else if field == "code" {
        // `domain::projects::is_project_code`, after trimming.
        let code = PROJECT_CODE_PATTERN.trim_matches(['^', '$']);
        format!("^[{SPACE}]*{code}[{SPACE}]*$")
    } else if field == "contact_phone" {
        // Digits, spaces and + - / ( ); three characters at least once trimmed.
        let sign = r"[0-9+/()\-]";
        format!(r"^[{SPACE}]*{sign}[0-9 +/()\-]+{sign}[{SPACE}]*$")
    } else if URL_FIELDS.contains(&field) {
        web_address_pattern()
    } else if EMAIL_FIELDS.contains(&field) {
        // `Validator::email`: something, one `@`, a domain with a dot, no white space.
        let part = format!(r"[^@{SINGLE_LINE_BANNED}{SPACE}]");
        format!(r"^[{SPACE}]*{part}+@{part}*\.{part}*[{SPACE}]*$")
    } else if MULTI_LINE_FIELDS.contains(&field) {
        let space = format!(r"[{SPACE}\t\n]|\r\n");
        let any = format!(r"[^{MULTI_LINE_BANNED}]|\r\n");
        if required {
            // Tabs and line breaks are white space too: `str::trim` removes them.
            format!(r"^(?:{space})*[^{MULTI_LINE_BANNED}{SPACE}\t\n\r](?:{any})*$")
        } else {
            format!(r"^(?:{any})*$")
        }
    } else if TITLE_FIELDS.contains(&field) {
        // Not starting with `=` or `＝` once leading spaces are trimmed.
        let first = format!(r"[^{SINGLE_LINE_BANNED}{SPACE}=\uff1d]");
        let rest = format!(r"[^{SINGLE_LINE_BANNED}]*");
        if required {
            format!(r"^[{SPACE}]*{first}{rest}$")
        } else {
            format!(r"^[{SPACE}]*(?:{first}{rest})?$")
        }
    } else if required {
        format!(r"^[{SPACE}]*[^{SINGLE_LINE_BANNED}{SPACE}][^{SINGLE_LINE_BANNED}]*$")
    } else {
        format!(r"^[^{SINGLE_LINE_BANNED}]*$")
    }
}

/// `domain::validation::is_web_address` between optional spaces: a host of allowed code points,
/// an optional port up to 65535, then `/`, `?` or `#` and anything but spaces and controls.
fn web_address_pattern() -> String {
    let mut forbidden = String::new();
    for c in URL_HOST_FORBIDDEN {
        // Escaped where a character class would read it as syntax.
        if matches!(c, '/' | '?' | '[' | '\\' | ']' | '^' | '|') {
            forbidden.push('\\');
        }
        forbidden.push(*c);
    }
    for c in URL_HOST_COMPATIBILITY_FORBIDDEN {
        forbidden.push_str(&format!(r"\u{:04x}", u32::from(*c)));
    }
    let host = format!(r"[^{SINGLE_LINE_BANNED}{SPACE}{forbidden}]+");
    let port = r"(?::(?:[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?";
    let rest = format!(r"(?:[/?#][^{SINGLE_LINE_BANNED}{SPACE}]*)?");
    format!(r"^[{SPACE}]*https?://{host}{port}{rest}[{SPACE}]*$")
}

/// The pattern of a webhook's target (`webhooks::target::parse`): a URL as `Validator::url`
/// takes it, with no user or password before the host (the authority, up to the first `/`,
/// `?`, `#` or `\`, holds no `@` but an empty user's).
pub fn webhook_url_pattern() -> String {
    let authority = format!(r"@?[^/?#\\@{SINGLE_LINE_BANNED}{SPACE}]+");
    let rest = format!(r"(?:[/?#\\][^{SINGLE_LINE_BANNED}{SPACE}]*)?");
    format!(r"^[{SPACE}]*https?://{authority}{rest}[{SPACE}]*$")
}

/// Adds the text patterns to every schema a JSON request body uses.
pub fn document_text_rules(doc: &mut Value) {
    let mut bodies = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
                if !schema.is_null() {
                    bodies.push((path.clone(), method.clone(), schema.clone()));
                }
            }
        }
    }
    document_parameter_rules(doc);
    let mut done = BTreeSet::new();
    for (path, method, mut schema) in bodies {
        walk(doc, &mut schema, "", &mut done);
        // A `$ref` changed its component; an inline schema was changed on this copy.
        if schema.get("$ref").is_none() {
            doc["paths"][&path][&method]["requestBody"]["content"]["application/json"]["schema"] =
                schema;
        }
    }
}

/// The request fields that name an organization by its key (strings only: a `key` that is an
/// object, a cost key, is left alone).
const ORGANIZATION_KEY_FIELDS: &[&str] = &[
    "host_organization",
    "key",
    "lead_organization",
    "members",
    "organization",
    "owner_organization",
    "participants",
    "presenter_organization",
];

/// The path parameters of the API that name an organization by its key; the query parameters
/// are `http::extract::ORGANIZATION_KEY_QUERY_PARAMETERS`, which the service checks.
const ORGANIZATION_KEY_PATH_PARAMETERS: &[&str] = &["key", "org"];

/// The single-line pattern on every string query and path parameter (the required variant
/// where a value must hold more than spaces), and the key pattern on organization keys.
fn document_parameter_rules(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters {
                // A version tag is ASCII text (`http::etag` refuses other bytes with a 400).
                if parameter["in"] == "header"
                    && matches!(
                        parameter["name"].as_str(),
                        Some("If-Match" | "If-None-Match")
                    )
                    && parameter["schema"].get("pattern").is_none()
                {
                    parameter["schema"]["pattern"] = r"^[\t\x20-\x7e]*$".into();
                    continue;
                }
                if !matches!(parameter["in"].as_str(), Some("query" | "path")) {
                    continue;
                }
                let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                let in_query = parameter["in"] == "query";
                let schema = &mut parameter["schema"];
                let plain_string = schema["type"] == "string"
                    && ["format", "enum", "pattern"]
                        .iter()
                        .all(|rule| schema.get(rule).is_none());
                if !plain_string {
                    continue;
                }
                let key_parameters = if in_query {
                    ORGANIZATION_KEY_QUERY_PARAMETERS
                } else {
                    ORGANIZATION_KEY_PATH_PARAMETERS
                };
                if path.starts_with("/api/") && key_parameters.contains(&name.as_str()) {
                    schema["pattern"] = ORGANIZATION_KEY_PATTERN.into();
                } else {
                    let required = schema["minLength"].as_u64().is_some_and(|min| min >= 1);
                    schema["pattern"] = text_pattern("", required).into();
                }
            }
        }
    }
}

/// Walks `schema` (a string field named `field`, or a structure), changing components in
/// `doc` in place (each once) and `schema` itself when it is inline.
fn walk(doc: &mut Value, schema: &mut Value, field: &str, done: &mut BTreeSet<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let Some(name) = reference.strip_prefix("#/components/schemas/") else {
            return;
        };
        if !done.insert(name.to_owned()) {
            return;
        }
        let mut component = doc["components"]["schemas"][name].clone();
        walk(doc, &mut component, field, done);
        doc["components"]["schemas"][name] = component;
        return;
    }
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(variants)) = object.get_mut(combinator) {
            for variant in variants {
                walk(doc, variant, field, done);
            }
        }
    }
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            walk(doc, property, name, done);
        }
    }
    if let Some(additional) = object.get_mut("additionalProperties")
        && additional.is_object()
    {
        walk(doc, additional, "", done);
    }
    if let Some(Value::Object(names)) = object.get_mut("propertyNames")
        && names.get("type") == Some(&Value::from("string"))
        && !names.contains_key("pattern")
    {
        names.insert("pattern".into(), text_pattern("", false).into());
    }
    if let Some(items) = object.get_mut("items") {
        // Each tag is 1 to 50 characters (`api::projects::types::tags` and the initiatives').
        if field == "tags"
            && let Some(tag) = items.as_object_mut()
            && tag.get("type") == Some(&Value::from("string"))
        {
            tag.entry("minLength").or_insert(1.into());
            tag.entry("maxLength").or_insert(50.into());
        }
        walk(doc, items, field, done);
    }
    let is_string = match object.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string
        && !object.contains_key("format")
        && !object.contains_key("enum")
        && !object.contains_key("pattern")
    {
        let required = object
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|min| min >= 1);
        object.insert("pattern".into(), text_pattern(field, required).into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validation::{TextKind, text_problem};

    /// As a client validating against the document would judge it (ECMA-262 regex).
    fn matches(pattern: &str, text: &str) -> bool {
        let schema = serde_json::json!({"type": "string", "pattern": pattern});
        jsonschema::is_valid(&schema, &Value::from(text))
    }

    #[test]
    fn the_webhook_target_pattern_agrees_with_the_target_check() {
        let pattern = webhook_url_pattern();
        for url in [
            "https://hooks.musterstadt.example/smartregion",
            " http://10.0.0.1:8080/a?b=c#d ",
            "https://[::1]/",
            "https://hooks.example/a@b",
            "https://hooks.example?to=x@y",
            "https://@hooks.example/",
            "https://hooks.example\\user@x",
            "https://user@hooks.example/",
            "https://user:secret@hooks.example/",
            "https://:secret@hooks.example/",
            "https://a@b@hooks.example/",
            "ftp://hooks.example/",
        ] {
            let parsed = crate::webhooks::target::parse(url).is_ok();
            assert_eq!(
                matches(&pattern, url),
                parsed,
                "{url}: the service says {parsed}"
            );
        }
    }

    #[test]
    fn patterns_agree_with_the_text_rule() {
        let samples = [
            "Glasfaser",
            " Glasfaser ",
            "",
            " ",
            "a\tb",
            "a\nb",
            "a\r\nb",
            "a\rb",
            "=SUM(A1)",
            " =1",
            "\u{ff1d}1",
            "a\u{202e}b",
            "a\u{85}b",
            "\u{3000}x",
            "x=1",
            "\u{202f}\t",
            " \t\n",
            "\r\n",
        ];
        for field in ["title", "description", "contact_role"] {
            let kind = TextKind::of_field(field);
            for text in samples {
                let normalized = text.replace("\r\n", "\n");
                let accepted = text_problem(&normalized, kind).is_none();
                assert_eq!(
                    matches(&text_pattern(field, false), text),
                    accepted,
                    "{field}: {text:?}"
                );
                let required = accepted && !normalized.trim().is_empty();
                assert_eq!(
                    matches(&text_pattern(field, true), text),
                    required,
                    "{field} (required): {text:?}"
                );
            }
        }
    }

    #[test]
    fn the_url_and_email_patterns_agree_with_their_rules() {
        use crate::domain::validation::Validator;
        let long = format!("https://example.org/{}", "a".repeat(480));
        let too_long = format!("{long}a");
        let umlauts = format!("https://dörfer.example/{}", "ä".repeat(477));
        for text in [
            "https://meet.example/lk",
            "http://a",
            " https://a.example ",
            "https://",
            "http://",
            "ftp://a.example",
            "https://a b",
            "meet.example",
            "",
            "https://a\u{202e}b",
            "\u{2003}\u{a0}http://Ď…*²ój[4",
            "https://a[b/",
            "https://[::1]/",
            "https://user@a.example/",
            "https://a.example:8080/x",
            "https://a.example:65535",
            "https://a.example:65536",
            "https://a.example:00000",
            "https://a.example:123456",
            "https://a.example:",
            "https://:80/",
            "https://a.example?q=[x]#y",
            "https://a\u{ff0f}b.example/",
            "https://dörfer.example/",
            "https://a|b/",
            "https://a%20b/",
            "http://a\\b",
            &long,
            &umlauts,
        ] {
            // The text rule applies to every body string before the field's own rule.
            let mut v = Validator::new();
            v.url("/link", text);
            let accepted =
                text_problem(text, TextKind::of_field("link")).is_none() && v.finish(()).is_ok();
            assert_eq!(
                matches(&text_pattern("link", false), text),
                accepted,
                "{text:?}"
            );
        }
        for text in [
            "kontakt@ahlen.example",
            " a@b.c ",
            "a@b",
            "@b.c",
            "a@@b.c",
            "a@b@c.d",
            "a b@c.d",
            "a@.",
            "",
            "ä@dörfer.example",
        ] {
            let mut v = Validator::new();
            v.email("/contact_email", text);
            let accepted = text_problem(text, TextKind::of_field("contact_email")).is_none()
                && v.finish(()).is_ok();
            assert_eq!(
                matches(&text_pattern("contact_email", false), text),
                accepted,
                "{text:?}"
            );
        }
        // The length is the document's `maxLength`, not part of the pattern.
        let mut v = Validator::new();
        v.url("/link", &too_long);
        assert!(v.finish(()).is_err());
    }
}
