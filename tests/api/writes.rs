//! Writing the graph: ingestArticle (validation, atomicity, entity resolution, idempotency),
//! deleteArticle, API keys, and the import/export command line.
use newsgraph::entities::*;
use newsgraph::services::ingest::ArticleDocument;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

use crate::api_test;
use crate::fixtures;
use crate::helpers::{TestApp, error_code};

const INGEST: &str = r#"mutation($doc: ArticleDocument!) { ingestArticle(input: $doc) {
    created userErrors { field message code } article { id url title people { totalCount } } } }"#;

fn doc_json(doc: &ArticleDocument) -> Value {
    serde_json::to_value(doc).unwrap()
}

/// Every row of every table, in primary-key order, as text: two equal snapshots mean the
/// same rows with the same ids.
async fn snapshot(app: &TestApp) -> String {
    let db = app.db();
    let mut out = String::new();
    macro_rules! dump {
        ($($m:ident),*) => {$(
            let mut rows: Vec<String> = $m::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")).collect();
            rows.sort();
            out.push_str(&format!("{}: {}\n", stringify!($m), rows.join("\n  ")));
        )*};
    }
    dump!(
        article,
        article_person,
        article_organization,
        article_location,
        person,
        person_alias,
        organization,
        organization_alias,
        location,
        location_alias,
        location_closure,
        statement,
        statement_about,
        statement_dispute,
        statement_evidence,
        casualty,
        casualty_evidence
    );
    out
}

