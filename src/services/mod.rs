//! The use cases: reading lists and relations, ingesting articles. The only layer that builds
//! queries and transactions; it knows nothing of GraphQL or HTTP.
pub mod analysis;
pub mod direct;
pub mod error;
pub mod events;
pub mod export;
pub mod extract;
pub mod generate;
pub mod import;
pub mod ingest;
pub mod live;
pub mod page;
pub mod rate_limit;
pub mod read;
pub mod relations;
pub mod search;
pub mod sql;
pub mod write;
