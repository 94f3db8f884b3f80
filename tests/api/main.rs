//! The one integration-test binary: the real application over HTTP against a real PostgreSQL,
//! a fresh database per test.

mod helpers;

mod audit;
mod auth;
mod changes;
mod cli;
mod contract;
mod cors;
mod costs;
mod database_tls;
mod errors;
mod health;
mod http_hardening;
mod idempotency;
mod jwt_matrix;
mod meetings;
mod metrics;
mod modified_since;
mod oparl;
mod openapi;
mod organizations;
mod participations;
mod projects;
mod reporting;
mod schema;
mod webhooks;
