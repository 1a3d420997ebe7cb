//! The compiled read path (PostgreSQL): a query text the resolvers have answered once is
//! answered next time by one SQL statement that builds the JSON in Postgres. Every query here
//! runs both ways on the same database and the two answers must be the same bytes.
use newsgraph::services::generate;
use serde_json::{Value, json};

use crate::helpers::*;

/// (newsgraph-executor header, raw body).
async fn run(app: &TestApp, query: &str, variables: &Value) -> (String, String) {
    let (_, executor, body) = app.raw(query, variables, "newsgraph-executor").await;
    (executor, body)
}

/// The id of the newest article.
async fn first_article(app: &TestApp) -> Value {
    app.data("{ articles(first: 1) { nodes { id } } }", json!({}))
        .await["articles"]["nodes"][0]["id"]
        .clone()
}

/// The app under test (compiled reads on) and a second server on the same database with them
/// off: the resolvers' answer to compare with.
struct Pair {
    app: TestApp,
    resolvers: TestApp,
}

/// Runs `query` on the resolvers and compiled (the app's first run of a new text validates it
/// through the resolvers), and checks the answers are the same bytes. Returns the answer.
async fn both_ways(p: &Pair, query: &str, variables: Value) -> Value {
    let (off, resolved) = run(&p.resolvers, query, &variables).await;
    assert_eq!(off, "resolvers");
    let (mut executor, mut compiled) = run(&p.app, query, &variables).await;
    if executor == "resolvers" {
        (executor, compiled) = run(&p.app, query, &variables).await;
    }
    assert_eq!(executor, "compiled", "not compiled: {query}\n{resolved}");
    if compiled != resolved {
        let at = compiled
            .bytes()
            .zip(resolved.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(compiled.len().min(resolved.len()));
        let from = at.saturating_sub(200);
        panic!(
            "{query} {variables}\ncompiled:  ...{}\nresolvers: ...{}",
            &compiled[from..(at + 200).min(compiled.len())],
            &resolved[from..(at + 200).min(resolved.len())]
        );
    }
    let body: Value = serde_json::from_str(&compiled).unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body
}

/// A PostgreSQL app with the sample article, generated articles and one undated article.
async fn graph() -> Option<Pair> {
    if postgres_skipped() {
        return None;
    }
    let app = spawn_app_with(Backend::Postgres, true).await;
    let sizes = generate::Sizes::at_scale(0.005);
    for a in 0..sizes.articles {
        app.ingest(&generate::article(&sizes, a)).await;
    }
    let mut undated = generate::article(&sizes, 0);
    undated.url = "https://news.example/undated".into();
    undated.published_at = None;
    app.ingest(&undated).await;
    // Timestamps with milli- and microseconds, and a title with a control character (the
    // compiled path marks keys with one): written the resolvers' way.
    for (n, nanos, title) in [
        (1, 500_000_000, "Odd \u{1}title: \"quoted\""),
        (2, 123_400_000, "\u{1}Aid"),
    ] {
        let mut odd = generate::article(&sizes, n);
        odd.url = format!("https://news.example/odd-{n}");
        odd.title = title.into();
        odd.published_at = chrono::DateTime::from_timestamp(1_714_557_600 + n as i64, nanos);
        app.ingest(&odd).await;
    }
    let resolvers = spawn_app_at(&app.database_url, |s| s.compiled_reads = false).await;
    Some(Pair { app, resolvers })
}

impl Pair {
    async fn teardown(self) {
        self.resolvers.teardown().await;
        self.app.teardown().await;
    }
}

fn ids(body: &Value, path: &[&str]) -> Vec<String> {
    let mut v = body;
    for p in path {
        v = &v[*p];
    }
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

const Q1: &str = "query LatestArticles($first: Int!) { articles(first: $first, orderBy: { field: PUBLISHED_AT, direction: DESC }) { nodes { id title source url publishedAt people(first: 10) { nodes { id name role } } statements(first: 5) { nodes { id text saidAt speaker { ... on Person { id name } } } } locations(first: 10) { nodes { id name kind latitude longitude } } } } }";

#[tokio::test]
async fn the_benchmark_operations_compile_to_the_same_answers() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let front = both_ways(&p, Q1, json!({ "first": 20 })).await;
    let articles = ids(&front, &["data", "articles", "nodes"]);
    assert_eq!(articles.len(), 20);
    let person = app
        .data("{ people(first: 1) { nodes { id } } }", json!({}))
        .await["people"]["nodes"][0]["id"]
        .clone();
    let q2 = "query PersonStatements($id: ID!, $first: Int!, $after: String) { person(id: $id) { id name role statements(first: $first, after: $after, orderBy: { field: SAID_AT, direction: DESC }) { totalCount pageInfo { hasNextPage endCursor } nodes { id text saidAt article { id title publishedAt } } } } }";
    let page1 = both_ways(&p, q2, json!({ "id": person, "first": 2 })).await;
    let info = &page1["data"]["person"]["statements"]["pageInfo"];
    if info["hasNextPage"] == true {
        // The cursor the compiled statement wrote is one the resolvers accept, and back.
        let page2 = both_ways(
            &p,
            q2,
            json!({ "id": person, "first": 2, "after": info["endCursor"] }),
        )
        .await;
        let p1 = ids(&page1, &["data", "person", "statements", "nodes"]);
        let p2 = ids(&page2, &["data", "person", "statements", "nodes"]);
        assert!(p2.iter().all(|id| !p1.contains(id)));
    }
    let location = app
        .data("{ locations(first: 1) { nodes { id } } }", json!({}))
        .await["locations"]["nodes"][0]["id"]
        .clone();
    let q5 = "query LocationDetail($id: ID!) { location(id: $id) { id name kind latitude longitude parent { id name kind } children { id name kind } casualties(first: 10) { totalCount nodes { id countMin countMax category population reportedBy { ... on Organization { name } } asOf article { id title } } } articles(first: 10) { nodes { id title publishedAt } } } }";
    both_ways(&p, q5, json!({ "id": location })).await;
    let q6 = "query ArticleById($id: ID!) { article(id: $id) { id title source publishedAt } }";
    for id in articles.iter().take(3) {
        both_ways(&p, q6, json!({ "id": id })).await;
    }
    // A missing row is null both ways.
    both_ways(&p, q6, json!({ "id": "QXJ0aWNsZTo5OTk5OTk" })).await;
    p.teardown().await;
}

#[tokio::test]
async fn sessions_run_with_the_configured_random_page_cost() {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
    use sea_orm::sqlx::{Connection, Row};
    if postgres_skipped() {
        return;
    }
    async fn show(opts: PgConnectOptions) -> String {
        let mut c = PgConnection::connect_with(&opts).await.unwrap();
        let row = sea_orm::sqlx::query("SHOW random_page_cost")
            .fetch_one(&mut c)
            .await
            .unwrap();
        row.get::<String, _>(0)
    }
    let app = spawn_app_with(Backend::Postgres, false).await;
    let (mut set, mut kept) = (None, None);
    let a = spawn_app_at(&app.database_url, |s| {
        s.pg_random_page_cost = Some(1.7);
        set = s.direct_pg_options();
    })
    .await;
    let b = spawn_app_at(&app.database_url, |s| {
        s.pg_random_page_cost = None;
        kept = s.direct_pg_options();
    })
    .await;
    assert_eq!(show(set.unwrap()).await, "1.7");
    let plain: PgConnectOptions = app.database_url.parse().unwrap();
    assert_eq!(show(kept.unwrap()).await, show(plain).await);
    drop((a, b));
    app.teardown().await;
}

#[tokio::test]
async fn a_union_member_no_fragment_selects_is_null_both_ways() {
    let Some(p) = graph().await else { return };
    // Figures reported by people and by organizations, each asked for with a fragment on
    // only one of the two: the other answers null (the compiled statement skips its lookup).
    // (The generator's reporters are organizations: one article's figures get a person.)
    let sizes = generate::Sizes::at_scale(0.005);
    let mut by_person = generate::article(&sizes, 0);
    by_person.url = "https://news.example/reported-by-a-person".into();
    let who = by_person.people[0].reference.clone();
    assert!(!by_person.casualties.is_empty());
    for c in &mut by_person.casualties {
        c.reported_by_ref = Some(who.clone());
    }
    p.app.ingest(&by_person).await;
    let who = "{ articles(first: 100) { nodes { casualties(first: 10) { nodes { reportedBy { __typename } } } } } }";
    let kinds = both_ways(&p, who, json!({})).await.to_string();
    assert!(
        kinds.contains("\"Person\"") && kinds.contains("\"Organization\""),
        "{kinds}"
    );
    for only in ["... on Organization { name }", "... on Person { id name }"] {
        let q = format!(
            "{{ articles(first: 100) {{ nodes {{ casualties(first: 10) {{ nodes {{ id reportedBy {{ {only} }} }} }} }} }} }}"
        );
        let body = both_ways(&p, &q, json!({})).await.to_string();
        assert!(body.contains("\"reportedBy\":null"), "{only}: {body}");
        assert!(body.contains("\"reportedBy\":{\""), "{only}: {body}");
    }
    p.teardown().await;
}

#[tokio::test]
async fn keyset_pages_walk_the_whole_list_identically_both_ways() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let q = "query Page($first: Int!, $after: String, $dir: OrderDirection!, $field: ArticleOrderField!) { articles(first: $first, after: $after, orderBy: { field: $field, direction: $dir }) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id publishedAt title } } } }";
    for (field, dir) in [
        ("PUBLISHED_AT", "DESC"),
        ("PUBLISHED_AT", "ASC"),
        ("TITLE", "ASC"),
    ] {
        let mut after = Value::Null;
        let mut seen = Vec::new();
        loop {
            let vars = json!({ "first": 7, "after": after, "dir": dir, "field": field });
            let body = both_ways(&p, q, vars).await;
            let conn = &body["data"]["articles"];
            for e in conn["edges"].as_array().unwrap() {
                seen.push(e["node"]["id"].as_str().unwrap().to_string());
            }
            if conn["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
        let total =
            app.data("{ articles { totalCount } }", json!({})).await["articles"]["totalCount"]
                .as_u64()
                .unwrap();
        // Every article once, the undated one included (after the dated ones, or first).
        assert_eq!(seen.len() as u64, total, "{field} {dir}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len());
    }
    p.teardown().await;
}

#[tokio::test]
async fn fragments_aliases_typenames_and_every_compiled_field_match() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let article = first_article(app).await;
    let q = r#"
        fragment Place on Location { __typename id name kind latitude longitude wikidataId distanceKm
          parent { name } children { id } }
        fragment Who on Speaker { __typename ... on Person { id name role wikidataId affiliation { id name kind } }
          ... on Organization { id name kind wikidataId country { ...Place } } }
        query Everything($id: ID!) {
          __typename
          a: article(id: $id) {
            __typename id url title summary body source publishedAt ingestedAt
            ... on Node { id }
            people(first: 3) { __typename totalCount pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
              edges { __typename cursor node { id name statements(first: 2, orderBy: { field: SAID_AT, direction: ASC }) { nodes { id saidAt } } } } }
            organizations { nodes { id name articles(first: 2) { nodes { id } } statements(first: 2) { totalCount nodes { kind } } } }
            locations(first: 2) { nodes { ...Place casualties(first: 2, includeDescendants: true) { totalCount nodes { id } }
              statements(first: 2) { nodes { id } } articles(first: 1) { nodes { title } } } }
            statements { totalCount nodes { id text kind saidAt speaker { ...Who } article { id } place { ...Place } } }
            casualties { nodes { id category population countMin countMax qualifier phrase periodStart asOf
              location { name } reportedBy { ...Who } article { title } } }
          }
          b: article(id: $id) { title t2: title }
        }"#;
    let body = both_ways(&p, q, json!({ "id": article })).await;
    assert_eq!(body["data"]["a"]["__typename"], "Article");
    assert_eq!(body["data"]["b"]["t2"], body["data"]["b"]["title"]);
    // The same field asked twice (directly and through a fragment) is merged.
    let merged = "query($id: ID!) { article(id: $id) { id ... on Article { id title } people(first: 1) { nodes { id } } people(first: 1) { nodes { name } } } }";
    both_ways(&p, merged, json!({ "id": article })).await;
    // Every figure and statement of the sample article, by id and by the lists.
    let sample = app
        .data(
            "{ articles(filter: { text: \"Witkoff\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let sample = sample["articles"]["nodes"][0]["id"].clone();
    assert!(sample.is_string(), "the sample article is loaded");
    both_ways(&p, q, json!({ "id": sample })).await;
    p.teardown().await;
}

#[tokio::test]
async fn filtered_lists_and_full_text_search_compile_to_the_same_answers() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let q4 = "query SearchArticles($q: String!, $first: Int!) { articles(first: $first, filter: { text: $q }) { totalCount nodes { id title source publishedAt } } }";
    let sample = both_ways(&p, q4, json!({ "q": "Witkoff", "first": 20 })).await;
    assert_eq!(sample["data"]["articles"]["totalCount"], 1, "{sample}");
    for q in ["talks", "\"peace talks\" -Moscow", "a OR the", "   ", "-"] {
        both_ways(&p, q4, json!({ "q": q, "first": 5 })).await;
    }
    // Every filter, paged with cursors the compiled statement writes.
    let person = app
        .data("{ people(first: 1) { nodes { id } } }", json!({}))
        .await["people"]["nodes"][0]["id"]
        .clone();
    let location = app
        .data("{ locations(first: 1) { nodes { id } } }", json!({}))
        .await["locations"]["nodes"][0]["id"]
        .clone();
    let q = "query($first: Int!, $after: String, $f: ArticleFilter) { articles(first: $first, after: $after, filter: $f, orderBy: { field: TITLE, direction: ASC }) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title } } } }";
    for filter in [
        json!({ "text": "war" }),
        json!({ "personId": person }),
        json!({ "locationId": location }),
        json!({ "publishedAfter": "2024-01-01T00:00:00Z", "publishedBefore": "2030-01-01T00:00:00Z" }),
    ] {
        let mut after = Value::Null;
        let mut seen = 0;
        loop {
            let body = both_ways(&p, q, json!({ "first": 4, "after": after, "f": filter })).await;
            let conn = &body["data"]["articles"];
            seen += conn["edges"].as_array().unwrap().len();
            if conn["pageInfo"]["hasNextPage"] != true {
                assert_eq!(
                    conn["totalCount"].as_u64().unwrap() as usize,
                    seen,
                    "{filter}"
                );
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
    }
    // A cursor of the unfiltered list is refused on a filtered one, both ways.
    let cursor = app
        .data(
            "{ articles(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["articles"]["pageInfo"]["endCursor"]
        .clone();
    let (executor, body) = run(
        app,
        q,
        &json!({ "first": 2, "after": cursor, "f": { "text": "war" } }),
    )
    .await;
    assert_eq!(executor, "resolvers");
    assert!(body.contains("different list"), "{body}");
    p.teardown().await;
}

#[tokio::test]
async fn casualty_roll_ups_compile_and_are_never_stale() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let q3 = "query CasualtyTotals($category: CasualtyCategory, $first: Int) { casualtyTotals(filter: { category: $category }, groupBy: [LOCATION], first: $first) { location { id name } figures countMin countMax } }";
    let all = both_ways(&p, q3, json!({ "category": null, "first": 50 })).await;
    assert!(!all["data"]["casualtyTotals"].as_array().unwrap().is_empty());
    both_ways(&p, q3, json!({ "category": "KILLED", "first": 3 })).await;
    let every = r#"query($g: [CasualtyGrouping!], $f: CasualtyFilter, $first: Int) {
        casualtyTotals(groupBy: $g, filter: $f, first: $first) {
          __typename category population location { __typename id name parent { name } }
          reportedBy { __typename ... on Person { id name } ... on Organization { id name kind } }
          countMin countMax figures } }"#;
    for (g, f) in [
        (json!(null), json!(null)),
        (json!(["CATEGORY", "POPULATION"]), json!(null)),
        (
            json!(["REPORTED_BY", "LOCATION", "CATEGORY"]),
            json!({ "population": "CIVILIAN" }),
        ),
        (json!(["LOCATION"]), json!({ "asOfAfter": "2020-01-01" })),
    ] {
        for first in [json!(null), json!(2), json!(0)] {
            both_ways(&p, every, json!({ "g": g, "f": f, "first": first })).await;
        }
    }
    // New figures change the roll-up: the compiled statement notices its totals are stale and
    // the resolvers answer with the new ones; then it compiles again.
    let vars = json!({ "category": null, "first": 50 });
    let sizes = generate::Sizes::at_scale(0.005);
    // An even index: the generator gives those a casualty figure.
    let mut more = generate::article(&sizes, sizes.articles * 2);
    more.url = "https://news.example/more-figures".into();
    assert!(!more.casualties.is_empty());
    app.ingest(&more).await;
    let (executor, body) = run(app, q3, &vars).await;
    assert_eq!(executor, "resolvers", "a stale roll-up was used");
    let after: Value = serde_json::from_str(&body).unwrap();
    assert_ne!(after, all, "the new figure is counted");
    let again = both_ways(&p, q3, vars).await;
    assert_eq!(again, after);
    // A negative `first` is the resolvers' error, never compiled.
    let (executor, body) = run(app, q3, &json!({ "first": -1 })).await;
    assert_eq!(executor, "resolvers");
    assert!(body.contains("BAD_USER_INPUT"), "{body}");
    p.teardown().await;
}

#[tokio::test]
async fn what_does_not_compile_is_answered_by_the_resolvers() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let article = first_article(app).await;
    for (q, vars) in [
        // A field the compiler does not know.
        (
            "query($id: ID!) { article(id: $id) { id people { nodes { aliases } } } }",
            json!({ "id": article }),
        ),
        // A directive.
        (
            "query($id: ID!, $t: Boolean!) { article(id: $id) { id title @include(if: $t) } }",
            json!({ "id": article, "t": true }),
        ),
        // Paging backwards.
        ("{ articles(last: 2) { nodes { id } } }", json!({})),
        // Search and analysis.
        ("{ search(query: \"talks\") { totalCount } }", json!({})),
    ] {
        for _ in 0..2 {
            let (executor, body) = run(app, q, &vars).await;
            assert_eq!(executor, "resolvers", "{q}");
            assert!(!body.contains("\"errors\""), "{body}");
        }
    }
    // A query text that failed is never trusted; bad input on a trusted text falls back and
    // gets the resolvers' error.
    let q = "query($first: Int) { articles(first: $first) { nodes { id } } }";
    for _ in 0..2 {
        let (executor, body) = run(app, q, &json!({ "first": -1 })).await;
        assert_eq!(executor, "resolvers");
        assert_eq!(
            error_code(&serde_json::from_str(&body).unwrap()),
            "BAD_USER_INPUT"
        );
    }
    both_ways(&p, q, json!({ "first": 3 })).await;
    let (executor, body) = run(app, q, &json!({ "first": 1000 })).await;
    assert_eq!(executor, "resolvers");
    assert_eq!(
        error_code(&serde_json::from_str(&body).unwrap()),
        "BAD_USER_INPUT"
    );
    let (executor, body) = run(app, q, &json!({ "first": "three" })).await;
    assert_eq!(executor, "resolvers");
    assert!(body.contains("\"errors\""), "{body}");
    // A cursor from another list: the resolvers refuse it, as always.
    let cursor = app
        .data("{ articles(first: 1, orderBy: { field: TITLE, direction: ASC }) { pageInfo { endCursor } } }", json!({}))
        .await["articles"]["pageInfo"]["endCursor"]
        .clone();
    let paged = "query($after: String) { articles(first: 2, after: $after) { nodes { id } } }";
    both_ways(&p, paged, json!({ "after": null })).await;
    let (executor, body) = run(app, paged, &json!({ "after": cursor })).await;
    assert_eq!(executor, "resolvers");
    assert!(body.contains("different list"), "{body}");
    p.teardown().await;
}

#[tokio::test]
async fn a_compiled_read_is_one_sql_statement_whatever_the_rows() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let vars = json!({ "first": 20 });
    run(app, Q1, &vars).await;
    let before = app.sql_statements();
    let (executor, _) = run(app, Q1, &vars).await;
    assert_eq!(executor, "compiled");
    assert_eq!(app.sql_statements() - before, 1);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("newsgraph_compiled_reads_total 1"),
        "{metrics}"
    );
    p.teardown().await;
}

