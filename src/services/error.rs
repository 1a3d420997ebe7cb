//! What a use case can fail with, written as what the caller is told.
use std::sync::Arc;

use crate::domain::cursor::CursorError;
use crate::domain::node_id::NodeIdError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The thing asked for does not exist: the client sees the message (NOT_FOUND).
    #[error("{0}")]
    NotFound(String),
    /// The request is wrong in a way the client can fix: the message says how (BAD_USER_INPUT).
    #[error("{0}")]
    Invalid(String),
    /// The request clashes with stored data (CONFLICT).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot take the request right now (every pooled connection is busy, or the
    /// database is unreachable): the client is told to retry (SERVICE_UNAVAILABLE).
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged with its cause chain; the client sees only "internal error" (INTERNAL).
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(e: sea_orm::DbErr) -> Self {
        match e {
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::Unavailable("the database is busy or unreachable; retry shortly".into())
            }
            e => Self::Unexpected(anyhow::Error::new(e).context("database request failed")),
        }
    }
}

impl From<NodeIdError> for ServiceError {
    fn from(e: NodeIdError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<CursorError> for ServiceError {
    fn from(e: CursorError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// Loaders need a `Clone` error; they share one failure between every waiting field.
pub type SharedError = Arc<ServiceError>;
