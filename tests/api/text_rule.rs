//! The text rule (`domain::text`) at every way in: control characters, invisible characters
//! and NUL never reach the database, a name left empty by the rule is a userError at its field,
//! and what one backend stored the other can import.
use serde_json::json;

use crate::api_test;
use crate::helpers::TestApp;

const CREATE_ORG: &str = r#"mutation($i: OrganizationFieldsInput!) { createOrganization(input: $i) {
    organization { id name aliases kind } userErrors { field code } } }"#;

async fn organizations(app: &TestApp) -> i64 {
    app.data("{ organizations { totalCount } }", json!({}))
        .await["organizations"]["totalCount"]
        .as_i64()
        .unwrap()
}

api_test!(
    a_name_of_control_or_invisible_characters_is_an_empty_text_user_error,
    |app| {
        let before = organizations(app).await;
        for name in [
            "\u{0095}",
            "\u{0000}",
            "\u{200B}\u{2060}",
            "\u{FEFF} \u{00AD}",
            " \t\n",
        ] {
            let res = app
                .mutate(CREATE_ORG, json!({ "i": { "name": name } }))
                .await;
            let payload = &res["data"]["createOrganization"];
            assert!(payload["organization"].is_null(), "{name:?}: {res}");
            assert_eq!(
                payload["userErrors"],
                json!([{ "field": ["name"], "code": "EMPTY_TEXT" }]),
                "{name:?}: {res}"
            );
        }
        let res = app
            .mutate(
                CREATE_ORG,
                json!({ "i": { "name": "Acme", "aliases": ["\u{200B}"] } }),
            )
            .await;
        assert_eq!(
            res["data"]["createOrganization"]["userErrors"],
            json!([{ "field": ["aliases", "0"], "code": "EMPTY_TEXT" }]),
            "{res}"
        );
        assert_eq!(organizations(app).await, before, "nothing was created");
    }
);

api_test!(
    nul_and_control_characters_are_removed_before_anything_is_stored,
    |app| {
        let res = app
        .mutate(
            CREATE_ORG,
            json!({ "i": { "name": "  Ac\u{0007}me\u{0085}Corp ", "aliases": ["\u{0000}x"], "kind": "\u{0001}" } }),
        )
        .await;
        let org = &res["data"]["createOrganization"]["organization"];
        assert_eq!(org["name"], "Acme Corp", "{res}");
        assert_eq!(org["aliases"], json!(["x"]), "{res}");
        assert!(org["kind"].is_null(), "{res}");

        // The same rule for documents: names, refs, statement texts and bodies.
        let doc = json!({
            "url": "https://t.example/1",
            "title": "Title\u{0000}",
            "body": "Line one\u{0000}.\r\nHe said \u{201C}peace\u{0008} now\u{201D}.",
            "people": [
                { "ref": "p\u{0000}", "name": "Ann\u{200B}a Li", "aliases": ["A.\u{0019} Li"] },
                { "ref": "q", "name": "\u{200B}" }
            ],
            "statements": [{ "ref": "s", "text": "peace\u{0008} now", "kind": "QUOTE", "speakerRef": "p" }]
        });
        let ingest = r#"mutation($doc: ArticleDocument!) { ingestArticle(input: $doc) { userErrors { field code } article { id } } }"#;
        let res = app.mutate(ingest, json!({ "doc": doc })).await;
        assert_eq!(
            res["data"]["ingestArticle"]["userErrors"],
            json!([{ "field": ["people", "1", "name"], "code": "EMPTY_TEXT" }]),
            "{res}"
        );
        let mut doc = doc;
        doc["people"].as_array_mut().unwrap().pop();
        let res = app.mutate(ingest, json!({ "doc": doc })).await;
        let id = res["data"]["ingestArticle"]["article"]["id"].clone();
        assert!(id.is_string(), "{res}");
        let d = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Article { title body people { nodes { name aliases } }
              statements { nodes { text evidence { start end } } } } } }",
            json!({ "id": id }),
        )
        .await;
        let a = &d["node"];
        assert_eq!(a["title"], "Title");
        assert_eq!(a["body"], "Line one.\nHe said \u{201C}peace now\u{201D}.");
        assert_eq!(
            a["people"]["nodes"],
            json!([{ "name": "Anna Li", "aliases": ["A. Li"] }])
        );
        let st = &a["statements"]["nodes"][0];
        assert_eq!(st["text"], "peace now");
        assert_eq!(st["evidence"][0]["start"], 19, "{d}");

        // What was stored exports and imports back (the export holds no NUL for PostgreSQL to
        // refuse).
        let (ok, out, err) = app.cli(&["export"], None);
        assert!(ok, "{err}");
        assert!(!out.contains("\\u0000"), "{out}");
        let (ok, _, err) = app.cli(&["import", "-"], Some(&out));
        assert!(ok, "{err}");
    }
);
