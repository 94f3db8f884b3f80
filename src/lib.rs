//! smartregion: the coordination API of a Smart Region cooperation (its profile names it).

pub mod api;
pub mod auth;
pub mod bench_data;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod http;
pub mod oparl;
pub mod openapi;
pub mod profile;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod webhooks;
