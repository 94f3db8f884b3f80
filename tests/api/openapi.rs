//! The OpenAPI document is the contract: the committed file must equal what the code serves,
//! and every operation must be documented to the house rules.

use std::path::Path;

use serde_json::Value;

use crate::helpers::*;

const COMMITTED: &str = "openapi/openapi.json";

fn generated() -> Value {
    serde_json::to_value(smartregion::startup::openapi_document()).unwrap()
}

#[test]
fn committed_document_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
            .unwrap_or(Value::Null);
    assert!(
        committed == generated(),
        "{COMMITTED} differs from the code; regenerate it with\n\n    \
         cargo run --quiet -- openapi > {COMMITTED}\n"
    );
}

#[actix_web::test]
async fn the_service_serves_the_same_document() {
    let app = TestApp::spawn().await;
    let served = json(app.get("/api/v1/openapi.json").send().await.unwrap(), 200).await;
    assert_eq!(served, generated());
    assert_eq!(served["openapi"], "3.1.0");
}

#[test]
fn every_operation_follows_the_house_rules() {
    let doc = generated();
    let verbs = [
        "get_", "list_", "create_", "update_", "delete_", "put_", "post_", "approve_", "export_",
        "preview_", "import_",
    ];
    let mut seen = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(
                verbs.iter().any(|v| id.starts_with(v)),
                "{id}: operationId is not <verb>_<resource>"
            );
            assert!(seen.insert(id.to_owned()), "{id} twice");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id}: no summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id}: no tag"
            );
            if path.starts_with("/api/") {
                assert!(op["security"].is_array(), "{id}: no security requirement");
            }
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                let code: u16 = status.parse().unwrap();
                if code >= 400 {
                    let reference = response["$ref"].as_str().unwrap_or_else(|| {
                        panic!("{id}: {status} does not use a shared problem response")
                    });
                    assert!(
                        reference.starts_with("#/components/responses/"),
                        "{id}: {reference}"
                    );
                }
            }
            // Every operation that reaches the database documents the 503.
            if path.starts_with("/api/") || path.starts_with("/oparl/") {
                assert!(responses.contains_key("503"), "{id}: no 503");
            }
            // Everything below a project answers 410 once the project is deleted.
            if path.starts_with("/api/v1/projects/{id}") {
                assert!(responses.contains_key("410"), "{id}: no 410");
            }
            if path.starts_with("/oparl/") && path.contains('{') {
                assert!(responses.contains_key("404"), "{id}: no 404");
            }
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if secured && path.starts_with("/api/") {
                assert!(responses.contains_key("401"), "{id}: secured but no 401");
            }
            // Every list lets an integrating system ask for what changed since its last visit.
            if method == "get" && id.starts_with("list_") {
                let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
                assert!(
                    parameters
                        .iter()
                        .any(|p| p["name"] == "modified_since" && p["in"] == "query"),
                    "{id}: a list without `modified_since`"
                );
                assert!(
                    responses.contains_key("400"),
                    "{id}: takes query parameters but no 400"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{id}: takes a body but no {status}"
                    );
                }
            }
        }
    }
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        // OParl clients expect OParl error objects; everything else answers problem+json.
        let media_type = if name.starts_with("Oparl") {
            "application/json"
        } else {
            "application/problem+json"
        };
        let content = &response["content"][media_type];
        assert!(
            content["example"].is_object(),
            "{name}: no {media_type} example"
        );
    }
}

/// Every `$ref` names a schema the document defines (client generators stop at the first one
/// that does not).
#[test]
fn every_schema_reference_resolves() {
    fn walk(value: &Value, schemas: &serde_json::Map<String, Value>, dangling: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("$ref", Value::String(target)) => {
                            let name = target.trim_start_matches("#/components/schemas/");
                            if target.starts_with("#/components/schemas/")
                                && !schemas.contains_key(name)
                            {
                                dangling.push(name.to_owned());
                            }
                        }
                        _ => walk(inner, schemas, dangling),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, schemas, dangling)),
            _ => {}
        }
    }
    let doc = generated();
    let schemas = doc["components"]["schemas"].as_object().unwrap().clone();
    let mut dangling = Vec::new();
    walk(&doc, &schemas, &mut dangling);
    assert!(dangling.is_empty(), "undefined schemas: {dangling:?}");
}

