//! Requests an attacker would send: each is refused before execution with a stable code,
//! and the server keeps answering normal queries.
use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::error_code;

async fn still_up(app: &crate::helpers::TestApp) {
    let d = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(d["articles"]["totalCount"], 1);
}

api_test!(
    expensive_and_abusive_queries_are_refused_before_execution,
    |app| {
        let before = app.sql_statements();
        let deep = "{ location(name: \"Pokrovsk\") { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { name } } } } } } } } } } } } } }";
        let body = app.graphql(deep, json!({})).await;
        assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");

        let cycle = "{ articles { nodes { ...A } } } fragment A on Article { people { nodes { articles { nodes { ...A } } } } }";
        let body = app.graphql(cycle, json!({})).await;
        assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");

        let aliases: String = (0..16)
            .map(|i| format!("a{i}: articles {{ totalCount }} "))
            .collect();
        let body = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
        assert_eq!(error_code(&body), "TOO_MANY_ALIASES", "{body}");

        let directives: String = (0..51).map(|_| "@include(if: true) ").collect();
        let body = app
            .graphql(
                &format!("{{ articles {directives} {{ totalCount }} }}"),
                json!({}),
            )
            .await;
        assert!(
            ["TOO_MANY_DIRECTIVES"].contains(&error_code(&body).as_str()),
            "{body}"
        );

        let huge = format!("{{ articles {{ totalCount }} }} # {}", "x".repeat(20_000));
        let body = app.graphql(&huge, json!({})).await;
        assert_eq!(error_code(&body), "QUERY_TOO_LARGE", "{body}");

        let costly = "{ articles(first: 100) { nodes { statements(first: 100) { nodes { about { name } speaker { ... on Person { articles(first: 100) { nodes { title } } } } } } } } }";
        let body = app.graphql(costly, json!({})).await;
        assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("too complex")
        );

        // None of them reached the database.
        assert_eq!(app.sql_statements(), before);

        let body = app
            .graphql(
                "query A { articles { totalCount } } query B { people { totalCount } }",
                json!({}),
            )
            .await;
        assert!(
            body["errors"].is_array(),
            "an ambiguous document is an error: {body}"
        );
        let res: Value = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(
                &json!({ "query": "query A { articles { totalCount } }", "operationName": "Nope" }),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            res["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Nope"),
            "{res}"
        );
        still_up(app).await;
    }
);

api_test!(
    request_errors_carry_codes_and_responses_carry_their_cost,
    |app| {
        let body = app.graphql("{ articles { nope } }", json!({})).await;
        assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED");
        let body = app.graphql("{ articles { ", json!({})).await;
        assert_eq!(error_code(&body), "GRAPHQL_PARSE_FAILED", "{body}");
        let ok = app
            .graphql(
                "{ articles(first: 10) { nodes { title people(first: 5) { nodes { name } } } } }",
                json!({}),
            )
            .await;
        let cost = &ok["extensions"]["cost"];
        assert_eq!(
            cost["requestedQueryCost"],
            // articles: 10 rows x (nodes 1 + title 1 + people: 5 rows x (nodes 1 + name 1) + 1) + 1
            1 + 10 * (1 + 1 + (1 + 5 * 2)),
            "{ok}"
        );
        assert_eq!(cost["maximumAvailable"], 50_000);
        // GraphiQL's introspection query is not limited by depth.
        let introspection = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }";
        let body = app.graphql(introspection, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        still_up(app).await;
    }
);

async fn exhausted_pool_fails_fast(backend: crate::helpers::Backend) {
    use sea_orm::TransactionTrait;
    let app = crate::helpers::spawn_app_configured(backend, true, |s| {
        s.db_max_connections = 1;
        s.db_acquire_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    // Hold the pool's only connection, as a slow query would.
    let held = app.db().begin().await.unwrap();
    let started = std::time::Instant::now();
    let body = app.graphql("{ articles { totalCount } }", json!({})).await;
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "failed fast, not hung"
    );
    // Liveness does not depend on the database.
    let health = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    drop(held);
    still_up(&app).await;
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_connection_pool_fails_fast_with_service_unavailable_sqlite() {
    exhausted_pool_fails_fast(crate::helpers::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_connection_pool_fails_fast_with_service_unavailable_postgres() {
    if crate::helpers::postgres_skipped() {
        return;
    }
    exhausted_pool_fails_fast(crate::helpers::Backend::Postgres).await;
}
