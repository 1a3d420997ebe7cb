//! Live updates inside one server process: a dispatcher task turns committed events into one
//! in-memory broadcast that every subscription listens to. On PostgreSQL it wakes on
//! `LISTEN/NOTIFY` (so a write through any replica reaches every replica); on SQLite (one
//! process) the local write wakes it. Either way it reads the event log after the last event
//! it delivered, so events committed while it was disconnected are replayed, in order, once.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{
    ColumnTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use tokio::sync::{Notify, OnceCell, broadcast, watch};

use super::events::{self, CHANNEL, DATA_CHANNEL, LiveEvent};
use crate::entities::{article, casualty, statement};

/// One delivered event, shared by every subscription of the process. Its rows are read once,
/// by the first subscription that needs them, however many subscriptions deliver it.
pub struct Delivered {
    pub event: LiveEvent,
    article: OnceCell<Option<article::Model>>,
    statements: OnceCell<Vec<statement::Model>>,
    casualties: OnceCell<Vec<casualty::Model>>,
}

impl Delivered {
    pub fn new(event: LiveEvent) -> Self {
        Self {
            event,
            article: OnceCell::new(),
            statements: OnceCell::new(),
            casualties: OnceCell::new(),
        }
    }

    /// The ingested article (None when it was deleted since).
    pub async fn article(&self, db: &DatabaseConnection) -> Result<Option<article::Model>, DbErr> {
        let id = self.event.article_id;
        self.article
            .get_or_try_init(|| article::Entity::find_by_id(id).one(db))
            .await
            .cloned()
    }

    /// The event's statements with these ids, in the event's order.
    pub async fn statements(
        &self,
        db: &DatabaseConnection,
        ids: &[i32],
    ) -> Result<Vec<statement::Model>, DbErr> {
        let all = self.event.statements.iter().map(|s| s.id).collect();
        event_rows::<statement::Entity>(
            &self.statements,
            db,
            statement::Column::Id,
            all,
            ids,
            |r| r.id,
        )
        .await
    }

    /// The event's casualty figures with these ids, in the event's order.
    pub async fn casualties(
        &self,
        db: &DatabaseConnection,
        ids: &[i32],
    ) -> Result<Vec<casualty::Model>, DbErr> {
        let all = self.event.casualties.iter().map(|c| c.id).collect();
        event_rows::<casualty::Entity>(&self.casualties, db, casualty::Column::Id, all, ids, |r| {
            r.id
        })
        .await
    }
}

/// Those of an event's rows (`all`, read once into `cell`) whose ids are in `ids`.
async fn event_rows<E: EntityTrait>(
    cell: &OnceCell<Vec<E::Model>>,
    db: &DatabaseConnection,
    id: E::Column,
    all: Vec<i32>,
    ids: &[i32],
    id_of: impl Fn(&E::Model) -> i32,
) -> Result<Vec<E::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = cell
        .get_or_try_init(|| E::find().filter(id.is_in(all)).order_by_asc(id).all(db))
        .await?;
    Ok(rows
        .iter()
        .filter(|r| ids.contains(&id_of(r)))
        .cloned()
        .collect())
}

/// Events read from the log per query while catching up.
const BATCH: u64 = 256;

/// The process's broadcast of committed events, and its shutdown switch.
pub struct LiveHub {
    tx: broadcast::Sender<Arc<Delivered>>,
    wake: Notify,
    delivered: AtomicI64,
    published: AtomicU64,
    listening: AtomicBool,
    /// Bumped whenever the graph's data may have changed (PostgreSQL: a `newsgraph_data`
    /// notification, a reconnect of the listener, or a write in this process).
    data_epoch: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl LiveHub {
    /// `buffer`: how many events a subscriber may fall behind before it is cut off.
    pub fn new(buffer: usize) -> Arc<Self> {
        let (tx, _) = broadcast::channel(buffer.max(1));
        let (shutdown, _) = watch::channel(false);
        Arc::new(Self {
            tx,
            wake: Notify::new(),
            delivered: AtomicI64::new(0),
            published: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            data_epoch: AtomicU64::new(0),
            shutdown,
        })
    }

    /// Events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Delivered>> {
        self.tx.subscribe()
    }

