//! HTTP transport: health and readiness, GET and POST, GraphiQL with its own assets, and
//! GraphQL-shaped errors for requests that never reach execution.
use serde_json::{Value, json};

use crate::api_test;

api_test!(health_and_readiness_answer, |app| {
    let res = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .get(format!("{}/ready", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ready");
    // Named operations are counted by outcome, and timed.
    app.data("query Probe { articles { totalCount } }", json!({}))
        .await;
    let body = app.graphql("query Probe { nope }", json!({})).await;
    assert!(body.get("errors").is_some());
    let metrics = app.metrics().await;
    for line in [
        "newsgraph_graphql_requests_total{operation=\"Probe\",outcome=\"ok\"} 1",
        "newsgraph_graphql_requests_total{operation=\"Probe\",outcome=\"error\"} 1",
        "newsgraph_graphql_request_duration_seconds_count 2",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in\n{metrics}"
        );
    }
    for name in [
        "newsgraph_sql_statements_total ",
        "newsgraph_db_pool_connections ",
        "newsgraph_db_pool_idle_connections ",
        "newsgraph_rate_limited_total 0",
        "newsgraph_graphql_request_duration_seconds_bucket{le=\"+Inf\"} 2",
    ] {
        assert!(
            metrics.lines().any(|l| l.starts_with(name)),
            "no `{name}` in\n{metrics}"
        );
    }
});

api_test!(graphiql_is_served_with_its_own_assets, |app| {
    let res = app
        .client
        .get(format!("{}/graphiql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("WhoSaidWhatAboutPokrovsk"),
        "example tabs are in the page"
    );
    let mut assets = 0;
    for src in html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/graphiql/assets/"))
    {
        let res = app
            .client
            .get(format!("{}{src}", app.address))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{src}");
        assert_eq!(res.headers()["content-encoding"], "gzip", "{src}");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert!(res.bytes().await.unwrap().len() > 4_000, "{src}");
        assets += 1;
    }
    assert_eq!(assets, 4);
    // Nothing is fetched from anywhere else.
    for needle in ["unpkg.com", "cdn.jsdelivr", "https://", "http://"] {
        assert!(!html.contains(needle), "{needle} in the page");
    }
});

api_test!(queries_run_over_get, |app| {
    let res = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            ("query", "query($n: String!) { person(name: $n) { name } }"),
            ("variables", r#"{"n":"putin"}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.json::<Value>().await.unwrap();
    assert_eq!(
        body["data"],
        json!({ "person": { "name": "Vladimir Putin" } })
    );
    // Every response says what the query cost.
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 2);
    // ...and what the answer actually held: `person` and its `name`.
    assert_eq!(body["extensions"]["cost"]["actualQueryCost"], 2);
});

api_test!(mutations_over_get_are_refused_with_405, |app| {
    let res = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[(
            "query",
            "mutation { deleteArticle(id: \"QXJ0aWNsZTox\") { deletedId } }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    // The article is still there.
    let d = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(d["articles"]["totalCount"], 1);
});

api_test!(
    requests_that_cannot_execute_get_graphql_shaped_errors,
    |app| {
        let url = format!("{}/graphql", app.address);
        let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (app.client.post(&url).header("content-type", "text/plain").body(r#"{"query":"{ articles { totalCount } }"}"#), 415, "UNSUPPORTED_MEDIA_TYPE"),
        (app.client.post(&url).header("content-type", "application/x-www-form-urlencoded").body("query=%7B%7D"), 415, "UNSUPPORTED_MEDIA_TYPE"),
        (app.client.post(&url).header("content-type", "application/json").body("{not json"), 400, "BAD_REQUEST"),
        (app.client.post(&url).header("content-type", "application/json").body(vec![0xff, 0xfe, 0x00]), 400, "BAD_REQUEST"),
        (app.client.post(&url).header("content-type", "application/json").body(r#"{"variables":{}}"#), 400, "BAD_REQUEST"),
        (app.client.post(&url).header("content-type", "application/json").body(r#"{"query": 5}"#), 400, "BAD_REQUEST"),
        (app.client.post(&url).header("content-type", "application/json").body(r#"{"query":"{ articles { totalCount } }","variables":[1]}"#), 400, "BAD_REQUEST"),
        (app.client.post(&url).header("content-type", "application/json").body(r#"{"query":"{ articles { totalCount } }","operationName":5}"#), 400, "BAD_REQUEST"),
        (app.client.post(&url).header("content-type", "application/json").body(r#"{"query":"{ articles { totalCount } }","extensions":"x"}"#), 400, "BAD_REQUEST"),
        // An array whose items would fill a request's fields in order is still a batch.
        (app.client.post(&url).header("content-type", "application/json").body(r#" ["{ articles { totalCount } }"]"#), 400, "BATCH_NOT_SUPPORTED"),
        (
            app.client.post(&url).json(&json!([{ "query": "{ articles { totalCount } }" }, { "query": "{ people { totalCount } }" }])),
            400,
            "BATCH_NOT_SUPPORTED",
        ),
        (
            app.client.post(&url).header("content-type", "application/json").body(vec![b' '; 2 * 1024 * 1024]),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (app.client.put(&url).json(&json!({ "query": "{ articles { totalCount } }" })), 405, "METHOD_NOT_ALLOWED"),
    ];
        for (req, status, code) in cases {
            let res = req.send().await.unwrap();
            assert_eq!(res.status().as_u16(), status, "{code}");
            assert!(
                res.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .contains("json")
            );
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
        }
        // The server is still up and answers normally.
        let d = app.data("{ articles { totalCount } }", json!({})).await;
        assert_eq!(d["articles"]["totalCount"], 1);
    }
);

api_test!(graphql_response_json_is_honoured, |app| {
    let url = format!("{}/graphql", app.address);
    let ok = app
        .client
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ articles { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    // A document that does not validate is a 400 under the new media type, and no `data`.
    let bad = app
        .client
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ articles { nope } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    // ... and a 200 with `errors` for legacy application/json clients.
    let legacy = app
        .client
        .post(&url)
        .json(&json!({ "query": "{ articles { nope } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 200);
});

api_test!(response_fields_come_in_query_order, |app| {
    // `statements` takes longer to resolve than `casualties`; the response still lists the
    // fields as the query does.
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": r#"{ location(name: "Pokrovsk") { statements { nodes { speaker { ... on Organization { name } } disputedBy { text } } } casualties { totalCount } name } }"# }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let s = res.find("\"statements\"").unwrap();
    let c = res.find("\"casualties\"").unwrap();
    let n = res.find("\"name\":\"Pokrovsk\"").unwrap();
    assert!(s < c && c < n, "{res}");
});

fn sha256(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

api_test!(automatic_persisted_queries_work_over_get_and_post, |app| {
    let url = format!("{}/graphql", app.address);
    let query = "{ person(name: \"putin\") { name } }";
    let ext =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(query) } }).to_string();
    // Unknown hash: the client is told to send the query.
    let miss: Value = app
        .client
        .get(&url)
        .query(&[("extensions", ext.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(miss["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        miss["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    // The client sends hash and query once ...
    let reg: Value = app
        .client
        .post(&url)
        .json(
            &json!({ "query": query, "extensions": serde_json::from_str::<Value>(&ext).unwrap() }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reg["data"]["person"]["name"], "Vladimir Putin");
    // ... then the hash alone runs it, over GET.
    let hit: Value = app
        .client
        .get(&url)
        .query(&[("extensions", ext.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        hit["data"],
        json!({ "person": { "name": "Vladimir Putin" } })
    );
    // A query that does not hash to the hash sent is refused.
    let bad = app
        .client
        .post(&url)
        .json(&json!({ "query": "{ articles { totalCount } }", "extensions": serde_json::from_str::<Value>(&ext).unwrap() }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // A persisted mutation still cannot run over GET.
    let mutation = "mutation { deleteArticle(id: \"QXJ0aWNsZTox\") { deletedId } }";
    let mext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(mutation) } });
    app.client.post(&url).bearer_auth(crate::helpers::TEST_API_KEY).json(&json!({ "query": "mutation { deleteArticle(id: \"QXJ0aWNsZTo5OTk\") { deletedId } }" })).send().await.unwrap();
    app.client
        .post(&url)
        .json(&json!({ "query": mutation, "extensions": mext }))
        .send()
        .await
        .unwrap();
    let get = app
        .client
        .get(&url)
        .query(&[("extensions", mext.to_string().as_str())])
        .bearer_auth(crate::helpers::TEST_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    assert_eq!(
        app.data("{ articles { totalCount } }", json!({})).await["articles"]["totalCount"],
        1
    );
});

api_test!(
    anonymous_get_reads_are_cacheable_and_revalidate_with_304,
    |app| {
        let url = format!("{}/graphql", app.address);
        let q = [("query", "{ articles { totalCount } }")];
        let res = app.client.get(&url).query(&q).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "public, max-age=60");
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        let again = app
            .client
            .get(&url)
            .query(&q)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
        // After a change the ETag no longer matches.
        app.ingest(&crate::fixtures::article(1)).await;
        let changed = app
            .client
            .get(&url)
            .query(&q)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 200);
        // Authenticated reads, POSTs and errors are not cached.
        let authed = app
            .client
            .get(&url)
            .query(&q)
            .bearer_auth(crate::helpers::TEST_API_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(authed.headers()["cache-control"], "no-store");
        let post = app
            .client
            .post(&url)
            .json(&json!({ "query": "{ articles { totalCount } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(post.headers()["cache-control"], "no-store");
        let err = app
            .client
            .get(&url)
            .query(&[("query", "{ articles(first: 500) { totalCount } }")])
            .send()
            .await
            .unwrap();
        assert_eq!(err.headers()["cache-control"], "no-store");
    }
);

api_test!(cors_allows_configured_origins_without_credentials, |app| {
    let url = format!("{}/graphql", app.address);
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", crate::helpers::TEST_ORIGIN)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        crate::helpers::TEST_ORIGIN
    );
    assert!(
        preflight
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let simple = app
        .client
        .post(&url)
        .header("origin", crate::helpers::TEST_ORIGIN)
        .json(&json!({ "query": "{ articles { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        simple.headers()["access-control-allow-origin"],
        crate::helpers::TEST_ORIGIN
    );
    // Any other origin gets no CORS grant.
    let other = app
        .client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
});

api_test!(every_response_carries_a_request_id, |app| {
    let res = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(!id.is_empty());
    let other = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);
    // A caller's own id is kept, if it is a sane token.
    let mine = app
        .client
        .get(format!("{}/health", app.address))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.headers()["x-request-id"], "trace-42");
    let junk = app
        .client
        .get(format!("{}/health", app.address))
        .header("x-request-id", "a b\"<c>")
        .send()
        .await
        .unwrap();
    assert_ne!(junk.headers()["x-request-id"], "a b\"<c>");
});
