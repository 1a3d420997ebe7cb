//! Settings from the environment. Secrets (database password, API keys) are never printed:
//! `Debug` shows the database URL with its password masked.
use std::fmt;
use std::time::Duration;

use sea_orm::ConnectOptions;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://newsgraph.db?mode=rwc";

/// The API keys that may write (`NEWSGRAPH_API_KEYS`, comma-separated, and/or one per line
/// in the file named by `NEWSGRAPH_API_KEYS_FILE`). `Debug` prints how many, never the keys.
#[derive(Clone, Default)]
pub struct ApiKeys(Vec<String>);

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeys({} configured)", self.0.len())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl ApiKeys {
    pub fn new(keys: impl IntoIterator<Item = String>) -> Self {
        Self(
            keys.into_iter()
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty() && !k.starts_with('#'))
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `presented` is one of the keys; every key is compared, in constant time, so the
    /// time taken does not tell which one matched or how much of one did.
    pub fn matches(&self, presented: &str) -> bool {
        !presented.is_empty()
            && self.0.iter().fold(false, |found, k| {
                constant_time_eq(k.as_bytes(), presented.as_bytes()) | found
            })
    }

    fn from_env() -> Result<Self, String> {
        let mut keys: Vec<String> = std::env::var("NEWSGRAPH_API_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::to_string)
            .collect();
        if let Ok(path) = std::env::var("NEWSGRAPH_API_KEYS_FILE")
            && !path.trim().is_empty()
        {
            let text = std::fs::read_to_string(path.trim()).map_err(|e| {
                format!("cannot read NEWSGRAPH_API_KEYS_FILE ({}): {e}", path.trim())
            })?;
            keys.extend(text.lines().map(str::to_string));
        }
        Ok(Self::new(keys))
    }
}

/// Which browser origins may call the API (`NEWSGRAPH_CORS_ORIGINS`: `*`, a comma-separated
/// list of origins, or empty for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    None,
    Any,
    List(Vec<String>),
}

impl CorsOrigins {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() || raw.eq_ignore_ascii_case("none") {
            return Ok(Self::None);
        }
        if raw == "*" {
            return Ok(Self::Any);
        }
        let list: Vec<String> = raw
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        for o in &list {
            if !(o.starts_with("http://") || o.starts_with("https://")) {
                return Err(format!(
                    "NEWSGRAPH_CORS_ORIGINS: `{o}` is not an origin like https://app.example.org"
                ));
            }
        }
        Ok(Self::List(list))
    }
}

/// Limits that protect the server from expensive or abusive requests; each refusal happens
/// before execution and carries a stable `extensions.code`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Deepest selection nesting, introspection not counted (`NEWSGRAPH_MAX_DEPTH`, default
    /// 12: a list adds two levels, `edges` and `node`): `QUERY_TOO_DEEP`.
    pub max_depth: usize,
    /// Highest query cost, each list costing its page size times its rows' cost
    /// (`NEWSGRAPH_MAX_COMPLEXITY`, default 50,000): `QUERY_TOO_COMPLEX`.
    pub max_complexity: usize,
    /// Most aliases in one document (`NEWSGRAPH_MAX_ALIASES`, default 15): `TOO_MANY_ALIASES`.
    pub max_aliases: usize,
    /// Most directives in one document (`NEWSGRAPH_MAX_DIRECTIVES`, default 50): `TOO_MANY_DIRECTIVES`.
    pub max_directives: usize,
    /// Longest query text in bytes (`NEWSGRAPH_MAX_QUERY_BYTES`, default 16,384): `QUERY_TOO_LARGE`.
    pub max_query_bytes: usize,
    /// Longest time one request may execute (`NEWSGRAPH_REQUEST_TIMEOUT_MS`, default 10,000):
    /// `TIMEOUT`; also PostgreSQL's `statement_timeout`.
    pub request_timeout: Duration,
    /// Serve `__schema`/`__type` (`NEWSGRAPH_INTROSPECTION`, default true).
    pub introspection: bool,
    /// "Did you mean ...?" hints in validation errors (`NEWSGRAPH_SUGGESTIONS`, default true).
    pub suggestions: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 50_000,
            max_aliases: 15,
            max_directives: 50,
            max_query_bytes: 16 * 1024,
            request_timeout: Duration::from_secs(10),
            introspection: true,
            suggestions: true,
        }
    }
}

fn env_number(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{name} must be a positive number, not `{v}`")),
    }
}

