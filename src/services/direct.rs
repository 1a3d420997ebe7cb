//! The compiled read path's own PostgreSQL connections, outside sea-orm's pool.
//!
//! sqlx's pool pings every connection given back to it (a `Sync` and its `ReadyForQuery`, one
//! more round trip after each statement, unconditionally in sqlx 0.9): for a read that is one
//! statement, that is half the messages PostgreSQL handles. These connections are taken and
//! given back without it. A connection is only given back after its statement succeeded; one
//! whose statement failed or was abandoned (a timeout drops the future) is closed, and one
//! idle for a second is pinged before use, as the main pool does.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgRow, Postgres};
use sea_orm::sqlx::query::Query;
use sea_orm::sqlx::{self, Connection};

/// Idle longer than this, a connection is pinged before use (the database may have restarted).
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

pub struct DirectConnections {
    options: PgConnectOptions,
    /// Each thread's own connections. A connection's socket belongs to the event loop of the
    /// thread that opened it (each actix worker runs its own); used from another thread, its
    /// wake-ups wait on that one. So a thread only ever uses connections it opened.
    threads: Mutex<HashMap<ThreadId, Arc<ThreadSet>>>,
    /// Connections a thread may have open.
    per_thread: usize,
    /// The server's SQL statement counter (`/metrics`), shared with the main pool.
    statements: Arc<AtomicU64>,
}

/// One thread's connections: the idle ones and a permit for each that may be in use.
struct ThreadSet {
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    permits: tokio::sync::Semaphore,
}

impl DirectConnections {
    /// At most `max` connections in all, split over the worker threads (at least 2 each),
    /// opened when first needed.
    pub fn new(options: PgConnectOptions, max: usize, statements: Arc<AtomicU64>) -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            options,
            threads: Mutex::new(HashMap::new()),
            per_thread: max.div_ceil(threads).max(2),
            statements,
        }
    }

    fn set(&self) -> Option<Arc<ThreadSet>> {
        let mut threads = self.threads.lock().ok()?;
        let set = threads
            .entry(std::thread::current().id())
            .or_insert_with(|| {
                Arc::new(ThreadSet {
                    idle: Mutex::new(Vec::new()),
                    permits: tokio::sync::Semaphore::new(self.per_thread),
                })
            });
        Some(set.clone())
    }

    /// Runs one statement and returns its first row. `Ok(None)` also when a parameter is of a
    /// type this path does not bind (the caller then uses the main pool).
    pub async fn fetch_one(
        &self,
        sql: &str,
        params: &[sea_orm::Value],
    ) -> Result<Option<PgRow>, sqlx::Error> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        for value in params {
            match bind(query, value) {
                Some(q) => query = q,
                None => return Ok(None),
            }
        }
        let Some(set) = self.set() else {
            return Ok(None);
        };
        let _permit = set
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let mut conn = self.take(&set).await?;
        self.statements.fetch_add(1, Ordering::Relaxed);
        // On an error (or if this future is dropped) the connection is closed, never reused.
        let row = query.fetch_one(&mut conn).await?;
        if let Ok(mut idle) = set.idle.lock() {
            idle.push((conn, Instant::now()));
        }
        Ok(Some(row))
    }

    /// An idle connection of this thread, or a new one.
    async fn take(&self, set: &ThreadSet) -> Result<PgConnection, sqlx::Error> {
        loop {
            let next = set.idle.lock().ok().and_then(|mut idle| idle.pop());
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
