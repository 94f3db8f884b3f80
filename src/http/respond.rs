//! How a handler answers a write, the same way everywhere: `201 Created` with an absolute
//! `Location` (from `SMARTREGION_PUBLIC_URL`, so that it is right behind a proxy too), and the
//! `ETag` of the version written.

use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::http::etag;

/// `201 Created` with `Location: {public_url}{path}`; `path` starts with `/api/v1/`.
pub fn created(public_url: &str, path: impl std::fmt::Display) -> HttpResponseBuilder {
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("{public_url}{path}")));
    builder
}

/// `201 Created` as [`created`], with the `ETag` of `version`.
pub fn created_versioned(
    public_url: &str,
    path: impl std::fmt::Display,
    version: i32,
) -> HttpResponseBuilder {
    let mut builder = created(public_url, path);
    builder.insert_header((header::ETAG, etag::header_value(version)));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_is_absolute_and_the_etag_names_the_version() {
        let response =
            created_versioned("https://smartregion.example", "/api/v1/projects/1", 3).finish();
        assert_eq!(response.status(), actix_web::http::StatusCode::CREATED);
        assert_eq!(
            response.headers().get(header::LOCATION).unwrap(),
            "https://smartregion.example/api/v1/projects/1"
        );
        assert_eq!(response.headers().get(header::ETAG).unwrap(), "\"3\"");
    }
}
