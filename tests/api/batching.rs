//! No N+1: the number of SQL statements a request runs depends on the query's depth, not on
//! the number of rows.
use serde_json::json;

use crate::api_test;
use crate::fixtures;

const NESTED: &str = r#"query($n: Int!) { articles(first: $n) { totalCount nodes {
    title
    people(first: 10) { totalCount nodes { name aliases affiliation { name country { name } } } }
    organizations { nodes { name } }
    locations { nodes { name ancestors { name } parent { name } } }
    statements(first: 5) { nodes { text
        speaker { ... on Person { name } ... on Organization { name } }
        place { name } about { name } disputes { text } disputedBy { text }
        evidence { start snippet } } }
    casualties { nodes { countMin location { name } reportedBy { ... on Organization { name } } evidence { start } } }
} } }"#;

async fn statements_for(app: &crate::helpers::TestApp, n: usize) -> (u64, serde_json::Value) {
    let before = app.sql_statements();
    let data = app.data(NESTED, json!({ "n": n })).await;
    (app.sql_statements() - before, data)
}

// The live-updates dispatcher reads the event log on a timer (every second on SQLite), and the
// statement counter counts those reads too: the timer is pushed out of the window measured here.
api_test!(
    a_nested_query_over_50_articles_costs_what_one_over_5_costs,
    empty,
    tweak = |s| s.live.poll_interval = std::time::Duration::from_secs(3600),
    |app| {
        for i in 0..50 {
            app.ingest(&fixtures::article(i)).await;
        }
        let (small, d5) = statements_for(app, 5).await;
        let (large, d50) = statements_for(app, 50).await;
        assert_eq!(d5["articles"]["nodes"].as_array().unwrap().len(), 5);
        assert_eq!(d50["articles"]["nodes"].as_array().unwrap().len(), 50);
        // Every nested level was really loaded for every article.
        for a in d50["articles"]["nodes"].as_array().unwrap() {
            assert_eq!(a["people"]["totalCount"], 2);
            assert_eq!(a["statements"]["nodes"].as_array().unwrap().len(), 3);
            assert_eq!(
                a["statements"]["nodes"][2]["disputes"]
                    .as_array()
                    .unwrap()
                    .len(),
                1
            );
            assert_eq!(
                a["locations"]["nodes"][0]["ancestors"]
                    .as_array()
                    .unwrap()
                    .len(),
                0
            );
        }
        println!("SQL statements: {small} for 5 articles, {large} for 50");
        // The query has 23 relation loads (root page and count included): at most one statement
        // each, whatever the number of rows. (Two loads of the same type that become ready in the
        // same tick share one statement, so the exact number may be a little lower.)
        for n in [small, large] {
            assert!((15..=23).contains(&n), "{n} statements");
        }
    }
);