impl Limits {
    fn from_env() -> Result<Self, String> {
        let d = Limits::default();
        Ok(Self {
            max_depth: env_number("NEWSGRAPH_MAX_DEPTH", d.max_depth)?,
            max_complexity: env_number("NEWSGRAPH_MAX_COMPLEXITY", d.max_complexity)?,
            max_aliases: env_number("NEWSGRAPH_MAX_ALIASES", d.max_aliases)?,
            max_directives: env_number("NEWSGRAPH_MAX_DIRECTIVES", d.max_directives)?,
            max_query_bytes: env_number("NEWSGRAPH_MAX_QUERY_BYTES", d.max_query_bytes)?,
            request_timeout: Duration::from_millis(env_number(
                "NEWSGRAPH_REQUEST_TIMEOUT_MS",
                10_000,
            )? as u64),
            introspection: env_bool("NEWSGRAPH_INTROSPECTION")?.unwrap_or(true),
            suggestions: env_bool("NEWSGRAPH_SUGGESTIONS")?.unwrap_or(true),
        })
    }
}

/// Live updates (subscriptions over WebSocket) and their limits.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSettings {
    /// Open WebSocket connections one client (IP address) may hold
    /// (`NEWSGRAPH_WS_MAX_CONNECTIONS_PER_CLIENT`, default 20): beyond, the upgrade gets 429.
    pub max_connections_per_client: usize,
    /// Subscriptions one connection may run at once (`NEWSGRAPH_WS_MAX_SUBSCRIPTIONS`,
    /// default 20): beyond, the new one gets an error with `TOO_MANY_SUBSCRIPTIONS`.
    pub max_subscriptions: usize,
    /// Time a client has to send `connection_init` (`NEWSGRAPH_WS_INIT_TIMEOUT_MS`, default
    /// 5,000): then the server closes with 4408.
    pub init_timeout: Duration,
    /// Interval of the server's WebSocket pings (`NEWSGRAPH_WS_KEEPALIVE_MS`, default 15,000);
    /// a client silent for two intervals is disconnected.
    pub keepalive: Duration,
    /// How long a message may wait for a client that does not read
    /// (`NEWSGRAPH_WS_SEND_TIMEOUT_MS`, default 5,000): then it is cut off as a slow consumer.
    pub send_timeout: Duration,
    /// Events a subscription may fall behind before it is cut off as a slow consumer
    /// (`NEWSGRAPH_WS_EVENT_BUFFER`, default 1,024).
    pub event_buffer: usize,
    /// Require an API key in `connection_init` (`NEWSGRAPH_WS_REQUIRE_KEY`, default false:
    /// subscriptions are reads; mutations over WebSocket always need a key).
    pub require_key: bool,
    /// How often the event log is read without a wake-up (`NEWSGRAPH_LIVE_POLL_MS`,
    /// default 1,000 on SQLite, for writes by other processes; 30,000 on PostgreSQL).
    pub poll_interval: Duration,
}

impl LiveSettings {
    pub fn defaults(sqlite: bool) -> Self {
        Self {
            max_connections_per_client: 20,
            max_subscriptions: 20,
            init_timeout: Duration::from_secs(5),
            keepalive: Duration::from_secs(15),
            send_timeout: Duration::from_secs(5),
            event_buffer: 1024,
            require_key: false,
            poll_interval: Duration::from_millis(if sqlite { 1_000 } else { 30_000 }),
        }
    }

    fn from_env(sqlite: bool) -> Result<Self, String> {
        let d = Self::defaults(sqlite);
        let ms = |name: &str, default: Duration| -> Result<Duration, String> {
            Ok(Duration::from_millis(
                env_number(name, default.as_millis() as usize)? as u64,
            ))
        };
        Ok(Self {
            max_connections_per_client: env_number(
                "NEWSGRAPH_WS_MAX_CONNECTIONS_PER_CLIENT",
                d.max_connections_per_client,
            )?,
            max_subscriptions: env_number("NEWSGRAPH_WS_MAX_SUBSCRIPTIONS", d.max_subscriptions)?,
            init_timeout: ms("NEWSGRAPH_WS_INIT_TIMEOUT_MS", d.init_timeout)?,
            keepalive: ms("NEWSGRAPH_WS_KEEPALIVE_MS", d.keepalive)?,
            send_timeout: ms("NEWSGRAPH_WS_SEND_TIMEOUT_MS", d.send_timeout)?,
            event_buffer: env_number("NEWSGRAPH_WS_EVENT_BUFFER", d.event_buffer)?,
            require_key: env_bool("NEWSGRAPH_WS_REQUIRE_KEY")?.unwrap_or(d.require_key),
            poll_interval: ms("NEWSGRAPH_LIVE_POLL_MS", d.poll_interval)?,
        })
    }
}

