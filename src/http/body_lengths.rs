//! The `maxLength` the document states for a request body's strings, for the strings that the
//! text rule shortened. `maxLength` counts the characters the client sent, but the text rule
//! (`extract::check_text`) reads CRLF as LF and composes to NFC before any field's own check
//! counts them: a text of 1,001 characters sent with one CRLF would pass a limit of 1,000. Such
//! a text is measured here, as sent, against the limit the document states for its place.

use serde_json::Value;

/// How deep a lookup follows `$ref`s and combinators before it gives up (the document's body
/// schemas are far shallower; a cycle must not loop).
const MAX_DEPTH: usize = 32;

/// The request body schemas of the served document, by method and route pattern.
pub struct BodyLengths {
    document: Value,
}

impl BodyLengths {
    /// From the served OpenAPI document as JSON.
    pub fn new(document: Value) -> Self {
        Self { document }
    }

    /// The `maxLength` at `pointer` (a JSON pointer into the body) of the JSON body of
    /// `method` on `path` (as the document names the path, e.g. `/api/v1/projects/{id}`); the
    /// smallest where several alternatives state one.
    pub fn max_length(&self, method: &str, path: &str, pointer: &str) -> Option<u64> {
        let schema = self
            .document
            .get("paths")?
            .get(path)?
            .get(method.to_ascii_lowercase())?
            .get("requestBody")?
            .get("content")?
            .get("application/json")?
            .get("schema")?;
        let segments: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        self.at(schema, &segments, 0)
    }

    fn at(&self, schema: &Value, segments: &[String], depth: usize) -> Option<u64> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let name = target.strip_prefix("#/components/schemas/")?;
            let resolved = self.document.get("components")?.get("schemas")?.get(name)?;
            return self.at(resolved, segments, depth + 1);
        }
        let mut found: Option<u64> = None;
        let mut take = |limit: Option<u64>| {
            if let Some(limit) = limit {
                found = Some(found.map_or(limit, |f| f.min(limit)));
            }
        };
        for combinator in ["oneOf", "anyOf", "allOf"] {
            for branch in schema
                .get(combinator)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                take(self.at(branch, segments, depth + 1));
            }
        }
        match segments.split_first() {
            None => take(schema.get("maxLength").and_then(Value::as_u64)),
            Some((segment, rest)) => {
                let next = schema
                    .get("properties")
                    .and_then(|p| p.get(segment.as_str()))
                    .or_else(|| {
                        segment
                            .parse::<usize>()
                            .ok()
                            .and_then(|_| schema.get("items"))
                    })
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(next) = next {
                    take(self.at(next, rest, depth + 1));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_the_limit_through_refs_items_and_alternatives() {
        let lengths = BodyLengths::new(json!({
            "paths": {"/things/{id}": {"post": {"requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}
            }}}}}},
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {
                    "reason": {"type": ["string", "null"], "maxLength": 1000},
                    "note": {"oneOf": [{"type": "null"}, {"type": "string", "maxLength": 20}]},
                    "tags": {"type": "array", "items": {"type": "string", "maxLength": 50}},
                    "a/b": {"type": "string", "maxLength": 7},
                    "free": {"type": "string"}
                }}
            }}
        }));
        let at = |pointer| lengths.max_length("POST", "/things/{id}", pointer);
        assert_eq!(at("/reason"), Some(1000));
        assert_eq!(at("/note"), Some(20));
        assert_eq!(at("/tags/3"), Some(50));
        assert_eq!(at("/a~1b"), Some(7));
        assert_eq!(at("/free"), None);
        assert_eq!(at("/unknown"), None);
        assert_eq!(lengths.max_length("PUT", "/things/{id}", "/reason"), None);
    }
}
