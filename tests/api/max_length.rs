//! Every documented `maxLength` of a request body, at and one past the limit (issue 17): the
//! document is the contract, so a string of exactly `maxLength` characters must not be refused
//! for its length (counted in characters, not bytes: the test uses `ä`, two bytes in UTF-8),
//! and one more character must be a 422 naming the field that changes nothing. Either way no
//! 5xx (a column narrower than the document's limit would be one).
//!
//! Table-driven over the operations of `openapi/openapi.json`, with the valid bodies and live
//! objects of the authorization matrix's world.

use reqwest::Method;
use serde_json::Value;

use crate::authorization_matrix::{
    Operation, PENDING, World, digest, digest_query, etag_if_any, operations, prepare,
};
use crate::helpers::*;

fn document() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Follows a `$ref` into `#/components/schemas`.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(document, &document["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// A string field of a request body with its limit, a value at the limit and one past it.
struct Limit {
    pointer: String,
    max: usize,
    at: String,
    past: String,
}

/// The JSON pointers (within the body) of the strings with a `maxLength` whose other rules
/// (pattern, format) a repeated letter keeps: the leaf's own schema must accept `ä` repeated
/// `maxLength` times, and one more `a` once the limit is taken away. Objects are followed
/// through properties and `allOf`; alternatives (`oneOf`) are left out, since which members
/// apply depends on the variant.
fn limits(document: &Value, schema: &Value, pointer: &str, found: &mut Vec<Limit>) {
    let schema = resolve(document, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            limits(document, part, pointer, found);
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            limits(document, property, &format!("{pointer}/{name}"), found);
        }
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && is_string(schema)
    {
        let max = max as usize;
        // Web and mail addresses by their patterns (`Validator::url`, `Validator::email`).
        let pattern = schema["pattern"].as_str().unwrap_or_default();
        let format = if pattern.contains("https?://") {
            Some("uri")
        } else if pattern.contains("+@") {
            Some("email")
        } else {
            schema.get("format").and_then(Value::as_str)
        };
        let mut unlimited = schema.clone();
        unlimited.as_object_mut().unwrap().remove("maxLength");
        let accepts = |schema: &Value, text: Option<String>| {
            text.is_some_and(|text| {
                jsonschema::validator_for(schema)
                    .unwrap()
                    .is_valid(&Value::String(text))
            })
        };
        let (at, past) = (filler(format, max, 'ä'), filler(format, max + 1, 'a'));
        if accepts(schema, at.clone()) && accepts(&unlimited, past.clone()) {
            found.push(Limit {
                pointer: pointer.to_owned(),
                max,
                at: at.unwrap(),
                past: past.unwrap(),
            });
        }
    }
}

/// A value of `length` characters of the field's format, padded with `letter` (ASCII for
/// addresses); `None` for a format the test does not fill.
fn filler(format: Option<&str>, length: usize, letter: char) -> Option<String> {
    let (prefix, suffix, letter) = match format {
        None => ("", "", letter),
        Some("uri") => ("https://example.org/", "", 'a'),
        Some("email") => ("", "@example.org", 'a'),
        Some(_) => return None,
    };
    let padding = length.checked_sub(prefix.len() + suffix.len())?;
    Some(format!(
        "{prefix}{}{suffix}",
        letter.to_string().repeat(padding)
    ))
}

/// The request body's limits of one operation.
fn body_limits(document: &Value, operation: &Operation) -> Vec<Limit> {
    let method = operation.method.as_str().to_ascii_lowercase();
    let schema = &document["paths"][&operation.path][&method]["requestBody"]["content"]["application/json"]
        ["schema"];
    let mut found = Vec::new();
    if !schema.is_null() {
        limits(document, schema, "", &mut found);
    }
    found
}

/// `body` with the string at `pointer` set to `value`, if the pointer's parent is an object
/// of the body.
fn with_value(body: &Value, pointer: &str, value: String) -> Option<Value> {
    let (parent, name) = pointer.rsplit_once('/')?;
    let mut body = body.clone();
    let object = body.pointer_mut(parent)?.as_object_mut()?;
    object.insert(name.to_owned(), Value::String(value));
    Some(body)
}

async fn send(
    app: &TestApp,
    operation: &Operation,
    path: &str,
    body: &Value,
    etag_from: Option<&str>,
) -> (u16, Value) {
    let mut request = app
        .request(operation.method.clone(), path)
        .by_coordinator()
        .json(body);
    if let Some(source) = etag_from
        && let Some(tag) = etag_if_any(app, source).await
    {
        request = request.header("If-Match", tag);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn names_field(problem: &Value, pointer: &str) -> bool {
    problem["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["pointer"] == pointer))
}

#[actix_web::test]
async fn every_documented_max_length_is_accepted_at_the_limit_and_refused_past_it() {
    let app = TestApp::builder()
        .env("SMARTREGION_WEBHOOK_WORKER", "false")
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .spawn()
        .await;
    let document = document();
    let mut world = World::seed(&app).await;
    let digest_sql = digest_query(&app).await;
    let mut swept = 0;
    let mut accepted_at_limit = 0;
    let mut composed = 0;
    for operation in operations() {
        // The imports read rows of their own format (their limits: tests/api/projects/transfer.rs).
        if !matches!(operation.method, Method::POST | Method::PUT | Method::PATCH)
            || operation.id.starts_with("import_")
            || PENDING.contains(&operation.id.as_str())
        {
            continue;
        }
        for Limit {
            pointer,
            max,
            at,
            past,
        } in body_limits(&document, &operation)
        {
            // Fresh objects for each field: an accepted call may use its target up.
            let call = prepare(&app, &mut world, &operation).await;
            let Some(valid) = call.body.clone() else {
                continue;
            };
            let plain_letters = past.chars().all(|c| c == 'a');
            let Some(too_long) = with_value(&valid, &pointer, past) else {
                continue;
            };
            let at_limit = with_value(&valid, &pointer, at).unwrap();
            // A field the valid body leaves out may be allowed only with other values (a
            // reason only for a cancellation): at the limit it must not be a 5xx, no more.
            let in_valid_body = valid.pointer(&pointer).is_some();
            let who = format!(
                "{} {} ({}) {pointer} (maxLength {max})",
                operation.method, call.path, operation.id
            );

            let before = digest(&app, &digest_sql).await;
            let (status, problem) = send(
                &app,
                &operation,
                &call.path,
                &too_long,
                call.etag_from.as_deref(),
            )
            .await;
            assert_eq!(status, 422, "{who}, one past the limit: {problem}");
            assert!(
                names_field(&problem, &pointer),
                "{who}, one past the limit: {problem}"
            );
            assert_eq!(
                digest(&app, &digest_sql).await,
                before,
                "{who}: a refused write changed data"
            );

            // One past the limit as sent, at the limit once composed to NFC (`a` and a
            // combining diaeresis become `ä`): the limit counts what the client sent.
            if plain_letters {
                let composing = format!("a\u{308}{}", "a".repeat(max - 1));
                let body = with_value(&valid, &pointer, composing).unwrap();
                let (status, problem) = send(
                    &app,
                    &operation,
                    &call.path,
                    &body,
                    call.etag_from.as_deref(),
                )
                .await;
                assert_eq!(status, 422, "{who}, one past as sent: {problem}");
                assert!(
                    names_field(&problem, &pointer),
                    "{who}, one past as sent: {problem}"
                );
                assert_eq!(
                    digest(&app, &digest_sql).await,
                    before,
                    "{who}: a refused write changed data"
                );
                composed += 1;
            }

            let (status, problem) = send(
                &app,
                &operation,
                &call.path,
                &at_limit,
                call.etag_from.as_deref(),
            )
            .await;
            assert!(status < 500, "{who}, at the limit: {status} {problem}");
            if in_valid_body {
                assert!(
                    !(status == 422 && names_field(&problem, &pointer)) && status != 400,
                    "{who}, at the limit: {status} {problem}"
                );
                accepted_at_limit += 1;
            }
            swept += 1;
        }
    }
    eprintln!(
        "{swept} limits swept, {accepted_at_limit} of them proven accepted at the limit, \
         {composed} refused one past the limit as sent"
    );
    assert!(composed > 30, "only {composed} limits tried as sent");
    assert!(swept > 40, "only {swept} limits swept");
    assert!(
        accepted_at_limit > 30,
        "only {accepted_at_limit} proven at the limit"
    );
}
