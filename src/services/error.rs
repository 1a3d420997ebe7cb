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
    /// A name matches several entities (AMBIGUOUS): the message names them, and the client is
    /// given their ids to choose by.
    #[error("{message}")]
    Ambiguous {
        message: String,
        kind: crate::domain::node_id::NodeKind,
        ids: Vec<i32>,
    },
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

/// Whether a database error is transient: the connection was lost or killed, the server is
/// shutting down or starting, or the transaction lost a serialization race. Retrying the whole
/// request is safe (a write is one transaction: it either committed or left nothing).
/// The sqlx error under a database error, if there is one.
fn sqlx_error(e: &sea_orm::DbErr) -> Option<&sea_orm::sqlx::Error> {
    match e {
        sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(inner))
        | sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(inner))
        | sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(inner)) => Some(inner.as_ref()),
        _ => None,
    }
}

fn is_transient(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let Some(inner) = sqlx_error(e) else {
        return false;
    };
    match inner {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Protocol(_) => true,
        Sqlx::Database(d) => d.code().is_some_and(|c| {
            // PostgreSQL's SQLSTATE (five characters; SQLite's codes are numbers): 08
            // connection exception; 57 operator intervention (terminated, shutting down,
            // cannot connect now); 40001/40P01 serialization failure, deadlock.
            c.len() == 5
                && (c.starts_with("08") || c.starts_with("57") || c == "40001" || c == "40P01")
        }),
        _ => false,
    }
}

/// The SQLSTATE of a database error, if it has one.
fn sqlstate(e: &sea_orm::DbErr) -> Option<String> {
    match sqlx_error(e)? {
        sea_orm::sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
        _ => None,
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(e: sea_orm::DbErr) -> Self {
        // PostgreSQL text cannot hold NUL (SQLite's can): the client sent one.
        if matches!(sqlstate(&e).as_deref(), Some("22021" | "22P05")) {
            return Self::Invalid(
                "text may not contain the NUL character (\\u0000) or other characters that cannot be stored".into(),
            );
        }
        match e {
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::Unavailable("the database is busy or unreachable; retry shortly".into())
            }
            e if is_transient(&e) => {
                tracing::warn!(error = %e, "database request interrupted");
                Self::Unavailable(
                    "the database connection was interrupted; nothing was written, retry".into(),
                )
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
