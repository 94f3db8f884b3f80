//! The one integration-test binary: the real application over HTTP against a real PostgreSQL,
//! a fresh database per test.

mod helpers;

mod audit;
mod audit_tie;
mod auth;
mod authorization;
mod authorization_matrix;
mod bench_data;
mod changes;
mod cli;
mod contract;
mod cors;
mod costs;
mod database_roles;
mod database_tls;
mod erasure;
mod errors;
mod faults;
mod feed_order;
mod health;
mod hostile_input;
mod http_hardening;
mod idempotency;
mod initiatives;
mod jwt_matrix;
mod layering;
mod meetings;
mod metrics;
mod modified_since;
mod oparl;
mod openapi;
mod organizations;
mod participations;
mod profile;
mod profile_neutral;
mod projects;
mod published_secrets;
mod rate_limits;
mod reporting;
mod routes;
mod schema;
mod security_webhooks;
mod text_safety;
mod webhooks;
mod write_retries;
