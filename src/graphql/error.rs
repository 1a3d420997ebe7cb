//! Service errors as GraphQL errors with a stable `extensions.code`. Unexpected errors are
//! logged with their cause chain and reach the client only as "internal error": a stray `?`
//! on a database error would ship SQL text, so resolvers convert through `.gql()`.
use std::sync::Arc;

use async_graphql::{Error, ErrorExtensions};

use crate::services::error::ServiceError;

pub fn to_graphql(e: &ServiceError) -> Error {
    if let ServiceError::Ambiguous { message, kind, ids } = e {
        let candidates: Vec<async_graphql::Value> = ids
            .iter()
            .map(|id| {
                async_graphql::Value::String(
                    crate::domain::node_id::NodeId::new(*kind, *id).encode(),
                )
            })
            .collect();
        return Error::new(message.clone()).extend_with(|_, ext| {
            ext.set("code", "AMBIGUOUS");
            ext.set("candidates", async_graphql::Value::List(candidates.clone()));
        });
    }
    let (code, message) = match e {
        ServiceError::NotFound(m) => ("NOT_FOUND", m.clone()),
        ServiceError::Invalid(m) => ("BAD_USER_INPUT", m.clone()),
        ServiceError::Conflict(m) => ("CONFLICT", m.clone()),
        ServiceError::Ambiguous { message, .. } => ("AMBIGUOUS", message.clone()),
        ServiceError::Unavailable(m) => ("SERVICE_UNAVAILABLE", m.clone()),
        ServiceError::Unexpected(err) => {
            tracing::error!(error = ?err, "request failed");
            ("INTERNAL", "internal error".to_string())
        }
    };
    Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

pub fn bad_input(message: impl Into<String>) -> Error {
    to_graphql(&ServiceError::Invalid(message.into()))
}

/// `.gql()` turns a service or loader result into a resolver result.
pub trait IntoGql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGql<T> for Result<T, ServiceError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| to_graphql(&e))
    }
}

impl<T> IntoGql<T> for Result<T, Arc<ServiceError>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| to_graphql(&e))
    }
}
