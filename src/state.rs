//! What every handler can reach: the pool, the configuration and the token verifier.
//!
//! A leaf of the layering (it imports only configuration, the database and authentication's
//! verifier), so that handlers, extractors and OParl reach it without importing `startup`,
//! which builds the App from the route table that imports them.

use std::sync::Arc;

use crate::auth::jwt::JwtVerifier;
use crate::config::Config;
use crate::db::DbPool;

/// Shared by every worker, behind `web::Data`.
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub verifier: JwtVerifier,
}
