//! Start-up as a value: connect, migrate, seed, build the schema once, bind the listener.
//! Tests and `main` start the app the same way (port 0 in tests).
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::dev::Server;
use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::configuration::{ApiKeys, CorsOrigins, LiveSettings, Settings, mask_password};
use crate::entities::article;
use crate::graphql::{self, AppSchema};
use crate::http;
use crate::services::events;
use crate::services::ingest::{self, IngestLock};
use crate::services::live::{self, LiveHub};
use crate::services::rate_limit::{Budget, RateLimiter};

/// Shared, read-only state of a running server.
pub struct AppState {
    pub db: DatabaseConnection,
    pub api_keys: ApiKeys,
    pub cors: CorsOrigins,
    pub cache_max_age: u32,
    pub limits: crate::configuration::Limits,
    /// Automatic persisted queries: sha256 → query text.
    pub persisted: crate::http::PersistedQueries,
    pub schema: AppSchema,
    /// SQL statements run since start-up (for `/metrics`, benchmarks and the N+1 test).
    pub sql_statements: Arc<AtomicU64>,
    /// Committed events for subscriptions, and the shutdown switch of live connections.
    pub live: Arc<LiveHub>,
    pub live_settings: LiveSettings,
    /// Open WebSocket connections per client, to cap them.
    pub ws_clients: crate::http::ClientConnections,
    /// HTTP requests being handled right now (WebSocket connections not counted): shutdown
    /// waits for them before it closes subscriptions.
    pub in_flight: std::sync::atomic::AtomicUsize,
    /// Per-client budgets (None when rate limiting is off).
    pub rate_limiter: Option<RateLimiter>,
    /// Requests refused by the rate limiter since start-up.
    pub rate_limited: AtomicU64,
    /// WebSocket connections cut off for reading too slowly since start-up.
    pub ws_slow_consumers: AtomicU64,
    /// GraphQL requests by operation and outcome, and their latency.
    pub request_metrics: crate::http::RequestMetrics,
    /// Answers of repeated reads while the data is unchanged.
    pub response_cache: crate::http::ResponseCache,
    /// The compiled read path (PostgreSQL only; None when off).
    pub compiled: Option<crate::graphql::compiled::CompiledReads>,
    /// Parsed documents that passed the limits, by text.
    pub documents: crate::http::DocumentCache,
}

pub struct Application {
    port: u16,
    server: Server,
    state: Arc<AppState>,
}

