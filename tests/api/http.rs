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
    let res = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("newsgraph_sql_statements_total")
    );
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
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "data": { "person": { "name": "Vladimir Putin" } } })
    );
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
