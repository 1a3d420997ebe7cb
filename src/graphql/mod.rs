//! The GraphQL API: thin resolvers over the services, batching loaders, error mapping.
//! Knows nothing of actix; the http layer executes requests against [`AppSchema`].
pub mod connection;
pub mod error;
pub mod inputs;
pub mod loaders;
pub mod query;
pub mod scalars;
pub mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};
use sea_orm::DatabaseConnection;

pub use query::Query;

pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema once at start-up; per-request state (loaders, caller) is added to each
/// request by the http layer.
pub fn build_schema(db: Option<DatabaseConnection>) -> AppSchema {
    let mut builder = Schema::build(Query, EmptyMutation, EmptySubscription);
    if let Some(db) = db {
        builder = builder.data(db);
    }
    builder.finish()
}

/// The schema in SDL, as published in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