async fn count_rows(app: &TestApp, table: &str) -> i64 {
    let row = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

api_test!(
    ingesting_creates_then_updates_in_place_with_the_same_ids,
    empty,
    |app| {
        let doc = fixtures::article(1);
        let first = app.mutate(INGEST, json!({ "doc": doc_json(&doc) })).await;
        let payload = &first["data"]["ingestArticle"];
        assert_eq!(payload["created"], true, "{first}");
        assert_eq!(payload["userErrors"], json!([]));
        assert_eq!(payload["article"]["people"]["totalCount"], 2);
        let before = snapshot(app).await;

        let again = app.mutate(INGEST, json!({ "doc": doc_json(&doc) })).await;
        assert_eq!(again["data"]["ingestArticle"]["created"], false);
        assert_eq!(
            again["data"]["ingestArticle"]["article"]["id"],
            payload["article"]["id"]
        );
        assert_eq!(
            snapshot(app).await,
            before,
            "ingesting the same document twice changes nothing"
        );

        // A changed document replaces the article's content and keeps its id.
        let mut changed = doc.clone();
        changed.title = "A new title".into();
        changed.statements.truncate(1);
        changed.casualties.clear();
        let third = app
            .mutate(INGEST, json!({ "doc": doc_json(&changed) }))
            .await;
        assert_eq!(
            third["data"]["ingestArticle"]["article"]["id"],
            payload["article"]["id"]
        );
        assert_eq!(
            third["data"]["ingestArticle"]["article"]["title"],
            "A new title"
        );
        assert_eq!(count_rows(app, "statement").await, 1);
        assert_eq!(count_rows(app, "statement_dispute").await, 0);
        assert_eq!(count_rows(app, "casualty").await, 0);
        assert_eq!(count_rows(app, "article").await, 1);
    }
);

api_test!(
    every_validation_error_is_reported_with_its_field_path_and_nothing_is_written,
    |app| {
        let before = snapshot(app).await;
        let mut doc = fixtures::article(1);
        doc.url = "not a url".into();
        doc.title = "  ".into();
        doc.people[1].reference = "shared".into(); // duplicate ref
        doc.people[0].affiliation_ref = Some("town".into()); // a place where an organization belongs
        doc.locations[0].latitude = Some(91.0);
        doc.locations[0].parent_ref = Some("town".into()); // country -> town -> region -> country: a loop
        doc.statements[0].text = "".into();
        doc.statements[1].speaker_ref = Some("nobody".into());
        doc.statements[2].place_ref = Some("s1".into()); // a statement where a place belongs
        doc.casualties[0].count_min = Some(10);
        doc.casualties[0].count_max = Some(5);
        let mut at_least = doc.casualties[0].clone();
        at_least.count_min = Some(100);
        at_least.count_max = Some(200);
        at_least.qualifier = newsgraph::entities::enums::CountQualifier::AtLeast;
        doc.casualties.push(at_least);
        let body = app.mutate(INGEST, json!({ "doc": doc_json(&doc) })).await;
        let payload = &body["data"]["ingestArticle"];
        assert_eq!(payload["article"], Value::Null);
        let errors = crate::helpers::user_errors(payload);
        for expected in [
            ("url", "INVALID_URL"),
            ("title", "EMPTY_TEXT"),
            ("people.1.ref", "DUPLICATE_REF"),
            ("people.0.affiliationRef", "WRONG_REF_KIND"),
            ("locations.0.latitude", "LATITUDE_OUT_OF_RANGE"),
            ("locations.0.parentRef", "PARENT_CYCLE"),
            ("statements.0.text", "EMPTY_TEXT"),
            ("statements.1.speakerRef", "UNKNOWN_REF"),
            ("statements.2.placeRef", "WRONG_REF_KIND"),
            ("casualties.0.countMin", "COUNT_RANGE_INVERTED"),
            ("casualties.1.qualifier", "QUALIFIER_MISMATCH"),
        ] {
            assert!(
                errors.contains(&(expected.0.to_string(), expected.1.to_string())),
                "missing {expected:?} in {errors:#?}"
            );
        }
        for e in payload["userErrors"].as_array().unwrap() {
            assert!(e["message"].as_str().unwrap().len() > 10, "{e}");
        }
        assert_eq!(snapshot(app).await, before);
    }
);

api_test!(a_failure_half_way_leaves_the_database_as_it_was, |app| {
    // Make the database itself refuse casualty rows, so the ingest fails after the article,
    // its entities and statements were already written inside the transaction.
    let sql = match app.db().get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => vec![
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_casualty BEFORE INSERT ON casualty FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
        _ => vec![
            "CREATE TRIGGER refuse_casualty BEFORE INSERT ON casualty BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
    };
    for s in sql {
        app.db().execute_unprepared(s).await.unwrap();
    }
    let before = snapshot(app).await;
    let body = app
        .mutate(INGEST, json!({ "doc": doc_json(&fixtures::article(7)) }))
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert!(
        !body.to_string().contains("injected"),
        "database errors are not sent to clients: {body}"
    );
    assert_eq!(
        snapshot(app).await,
        before,
        "nothing of the failed document remains"
    );
});

api_test!(
    people_and_places_are_matched_across_articles,
    empty,
    |app| {
        let mut a = fixtures::article(1);
        a.people[1].name = "Volodymyr Zelenskyy".into();
        a.people[1].aliases = vec!["Zelensky".into()];
        a.people[1].wikidata_id = None;
        app.ingest(&a).await;

        // Alias, accents and case: the same person.
        let mut b = fixtures::article(2);
        b.people[1].name = "ZELENSKÝ".into();
        b.people[1].aliases = vec!["Зеленський".into()];
        app.ingest(&b).await;
        // Wikidata id wins over a different spelling, and teaches the entity that spelling.
        let mut c = fixtures::article(3);
        c.people[1].name = "Wolodymyr Selenskyj".into();
        c.people[1].wikidata_id = Some("Q3874799".into());
        let mut d = fixtures::article(4);
        d.people[1].name = "Volodymyr Zelenskyy".into();
        d.people[1].wikidata_id = Some("Q3874799".into());
        app.ingest(&d).await;
        app.ingest(&c).await;

        let people = app.data(r#"{ people(first: 100, filter: { name: "zelensk" }) { nodes { name aliases wikidataId articles { totalCount } } } }"#, json!({})).await;
        let nodes = people["people"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 1, "{people}");
        let z = &nodes[0];
        assert_eq!(z["name"], "Volodymyr Zelenskyy");
        assert_eq!(z["wikidataId"], "Q3874799");
        assert_eq!(z["articles"]["totalCount"], 4);
        let aliases: Vec<&str> = z["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        for alias in ["Zelensky", "Зеленський", "Wolodymyr Selenskyj"] {
            assert!(aliases.contains(&alias), "{alias} in {aliases:?}");
        }
        // Only two people exist: the shared spokesperson and Zelenskyy.
        assert_eq!(count_rows(app, "person").await, 2);
    }
);

api_test!(
    places_with_the_same_name_are_told_apart_by_their_parent,
    empty,
    |app| {
        let mut a = fixtures::article(1);
        a.locations[2].name = "Oleksandrivka".into();
        app.ingest(&a).await;
        // Same town name, same region: the same place.
        let mut b = fixtures::article(2);
        b.locations[2].name = "Oleksandrivka".into();
        app.ingest(&b).await;
        // Same town name under another region: another place.
        let mut c = fixtures::article(3);
        c.locations[1].name = "South Region".into();
        c.locations[2].name = "Oleksandrivka".into();
        app.ingest(&c).await;
        let d = app
        .data(r#"{ locations(first: 100, filter: { name: "oleksandrivka" }) { nodes { name parent { name } articles { totalCount } } } }"#, json!({}))
        .await;
        let mut got: Vec<(String, i64)> = d["locations"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["parent"]["name"].as_str().unwrap().to_string(),
                    n["articles"]["totalCount"].as_i64().unwrap(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("North Region".to_string(), 2),
                ("South Region".to_string(), 1)
            ]
        );
        // The country and the north region were not duplicated.
        let countries = app
            .data(
                r#"{ locations(filter: { kind: COUNTRY }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(countries["locations"]["totalCount"], 1);
    }
);

api_test!(mutations_need_a_valid_api_key_and_reads_do_not, |app| {
    let before = snapshot(app).await;
    let vars = json!({ "doc": doc_json(&fixtures::article(1)) });
    let anonymous = app.graphql(INGEST, vars.clone()).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    let wrong = app
        .graphql_with_key(Some("not-the-key"), INGEST, vars.clone())
        .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    assert_eq!(wrong["errors"][0]["message"], "the API key is not valid");
    let id = app
        .data("{ articles(first: 1) { nodes { id } } }", json!({}))
        .await["articles"]["nodes"][0]["id"]
        .clone();
    let delete = app
        .graphql(
            "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&delete), "UNAUTHENTICATED");
    assert_eq!(snapshot(app).await, before, "nothing was written");
    // Reads stay public, and the right key writes.
    let ok = app.mutate(INGEST, vars).await;
    assert_eq!(ok["data"]["ingestArticle"]["created"], true, "{ok}");
});

api_test!(
    deleting_an_article_removes_what_it_reported_but_not_the_entities,
    |app| {
        let id = app
            .data("{ articles(first: 1) { nodes { id } } }", json!({}))
            .await["articles"]["nodes"][0]["id"]
            .clone();
        let q = "mutation($id: ID!) { deleteArticle(id: $id) { deletedId userErrors { code } } }";
        let res = app.mutate(q, json!({ "id": id })).await;
        assert_eq!(res["data"]["deleteArticle"]["deletedId"], id);
        for table in [
            "article",
            "statement",
            "casualty",
            "article_person",
            "statement_evidence",
        ] {
            assert_eq!(count_rows(app, table).await, 0, "{table}");
        }
        assert_eq!(count_rows(app, "person").await, 8);
        let again = app.mutate(q, json!({ "id": id })).await;
        assert_eq!(
            again["data"]["deleteArticle"]["userErrors"][0]["code"],
            "NOT_FOUND"
        );
        let bad = app.mutate(q, json!({ "id": "garbage" })).await;
        assert_eq!(
            bad["data"]["deleteArticle"]["userErrors"][0]["code"],
            "INVALID_ID"
        );
    }
);

api_test!(
    import_reads_ndjson_skips_bad_documents_and_reports_them,
    empty,
    |app| {
        let good1 = serde_json::to_string(&fixtures::article(1)).unwrap();
        let good2 = serde_json::to_string(&fixtures::article(2)).unwrap();
        let mut invalid = fixtures::article(3);
        invalid.casualties[0].count_min = Some(99);
        invalid.casualties[0].count_max = Some(1);
        let invalid = serde_json::to_string(&invalid).unwrap();
        let input = format!("{good1}\n{{\"url\": 5}}\n{invalid}\n{good2}\n{good1}\n");
        let (ok, _, stderr) = app.cli(&["import", "-"], Some(&input));
        assert!(
            !ok,
            "a rejected document makes the exit status non-zero: {stderr}"
        );
        assert!(
            stderr.contains("line 2") && stderr.contains("line 3"),
            "{stderr}"
        );
        assert!(stderr.contains("COUNT_RANGE_INVERTED"), "{stderr}");
        assert!(stderr.contains("2 new, 1 updated, 2 rejected"), "{stderr}");
        assert_eq!(count_rows(app, "article").await, 2);
        // A clean file exits 0.
        let (ok, _, stderr) = app.cli(&["import", "-"], Some(&format!("[{good1}, {good2}]")));
        assert!(ok, "{stderr}");
        // A missing file is a clear error.
        let (ok, _, stderr) = app.cli(&["import", "/nonexistent/file.ndjson"], None);
        assert!(
            !ok && stderr.contains("cannot read /nonexistent/file.ndjson"),
            "{stderr}"
        );
    }
);

api_test!(
    export_then_import_into_an_empty_database_gives_the_same_documents,
    |app| {
        for i in 0..3 {
            app.ingest(&fixtures::article(i)).await;
        }
        let (ok, first, stderr) = app.cli(&["export"], None);
        assert!(ok, "{stderr}");
        assert_eq!(first.lines().count(), 4);
        let empty = crate::helpers::spawn_app_with(
            if app.db().get_database_backend() == sea_orm::DatabaseBackend::Postgres {
                crate::helpers::Backend::Postgres
            } else {
                crate::helpers::Backend::Sqlite
            },
            false,
        )
        .await;
        let (ok, _, stderr) = empty.cli(&["import", "-"], Some(&first));
        assert!(ok, "{stderr}");
        let (ok, second, _) = empty.cli(&["export"], None);
        assert!(ok);
        empty.teardown().await;
        assert_eq!(first, second);
        // The sample article's document survives the trip whole: every statement and figure.
        let sample: Value = first
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|d| d["url"].as_str().unwrap().contains("newsgraph.example"))
            .unwrap();
        assert_eq!(sample["statements"].as_array().unwrap().len(), 18);
        assert_eq!(sample["casualties"].as_array().unwrap().len(), 3);
    }
);

api_test!(
    eight_clients_ingesting_overlapping_documents_create_no_duplicates,
    empty,
    |app| {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let address = app.address.clone();
            let doc = fixtures::article(i);
            tasks.push(tokio::spawn(async move {
                reqwest::Client::new()
                    .post(format!("{address}/graphql"))
                    .bearer_auth(crate::helpers::TEST_API_KEY)
                    .json(&json!({ "query": INGEST, "variables": { "doc": doc_json(&doc) } }))
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            let body = t.await.unwrap();
            assert_eq!(body["data"]["ingestArticle"]["created"], true, "{body}");
        }
        // One shared spokesperson, one ministry, one country, one region; eight towns and people.
        assert_eq!(count_rows(app, "person").await, 9);
        assert_eq!(count_rows(app, "organization").await, 1);
        assert_eq!(count_rows(app, "location").await, 10);
        assert_eq!(count_rows(app, "article").await, 8);
    }
);

api_test!(
    documents_over_the_size_limits_are_rejected_whole,
    empty,
    |app| {
        let mut doc = fixtures::article(1);
        doc.statements = (0..10_001)
            .map(|i| newsgraph::services::ingest::StatementInput {
                reference: format!("s{i}"),
                text: "x".into(),
                kind: newsgraph::entities::enums::StatementKind::Quote,
                speaker_ref: None,
                said_at: None,
                place_ref: None,
                about_refs: vec![],
                disputes_refs: vec![],
            })
            .collect();
        let body = app.mutate(INGEST, json!({ "doc": doc_json(&doc) })).await;
        let errors = &body["data"]["ingestArticle"]["userErrors"];
        assert_eq!(errors[0]["code"], "DOCUMENT_TOO_LARGE", "{body}");
        assert_eq!(errors[0]["field"], json!(["statements"]));
        assert_eq!(count_rows(app, "article").await, 0);
        // Over the import's 1 MiB per document: rejected with the reason, the rest imported.
        let mut big = fixtures::article(2);
        big.body = Some("word ".repeat(250_000));
        let input = format!(
            "{}\n{}\n",
            serde_json::to_string(&big).unwrap(),
            serde_json::to_string(&fixtures::article(3)).unwrap()
        );
        let (ok, _, stderr) = app.cli(&["import", "-"], Some(&input));
        assert!(
            !ok && stderr.contains("line 1") && stderr.contains("larger than 1048576 bytes"),
            "{stderr}"
        );
        assert_eq!(count_rows(app, "article").await, 1);
    }
);
