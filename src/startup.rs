//! Start-up as a value: connect, migrate, seed, build the schema once, bind the listener.
//! Tests and `main` start the app the same way (port 0 in tests).
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::dev::Server;
use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::configuration::{ApiKeys, CorsOrigins, Settings, mask_password};
use crate::entities::article;
use crate::graphql::{self, AppSchema};
use crate::http;
use crate::services::ingest::{self, IngestLock};

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
        let schema = graphql::build_schema(Some(db.clone()), &settings.limits);
        if settings.api_keys.is_empty() {
            tracing::warn!("no API keys configured (NEWSGRAPH_API_KEYS): mutations are refused");
        }
        let state = Arc::new(AppState {
            db,
            api_keys: settings.api_keys.clone(),
            cors: settings.cors.clone(),
            cache_max_age: settings.cache_max_age,
            limits: settings.limits.clone(),
            persisted: crate::http::PersistedQueries::default(),
            schema,
            sql_statements: counter,
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

    /// Serves until SIGTERM/SIGINT (actix drains in-flight requests) or the server stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// A liveness probe of the database for `/ready`.
pub async fn database_ready(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}
