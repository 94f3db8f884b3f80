//! Answers for requests no handler takes: 405 with `Allow` when the path exists under another
//! method, 404 otherwise, both as problem documents.
//!
//! actix routes a request whose method matches no handler to the default service, like an
//! unknown path. The route table here is built from the OpenAPI document, the one list of every
//! route, so the two cannot drift apart.

use actix_router::ResourceDef;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

/// Every documented path with the methods it accepts.
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<String> = Vec::new();
                let ops = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("HEAD", item.head.is_some()),
                ];
                for (name, present) in ops {
                    if present {
                        methods.push(name.to_owned());
                    }
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path`, or `None` when no route has that path.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut allowed: Vec<String> = self
            .routes
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        if allowed.is_empty() {
            return None;
        }
        allowed.sort();
        allowed.dedup();
        Some(allowed)
    }
}

pub async fn default_service(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match routes.allowed(req.path()) {
        Some(allowed) => ApiError::MethodNotAllowed { allowed },
        None => ApiError::not_found(format!("no resource at {}", req.path())),
    })
}
