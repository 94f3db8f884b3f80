//! The one integration-test binary: the real application over HTTP against a real PostgreSQL,
//! a fresh database per test.

mod helpers;

mod audit;
mod auth;
mod cli;
mod costs;
mod errors;
mod health;
mod jwt_matrix;
mod openapi;
mod organizations;
mod schema;
