//! Keyset pagination: forward, backward, stable under inserts, cursors bound to their list.
use serde_json::{Value, json};

use crate::api_test;
use crate::fixtures;

async fn seed(app: &crate::helpers::TestApp, n: usize) {
    for i in 0..n {
        app.ingest(&fixtures::article(i)).await;
    }
}

fn titles(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_string())
        .collect()
}

const PAGE: &str = r#"query($first: Int, $after: String, $last: Int, $before: String, $order: ArticleOrder) {
  articles(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    edges { cursor node { title publishedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }"#;

api_test!(
    paging_forward_visits_every_article_once_newest_first,
    empty,
    |app| {
        seed(app, 23).await;
        let mut seen = Vec::new();
        let mut after = Value::Null;
        let mut pages = 0;
        loop {
            let d = app.data(PAGE, json!({ "first": 7, "after": after })).await;
            let conn = &d["articles"];
            assert_eq!(conn["totalCount"], 23);
            seen.extend(titles(conn));
            pages += 1;
            assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 1);
            if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(pages, 4);
        // Without `first`, a page holds 20.
        let d = app
            .data(
                "{ articles { nodes { id } pageInfo { hasNextPage } } }",
                json!({}),
            )
            .await;
        assert_eq!(d["articles"]["nodes"].as_array().unwrap().len(), 20);
        assert_eq!(d["articles"]["pageInfo"]["hasNextPage"], true);
        let expected: Vec<String> = (0..23)
            .rev()
            .map(|i| format!("Generated article {i:03}"))
            .collect();
        assert_eq!(seen, expected);
    }
);

api_test!(paging_backward_with_last_and_before, empty, |app| {
    seed(app, 10).await;
    let d = app.data(PAGE, json!({ "last": 3 })).await;
    assert_eq!(
        titles(&d["articles"]),
        [
            "Generated article 002",
            "Generated article 001",
            "Generated article 000"
        ]
    );
    assert_eq!(d["articles"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(d["articles"]["pageInfo"]["hasNextPage"], false);
    let before = d["articles"]["pageInfo"]["startCursor"].clone();
    let d = app.data(PAGE, json!({ "last": 3, "before": before })).await;
    assert_eq!(
        titles(&d["articles"]),
        [
            "Generated article 005",
            "Generated article 004",
            "Generated article 003"
        ]
    );
    assert_eq!(d["articles"]["pageInfo"]["hasNextPage"], true);
    // A cursor from a forward page works backward too: it marks a position in the same list.
    let fwd = app.data(PAGE, json!({ "first": 2 })).await;
    let after_second = fwd["articles"]["pageInfo"]["endCursor"].clone();
    let back = app
        .data(PAGE, json!({ "last": 5, "before": after_second }))
        .await;
    assert_eq!(titles(&back["articles"]), ["Generated article 009"]);
    assert_eq!(back["articles"]["pageInfo"]["hasPreviousPage"], false);
});

api_test!(ordering_by_title_in_both_directions, empty, |app| {
    seed(app, 5).await;
    let asc = app
        .data(
            PAGE,
            json!({ "first": 5, "order": { "field": "TITLE", "direction": "ASC" } }),
        )
        .await;
    assert_eq!(titles(&asc["articles"])[0], "Generated article 000");
    let desc = app
        .data(
            PAGE,
            json!({ "first": 2, "order": { "field": "TITLE", "direction": "DESC" } }),
        )
        .await;
    assert_eq!(
        titles(&desc["articles"]),
        ["Generated article 004", "Generated article 003"]
    );
    let next = app
        .data(PAGE, json!({ "first": 2, "after": desc["articles"]["pageInfo"]["endCursor"], "order": { "field": "TITLE", "direction": "DESC" } }))
        .await;
    assert_eq!(
        titles(&next["articles"]),
        ["Generated article 002", "Generated article 001"]
    );
});

api_test!(pages_stay_stable_when_articles_are_added, empty, |app| {
    seed(app, 10).await;
    let first = app.data(PAGE, json!({ "first": 4 })).await;
    let cursor = first["articles"]["pageInfo"]["endCursor"].clone();
    // A newer article lands at the top of the list while the client pages.
    app.ingest(&fixtures::article(50)).await;
    let second = app.data(PAGE, json!({ "first": 4, "after": cursor })).await;
    assert_eq!(
        titles(&second["articles"]),
        [
            "Generated article 005",
            "Generated article 004",
            "Generated article 003",
            "Generated article 002"
        ]
    );
    assert_eq!(second["articles"]["totalCount"], 11);
});

api_test!(
    undated_articles_come_last_and_page_correctly,
    empty,
    |app| {
        for i in 0..4 {
            let mut doc = fixtures::article(i);
            if i % 2 == 0 {
                doc.published_at = None;
            }
            app.ingest(&doc).await;
        }
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let d = app.data(PAGE, json!({ "first": 1, "after": after })).await;
            seen.extend(titles(&d["articles"]));
            if !d["articles"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = d["articles"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(
            seen,
            [
                "Generated article 003",
                "Generated article 001",
                "Generated article 002",
                "Generated article 000"
            ]
        );
    }
);

api_test!(a_cursor_from_another_list_is_refused, |app| {
    let people = app
        .data("{ people(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let cursor = people["people"]["pageInfo"]["endCursor"].clone();
    let body = app
        .graphql(PAGE, json!({ "first": 1, "after": cursor }))
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("different list"),
        "{body}"
    );
    // Same list, another ordering: refused too.
    let by_date = app.data(PAGE, json!({ "first": 1 })).await;
    let body = app
        .graphql(PAGE, json!({ "first": 1, "after": by_date["articles"]["pageInfo"]["endCursor"], "order": { "field": "TITLE", "direction": "ASC" } }))
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
    // A nested list's cursor belongs to its parent.
    let q = r#"query($after: String) { un: person(name: "putin") { statements(first: 1, after: $after) { pageInfo { endCursor } nodes { text } } } }"#;
    let d = app.data(q, json!({})).await;
    let next = app
        .data(
            q,
            json!({ "after": d["un"]["statements"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        next["un"]["statements"]["nodes"].as_array().unwrap().len(),
        1
    );
    let other = r#"query($after: String) { person(name: "zelensky") { statements(first: 1, after: $after) { nodes { text } } } }"#;
    let body = app
        .graphql(
            other,
            json!({ "after": d["un"]["statements"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
});

api_test!(nested_lists_page_with_their_own_cursors, |app| {
    let q = r#"query($after: String) { article(url: "https://newsgraph.example/seed/1a2292c64066d769") {
        statements(first: 5, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { text } } } }"#;
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app.data(q, json!({ "after": after })).await;
        let conn = &d["article"]["statements"];
        assert_eq!(conn["totalCount"], 18);
        all.extend(
            conn["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["text"].as_str().unwrap().to_string()),
        );
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(all.len(), 18);
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), 18);
    assert_eq!(
        all[17],
        "Ukraine's military contested Russian assertions regarding other areas, such as the northeastern town of Vovchansk and Kupyans, reinforcing a narrative of improved positions despite claims of Russian victories"
    );
});

api_test!(page_size_is_limited_to_100_and_says_so, |app| {
    for (args, needle) in [
        ("first: 101", "between 0 and 100"),
        ("first: -1", "between 0 and 100"),
        ("last: 1000", "between 0 and 100"),
        ("first: 1, last: 1", "not both"),
    ] {
        let body = app
            .graphql(
                &format!("{{ articles({args}) {{ totalCount }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            crate::helpers::error_code(&body),
            "BAD_USER_INPUT",
            "{args}: {body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{args}: {body}"
        );
    }
    let nested = app
        .graphql(
            "{ people(first: 1) { nodes { statements(first: 500) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&nested), "BAD_USER_INPUT");
    // Beyond a 32-bit integer the value is not even an Int.
    let huge = app
        .graphql("{ articles(first: 4496376036) { totalCount } }", json!({}))
        .await;
    assert!(huge["errors"].is_array(), "{huge}");
    assert!(huge.get("data").is_none_or(|d| d.is_null()), "{huge}");
    // first: 0 is a cheap way to get only the count.
    let zero = app
        .data(
            "{ articles(first: 0) { totalCount nodes { id } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(zero["articles"]["totalCount"], 1);
    assert_eq!(zero["articles"]["nodes"], json!([]));
    assert_eq!(zero["articles"]["pageInfo"]["hasNextPage"], true);
});

/// Walks a whole list page by page (forward with `first`/`after`, or backward with
/// `last`/`before`) and returns the titles in list order.
async fn walk(
    app: &crate::helpers::TestApp,
    order: &Value,
    size: i64,
    backward: bool,
) -> Vec<String> {
    let mut seen: Vec<Vec<String>> = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let vars = if backward {
            json!({ "last": size, "before": cursor, "order": order })
        } else {
            json!({ "first": size, "after": cursor, "order": order })
        };
        let d = app.data(PAGE, vars).await;
        let conn = &d["articles"];
        seen.push(titles(conn));
        let (more, next) = if backward {
            ("hasPreviousPage", "startCursor")
        } else {
            ("hasNextPage", "endCursor")
        };
        if !conn["pageInfo"][more].as_bool().unwrap() {
            break;
        }
        cursor = conn["pageInfo"][next].clone();
        assert!(seen.len() < 50, "paging does not end");
    }
    if backward {
        seen.reverse();
    }
    seen.concat()
}

api_test!(
    paging_crosses_from_dated_to_undated_articles_in_both_directions,
    empty,
    |app| {
        // Undated articles sort after every dated one, whichever the direction; pages are
        // read by index ranges, with the undated tail reached only once the range runs out.
        for i in 0..7 {
            app.ingest(&fixtures::article(i)).await;
        }
        for i in 7..12 {
            let mut a = fixtures::article(i);
            a.published_at = None;
            app.ingest(&a).await;
        }
        for direction in ["DESC", "ASC"] {
            let order = json!({ "field": "PUBLISHED_AT", "direction": direction });
            let all = app
                .data(PAGE, json!({ "first": 100, "order": order }))
                .await;
            let expected = titles(&all["articles"]);
            assert_eq!(expected.len(), 12);
            // Dated first (in the asked direction), then the undated ones.
            let dated: Vec<String> = if direction == "DESC" {
                (0..7)
                    .rev()
                    .map(|i| format!("Generated article {i:03}"))
                    .collect()
            } else {
                (0..7)
                    .map(|i| format!("Generated article {i:03}"))
                    .collect()
            };
            assert_eq!(expected[..7], dated[..], "{direction}");
            for size in [1, 3, 5, 7] {
                assert_eq!(
                    walk(app, &order, size, false).await,
                    expected,
                    "{direction} first {size}"
                );
                assert_eq!(
                    walk(app, &order, size, true).await,
                    expected,
                    "{direction} last {size}"
                );
            }
        }
    }
);

/// Every article of a place, person and organization, walked two at a time.
async fn mentioning(app: &crate::helpers::TestApp, field: &str, id: &Value) -> Vec<String> {
    let q = format!(
        "query($id: ID!, $after: String) {{ node(id: $id) {{ ... on {field} }} }}",
        field = match field {
            "location" => "Location { articles(first: 2, after: $after) { ...page } }",
            "person" => "Person { articles(first: 2, after: $after) { ...page } }",
            _ => "Organization { articles(first: 2, after: $after) { ...page } }",
        }
    ) + " fragment page on ArticleConnection { pageInfo { hasNextPage endCursor } edges { node { title } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app.data(&q, json!({ "id": id, "after": after })).await;
        let conn = &d["node"]["articles"];
        seen.extend(titles(conn));
        if conn["pageInfo"]["hasNextPage"] != true {
            return seen;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// The id of the entity named `name` among the first article's `list` (people, locations...).
async fn mentioned_id(app: &crate::helpers::TestApp, list: &str, name: &str) -> Value {
    let q = format!(
        "{{ articles(first: 1) {{ nodes {{ {list}(first: 10) {{ nodes {{ id name }} }} }} }} }}"
    );
    app.data(&q, json!({})).await["articles"]["nodes"][0][list]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .unwrap()["id"]
        .clone()
}

api_test!(
    a_place_persons_and_organizations_articles_follow_their_dates_however_they_change,
    empty,
    |app| {
        for i in 0..5 {
            let mut doc = fixtures::article(i);
            if i == 2 {
                doc.published_at = None;
            }
            app.ingest(&doc).await;
        }
        let lists = [
            (
                "location",
                mentioned_id(app, "locations", "Examplestan").await,
            ),
            (
                "person",
                mentioned_id(app, "people", "Shared Spokesperson").await,
            ),
            (
                "organization",
                mentioned_id(app, "organizations", "Example Ministry").await,
            ),
        ];
        let expect = |order: [usize; 5]| -> Vec<String> {
            order
                .iter()
                .map(|i| format!("Generated article {i:03}"))
                .collect()
        };
        for (field, id) in &lists {
            assert_eq!(
                mentioning(app, field, id).await,
                expect([4, 3, 1, 0, 2]),
                "{field}"
            );
        }
        // A new date through the API (a re-ingest), and plain SQL on the article alone.
        let mut moved = fixtures::article(0);
        moved.published_at = Some(moved.published_at.unwrap() + chrono::Duration::hours(100));
        app.ingest(&moved).await;
        sea_orm::ConnectionTrait::execute_unprepared(
            app.db(),
            "UPDATE article SET published_at = NULL WHERE url = 'https://news.example/a/4'",
        )
        .await
        .unwrap();
        for (field, id) in &lists {
            assert_eq!(
                mentioning(app, field, id).await,
                expect([0, 3, 1, 4, 2]),
                "{field}"
            );
        }
    }
);

api_test!(
    the_mention_dates_migration_rolls_back_and_fills_existing_rows_again,
    empty,
    |app| {
        use migration::{Migrator, MigratorTrait};
        for i in 0..3 {
            app.ingest(&fixtures::article(i)).await;
        }
        Migrator::down(app.db(), Some(1)).await.unwrap();
        Migrator::up(app.db(), None).await.unwrap();
        // Rows written before the migration get their article's date from its backfill.
        let undated = sea_orm::ConnectionTrait::query_one_raw(
            app.db(),
            sea_orm::Statement::from_string(
                app.db().get_database_backend(),
                "SELECT COUNT(*) AS n FROM article_location WHERE published_at IS NULL",
            ),
        )
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
        assert_eq!(undated, 0);
        let place = mentioned_id(app, "locations", "Examplestan").await;
        assert_eq!(
            mentioning(app, "location", &place).await,
            [
                "Generated article 002",
                "Generated article 001",
                "Generated article 000"
            ]
        );
    }
);
