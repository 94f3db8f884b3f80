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
    /// Each route with its number of literal segments: where several routes match a path, the
    /// one with the most literals is the path's route (`/projects/export`, not `/projects/{id}`).
    routes: Vec<(ResourceDef, usize, Vec<String>)>,
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
                let literals = path
                    .split('/')
                    .filter(|segment| !segment.is_empty() && !segment.starts_with('{'))
                    .count();
                (ResourceDef::new(path.as_str()), literals, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path` (those of its most specific route), or `None` when no
    /// route has that path.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let matching: Vec<_> = self
            .routes
            .iter()
            .filter(|(def, _, _)| def.is_match(path))
            .collect();
        let most_literals = matching.iter().map(|(_, literals, _)| *literals).max()?;
        let mut allowed: Vec<String> = matching
            .into_iter()
            .filter(|(_, literals, _)| *literals == most_literals)
            .flat_map(|(_, _, methods)| methods.iter().cloned())
            .collect();
        allowed.sort();
        allowed.dedup();
        Some(allowed)
    }

    /// The 405 for a request that actix routed to a parameter route although its path is a
    /// literal route without this method (`PATCH /projects/export` reaching `PATCH
    /// /projects/{id}` and failing to parse `export` as an id).
    pub fn method_not_allowed(&self, method: &str, path: &str) -> Option<ApiError> {
        let allowed = self.allowed(path)?;
        (!allowed.iter().any(|m| m == method)).then_some(ApiError::MethodNotAllowed { allowed })
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
