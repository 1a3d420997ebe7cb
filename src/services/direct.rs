//! The compiled read path's own PostgreSQL connections, outside sea-orm's pool.
//!
//! sqlx's pool pings every connection given back to it (a `Sync` and its `ReadyForQuery`, one
//! more round trip after each statement, unconditionally in sqlx 0.9): for a read that is one
//! statement, that is half the messages PostgreSQL handles. These connections are taken and
//! given back without it. A connection is only given back after its statement succeeded (one
//! whose statement failed is closed), and one idle for a second is pinged before use, as the
//! main pool does.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgRow, Postgres};
use sea_orm::sqlx::query::Query;
use sea_orm::sqlx::{self, Connection};

/// Idle longer than this, a connection is pinged before use (the database may have restarted).
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

pub struct DirectConnections {
    inner: Arc<Inner>,
    /// The runtime the connections live on: the server's main (multi-thread) one. A socket
    /// belongs to the event loop of the runtime that opened it; actix's workers each run their
    /// own single-threaded one, and connections kept per worker stalled some requests for
    /// seconds under load. Each statement runs as a task there.
    runtime: tokio::runtime::Handle,
}

struct Inner {
    options: PgConnectOptions,
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    permits: tokio::sync::Semaphore,
    /// The server's SQL statement counter (`/metrics`), shared with the main pool.
    statements: Arc<AtomicU64>,
}

impl DirectConnections {
    /// At most `max` connections, opened when first needed, on the current runtime.
    pub fn new(options: PgConnectOptions, max: usize, statements: Arc<AtomicU64>) -> Self {
        Self {
            inner: Arc::new(Inner {
                options,
                idle: Mutex::new(Vec::new()),
                permits: tokio::sync::Semaphore::new(max.max(1)),
                statements,
            }),
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Runs one statement and returns its first row. `Ok(None)` when a parameter is of a type
    /// this path does not bind (the caller then uses the main pool).
    pub async fn fetch_one(
        &self,
        sql: &Arc<str>,
        params: &[sea_orm::Value],
    ) -> Result<Option<PgRow>, sqlx::Error> {
        // The remembered text is shared, not copied.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for value in params {
            match bind(query, value) {
                Some(q) => query = q,
                None => return Ok(None),
            }
        }
        let inner = self.inner.clone();
        // Runs to the end even if the request is abandoned, so the connection goes back.
        self.runtime
            .spawn(async move { inner.fetch_one(query).await })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("compiled read task: {e}")))?
            .map(Some)
    }
}

impl Inner {
    async fn fetch_one(
        &self,
        query: Query<'static, Postgres, PgArguments>,
    ) -> Result<PgRow, sqlx::Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let mut conn = self.take().await?;
        self.statements.fetch_add(1, Ordering::Relaxed);
        // On an error the connection is closed (dropped), never reused.
        let row = query.fetch_one(&mut conn).await?;
        if let Ok(mut idle) = self.idle.lock() {
            idle.push((conn, Instant::now()));
        }
        Ok(row)
    }

    /// An idle connection (pinged if idle a while), or a new one.
    async fn take(&self) -> Result<PgConnection, sqlx::Error> {
        loop {
            let next = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            match next {
                None => return PgConnection::connect_with(&self.options).await,
                Some((conn, since)) if since.elapsed() < PING_AFTER_IDLE => return Ok(conn),
                Some((mut conn, _)) => {
                    if conn.ping().await.is_ok() {
                        return Ok(conn);
                    }
                    // Broken: dropped (closed); try the next one.
                }
            }
        }
    }
}

/// Binds a parameter of the types compiled statements use, with the SQL types sea-orm gives
/// them (so the statement is the same one either way).
fn bind<'q>(
    q: Query<'q, Postgres, PgArguments>,
    v: &sea_orm::Value,
) -> Option<Query<'q, Postgres, PgArguments>> {
    use sea_orm::Value as V;
    Some(match v {
        V::Bool(x) => q.bind(*x),
        V::Int(x) => q.bind(*x),
        V::BigInt(x) => q.bind(*x),
        V::Double(x) => q.bind(*x),
        V::String(x) => q.bind(x.clone()),
        V::ChronoDate(x) => q.bind(*x),
        V::ChronoDateTimeUtc(x) => q.bind(*x),
        _ => return None,
    })
}