/// Two response types of one name overwrote each other's schema (the status report was
/// documented as the organization report): each operation names its own.
#[test]
fn status_reports_and_organization_reports_have_schemas_of_their_own() {
    let doc = generated();
    let schemas = &doc["components"]["schemas"];
    let created = &doc["paths"]["/api/v1/projects/{id}/reports"]["post"]["responses"]["201"];
    assert_eq!(
        created["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/StatusReportResponse"
    );
    assert!(schemas["StatusReportResponse"]["properties"]["project_id"].is_object());
    let report = &doc["paths"]["/api/v1/organizations/{org}/report"]["get"]["responses"]["200"];
    assert_eq!(
        report["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ReportResponse"
    );
    assert!(schemas["ReportResponse"]["properties"]["organization"].is_object());
}

/// An organization without a participation has `null` in the matrix, as the document says.
#[test]
fn matrix_cells_may_be_null() {
    let doc = generated();
    let states = &doc["components"]["schemas"]["MatrixRowResponse"]["properties"]["states"];
    let variants = states["additionalProperties"]["oneOf"].as_array().unwrap();
    assert!(variants.iter().any(|v| v["type"] == "null"), "{states}");
    assert!(
        variants
            .iter()
            .any(|v| v["$ref"] == "#/components/schemas/ParticipationState")
    );
}

/// Links name existing operations and only parameters those operations take.
#[test]
fn links_lead_to_existing_operations_and_their_parameters() {
    let doc = generated();
    let mut operations = std::collections::BTreeMap::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            if let Some(id) = operation["operationId"].as_str() {
                operations.insert(id.to_owned(), operation.clone());
            }
        }
    }
    let mut links = 0;
    for operation in operations.values() {
        for response in operation["responses"].as_object().unwrap().values() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target = &operations[link["operationId"].as_str().unwrap()];
                for parameter in link["parameters"].as_object().unwrap().keys() {
                    let (place, name_of) = parameter.split_once('.').unwrap();
                    assert!(
                        target["parameters"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|p| { p["in"] == place && p["name"] == name_of }),
                        "link {name}: {parameter}"
                    );
                }
                links += 1;
            }
        }
    }
    assert!(links > 100, "only {links} links");
    let created = &doc["paths"]["/api/v1/projects"]["post"]["responses"]["201"]["links"];
    assert_eq!(
        created["get_project"]["parameters"]["path.id"],
        "$response.body#/id"
    );
}

/// The text rule of request bodies is in the document: a title refuses control characters
/// and a leading `=`, running text allows line breaks.
#[test]
fn request_text_fields_carry_the_text_rule() {
    let doc = generated();
    let create = &doc["components"]["schemas"]["CreateProject"]["properties"];
    let title = create["title"]["pattern"].as_str().unwrap();
    let valid = |pattern: &str, text: &str| {
        jsonschema::is_valid(
            &serde_json::json!({"type": "string", "pattern": pattern}),
            &Value::from(text),
        )
    };
    assert!(valid(title, "Smarte Straßenbeleuchtung"));
    assert!(!valid(title, "=HYPERLINK(1)"));
    assert!(!valid(title, "a\tb"));
    let description = create["description"]["pattern"].as_str().unwrap();
    assert!(valid(description, "Zeile 1\nZeile 2"));
    assert!(!valid(description, "a\u{7}b"));
}

/// A signing secret of one's own is accepted exactly when the document's pattern says so.
#[test]
fn the_webhook_secret_pattern_is_the_secret_rule() {
    use base64::Engine;
    use smartregion::domain::webhooks::SigningSecret;
    let doc = generated();
    let schemas = &doc["components"]["schemas"];
    for schema in ["CreateWebhook", "UpdateWebhook"] {
        let pattern = schemas[schema]["properties"]["secret"]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{schema}.secret has no pattern"));
        let check = serde_json::json!({"type": "string", "pattern": pattern});
        let engine = base64::engine::general_purpose::STANDARD;
        let mut samples: Vec<String> = (20..=70)
            .map(|n| format!("whsec_{}", engine.encode(vec![0xa7u8; n])))
            .collect();
        samples.extend(
            [
                "whsec_",
                "whsec_abc",
                "sec_AAAA",
                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB==",
            ]
            .map(String::from),
        );
        // Non-canonical trailing bits (the last character of a padded group).
        samples.push(format!("whsec_{}B==", "A".repeat(34)));
        samples.push(format!("whsec_{}AB=", "A".repeat(33)));
        for secret in samples {
            assert_eq!(
                jsonschema::is_valid(&check, &Value::from(secret.as_str())),
                SigningSecret::parse(&secret).is_ok(),
                "{schema}: {secret}"
            );
        }
    }
}