#[tokio::test]
async fn a_statement_text_is_written_once_per_shape_and_reused_for_other_values() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let reuses = "newsgraph_compiled_statement_reuses_total";
    let front = both_ways(&p, Q1, json!({ "first": 3 })).await;
    let articles = ids(&front, &["data", "articles", "nodes"]);
    let q6 = "query ArticleById($id: ID!) { article(id: $id) { id title source publishedAt } }";
    // The first compiled run writes the text; other ids reuse it.
    for id in &articles {
        both_ways(&p, q6, json!({ "id": id })).await;
    }
    assert_eq!(app.counter(reuses).await, 2);
    // Another page size is another text (written, not reused), then reused in its turn; a
    // cursor is another shape again. Every answer is still the resolvers' (both_ways).
    let q = "query Page($first: Int!, $after: String) { articles(first: $first, after: $after) { pageInfo { endCursor } nodes { id title } } }";
    let page = both_ways(&p, q, json!({ "first": 2 })).await;
    let after = page["data"]["articles"]["pageInfo"]["endCursor"].clone();
    both_ways(&p, q, json!({ "first": 4 })).await;
    both_ways(&p, q, json!({ "first": 2, "after": after })).await;
    assert_eq!(app.counter(reuses).await, 2);
    both_ways(&p, q, json!({ "first": 4, "after": null })).await;
    let page2 = both_ways(&p, q, json!({ "first": 2, "after": after })).await;
    let after2 = page2["data"]["articles"]["pageInfo"]["endCursor"].clone();
    both_ways(&p, q, json!({ "first": 2, "after": after2 })).await;
    assert_eq!(app.counter(reuses).await, 5);
    p.teardown().await;
}

