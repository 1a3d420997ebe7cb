//! Hostile input, each class as an attacker sent it: fragment bombs, repeated search words,
//! statements that outlive their request, oversized lists, text the two backends store
//! differently, dates and chains out of range, bad NDJSON lines, WebSocket protocol abuse.
//! Every answer is designed (a code or a userError), nothing is half-written, and the server
//! keeps answering everyone else.
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::{TEST_API_KEY, TestApp, error_code};

const INGEST: &str = r#"mutation($doc: ArticleDocument!) { ingestArticle(input: $doc) {
    created userErrors { field code message } article { id } } }"#;

/// 40 fragments, each spreading the previous one twice: 2^39 fields once expanded (1.7 KB).
fn fragment_bomb(levels: usize) -> String {
    let mut q = format!(
        "{{ articles(first: 1) {{ edges {{ node {{ ...F{} }} }} }} }}\n",
        levels - 1
    );
    q.push_str("fragment F0 on Article { title }\n");
    for i in 1..levels {
        q.push_str(&format!(
            "fragment F{i} on Article {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    q
}

/// How long `/health` takes to answer.
async fn health_latency(app: &TestApp) -> Duration {
    let started = Instant::now();
    let res = app
        .client
        .get(format!("{}/health", app.address))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("/health answers");
    assert_eq!(res.status(), 200);
    started.elapsed()
}

api_test!(
    a_fragment_bomb_is_refused_at_once_and_health_keeps_answering,
    |app| {
        let bomb = fragment_bomb(40);
        assert!(bomb.len() < 2_000, "{} bytes", bomb.len());
        let body = app.graphql(&bomb, json!({})).await;
        assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("fragments are expanded"),
            "{body}"
        );
        // Eight bombs at once while /health is asked: it answers within a second throughout.
        let attackers: Vec<_> = (0..8)
            .map(|_| {
                let client = app.client.clone();
                let url = format!("{}/graphql", app.address);
                let bomb = bomb.clone();
                tokio::spawn(async move {
                    for _ in 0..5 {
                        let res = client
                            .post(&url)
                            .json(&json!({ "query": bomb }))
                            .timeout(Duration::from_secs(5))
                            .send()
                            .await
                            .expect("the bomb gets an answer");
                        let v: Value = res.json().await.unwrap();
                        assert_eq!(error_code(&v), "QUERY_TOO_COMPLEX");
                    }
                })
            })
            .collect();
        for _ in 0..5 {
            let took = health_latency(app).await;
            assert!(took < Duration::from_secs(1), "/health took {took:?}");
        }
        for a in attackers {
            a.await.unwrap();
        }
        // Wide fan-out and spreads through unions count the same way.
        let wide: String = (0..60)
            .map(|i| format!("fragment W{i} on Article {{ title ...W{} }}\n", i + 1))
            .collect::<String>()
            + "fragment W60 on Article { title }\n{ articles(first: 1) { nodes { ...W0 } } }";
        let body = app.graphql(&wide, json!({})).await;
        assert!(
            body.get("errors").is_none(),
            "a long chain of single spreads is fine: {body}"
        );
        let union_bomb = "{ search(query: \"Pokrovsk\") { nodes { ...U9 } } }\n".to_string()
        + "fragment U0 on SearchResult { ... on Article { title } }\n"
        + &(1..10)
            .map(|i| format!("fragment U{i} on SearchResult {{ ...U{} ...U{} ...U{} ...U{} ...U{} ...U{} ...U{} ...U{} }}\n", i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1))
            .collect::<String>();
        let body = app.graphql(&union_bomb, json!({})).await;
        assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{body}");
        let d = app.data("{ articles { totalCount } }", json!({})).await;
        assert_eq!(d["articles"]["totalCount"], 1);
    }
);

api_test!(
    a_search_word_repeated_a_thousand_times_answers_like_the_word,
    |app| {
        let once = app
            .data(
                "query($q: String!) { search(query: $q) { totalCount } }",
                json!({ "q": "the" }),
            )
            .await;
        let repeated = vec!["the"; 1000].join(" ");
        let started = Instant::now();
        let many = app
            .data(
                "query($q: String!) { search(query: $q) { totalCount } }",
                json!({ "q": repeated }),
            )
            .await;
        assert_eq!(many, once);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        // Twelve at once (more than the pool's connections) leave the pool serving.
        let searches: Vec<_> = (0..12)
            .map(|_| {
                let client = app.client.clone();
                let url = format!("{}/graphql", app.address);
                let q = repeated.clone();
                tokio::spawn(async move {
                    let res = client
                        .post(&url)
                        .json(&json!({ "query": "query($q: String!) { search(query: $q) { totalCount } }", "variables": { "q": q } }))
                        .send()
                        .await
                        .unwrap();
                    res.json::<Value>().await.unwrap()
                })
            })
            .collect();
        for s in searches {
            assert_eq!(s.await.unwrap()["data"], once);
        }
        assert_eq!(app.status("/ready").await, 200);
        assert!(health_latency(app).await < Duration::from_secs(1));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_statement_past_its_deadline_is_interrupted_and_frees_its_connection() {
    use sea_orm::ConnectionTrait;
    let app = crate::helpers::spawn_app_configured(crate::helpers::Backend::Sqlite, true, |s| {
        s.sqlite_statement_limit = Some(Duration::from_millis(500));
        s.db_max_connections = 1;
    })
    .await;
    let started = Instant::now();
    // Never ends by itself.
    let endless = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
        ))
        .await;
    let err = endless.expect_err("interrupted");
    assert!(err.to_string().contains("interrupt"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The pool's only connection is back and serves the next request.
    let d = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(d["articles"]["totalCount"], 1);
    app.teardown().await;
}

fn people(n: usize, aliases: usize) -> Value {
    json!(
        (0..n)
            .map(|i| json!({
                "ref": format!("p{i}"),
                "name": format!("Person {i}"),
                "aliases": (0..aliases).map(|j| format!("P{i} alias {j}")).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()
    )
}

fn doc(url: &str, extra: Value) -> Value {
    let mut d = json!({ "url": url, "title": "Hostile" });
    d.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    d
}

async fn ingest_errors(app: &TestApp, d: Value) -> Vec<(String, String)> {
    let res = app.mutate(INGEST, json!({ "doc": d })).await;
    assert!(res.get("errors").is_none(), "{res}");
    crate::helpers::user_errors(&res["data"]["ingestArticle"])
}

async fn count_people(app: &TestApp) -> i64 {
    app.data("{ people { totalCount } }", json!({})).await["people"]["totalCount"]
        .as_i64()
        .unwrap()
}

api_test!(
    oversized_lists_long_names_bad_dates_and_deep_chains_are_user_errors,
    |app| {
        let before = count_people(app).await;
        // An alias list past the list limit, on a document and on a mutation.
        let errs = ingest_errors(
            app,
            doc(
                "https://h.example/aliases",
                json!({ "people": people(1, 10_001) }),
            ),
        )
        .await;
        assert_eq!(
            errs,
            [(
                "people.0.aliases".to_string(),
                "DOCUMENT_TOO_LARGE".to_string()
            )]
        );
        let aliases: Vec<String> = (0..10_001).map(|i| format!("a{i}")).collect();
        let res = app
        .mutate(
            "mutation($a: [String!]) { createOrganization(input: { name: \"Acme\", aliases: $a }) { organization { id } userErrors { field code } } }",
            json!({ "a": aliases }),
        )
        .await;
        assert_eq!(
            res["data"]["createOrganization"]["userErrors"][0]["code"], "DOCUMENT_TOO_LARGE",
            "{res}"
        );
        assert!(res["data"]["createOrganization"]["organization"].is_null());
        // A name longer than any name (and so any cursor) may be.
        let long = "x".repeat(1_001);
        let errs = ingest_errors(
            app,
            doc(
                "https://h.example/long",
                json!({ "people": [{ "ref": "p", "name": long }] }),
            ),
        )
        .await;
        assert_eq!(
            errs,
            [("people.0.name".to_string(), "TEXT_TOO_LONG".to_string())]
        );
        // Dates out of the one range both backends store.
        for bad in ["-4714-11-23", "10000-01-01", "0000-12-31"] {
            let res = app
            .mutate(
                INGEST,
                json!({ "doc": doc("https://h.example/date", json!({
                    "people": [{ "ref": "p", "name": "P" }],
                    "statements": [{ "ref": "s", "text": "t", "kind": "QUOTE", "speakerRef": "p", "saidAt": bad }]
                })) }),
            )
            .await;
            assert_eq!(error_code(&res), "BAD_USER_INPUT", "{bad}: {res}");
        }
        // A chain of places deeper than any real hierarchy.
        let chain: Vec<Value> = (0..1_000)
            .map(|i| {
                let mut l =
                    json!({ "ref": format!("l{i}"), "name": format!("Level {i}"), "kind": "SITE" });
                if i > 0 {
                    l["parentRef"] = json!(format!("l{}", i - 1));
                }
                l
            })
            .collect();
        let started = Instant::now();
        let errs = ingest_errors(
            app,
            doc("https://h.example/chain", json!({ "locations": chain })),
        )
        .await;
        assert!(errs.iter().all(|(_, c)| c == "PLACE_TOO_DEEP"), "{errs:?}");
        assert!(
            errs.iter().any(|(f, _)| f == "locations.999.parentRef"),
            "{errs:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        // Nothing was written by any of them.
        assert_eq!(count_people(app).await, before);
        let d = app.data("{ articles { totalCount } }", json!({})).await;
        assert_eq!(d["articles"]["totalCount"], 1);
    }
);

api_test!(
    aliases_gathered_past_the_limit_are_refused_and_nothing_is_written,
    |app| {
        let d1 = doc(
            "https://h.example/a1",
            json!({ "people": [{ "ref": "p", "name": "Many Names", "aliases": (0..6_000).map(|i| format!("first {i}")).collect::<Vec<_>>() }] }),
        );
        assert_eq!(ingest_errors(app, d1).await, []);
        let d2 = doc(
            "https://h.example/a2",
            json!({ "people": [{ "ref": "p", "name": "Many Names", "aliases": (0..6_000).map(|i| format!("second {i}")).collect::<Vec<_>>() }] }),
        );
        let res = app.mutate(INGEST, json!({ "doc": d2 })).await;
        assert_eq!(error_code(&res), "BAD_USER_INPUT", "{res}");
        assert!(
            res["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("aliases"),
            "{res}"
        );
        let d = app.data("{ articles { totalCount } }", json!({})).await;
        assert_eq!(
            d["articles"]["totalCount"], 2,
            "the second document was not written"
        );
        // What was accepted exports and imports back.
        let (ok, out, err) = app.cli(&["export"], None);
        assert!(ok, "{err}");
        let (ok, _, err) = app.cli(&["import", "-"], Some(&out));
        assert!(ok, "{err}");
        assert!(err.contains("0 new, 2 updated, 0 rejected"), "{err}");
    }
);

api_test!(one_bad_ndjson_line_costs_only_that_line, unseeded, |app| {
    let dir = std::env::temp_dir().join(format!(
        "newsgraph_ndjson_{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.ndjson");
    let mut bytes = b"{\"url\":\"https://x.org/1\",\"title\":\"a\"}\n{\"url\": \n[{\"url\":\"https://x.org/9\",\"title\":\"z\"}]\n".to_vec();
    bytes.extend_from_slice(b"{\"url\":\"https://x.org/3\",\"title\":\"\xff\"}\n");
    bytes.extend_from_slice(b"{\"url\":\"https://x.org/2\",\"title\":\"b\"}\n");
    std::fs::write(&file, bytes).unwrap();
    let (ok, _, err) = app.cli(&["import", file.to_str().unwrap()], None);
    assert!(!ok, "rejected lines make the exit status non-zero");
    assert!(err.contains("2 new, 0 updated, 3 rejected"), "{err}");
    for n in ["line 2", "line 3", "line 4"] {
        assert!(err.contains(&format!("m.ndjson, {n}:")), "{n}: {err}");
    }
    assert!(err.contains("UTF-8"), "{err}");
    assert!(
        !err.contains("INFO"),
        "the command says only what the user needs: {err}"
    );
    let d = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(d["articles"]["totalCount"], 2);
    std::fs::remove_dir_all(dir).unwrap();
});

api_test!(bodies_in_another_charset_are_refused_with_415, |app| {
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json; charset=latin1")
        .body(r#"{"query":"{ articles { totalCount } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json; charset=UTF-8")
        .body(r#"{"query":"{ articles { totalCount } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
});

api_test!(
    websocket_protocol_abuse_gets_the_protocol_close_codes,
    |app| {
        use crate::live::ws_connect;
        let mut ws = ws_connect(app, "graphql-transport-ws").await;
        ws.init(json!({})).await;
        ws.send(json!({ "type": "no_such_type" })).await;
        assert_eq!(ws.closed().await.0, 4400);
        let mut ws = ws_connect(app, "graphql-transport-ws").await;
        ws.send(json!({ "type": "connection_init", "payload": { "authorization": 42 } }))
            .await;
        assert_eq!(ws.closed().await.0, 4403);
        let mut ws = ws_connect(app, "graphql-transport-ws").await;
        ws.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {TEST_API_KEY}") } }))
        .await;
        assert_eq!(ws.next().await["type"], "connection_ack");
    }
);

/// What SQLite accepted (control characters, NUL, invisible characters, the most aliases an
/// entity may hold, the longest names) exports and imports into PostgreSQL, and back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_from_either_backend_imports_into_the_other() {
    use crate::helpers::{Backend, postgres_skipped, spawn_app_with};
    if postgres_skipped() {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_POSTGRES is set");
        return;
    }
    let sqlite = spawn_app_with(Backend::Sqlite, true).await;
    let hostile = doc(
        "https://h.example/round-trip",
        json!({
            "title": "Round\u{0000} trip\u{200B}",
            "body": "Body with NUL\u{0000} and\u{0085}lines.\r\nSaid \u{201C}no\u{0007} way\u{201D}.",
            "people": [{
                "ref": "p",
                "name": "N".repeat(1_000),
                "aliases": (0..10_000).map(|i| format!("alias\u{0000} {i}")).collect::<Vec<_>>()
            }],
            "statements": [{ "ref": "s", "text": "no\u{0007} way", "kind": "QUOTE", "speakerRef": "p" }]
        }),
    );
    assert_eq!(ingest_errors(&sqlite, hostile).await, []);
    let (ok, exported, err) = sqlite.cli(&["export"], None);
    assert!(ok, "{err}");
    let postgres = spawn_app_with(Backend::Postgres, false).await;
    let (ok, _, err) = postgres.cli(&["import", "-"], Some(&exported));
    assert!(ok, "{err}");
    assert!(err.contains("2 new, 0 updated, 0 rejected"), "{err}");
    let (ok, again, err) = postgres.cli(&["export"], None);
    assert!(ok, "{err}");
    let sqlite2 = spawn_app_with(Backend::Sqlite, false).await;
    let (ok, _, err) = sqlite2.cli(&["import", "-"], Some(&again));
    assert!(ok, "{err}");
    for app in [&postgres, &sqlite2] {
        let d = app.data("{ articles { totalCount } }", json!({})).await;
        assert_eq!(d["articles"]["totalCount"], 2);
        let d = app
            .data("{ person(name: \"alias 9999\") { aliases } }", json!({}))
            .await;
        assert_eq!(
            d["person"]["aliases"].as_array().unwrap().len(),
            10_000,
            "every alias arrived"
        );
    }
    sqlite.teardown().await;
    postgres.teardown().await;
    sqlite2.teardown().await;
}
