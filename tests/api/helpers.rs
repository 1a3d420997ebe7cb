//! Test harness: every test gets its own freshly created database (a temporary SQLite file,
//! or a uniquely named Postgres database that is dropped afterwards) and its own server on
//! port 0. `api_test!` runs one test body against both backends.
use std::sync::Arc;
use std::sync::atomic::Ordering;

use newsgraph::configuration::Settings;
use newsgraph::services::ingest::{self, ArticleDocument, IngestLock};
use newsgraph::startup::{AppState, Application};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

/// The API key the test servers accept for mutations.
pub const TEST_API_KEY: &str = "test-key-0123456789";

/// The browser origin the test servers allow (CORS).
pub const TEST_ORIGIN: &str = "https://app.example";

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    /// The database this app serves (for running the CLI against it).
    pub database_url: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    /// Taken by `teardown`; a test that panics first leaves it to `Drop`.
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    SqliteDir(std::path::PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        newsgraph::telemetry::init("info");
    }
}

/// Whether the person running the tests opted out of the Postgres half
/// (`NEWSGRAPH_TEST_SKIP_POSTGRES=1`, documented in the README). CI never sets it.
pub fn postgres_skipped() -> bool {
    std::env::var("NEWSGRAPH_TEST_SKIP_POSTGRES")
        .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

pub fn postgres_admin_url() -> String {
    std::env::var("NEWSGRAPH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string())
}

fn unique_name() -> String {
    format!("newsgraph_test_{}", uuid::Uuid::new_v4().simple())
}

/// Replaces the database name (the path) of a Postgres URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Starts the app on a fresh database of `backend`, with the sample article loaded when `seed`.
pub async fn spawn_app_with(backend: Backend, seed: bool) -> TestApp {
    spawn_app_configured(backend, seed, |_| {}).await
}

/// Like `spawn_app_with`, with the settings adjusted by `tweak` before start-up.
pub async fn spawn_app_configured(
    backend: Backend,
    seed: bool,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    init_logs();
    let (database_url, cleanup) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique_name());
            std::fs::create_dir_all(&dir).expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
            (url, Cleanup::SqliteDir(dir))
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let name = unique_name();
            let admin = Database::connect(admin_url.as_str()).await.unwrap_or_else(|e| {
                panic!(
                    "Postgres is unreachable at {admin_url} ({e}). Start it, set NEWSGRAPH_TEST_POSTGRES_URL, \
                     or opt out of the Postgres half with NEWSGRAPH_TEST_SKIP_POSTGRES=1"
                )
            });
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            (
                with_database(&admin_url, &name),
                Cleanup::PostgresDatabase { admin_url, name },
            )
        }
    };
    let settings = test_settings(database_url.clone(), backend, seed);
    let mut settings = settings;
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        database_url,
        client: reqwest::Client::new(),
        state,
        cleanup: Some(cleanup),
    }
}

/// A second server on the same database as `app` (another replica), with the test settings
/// adjusted by `tweak`. Dropping it leaves the database to `app`.
pub async fn spawn_replica(app: &TestApp, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_at(&app.database_url, tweak).await
}

/// A server on an existing database that the caller owns (nothing is dropped afterwards).
pub async fn spawn_app_at(database_url: &str, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    init_logs();
    let backend = if database_url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    let mut settings = test_settings(database_url.to_string(), backend, false);
    tweak(&mut settings);
    let server = Application::build(settings)
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", server.port());
    let state = server.state();
    tokio::spawn(server.run_until_stopped());
    TestApp {
        address,
        database_url: database_url.to_string(),
        client: reqwest::Client::new(),
        state,
        cleanup: None,
    }
}

fn test_settings(database_url: String, backend: Backend, seed: bool) -> Settings {
    Settings {
        database_url,
        embedded_default: false,
        bind: "127.0.0.1:0".into(),
        migrate_on_start: true,
        seed_sample: seed,
        db_max_connections: 5,
        db_acquire_timeout: std::time::Duration::from_secs(5),
        sqlite_statement_limit: Some(std::time::Duration::from_secs(10)),
        api_keys: newsgraph::configuration::ApiKeys::new([TEST_API_KEY.to_string()]),
        cors: newsgraph::configuration::CorsOrigins::List(vec![TEST_ORIGIN.to_string()]),
        cache_max_age: 60,
        limits: newsgraph::configuration::Limits::default(),
        live: newsgraph::configuration::LiveSettings::defaults(backend == Backend::Sqlite),
        // Every test calls from 127.0.0.1; the rate-limit tests turn it on.
        rate_limit: newsgraph::configuration::RateLimitSettings {
            enabled: false,
            ..Default::default()
        },
        // Tests write with plain SQL and count statements; the cache tests turn it on.
        response_cache: false,
        response_cache_bytes: 32 << 20,
        compiled_reads: true,
        pg_random_page_cost: Some(1.1),
        // Applied by the binary's `serve` only (tests/api/cli.rs checks it there).
        sched_batch: false,
    }
}

