//! OpenAPI `links` between operations, derived from the paths: they tell clients (and the
//! stateful phase of Schemathesis in CI) where a response's ids lead.
//!
//! - a `POST` that creates (`201`) leads to the operations on the new item (`/things/{id}`, the
//!   id from the body, `If-Match` from its `ETag`) and to the collections below it;
//! - an item's answer leads to the other methods of the same item (with its `ETag`);
//! - an item's `GET` leads to the collections and singletons below it (`/things/{id}/parts`);
//! - a list's `GET` leads to the `GET` of its first item.
//!
//! Path parameters the source and the target share are passed on from the source's request.

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::openapi::link::Link;
use utoipa::openapi::{OpenApi, RefOr};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// One operation as the link rules see it.
struct Operation<'a> {
    path: &'a str,
    method: &'a str,
    id: &'a str,
    value: &'a Value,
}

/// Adds the links to every operation under `/api/`.
pub fn document_links(doc: &mut OpenApi) {
    let value = serde_json::to_value(&*doc).expect("the OpenAPI document serializes");
    for (path, method, status, name, link) in derive_links(&value) {
        let Some(item) = doc.paths.paths.get_mut(&path) else {
            continue;
        };
        let operation = match method.as_str() {
            "get" => item.get.as_mut(),
            "put" => item.put.as_mut(),
            "post" => item.post.as_mut(),
            "delete" => item.delete.as_mut(),
            "patch" => item.patch.as_mut(),
            _ => None,
        };
        if let Some(RefOr::T(response)) =
            operation.and_then(|op| op.responses.responses.get_mut(&status))
        {
            response.links.insert(name, RefOr::T(link));
        }
    }
}

type DerivedLink = (String, String, String, String, Link);

fn derive_links(doc: &Value) -> Vec<DerivedLink> {
    let mut operations = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths.iter().filter(|(p, _)| p.starts_with("/api/")) {
            for method in METHODS {
                if let Some(id) = item[method]["operationId"].as_str() {
                    operations.push(Operation {
                        path,
                        method,
                        id,
                        value: &item[method],
                    });
                }
            }
        }
    }
    let mut links = Vec::new();
    for source in &operations {
        for status in ["200", "201"] {
            let response = &source.value["responses"][status];
            if response.is_null() {
                continue;
            }
            let body = resolve(doc, &response["content"]["application/json"]["schema"]);
            let has_etag = response["headers"]["ETag"].is_object();
            for target in &operations {
                if let Some(parameters) =
                    link_parameters(doc, source, status, body, has_etag, target)
                {
                    let mut link = Link::builder().operation_id(target.id).build();
                    link.parameters = parameters;
                    links.push((
                        source.path.to_owned(),
                        source.method.to_owned(),
                        status.to_owned(),
                        target.id.to_owned(),
                        link,
                    ));
                }
            }
        }
    }
    links
}

/// The parameters of a link from `source`'s answer to `target`, or `None` when no rule links them.
fn link_parameters(
    doc: &Value,
    source: &Operation,
    status: &str,
    body: &Value,
    has_etag: bool,
    target: &Operation,
) -> Option<BTreeMap<String, Value>> {
    if source.id == target.id {
        return None;
    }
    let from: Vec<&str> = source.path.split('/').collect();
    let to: Vec<&str> = target.path.split('/').collect();
    if to.len() < from.len() || to.len() > from.len() + 2 {
        return None;
    }
    // The shared prefix: literals equal, parameters passed on (their names may differ).
    let mut parameters = BTreeMap::new();
    for (s, t) in from.iter().zip(&to) {
        match (param_name(s), param_name(t)) {
            (Some(s), Some(t)) => {
                parameters.insert(
                    format!("path.{t}"),
                    Value::from(format!("$request.path.{s}")),
                );
            }
            (None, None) if s == t => {}
            _ => return None,
        }
    }
    let extra = &to[from.len()..];
    let source_is_item = from.last().and_then(|s| param_name(s)).is_some();
    let takes_if_match = target.value["parameters"].as_array().is_some_and(|ps| {
        ps.iter()
            .any(|p| p["in"] == "header" && p["name"] == "If-Match")
    });
    let new_item_id = |param: &str| -> Option<Value> {
        let field = id_field(param, body)?;
        Some(Value::from(format!("$response.body#/{field}")))
    };
    match extra {
        // The same item, another method.
        [] if source_is_item && source.method != target.method => {
            if takes_if_match && has_etag {
                parameters.insert("header.If-Match".into(), "$response.header.ETag".into());
            }
        }
        // A created item.
        [item] if source.method == "post" && status == "201" => {
            let param = param_name(item)?;
            parameters.insert(format!("path.{param}"), new_item_id(param)?);
            if takes_if_match && has_etag {
                parameters.insert("header.If-Match".into(), "$response.header.ETag".into());
            }
        }
        // The first item of a list.
        [item]
            if source.method == "get" && target.method == "get" && param_name(item).is_some() =>
        {
            let param = param_name(item)?;
            let first = resolve(doc, &body["properties"]["items"]["items"]);
            let field = id_field(param, first)?;
            parameters.insert(
                format!("path.{param}"),
                Value::from(format!("$response.body#/items/0/{field}")),
            );
        }
        // What lies below an item.
        [below] if source_is_item && source.method == "get" && param_name(below).is_none() => {}
        // What lies below a created item.
        [item, below]
            if source.method == "post" && status == "201" && param_name(below).is_none() =>
        {
            let param = param_name(item)?;
            parameters.insert(format!("path.{param}"), new_item_id(param)?);
        }
        _ => return None,
    }
    Some(parameters)
}

fn param_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// The field of a response body that holds the value of the path parameter `param`.
fn id_field<'a>(param: &'a str, body: &Value) -> Option<&'a str> {
    let properties = body["properties"].as_object()?;
    let candidates: &[&'a str] = match param {
        "org" => &["organization"],
        "key" => &["key"],
        "version" => &["version"],
        _ => &["id"],
    };
    candidates
        .iter()
        .chain(std::iter::once(&param))
        .find(|field| properties.contains_key(**field))
        .copied()
}

/// The schema itself, or the component a `$ref` names.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => reference
            .strip_prefix("#/components/schemas/")
            .map(|name| &doc["components"]["schemas"][name])
            .unwrap_or(schema),
        None => schema,
    }
}
