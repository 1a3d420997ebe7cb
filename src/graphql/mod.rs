//! The GraphQL API: thin resolvers over the services, batching loaders, error mapping.
//! Knows nothing of actix; the http layer executes requests against [`AppSchema`].
pub mod analysis;
pub mod auth;
pub mod compiled;
pub mod connection;
pub mod document;
pub mod error;
pub mod extract;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod shape;
pub mod subscription;
pub mod types;

use std::sync::Arc;

use async_graphql::Schema;
use sea_orm::DatabaseConnection;

pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

use crate::configuration::Limits;
use crate::services::ingest::IngestLock;
use crate::services::live::LiveHub;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema once at start-up; per-request state (loaders, caller) is added to each
/// request by the http layer.
pub fn build_schema(
    db: Option<DatabaseConnection>,
    hub: Option<Arc<LiveHub>>,
    limits: &Limits,
    totals: Arc<crate::services::analysis::TotalsCache>,
) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .data(Arc::new(IngestLock::default()))
        .data(totals)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(limits.max_directives)
        .extension(async_graphql::extensions::Analyzer);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if !limits.suggestions {
        builder = builder.disable_suggestions();
    }
    if let Some(db) = db {
        builder = builder.data(db);
    }
    if let Some(hub) = hub {
        builder = builder.data(hub);
    }
    builder.finish()
}

/// The schema in SDL, as published in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, None, &Limits::default(), Default::default()).sdl()
}