/// Nested pages without a cursor, their counts and a place's children are built once and
/// shared by every query text: what differs between two of them at the same place in a query
/// (the list's options, the columns read, a cursor) must still give each its own statement.
#[tokio::test]
async fn lists_built_once_still_differ_by_options_columns_and_cursor() {
    let Some(p) = graph().await else { return };
    let app = &p.app;
    // The person with the most statements, and a place whose sub-places report figures.
    let people = app
        .data(
            "{ people(first: 50) { nodes { id statements(first: 1) { totalCount } } } }",
            json!({}),
        )
        .await;
    let person = people["people"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|n| n["statements"]["totalCount"].as_i64())
        .unwrap()["id"]
        .clone();
    let places = app
        .data(
            "{ locations(first: 50) { nodes { id own: casualties(first: 1) { totalCount } all: casualties(first: 1, includeDescendants: true) { totalCount } } } }",
            json!({}),
        )
        .await;
    let place = places["locations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["all"]["totalCount"].as_i64() > n["own"]["totalCount"].as_i64())
        .expect("a place whose sub-places report figures")["id"]
        .clone();

    // The same text, the order from a variable: one list's options, two statements.
    let by_order = "query S($id: ID!, $d: OrderDirection!) { person(id: $id) { statements(first: 3, orderBy: { field: SAID_AT, direction: $d }) { totalCount nodes { id saidAt } } } }";
    let desc = both_ways(&p, by_order, json!({ "id": person, "d": "DESC" })).await;
    let asc = both_ways(&p, by_order, json!({ "id": person, "d": "ASC" })).await;
    let path = ["data", "person", "statements", "nodes"];
    assert!(ids(&desc, &path).len() >= 2, "{desc}");
    assert_ne!(ids(&desc, &path), ids(&asc, &path));
    both_ways(&p, by_order, json!({ "id": person, "d": "DESC" })).await;
    // Another text, the same list at the same place reading other columns.
    let texts = "query S($id: ID!) { person(id: $id) { statements(first: 3, orderBy: { field: SAID_AT, direction: DESC }) { totalCount nodes { id text article { title } } } } }";
    both_ways(&p, texts, json!({ "id": person })).await;
    // A cursor: the page after it is read from the request's values.
    let paged = "query S($id: ID!, $after: String) { person(id: $id) { statements(first: 1, after: $after, orderBy: { field: SAID_AT, direction: DESC }) { pageInfo { endCursor } nodes { id } } } }";
    let first = both_ways(&p, paged, json!({ "id": person })).await;
    let after = first["data"]["person"]["statements"]["pageInfo"]["endCursor"].clone();
    let second = both_ways(&p, paged, json!({ "id": person, "after": after })).await;
    assert_ne!(ids(&first, &path), ids(&second, &path));

    // A place's own figures, then with its sub-places', from one text.
    let figures = "query F($id: ID!, $all: Boolean) { location(id: $id) { children { id name } casualties(first: 50, includeDescendants: $all) { totalCount nodes { id countMin } } } }";
    let own = both_ways(&p, figures, json!({ "id": place, "all": false })).await;
    let all = both_ways(&p, figures, json!({ "id": place, "all": true })).await;
    let total = |b: &Value| b["data"]["location"]["casualties"]["totalCount"].as_i64();
    assert!(total(&all) > total(&own), "{own} {all}");
    both_ways(&p, figures, json!({ "id": place, "all": false })).await;
    p.teardown().await;
}

#[tokio::test]
async fn compiled_reads_recover_when_their_connections_are_killed() {
    use sea_orm::ConnectionTrait;
    let Some(p) = graph().await else { return };
    let app = &p.app;
    let q = "query($id: ID!) { article(id: $id) { id title } }";
    let vars = json!({ "id": first_article(app).await });
    let expected = both_ways(&p, q, vars.clone()).await;
    // Every other connection to the database goes: the compiled path's own and the pool's.
    let admin = sea_orm::Database::connect(app.database_url.as_str())
        .await
        .unwrap();
    admin
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    admin.close().await.unwrap();
    // Idle connections are checked before use after a second; then every answer is right
    // and the compiled path runs again on new connections.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut executors = Vec::new();
    for _ in 0..3 {
        let (executor, body) = run(app, q, &vars).await;
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body, expected);
        executors.push(executor);
    }
    assert_eq!(
        executors.last().map(String::as_str),
        Some("compiled"),
        "{executors:?}"
    );
    p.teardown().await;
}

#[tokio::test]
async fn sqlite_has_no_compiled_path() {
    let app = spawn_app_with(Backend::Sqlite, true).await;
    for _ in 0..2 {
        let (executor, _) = run(&app, Q1, &json!({ "first": 5 })).await;
        assert_eq!(executor, "resolvers");
    }
    app.teardown().await;
}

#[tokio::test]
async fn postgres_connections_use_generic_plans() {
    use sea_orm::ConnectionTrait;
    if postgres_skipped() {
        return;
    }
    let app = spawn_app_with(Backend::Postgres, false).await;
    let row = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SHOW plan_cache_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    let mode: String = row.try_get_by_index(0).unwrap();
    assert_eq!(mode, "force_generic_plan");
    app.teardown().await;
}
