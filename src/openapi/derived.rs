//! What follows from an operation's shape, added to every operation instead of being written
//! into each handler's annotation: its error answers, and the `Location` of a `201`.
//!
//! Each rule below is what the service's shared machinery does, whatever the handler:
//! - under `/api`: the query and path text rules and the extractors answer 400, the
//!   authentication extractor 401 to a refused token, the pool 503 while the database is
//!   unreachable, and the rate limiter 429; a path with an id answers 404 when it names
//!   nothing; a members-only write refuses a member without the right with 403; a JSON body
//!   brings 413 (too large), 415 (not JSON) and 422 (fails validation); an `If-Match` header
//!   brings 412 (stale), and 428 where it is required;
//! - under `/oparl`: 400 (the same text rules, and the filters of a list), 404 for a path with
//!   an id, 429 and 503, all as OParl error objects.
//!
//! A `201 Created` under `/api` carries an absolute `Location` (`http::respond::created`), but
//! where the created thing has no URL of its own (RFC 9110: the target URI then identifies it).
//!
//! A handler still writes the answers that are its own (a 409, a 410, a 403 on a read). What
//! it writes is kept: a rule only adds a status the operation does not list. The contract test
//! (`tests/api/contract.rs`) checks that every status an operation answers is in the document.

use serde_json::{Map, Value, json};

/// Writes that are reads in substance (a what-if sent as POST): whoever may read the project
/// may ask, so no 403 follows from their being writes.
const READS_SENT_AS_POST: &[&str] = &["preview_allocation"];

/// Operations whose `201` creates something without a URL of its own (a membership period is
/// read through its organization's list, the target URI).
const CREATED_AT_TARGET: &[&str] = &["create_organization_membership"];

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// Adds the derived answers to every operation of `doc` (the document as JSON).
pub fn document_derived_answers(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let derived = if path.starts_with("/api/") {
                api_errors(path, method, operation)
            } else if path.starts_with("/oparl/") {
                oparl_errors(path)
            } else {
                continue;
            };
            if path.starts_with("/api/") {
                let id = operation["operationId"].as_str().unwrap_or_default();
                let located = !CREATED_AT_TARGET.contains(&id);
                if located
                    && let Some(created) = operation["responses"]
                        .get_mut("201")
                        .and_then(Value::as_object_mut)
                {
                    created
                        .entry("headers")
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                        .expect("headers are an object")
                        .entry("Location")
                        .or_insert_with(|| {
                            json!({"schema": {"type": "string", "format": "uri"},
                                   "description": "The absolute URL of what was created"})
                        });
                }
            }
            let responses = operation
                .as_object_mut()
                .expect("an operation is an object")
                .entry("responses")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("responses are an object");
            for (status, component) in derived {
                responses.entry(status.to_owned()).or_insert_with(
                    || json!({ "$ref": format!("#/components/responses/{component}") }),
                );
            }
        }
    }
}

fn api_errors(path: &str, method: &str, operation: &Value) -> Vec<(&'static str, &'static str)> {
    let mut errors = vec![
        ("400", "BadRequest"),
        ("401", "Unauthorized"),
        ("429", "TooManyRequests"),
        ("503", "ServiceUnavailable"),
    ];
    if path.contains('{') {
        errors.push(("404", "NotFound"));
    }
    let id = operation["operationId"].as_str().unwrap_or_default();
    if method != "get" && members_only(operation) && !READS_SENT_AS_POST.contains(&id) {
        errors.push(("403", "Forbidden"));
    }
    if operation.get("requestBody").is_some() {
        errors.extend([
            ("408", "RequestTimeout"),
            ("413", "PayloadTooLarge"),
            ("415", "UnsupportedMediaType"),
            ("422", "UnprocessableEntity"),
        ]);
    }
    if let Some(if_match) = header(operation, "If-Match") {
        errors.push(("412", "PreconditionFailed"));
        if if_match["required"] == true {
            errors.push(("428", "PreconditionRequired"));
        }
    }
    errors
}

fn oparl_errors(path: &str) -> Vec<(&'static str, &'static str)> {
    let mut errors = vec![
        ("400", "OparlBadRequest"),
        ("429", "OparlTooManyRequests"),
        ("503", "OparlServiceUnavailable"),
    ];
    if path.contains('{') {
        errors.push(("404", "OparlNotFound"));
    }
    errors
}