/// Where rate-limit buckets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitBackend {
    /// In this process: each replica has its own budget per client.
    Memory,
    /// In PostgreSQL: every replica on the database shares one budget per client.
    Postgres,
}

/// Per-client budgets in query-cost points (leaky buckets).
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitSettings {
    /// `NEWSGRAPH_RATE_LIMIT` (default true).
    pub enabled: bool,
    /// Points a bucket holds (`NEWSGRAPH_RATE_LIMIT_POINTS`, default 200,000: about ninety
    /// front-page queries at once).
    pub capacity: f64,
    /// Points a bucket regains per second (`NEWSGRAPH_RATE_LIMIT_REFILL_PER_SECOND`, default
    /// 10,000: about four front pages a second, sustained).
    pub refill_per_second: f64,
    /// `NEWSGRAPH_RATE_LIMIT_BACKEND`: `memory` (default) or `postgres` (shared by replicas).
    pub backend: RateLimitBackend,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            capacity: 200_000.0,
            refill_per_second: 10_000.0,
            backend: RateLimitBackend::Memory,
        }
    }
}

impl RateLimitSettings {
    fn from_env(sqlite: bool) -> Result<Self, String> {
        let d = Self::default();
        let backend = match std::env::var("NEWSGRAPH_RATE_LIMIT_BACKEND") {
            Err(_) => d.backend,
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "memory" | "" => RateLimitBackend::Memory,
                "postgres" | "postgresql" if !sqlite => RateLimitBackend::Postgres,
                "postgres" | "postgresql" => {
                    return Err(
                        "NEWSGRAPH_RATE_LIMIT_BACKEND=postgres needs a PostgreSQL DATABASE_URL"
                            .into(),
                    );
                }
                other => {
                    return Err(format!(
                        "NEWSGRAPH_RATE_LIMIT_BACKEND must be memory or postgres, not `{other}`"
                    ));
                }
            },
        };
        Ok(Self {
            enabled: env_bool("NEWSGRAPH_RATE_LIMIT")?.unwrap_or(d.enabled),
            capacity: env_number("NEWSGRAPH_RATE_LIMIT_POINTS", d.capacity as usize)? as f64,
            refill_per_second: env_number(
                "NEWSGRAPH_RATE_LIMIT_REFILL_PER_SECOND",
                d.refill_per_second as usize,
            )? as f64,
            backend,
        })
    }
}

