//! newsgraph: a GraphQL API over a linked graph of news reporting.
pub mod cli;
pub mod configuration;
pub mod domain;
pub mod entities;
pub mod graphql;
pub mod http;
pub mod sched;
pub mod services;
pub mod startup;
pub mod telemetry;
