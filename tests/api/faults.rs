//! Faults, on a private PostgreSQL cluster the test stops and starts itself: the server
//! rides out a database restart (health stays up, readiness follows the database, requests
//! fail fast and cleanly, service resumes by itself) and live updates lose no event.
use std::time::{Duration, Instant};

use newsgraph::services::ingest::{self, IngestLock};
use sea_orm::Database;
use serde_json::json;

use crate::cluster::PrivateCluster;
use crate::fixtures;
use crate::helpers::*;
use crate::live::{ARTICLES, TRANSPORT_WS, data_of, listening, ws_connect};

async fn wait_for(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_loses_no_event_and_service_resumes_by_itself() {
    if postgres_skipped() {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_POSTGRES is set");
        return;
    }
    let cluster = PrivateCluster::start();
    let app = spawn_app_at(&cluster.url(), |s| {
        s.db_acquire_timeout = Duration::from_millis(1000);
    })
    .await;
    let mut ws = ws_connect(&app, TRANSPORT_WS).await;
    ws.init(json!({})).await;
    ws.subscribe("a", ARTICLES, json!({})).await;
    listening(&app, 1).await;
    assert_eq!(app.status("/ready").await, 200);

    cluster.stop();
    wait_for(
        "the listener notices",
        Duration::from_secs(10),
        async || !app.state.live.listening(),
    )
    .await;
    // Down: alive but not ready, and a query fails fast with a code a client can act on.
    assert_eq!(app.status("/health").await, 200);
    assert_eq!(app.status("/ready").await, 503);
    let started = Instant::now();
    let body = app.graphql("{ articles { totalCount } }", json!({})).await;
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    cluster.start_again();
    let back = Instant::now();
    // Another process writes the moment the database is back, likely before this server's
    // listener has reconnected: the event must still arrive, replayed from the log.
    let direct = Database::connect(cluster.url()).await.unwrap();
    ingest::ingest(&direct, &IngestLock::default(), &fixtures::article(1))
        .await
        .unwrap();
    let got = data_of(&ws.next().await, "a");
    assert_eq!(got["articleIngested"]["title"], "Generated article 001");

    // Service resumes with no restart of newsgraph, within 5 s of the database coming back.
    wait_for("ready again", Duration::from_secs(5), async || {
        app.status("/ready").await == 200
    })
    .await;
    eprintln!(
        "ready again {:?} after the database came back",
        back.elapsed()
    );
    let body = app
        .mutate(
            "mutation($d: ArticleDocument!) { ingestArticle(input: $d) { userErrors { message } } }",
            json!({ "d": serde_json::to_value(fixtures::article(2)).unwrap() }),
        )
        .await;
    assert_eq!(
        body["data"]["ingestArticle"]["userErrors"],
        json!([]),
        "{body}"
    );
    // Exactly once: the next event is the new article, not the first one again.
    let got = data_of(&ws.next().await, "a");
    assert_eq!(got["articleIngested"]["title"], "Generated article 002");
    drop(app);
    drop(cluster);
}

const INGEST: &str = "mutation($d: ArticleDocument!) { ingestArticle(input: $d) { userErrors { message } article { id } } }";

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_mid_ingest_leaves_nothing_and_the_client_may_retry() {
    use newsgraph::entities::enums::StatementKind;
    use newsgraph::services::ingest::StatementInput;
    use sea_orm::ConnectionTrait;
    if postgres_skipped() {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_POSTGRES is set");
        return;
    }
    let app = spawn_app_with(Backend::Postgres, false).await;
    // Enough statements that the ingest's transaction is still open when it is killed.
    let mut doc = fixtures::article(1);
    doc.statements = (0..3000)
        .map(|i| StatementInput {
            reference: format!("x{i}"),
            text: format!("Statement number {i}"),
            kind: StatementKind::Claim,
            speaker_ref: Some("shared".into()),
            said_at: None,
            place_ref: None,
            about_refs: vec!["town".into()],
            disputes_refs: vec![],
        })
        .collect();
    let doc = serde_json::to_value(&doc).unwrap();
    // Kill whichever backend holds the ingest's advisory lock (taken first in its transaction).
    let admin = Database::connect(postgres_admin_url()).await.unwrap();
    let database = app.database_url.rsplit('/').next().unwrap().to_string();
    let killer = tokio::spawn(async move {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let killed = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    format!(
                        "SELECT pg_terminate_backend(l.pid) FROM pg_locks l
                         JOIN pg_stat_activity a ON a.pid = l.pid
                         WHERE l.locktype = 'advisory' AND l.granted AND a.datname = '{database}'"
                    ),
                ))
                .await
                .unwrap();
            if !killed.is_empty() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        false
    });
    let body = app.mutate(INGEST, json!({ "d": doc })).await;
    assert!(
        killer.await.unwrap(),
        "the ingest was never caught in flight"
    );
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");

    // Nothing of it was written, not even its event.
    for table in [
        "article",
        "statement",
        "statement_about",
        "casualty",
        "person",
        "live_event",
    ] {
        let n = count(app.db(), &format!("SELECT COUNT(*) FROM {table}")).await;
        assert_eq!(n, 0, "{table} has {n} rows after a killed ingest");
    }
    // The retry the error invites succeeds, whole.
    let body = app.mutate(INGEST, json!({ "d": doc })).await;
    assert_eq!(
        body["data"]["ingestArticle"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert_eq!(
        count(app.db(), "SELECT COUNT(*) FROM statement").await,
        3000
    );
    app.db().execute_unprepared("SELECT 1").await.unwrap();
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_under_load_loses_no_acknowledged_write_and_leaves_no_partial_one() {
    if postgres_skipped() {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_POSTGRES is set");
        return;
    }
    let cluster = PrivateCluster::start();
    let app = std::sync::Arc::new(
        spawn_app_at(&cluster.url(), |s| {
            s.db_acquire_timeout = Duration::from_millis(1000);
        })
        .await,
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Four writers and two readers hammer the server while PostgreSQL restarts.
    let mut tasks = vec![];
    for w in 0..4usize {
        let (app, stop) = (app.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut log = vec![]; // (url, acknowledged, error code, seconds taken)
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut doc = fixtures::article(w * 1000 + i);
                doc.url = format!("https://load.example/{w}/{i}");
                let started = Instant::now();
                let body = app
                    .mutate(INGEST, json!({ "d": serde_json::to_value(&doc).unwrap() }))
                    .await;
                let ok = body["data"]["ingestArticle"]["article"]["id"].is_string();
                let code = if ok {
                    String::new()
                } else {
                    format!("{} {body}", error_code(&body))
                };
                log.push((doc.url, ok, code, started.elapsed().as_secs_f64()));
                i += 1;
            }
            log
        }));
    }
    let mut readers = vec![];
    for _ in 0..2 {
        let (app, stop) = (app.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut worst: f64 = 0.0;
            let mut codes = std::collections::BTreeSet::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let body = app
                    .graphql(
                        "{ articles(first: 5) { nodes { title statements { totalCount } } } }",
                        json!({}),
                    )
                    .await;
                worst = worst.max(started.elapsed().as_secs_f64());
                if body.get("errors").is_some() {
                    codes.insert(error_code(&body));
                }
            }
            (worst, codes)
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    cluster.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Alive while the database is down.
    assert_eq!(app.status("/health").await, 200);
    cluster.start_again();
    let back = Instant::now();
    wait_for("ready again", Duration::from_secs(5), async || {
        app.status("/ready").await == 200
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut log = vec![];
    for t in tasks {
        log.extend(t.await.unwrap());
    }
    eprintln!(
        "ready again {:?} after the database came back",
        back.elapsed()
    );

    let failed: Vec<_> = log.iter().filter(|l| !l.1).collect();
    assert!(
        !failed.is_empty(),
        "no write failed: the restart was not under load"
    );
    assert!(log.iter().any(|l| l.1), "no write succeeded");
    for (url, _, code, _) in &failed {
        assert!(
            code.starts_with("SERVICE_UNAVAILABLE "),
            "{url} failed with {code}"
        );
    }
    let slowest = log.iter().map(|l| l.3).fold(0.0, f64::max);
    assert!(
        slowest < 6.0,
        "a write took {slowest:.1} s: requests must fail fast"
    );
    for r in readers {
        let (worst, codes) = r.await.unwrap();
        assert!(worst < 6.0, "a read took {worst:.1} s");
        assert!(
            codes.iter().all(|c| c == "SERVICE_UNAVAILABLE"),
            "{codes:?}"
        );
    }
    // Every acknowledged write is there, whole; a failed one is absent or whole (its commit
    // may have happened just before the connection died), never partial.
    let direct = Database::connect(cluster.url()).await.unwrap();
    for (url, acknowledged, _, _) in &log {
        let n = count(
            &direct,
            &format!("SELECT COUNT(*) FROM article WHERE url = '{url}'"),
        )
        .await;
        let statements = count(
            &direct,
            &format!(
                "SELECT COUNT(*) FROM statement s JOIN article a ON a.id = s.article_id WHERE a.url = '{url}'"
            ),
        )
        .await;
        if *acknowledged {
            assert_eq!((n, statements), (1, 3), "acknowledged {url} is not whole");
        } else {
            assert!(
                (n, statements) == (0, 0) || (n, statements) == (1, 3),
                "{url}: partial"
            );
        }
    }
    eprintln!(
        "{} writes, {} acknowledged, {} refused with SERVICE_UNAVAILABLE",
        log.len(),
        log.len() - failed.len(),
        failed.len()
    );
    drop(app);
    drop(cluster);
}