#[derive(Clone)]
pub struct Settings {
    /// `postgres://...` or `sqlite://...`.
    pub database_url: String,
    /// True when `DATABASE_URL` was not set: the embedded SQLite default, which also loads
    /// the sample article into an empty database.
    pub embedded_default: bool,
    pub bind: String,
    /// Run pending migrations at start-up (`NEWSGRAPH_MIGRATE`, default true).
    pub migrate_on_start: bool,
    /// Load the sample article into an empty database at start-up
    /// (`NEWSGRAPH_SEED_SAMPLE`; default: true for the embedded default only).
    pub seed_sample: bool,
    /// Maximum pooled database connections (`NEWSGRAPH_DB_MAX_CONNECTIONS`).
    pub db_max_connections: u32,
    /// How long a request waits for a pooled connection before it fails with
    /// `SERVICE_UNAVAILABLE` (`NEWSGRAPH_DB_ACQUIRE_TIMEOUT_MS`, default 2,000).
    pub db_acquire_timeout: Duration,
    /// Longest a pooled SQLite connection may run statements once handed out: past it the
    /// running statement is interrupted and the connection goes back to the pool (PostgreSQL
    /// has `statement_timeout`). The request timeout when serving; None for the command
    /// line's long imports.
    pub sqlite_statement_limit: Option<Duration>,
    /// Keys that may call mutations.
    pub api_keys: ApiKeys,
    /// Browser origins allowed by CORS (default: any for the embedded default, none otherwise).
    pub cors: CorsOrigins,
    /// `Cache-Control: max-age` of anonymous GET query responses, in seconds
    /// (`NEWSGRAPH_CACHE_MAX_AGE`, default 60; 0 disables caching).
    pub cache_max_age: u32,
    /// Query limits and timeouts.
    pub limits: Limits,
    /// Subscriptions over WebSocket.
    pub live: LiveSettings,
    /// Per-client budgets.
    pub rate_limit: RateLimitSettings,
    /// Answer repeated reads from memory while the data is unchanged
    /// (`NEWSGRAPH_RESPONSE_CACHE`, default true).
    pub response_cache: bool,
    /// Memory the response cache may hold (`NEWSGRAPH_RESPONSE_CACHE_MB`, default 32).
    pub response_cache_bytes: usize,
    /// On PostgreSQL, run reads that map onto columns and relations as one compiled SQL
    /// statement (`NEWSGRAPH_COMPILED_READS`, default true).
    pub compiled_reads: bool,
    /// PostgreSQL's `random_page_cost` for this server's sessions
    /// (`NEWSGRAPH_PG_RANDOM_PAGE_COST`, default 1.1; `server` keeps the server's own).
    pub pg_random_page_cost: Option<f64>,
    /// Run the server's threads under Linux's `SCHED_BATCH` policy, so a thread that wakes up
    /// waits for the running one's time slice instead of preempting it: on a machine shared
    /// with PostgreSQL, the backend running our statement is not interrupted by the threads
    /// waiting for its answer (`NEWSGRAPH_SCHED_BATCH`, default true; no effect elsewhere).
    pub sched_batch: bool,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &mask_password(&self.database_url))
            .field("embedded_default", &self.embedded_default)
            .field("bind", &self.bind)
            .field("migrate_on_start", &self.migrate_on_start)
            .field("seed_sample", &self.seed_sample)
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .field("api_keys", &self.api_keys)
            .field("cors", &self.cors)
            .field("cache_max_age", &self.cache_max_age)
            .field("limits", &self.limits)
            .field("live", &self.live)
            .field("rate_limit", &self.rate_limit)
            .field("response_cache", &self.response_cache)
            .field("response_cache_bytes", &self.response_cache_bytes)
            .field("compiled_reads", &self.compiled_reads)
            .field("pg_random_page_cost", &self.pg_random_page_cost)
            .field("sched_batch", &self.sched_batch)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((creds, host)) => match creds.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// `NEWSGRAPH_PG_RANDOM_PAGE_COST`: a positive number, or `server` for the server's setting.
fn random_page_cost() -> Result<Option<f64>, String> {
    const NAME: &str = "NEWSGRAPH_PG_RANDOM_PAGE_COST";
    match std::env::var(NAME) {
        Err(_) => Ok(Some(1.1)),
        Ok(v) if v.trim().eq_ignore_ascii_case("server") => Ok(None),
        Ok(v) => match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 && n <= 1000.0 => Ok(Some(n)),
            _ => Err(format!(
                "{NAME} must be a positive number of PostgreSQL cost units (or `server`), not `{v}`"
            )),
        },
    }
}