/// Whether no security requirement of the operation is the empty (anonymous) one.
fn members_only(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|requirements| {
            requirements
                .iter()
                .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        })
}

fn header<'a>(operation: &'a Value, name: &str) -> Option<&'a Value> {
    operation["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["in"] == "header" && p["name"].as_str() == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(doc: &Value, path: &str, method: &str) -> Vec<String> {
        doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn a_members_only_update_with_if_match_gets_every_derived_answer() {
        let mut doc = json!({"paths": {"/api/v1/things/{id}": {"patch": {
            "operationId": "update_thing",
            "security": [{"bearer": []}],
            "parameters": [{"name": "If-Match", "in": "header", "required": true}],
            "requestBody": {},
            "responses": {"200": {"description": "ok"}}
        }}}});
        document_derived_answers(&mut doc);
        assert_eq!(
            statuses(&doc, "/api/v1/things/{id}", "patch"),
            [
                "200", "400", "401", "403", "404", "408", "412", "413", "415", "422", "428", "429",
                "503"
            ]
        );
    }

    #[test]
    fn a_public_list_gets_no_403_404_or_body_answers_and_written_answers_stay() {
        let custom = json!({"description": "my own 400"});
        let mut doc = json!({"paths": {"/api/v1/things": {"get": {
            "operationId": "list_things",
            "security": [{}, {"bearer": []}],
            "responses": {"200": {"description": "ok"}, "400": custom.clone()}
        }}}});
        document_derived_answers(&mut doc);
        assert_eq!(
            statuses(&doc, "/api/v1/things", "get"),
            ["200", "400", "401", "429", "503"]
        );
        assert_eq!(
            doc["paths"]["/api/v1/things"]["get"]["responses"]["400"],
            custom
        );
    }

    #[test]
    fn an_optional_if_match_brings_412_but_not_428_and_oparl_gets_its_own_objects() {
        let mut doc = json!({"paths": {
            "/api/v1/things/{id}/status": {"post": {
                "operationId": "move_thing",
                "security": [{"bearer": []}],
                "parameters": [{"name": "If-Match", "in": "header", "required": false}],
                "responses": {}
            }},
            "/oparl/v1.1/things/{id}": {"get": {"operationId": "get_oparl_thing", "responses": {}}},
            "/health/live": {"get": {"operationId": "live", "responses": {}}}
        }});
        document_derived_answers(&mut doc);
        let moved = statuses(&doc, "/api/v1/things/{id}/status", "post");
        assert!(moved.contains(&"412".to_owned()) && !moved.contains(&"428".to_owned()));
        assert_eq!(
            doc["paths"]["/oparl/v1.1/things/{id}"]["get"]["responses"]["404"]["$ref"],
            "#/components/responses/OparlNotFound"
        );
        assert!(statuses(&doc, "/health/live", "get").is_empty());
    }

    #[test]
    fn a_201_gets_a_location_unless_written_or_created_at_its_target() {
        let mut doc = json!({"paths": {
            "/api/v1/things": {"post": {
                "operationId": "create_thing",
                "security": [{"bearer": []}],
                "responses": {"201": {"description": "created"}}
            }},
            "/api/v1/others": {"post": {
                "operationId": "create_other",
                "security": [{"bearer": []}],
                "responses": {"201": {"description": "created",
                                      "headers": {"Location": {"description": "mine"}}}}
            }},
            "/api/v1/organizations/{key}/memberships": {"post": {
                "operationId": "create_organization_membership",
                "security": [{"bearer": []}],
                "responses": {"201": {"description": "created"}}
            }}
        }});
        document_derived_answers(&mut doc);
        let created = |path: &str| doc["paths"][path]["post"]["responses"]["201"].clone();
        assert_eq!(
            created("/api/v1/things")["headers"]["Location"]["schema"]["format"],
            "uri"
        );
        assert_eq!(
            created("/api/v1/others")["headers"]["Location"]["description"],
            "mine"
        );
        assert!(created("/api/v1/organizations/{key}/memberships")["headers"].is_null());
    }
}