/// Connects to the database with a statement counter attached.
pub async fn connect(settings: &Settings) -> anyhow::Result<(DatabaseConnection, Arc<AtomicU64>)> {
    let mut db = Database::connect(settings.connect_options())
        .await
        .with_context(|| {
            format!(
                "cannot connect to the database at {}",
                mask_password(&settings.database_url)
            )
        })?;
    let counter = Arc::new(AtomicU64::new(0));
    let c = counter.clone();
    db.set_metric_callback(move |_| {
        c.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("database migration failed")
}

/// Loads the bundled sample article if the database has no article yet.
pub async fn seed_if_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    if article::Entity::find()
        .count(db)
        .await
        .context("cannot count articles")?
        > 0
    {
        return Ok(false);
    }
    let doc = ingest::sample_document()?;
    ingest::ingest(db, &IngestLock::default(), &doc)
        .await
        .context("loading the sample article failed")?;
    Ok(true)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (db, counter) = connect(&settings).await?;
        if settings.migrate_on_start {
            migrate(&db).await?;
        }
        if settings.seed_sample && seed_if_empty(&db).await? {
            tracing::info!("loaded the sample article into the empty database");
        }
        let hub = LiveHub::new(settings.live.event_buffer);
        let after = events::latest_id(&db)
            .await
            .context("cannot read the live event log")?;
        // The dispatcher's own small pool: its reads never count against requests.
        let mut opts = settings.connect_options();
        opts.max_connections(2).min_connections(0);
        let dispatcher_db = Database::connect(opts)
            .await
            .context("cannot connect the live-update dispatcher")?;
        live::spawn(
            hub.clone(),
            live::DispatcherConfig {
                db: dispatcher_db,
                database_url: settings.database_url.clone(),
                poll_interval: settings.live.poll_interval,
            },
            after,
        );
        // Roll-ups computed by the resolvers, which the compiled read path reuses.
        let totals = Arc::new(crate::services::analysis::TotalsCache::default());
        let schema = graphql::build_schema(
            Some(db.clone()),
            Some(hub.clone()),
            &settings.limits,
            totals.clone(),
        );
        let rl = &settings.rate_limit;
        let rate_limiter = rl.enabled.then(|| {
            let budget = Budget {
                capacity: rl.capacity,
                refill_per_second: rl.refill_per_second,
            };
            match rl.backend {
                crate::configuration::RateLimitBackend::Memory => RateLimiter::in_memory(budget),
                crate::configuration::RateLimitBackend::Postgres => {
                    RateLimiter::in_postgres(budget, db.clone())
                }
            }
        });
        if settings.api_keys.is_empty() {
            tracing::warn!("no API keys configured (NEWSGRAPH_API_KEYS): mutations are refused");
        }
        let state = Arc::new(AppState {
            db: db.clone(),
            api_keys: settings.api_keys.clone(),
            cors: settings.cors.clone(),
            cache_max_age: settings.cache_max_age,
            limits: settings.limits.clone(),
            persisted: crate::http::PersistedQueries::default(),
            schema,
            sql_statements: counter.clone(),
            live: hub.clone(),
            live_settings: settings.live.clone(),
            ws_clients: Default::default(),
            in_flight: Default::default(),
            rate_limiter,
            rate_limited: AtomicU64::new(0),
            ws_slow_consumers: AtomicU64::new(0),
            request_metrics: Default::default(),
            response_cache: crate::http::ResponseCache::new(
                settings.response_cache,
                settings.response_cache_bytes,
                db.clone(),
                hub.clone(),
            ),
            compiled: (settings.compiled_reads
                && db.get_database_backend() == sea_orm::DbBackend::Postgres)
                .then(|| {
                    // Two statements per CPU at most: more only queue inside PostgreSQL and
                    // lengthen the tail (2-core machine, c=32: p99 35-86 ms with 10, 7-11 ms
                    // with 4, same throughput).
                    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
                    let max = (settings.db_max_connections as usize).min(2 * cpus);
                    let direct = settings.direct_pg_options().map(|o| {
                        crate::services::direct::DirectConnections::new(o, max, counter.clone())
                    });
                    crate::graphql::compiled::CompiledReads::new(totals, direct)
                }),
            documents: Default::default(),
        });
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr().context("no local address")?.port();
        let server = http::server(listener, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until SIGTERM/SIGINT or the server stops. On a signal: stop accepting, let
    /// in-flight requests finish (up to the request timeout), then close every subscription
    /// with 1001 (going away) so clients reconnect to another replica, then exit.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        tokio::select! {
            r = &mut server => return r.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            _ = shutdown_signal() => {}
        }
        tracing::info!("shutting down: draining in-flight requests");
        // Whatever a worker is stuck in, the process ends within its grace period: the drain
        // below waits up to the request timeout, then a few seconds for workers to stop.
        let grace = self.state.limits.request_timeout + std::time::Duration::from_secs(5);
        std::thread::spawn(move || {
            std::thread::sleep(grace);
            tracing::error!("workers did not stop within the grace period: exiting");
            std::process::exit(1);
        });
        let stopped = handle.stop(true);
        let deadline = tokio::time::Instant::now() + self.state.limits.request_timeout;
        while self.state.in_flight.load(Ordering::SeqCst) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tracing::info!("closing live connections");
        self.state.live.shutdown();
        stopped.await;
        server
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Open and idle connections of the database pool, for `/metrics`.
pub fn pool_usage(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        sea_orm::DatabaseBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => (0, 0),
    }
}

/// A liveness probe of the database for `/ready`.
pub async fn database_ready(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}