fn env_bool(name: &str) -> Result<Option<bool>, String> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" => Ok(Some(false)),
            other => Err(format!("{name} must be true or false, not `{other}`")),
        },
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, String> {
        let url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        let embedded_default = url.is_none();
        let database_url = url.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        if !(database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
            || database_url.starts_with("sqlite:"))
        {
            return Err(format!(
                "DATABASE_URL must start with postgres:// or sqlite:// (got `{}`)",
                mask_password(&database_url)
            ));
        }
        let db_max_connections = match std::env::var("NEWSGRAPH_DB_MAX_CONNECTIONS") {
            Err(_) => 10,
            Ok(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    format!("NEWSGRAPH_DB_MAX_CONNECTIONS must be a positive number, not `{v}`")
                })?,
        };
        let limits = Limits::from_env()?;
        Ok(Self {
            embedded_default,
            bind: std::env::var("NEWSGRAPH_BIND").unwrap_or_else(|_| DEFAULT_BIND.to_string()),
            migrate_on_start: env_bool("NEWSGRAPH_MIGRATE")?.unwrap_or(true),
            seed_sample: env_bool("NEWSGRAPH_SEED_SAMPLE")?.unwrap_or(embedded_default),
            db_max_connections,
            db_acquire_timeout: Duration::from_millis(env_number(
                "NEWSGRAPH_DB_ACQUIRE_TIMEOUT_MS",
                2_000,
            )? as u64),
            sqlite_statement_limit: Some(limits.request_timeout),
            api_keys: ApiKeys::from_env()?,
            cors: match std::env::var("NEWSGRAPH_CORS_ORIGINS") {
                Ok(v) => CorsOrigins::parse(&v)?,
                Err(_) if embedded_default => CorsOrigins::Any,
                Err(_) => CorsOrigins::None,
            },
            cache_max_age: match std::env::var("NEWSGRAPH_CACHE_MAX_AGE") {
                Err(_) => 60,
                Ok(v) => v.trim().parse().map_err(|_| {
                    format!("NEWSGRAPH_CACHE_MAX_AGE must be a number of seconds, not `{v}`")
                })?,
            },
            limits,
            live: LiveSettings::from_env(database_url.starts_with("sqlite:"))?,
            rate_limit: RateLimitSettings::from_env(database_url.starts_with("sqlite:"))?,
            response_cache: env_bool("NEWSGRAPH_RESPONSE_CACHE")?.unwrap_or(true),
            response_cache_bytes: env_number("NEWSGRAPH_RESPONSE_CACHE_MB", 32)? << 20,
            compiled_reads: env_bool("NEWSGRAPH_COMPILED_READS")?.unwrap_or(true),
            pg_random_page_cost: random_page_cost()?,
            sched_batch: env_bool("NEWSGRAPH_SCHED_BATCH")?.unwrap_or(true),
            database_url,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Settings of every PostgreSQL session, the pool's and the compiled read path's.
    fn pg_session(&self) -> Vec<(&'static str, String)> {
        let mut session = vec![
            // A runaway query is cancelled by PostgreSQL itself, not only abandoned here.
            (
                "statement_timeout",
                self.limits.request_timeout.as_millis().to_string(),
            ),
            // Every statement is prepared once per connection and run with parameters; left to
            // itself PostgreSQL kept re-planning them (planning a compiled read takes longer
            // than running it). Page sizes are written into the SQL, so a generic plan knows
            // them: +15-27% on every benchmark operation (README, "Performance").
            ("plan_cache_mode", "force_generic_plan".into()),
        ];
        // A page of a parent's list (a place's casualty figures, newest first) is read best
        // down the index in the page's order, stopping at the page's end. The default (4)
        // prices that walk as if every row were a disk seek, and a generic plan, which
        // expects a few rows a parent, read all of a big parent's rows and sorted them
        // (198 for a country) instead: q5 +7% with 1.1, the value PostgreSQL's documentation
        // suggests when data is cached or on SSDs (README, "Performance").
        if let Some(cost) = self.pg_random_page_cost {
            session.push(("random_page_cost", cost.to_string()));
        }
        session
    }

    /// Options for connections opened outside the pool (`services::direct`); None on SQLite.
    pub fn direct_pg_options(&self) -> Option<sea_orm::sqlx::postgres::PgConnectOptions> {
        if self.is_sqlite() {
            return None;
        }
        use sea_orm::sqlx::ConnectOptions as _;
        let opts: sea_orm::sqlx::postgres::PgConnectOptions = self.database_url.parse().ok()?;
        // As the pool's (`sqlx_logging(false)`): statements are not logged by sqlx.
        Some(opts.options(self.pg_session()).disable_statement_logging())
    }

    pub fn connect_options(&self) -> ConnectOptions {
        let mut opts = ConnectOptions::new(self.database_url.clone());
        opts.max_connections(self.db_max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(self.db_acquire_timeout)
            .sqlx_logging(false);
        if !self.is_sqlite() {
            let session = self.pg_session();
            opts.map_sqlx_postgres_opts(move |o| o.options(session.clone()));
        }
        // WAL lets readers run while a writer commits; foreign keys are on (sqlx's default,
        // stated here because the schema depends on it).
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
        if let Some(limit) = self.sqlite_statement_limit {
            opts.map_sqlx_sqlite_pool_opts(move |o| {
                o.after_connect(move |conn, _| Box::pin(arm_sqlite_deadline(conn, limit)))
                    .before_acquire(move |conn, _| {
                        Box::pin(async move {
                            arm_sqlite_deadline(conn, limit).await?;
                            Ok(true)
                        })
                    })
            });
        }
        opts
    }
}

/// Gives a SQLite connection a deadline `limit` from now: SQLite calls the progress handler
/// every few thousand virtual-machine steps, and a statement still running past the deadline
/// is interrupted (SQLITE_INTERRUPT). A request that timed out no longer waits for its
/// statement, and without this the statement kept its connection busy for minutes.
async fn arm_sqlite_deadline(
    conn: &mut sea_orm::sqlx::SqliteConnection,
    limit: Duration,
) -> Result<(), sea_orm::sqlx::Error> {
    let deadline = std::time::Instant::now() + limit;
    conn.lock_handle()
        .await?
        .set_progress_handler(10_000, move || std::time::Instant::now() < deadline);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::mask_password;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask_password("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(mask_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(mask_password("sqlite://x.db"), "sqlite://x.db");
    }
}
