//! A required member of a request body is never `null`. Some handlers read required members
//! as `Option`, so that a missing one is a 422 naming its field among the others (not serde's
//! first error), and they refuse `null` in the same way. The derive macros document every
//! `Option` as nullable; this takes `null` out again for the members a request schema lists as
//! required. Schemas that a response uses as well keep their nullability: in an answer,
//! "required and nullable" means "always there, maybe null".

use std::collections::BTreeSet;

use serde_json::Value;

pub fn forbid_null_in_required(doc: &mut Value) {
    let requests = reachable(doc, |operation| {
        operation.get("requestBody").into_iter().collect()
    });
    let responses = reachable(doc, |operation| {
        operation.get("responses").into_iter().collect()
    });
    for name in requests.difference(&responses) {
        let schema = &mut doc["components"]["schemas"][name];
        let required: Vec<String> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect();
        for member in required {
            if let Some(property) = schema["properties"].get_mut(&member) {
                strip_null(property);
            }
        }
    }
}

/// The component schemas reachable from the parts of each operation that `parts` picks.
fn reachable(doc: &Value, parts: impl Fn(&Value) -> Vec<&Value>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<&Value> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
        .flat_map(&parts)
        .collect();
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(object) => {
                if let Some(name) = object
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && found.insert(name.to_owned())
                {
                    pending.push(&doc["components"]["schemas"][name]);
                }
                pending.extend(object.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    found
}

/// Removes `null` from a property schema: from its `type` list, or as an alternative of its
/// `oneOf` (the one alternative left takes the place of the `oneOf`).
fn strip_null(schema: &mut Value) {
    if let Some(types) = schema.get_mut("type").and_then(Value::as_array_mut) {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            schema["type"] = types[0].clone();
        }
        return;
    }
    let Some(variants) = schema.get_mut("oneOf").and_then(Value::as_array_mut) else {
        return;
    };
    variants.retain(|v| v.get("type").and_then(Value::as_str) != Some("null"));
    if variants.len() == 1 {
        let only = variants.remove(0);
        let object = schema
            .as_object_mut()
            .expect("a schema with oneOf is an object");
        object.remove("oneOf");
        for (key, value) in only.as_object().into_iter().flatten() {
            object.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_request_members_lose_null_and_optional_ones_keep_it() {
        let mut doc = json!({
            "paths": {"/x": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}},
                "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}
            }}},
            "components": {"schemas": {
                "New": {"type": "object", "required": ["a", "b"], "properties": {
                    "a": {"type": ["integer", "null"], "minimum": 0},
                    "b": {"oneOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "null"}], "description": "B"},
                    "c": {"type": ["string", "null"]}
                }},
                "Kind": {"type": "string", "enum": ["x"]},
                "Out": {"type": "object", "required": ["a"], "properties": {"a": {"type": ["integer", "null"]}}}
            }}
        });
        forbid_null_in_required(&mut doc);
        let new = &doc["components"]["schemas"]["New"]["properties"];
        assert_eq!(new["a"], json!({"type": "integer", "minimum": 0}));
        assert_eq!(
            new["b"],
            json!({"$ref": "#/components/schemas/Kind", "description": "B"})
        );
        assert_eq!(new["c"], json!({"type": ["string", "null"]}));
        let out = &doc["components"]["schemas"]["Out"]["properties"];
        assert_eq!(out["a"], json!({"type": ["integer", "null"]}));
    }
}
