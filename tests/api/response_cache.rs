//! The response cache: a repeated read is answered from memory with the same bytes and no
//! SQL, and never outlives a change to the data, whoever makes it (a mutation, another
//! replica, plain SQL), on both backends.
use std::time::{Duration, Instant};

use newsgraph::configuration::Settings;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::*;

const PEOPLE: &str =
    "query($first: Int!) { people(first: $first) { totalCount nodes { id name role } } }";

fn cached(s: &mut Settings) {
    s.response_cache = true;
}

/// A PostgreSQL server caches once its LISTEN connection is up (right after start-up it
/// bypasses the cache: it could not hear a change yet).
async fn up(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let app = spawn_app_configured(backend, true, tweak).await;
    until_listening(&app).await;
    app
}

async fn until_listening(app: &TestApp) {
    let start = Instant::now();
    while !app.state.live.listening() {
        assert!(start.elapsed() < Duration::from_secs(10), "never listening");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// (newsgraph-cache header, raw body).
async fn read(app: &TestApp, query: &str, variables: Value) -> (String, String) {
    let (status, cache, body) = app.raw(query, &variables, "newsgraph-cache").await;
    assert_eq!(status, 200);
    assert!(!cache.is_empty(), "newsgraph-cache header");
    (cache, body)
}

/// Reads until the answer contains `needle` (a change made elsewhere reaches a PostgreSQL
/// server with its notification); returns how long that took.
async fn read_until(app: &TestApp, query: &str, variables: Value, needle: &str) -> Duration {
    let start = Instant::now();
    loop {
        let (_, body) = read(app, query, variables.clone()).await;
        if body.contains(needle) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still stale after 10 s: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn first_person_id(app: &TestApp) -> String {
    let d = app.data(PEOPLE, json!({ "first": 1 })).await;
    d["people"]["nodes"][0]["id"].as_str().unwrap().to_string()
}

async fn repeated_reads_come_from_memory_until_the_data_changes(backend: Backend) {
    let app = up(backend, cached).await;
    let vars = json!({ "first": 3 });
    let (c1, b1) = read(&app, PEOPLE, vars.clone()).await;
    assert_eq!(c1, "miss");
    let before = app.sql_statements();
    let (c2, b2) = read(&app, PEOPLE, vars.clone()).await;
    assert_eq!(c2, "hit");
    assert_eq!(b1, b2, "a cached answer is the same bytes");
    // No SQL for the answer: on SQLite one statement reads the data version.
    let expected = if backend == Backend::Sqlite { 1 } else { 0 };
    assert_eq!(app.sql_statements() - before, expected);
    // Other variables, other answer.
    assert_eq!(read(&app, PEOPLE, json!({ "first": 2 })).await.0, "miss");

    // A mutation through this server: the very next read sees it (no waiting for a notice).
    let id = first_person_id(&app).await;
    let d = app
        .mutate(
            "mutation($id: ID!) { updatePerson(id: $id, input: { role: \"cache-test role\" }) { person { role } userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        d["data"]["updatePerson"]["person"]["role"], "cache-test role",
        "{d}"
    );
    let (c3, b3) = read(&app, PEOPLE, vars.clone()).await;
    assert_eq!(c3, "miss");
    assert!(b3.contains("cache-test role"), "{b3}");
    assert_eq!(read(&app, PEOPLE, vars.clone()).await.0, "hit");

    // Plain SQL by another writer: SQLite sees it at once, PostgreSQL when the trigger's
    // notification arrives.
    app.db()
        .execute_unprepared(
            "UPDATE person SET role = 'changed by plain SQL' WHERE role = 'cache-test role'",
        )
        .await
        .unwrap();
    let took = read_until(&app, PEOPLE, vars.clone(), "changed by plain SQL").await;
    if backend == Backend::Sqlite {
        assert!(took < Duration::from_millis(20), "{took:?}");
    }
    let (_, settled) = read(&app, PEOPLE, vars.clone()).await;
    assert_eq!(read(&app, PEOPLE, vars.clone()).await.0, "hit");
    // A rolled-back change announces nothing and changes nothing.
    let txn = app.db().begin().await.unwrap();
    txn.execute_unprepared("UPDATE person SET role = 'rolled back'")
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let (c4, b4) = read(&app, PEOPLE, vars.clone()).await;
    assert_eq!((c4.as_str(), &b4), ("hit", &settled));

    // Answers with errors are not kept.
    let bad = "{ person(id: \"not-an-id\") { id } }";
    assert_eq!(read(&app, bad, json!({})).await.0, "miss");
    assert_eq!(read(&app, bad, json!({})).await.0, "miss");

    let hits = app.counter("newsgraph_response_cache_hits_total").await;
    assert!(hits >= 4, "{hits} hits");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("newsgraph_response_cache_entries "),
        "{metrics}"
    );
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_repeated_reads_come_from_memory_until_the_data_changes() {
    repeated_reads_come_from_memory_until_the_data_changes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_repeated_reads_come_from_memory_until_the_data_changes() {
    if postgres_skipped() {
        return;
    }
    repeated_reads_come_from_memory_until_the_data_changes(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_replica_invalidates_the_others_cache() {
    if postgres_skipped() {
        return;
    }
    let a = up(Backend::Postgres, cached).await;
    let b = spawn_replica(&a, cached).await;
    until_listening(&b).await;
    let vars = json!({ "first": 3 });
    read(&b, PEOPLE, vars.clone()).await;
    assert_eq!(read(&b, PEOPLE, vars.clone()).await.0, "hit");
    let id = first_person_id(&a).await;
    a.mutate(
        "mutation($id: ID!) { updatePerson(id: $id, input: { role: \"written on A\" }) { person { role } } }",
        json!({ "id": id }),
    )
    .await;
    let took = read_until(&b, PEOPLE, vars, "written on A").await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    b.teardown().await;
    a.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_listener_is_never_taken_for_unchanged_data() {
    if postgres_skipped() {
        return;
    }
    let app = up(Backend::Postgres, cached).await;
    let vars = json!({ "first": 3 });
    read(&app, PEOPLE, vars.clone()).await;
    assert_eq!(read(&app, PEOPLE, vars.clone()).await.0, "hit");
    // Kill the server's LISTEN connection and change the data right away: the change's
    // notification may be lost, so the reconnect must forget the cached answers.
    let db = app.db();
    db.execute_unprepared(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .await
    .unwrap();
    db.execute_unprepared("UPDATE person SET role = 'changed while deaf'")
        .await
        .unwrap();
    read_until(&app, PEOPLE, vars.clone(), "changed while deaf").await;
    // Once listening again, answers are cached again.
    let start = Instant::now();
    loop {
        if read(&app, PEOPLE, vars.clone()).await.0 == "hit" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never cached again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.teardown().await;
}