impl TestApp {
    /// The `ws://` URL of `/graphql`.
    pub fn ws_url(&self) -> String {
        format!("{}/graphql", self.address.replacen("http", "ws", 1))
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// POSTs one operation and returns the answer's status, one response header (empty when
    /// absent) and raw body: for tests that compare bytes.
    pub async fn raw(&self, query: &str, variables: &Value, header: &str) -> (u16, String, String) {
        let res = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let value = res
            .headers()
            .get(header)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, value, res.text().await.unwrap())
    }

    /// POSTs one GraphQL operation and returns the JSON response (any status).
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_with_key(None, query, variables).await
    }

    /// POSTs one operation with `Authorization: Bearer <key>` when a key is given.
    pub async fn graphql_with_key(
        &self,
        key: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        let res = req.send().await.expect("request sent");
        res.json().await.expect("a JSON response")
    }

    /// POSTs one operation with the test API key (for mutations).
    pub async fn mutate(&self, query: &str, variables: Value) -> Value {
        self.graphql_with_key(Some(TEST_API_KEY), query, variables)
            .await
    }

    /// Like `graphql`, but fails the test on any GraphQL error and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// The HTTP status of a GET of `path` (0 when there is no answer within 5 s).
    pub async fn status(&self, path: &str) -> u16 {
        self.client
            .get(format!("{}{path}", self.address))
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }

    /// The value of one `/metrics` counter or gauge.
    pub async fn counter(&self, name: &str) -> u64 {
        let metrics = self.metrics().await;
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {metrics}"))
    }

    /// The text of `/metrics`.
    pub async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .expect("metrics answered")
            .text()
            .await
            .expect("metrics text")
    }

    /// SQL statements the server has run so far.
    pub fn sql_statements(&self) -> u64 {
        self.state.sql_statements.load(Ordering::SeqCst)
    }

    pub async fn ingest(&self, doc: &ArticleDocument) -> ingest::Ingested {
        ingest::ingest(self.db(), &IngestLock::default(), doc)
            .await
            .expect("ingest")
    }

    /// Runs the `newsgraph` binary against this app's database; returns (success, stdout, stderr).
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsgraph"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env_remove("NEWSGRAPH_SEED_SAMPLE")
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary starts");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        } else {
            drop(child.stdin.take());
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub async fn teardown(mut self) {
        if let Some(c) = self.cleanup.take() {
            c.run().await;
        }
    }
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    admin.close().await.ok();
                }
            }
        }
    }
}

/// A failed test still drops its database (on a runtime of its own: the test's runtime is
/// unwinding).
impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(c) = self.cleanup.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(c.run());
                }
            })
            .join();
        }
    }
}

/// A payload's `userErrors` as (dotted field path, code) pairs.
pub fn user_errors(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("."),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The first GraphQL error's `extensions.code`.
pub fn error_code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
        .to_string()
}

/// Runs the body against SQLite and against Postgres, each on a fresh database with the
/// sample article loaded (`api_test!(name, empty, |app| ...)` starts from an empty one;
/// `api_test!(name, empty, tweak = |s| ..., |app| ...)` also adjusts the settings first).
#[macro_export]
macro_rules! api_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::api_test!($name, seeded, |$app| $body);
    };
    ($name:ident, $seed:ident, |$app:ident| $body:block) => {
        $crate::api_test!($name, $seed, tweak = |_| {}, |$app| $body);
    };
    ($name:ident, $seed:ident, tweak = $tweak:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            async fn run($app: &TestApp) $body

            fn seeded() -> bool { stringify!($seed) == "seeded" }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = spawn_app_configured(Backend::Sqlite, seeded(), $tweak).await;
                run(&app).await;
                app.teardown().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if postgres_skipped() {
                    eprintln!("skipped: NEWSGRAPH_TEST_SKIP_POSTGRES is set");
                    return;
                }
                let app = spawn_app_configured(Backend::Postgres, seeded(), $tweak).await;
                run(&app).await;
                app.teardown().await;
            }
        }
    };
}