    /// A write in this process committed an event: look now rather than at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Asks every live connection to close (server shutting down).
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Becomes true when the server is shutting down.
    pub fn shutting_down(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Id of the last event delivered.
    pub fn delivered(&self) -> i64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Events published since start-up.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Subscriptions listening in this process.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// A number that changes whenever the graph's data may have changed, while change
    /// notifications are being heard (PostgreSQL); `None` while they are not (listener down or
    /// not connected yet): answers computed then cannot be known fresh.
    pub fn data_epoch(&self) -> Option<u64> {
        // Read the epoch before the flag: a reconnect bumps the epoch before raising the flag.
        let epoch = self.data_epoch.load(Ordering::Acquire);
        self.listening.load(Ordering::Acquire).then_some(epoch)
    }

    /// Data changed (a write in this process committed, or a notification arrived).
    pub fn data_changed(&self) {
        self.data_epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether the PostgreSQL listener is connected (always true on SQLite).
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    fn publish(&self, event: LiveEvent) {
        self.delivered.store(event.id, Ordering::Relaxed);
        self.published.fetch_add(1, Ordering::Relaxed);
        // No receiver is not an error: nobody is subscribed right now.
        let _ = self.tx.send(Arc::new(Delivered::new(event)));
    }
}

/// How the dispatcher reaches the database.
pub struct DispatcherConfig {
    /// A connection of its own, so its queries never count against requests.
    pub db: DatabaseConnection,
    /// Where LISTEN connects (PostgreSQL only).
    pub database_url: String,
    /// Look at the log this often even without a wake-up (writes by other processes on
    /// SQLite; a safety net on PostgreSQL).
    pub poll_interval: Duration,
}

/// Starts delivering events committed after `after`.
pub fn spawn(
    hub: Arc<LiveHub>,
    config: DispatcherConfig,
    after: i64,
) -> tokio::task::JoinHandle<()> {
    hub.delivered.store(after, Ordering::Relaxed);
    tokio::spawn(async move {
        match config.db.get_database_backend() {
            DatabaseBackend::Postgres => run_postgres(hub, config).await,
            _ => run_polling(hub, config).await,
        }
    })
}

/// Publishes every event after the last delivered one.
async fn catch_up(hub: &LiveHub, db: &DatabaseConnection) -> Result<(), DbErr> {
    loop {
        let batch = events::since(db, hub.delivered(), BATCH).await?;
        let n = batch.len() as u64;
        for e in batch {
            hub.publish(e);
        }
        if n < BATCH {
            return Ok(());
        }
    }
}

async fn run_polling(hub: Arc<LiveHub>, config: DispatcherConfig) {
    hub.listening.store(true, Ordering::Relaxed);
    let mut shutdown = hub.shutting_down();
    loop {
        if let Err(e) = catch_up(&hub, &config.db).await {
            tracing::warn!(error = %e, "live updates: cannot read the event log");
        }
        tokio::select! {
            _ = hub.wake.notified() => {}
            _ = tokio::time::sleep(config.poll_interval) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}

async fn run_postgres(hub: Arc<LiveHub>, config: DispatcherConfig) {
    use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
    let mut shutdown = hub.shutting_down();
    let mut backoff = Duration::from_millis(100);
    // A pool of its own for the one LISTEN connection. (`PgListener::connect` would reconnect
    // silently and drop what was announced meanwhile; here a lost connection is noticed, and
    // the log is read again after reconnecting.)
    let pool = match PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy(&config.database_url)
    {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "live updates: bad database URL; subscriptions get nothing");
            return;
        }
    };
    loop {
        let connected = async {
            let mut l = PgListener::connect_with(&pool).await?;
            l.listen_all([CHANNEL, DATA_CHANNEL]).await?;
            Ok::<_, sea_orm::sqlx::Error>(l)
        }
        .await;
        let mut listener = match connected {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "live updates: cannot LISTEN");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.wait_for(|s| *s) => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        // Listening first, then reading the log: whatever commits from here on is either in
        // this read or announced on the channel, so nothing falls in between.
        if let Err(e) = catch_up(&hub, &config.db).await {
            tracing::warn!(error = %e, "live updates: cannot read the event log; reconnecting");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        // Changes announced while nobody listened are unknown: forget every earlier epoch.
        hub.data_changed();
        hub.listening.store(true, Ordering::Release);
        tracing::info!(after = hub.delivered(), "live updates: listening");
        loop {
            tokio::select! {
                n = listener.try_recv() => match n {
                    Ok(Some(_)) => {
                        // One read (and one epoch) serves every notification already queued.
                        while listener.next_buffered().is_some() {}
                        hub.data_changed();
                    }
                    Ok(None) | Err(_) => {
                        tracing::warn!("live updates: lost the LISTEN connection; reconnecting");
                        break;
                    }
                },
                _ = tokio::time::sleep(config.poll_interval) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            if let Err(e) = catch_up(&hub, &config.db).await {
                tracing::warn!(error = %e, "live updates: cannot read the event log; reconnecting");
                break;
            }
        }
        hub.listening.store(false, Ordering::Release);
        hub.data_changed();
    }
}
