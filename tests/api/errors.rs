//! Bad input gets a GraphQL error with a stable code and a message a person understands;
//! nothing reaches the client as a 500 or as SQL text.
use serde_json::json;

use crate::api_test;
use crate::helpers::error_code;

api_test!(malformed_ids_are_bad_user_input, |app| {
    for id in [
        "",
        "nonsense",
        "QmFuYW5hOjE",
        "QXJ0aWNsZTphYmM",
        "!!",
        "QXJ0aWNsZTotMQ",
    ] {
        let body = app
            .graphql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{id}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("not a valid ID"),
            "{body}"
        );
    }
    let body = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ["QXJ0aWNsZTox", "zzz"] }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
});

api_test!(an_id_of_the_wrong_type_is_named_in_the_error, |app| {
    let article = app
        .data("{ articles(first: 1) { nodes { id } } }", json!({}))
        .await;
    let article_id = article["articles"]["nodes"][0]["id"].clone();
    let body = app
        .graphql(
            "query($id: ID) { person(id: $id) { name } }",
            json!({ "id": article_id }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["message"],
        "expected the ID of a Person, got the ID of a Article"
    );
    let body = app
        .graphql(
            "query($id: ID) { statements(filter: { aboutLocationId: $id }) { totalCount } }",
            json!({ "id": article_id }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
});

api_test!(malformed_cursors_are_bad_user_input, |app| {
    for cursor in ["", "x", "bm90IGpzb24", "eyJzIjoiMDAiLCJrIjpbXX0"] {
        let body = app
            .graphql(
                "query($c: String) { articles(after: $c) { totalCount } }",
                json!({ "c": cursor }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{cursor}: {body}");
    }
    // A cursor whose values were tampered with (right list, wrong types) is refused too.
    let page = app
        .data(
            "{ articles(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let raw = page["articles"]["pageInfo"]["endCursor"].as_str().unwrap();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let decoded = String::from_utf8(engine.decode(raw).unwrap()).unwrap();
    let tampered: serde_json::Value = serde_json::from_str(&decoded).unwrap();
    let forged = json!({ "s": tampered["s"], "k": [{ "int": 5 }, { "text": "x" }] });
    let forged = engine.encode(forged.to_string());
    let body = app
        .graphql(
            "query($c: String) { articles(first: 1, after: $c) { totalCount } }",
            json!({ "c": forged }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
});

api_test!(lookups_need_exactly_one_key, |app| {
    let body = app.graphql("{ article { id } }", json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = app
        .graphql(
            r#"{ person(id: "UGVyc29uOjE", name: "x") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let none = app.data(r#"{ person(name: "Nobody Atall") { id } location(name: "Atlantis") { id } article(url: "https://nowhere.example/") { id } }"#, json!({})).await;
    assert_eq!(
        none,
        json!({ "person": null, "location": null, "article": null })
    );
});

api_test!(
    invalid_dates_and_enums_are_rejected_before_execution,
    |app| {
        let body = app
            .graphql(
                r#"{ statements(filter: { saidAfter: "2025-13-45" }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("YYYY-MM-DD"),
            "{body}"
        );
        let body = app
            .graphql(
                r#"{ statements(filter: { kind: RUMOUR }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert!(body["errors"].is_array(), "{body}");
        let body = app
            .graphql(
                r#"{ articles(filter: { publishedAfter: "yesterday" }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert!(body["errors"].is_array(), "{body}");
    }
);
