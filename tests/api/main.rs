//! The API suite: HTTP requests to a server on port 0, against SQLite and Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod analysis;
mod attacks;
mod batching;
mod cli;
mod cluster;
mod compiled;
mod entities;
mod errors;
mod extraction;
mod faults;
mod filters;
mod fixtures;
mod fuzz;
mod hostile;
mod http;
mod live;
mod node;
mod pagination;
mod rate_limits;
mod response_cache;
mod sample_graph;
mod schema;
mod schemathesis;
mod text_rule;
mod writes;
