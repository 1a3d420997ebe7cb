//! Search, roll-ups, contested claims, timelines and GeoJSON, on both backends.
use serde_json::{Value, json};

use crate::api_test;
use crate::fixtures;

const SEARCH: &str = r#"query($q: String!, $first: Int, $after: String) { search(query: $q, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { node { __typename ... on Article { title } ... on Statement { text } } score snippet } } } }"#;

fn kinds(d: &Value) -> Vec<String> {
    d["search"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["node"]["__typename"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

api_test!(
    search_finds_articles_and_statements_with_marked_snippets,
    |app| {
        let d = app.data(SEARCH, json!({ "q": "Pokrovsk" })).await;
        let edges = d["search"]["edges"].as_array().unwrap();
        assert!(
            kinds(&d).contains(&"Article".to_string())
                && kinds(&d).contains(&"Statement".to_string()),
            "{d}"
        );
        assert_eq!(d["search"]["totalCount"], 3); // the article and the 2 statements naming the town
        for e in edges {
            assert!(
                e["node"]["snippet"]
                    .as_str()
                    .unwrap()
                    .contains("<mark>Pokrovsk</mark>"),
                "{e}"
            );
            assert!(e["node"]["score"].as_f64().unwrap() > 0.0);
        }
        let scores: Vec<f64> = edges
            .iter()
            .map(|e| e["node"]["score"].as_f64().unwrap())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "best first: {scores:?}"
        );

        // Stemming: "negotiators" finds "negotiations"? No — but "talk" finds "talks".
        let d = app.data(SEARCH, json!({ "q": "talk" })).await;
        assert!(d["search"]["totalCount"].as_i64().unwrap() >= 1);
        // An exact quote ranks first.
        let d = app.data(SEARCH, json!({ "q": "\"What a mess\"" })).await;
        assert_eq!(
            d["search"]["edges"][0]["node"]["node"]["text"], "What a mess",
            "{d}"
        );
        // Exclusion and alternatives.
        let both = app
            .data(SEARCH, json!({ "q": "Vovchansk OR Macron" }))
            .await;
        let only = app.data(SEARCH, json!({ "q": "Vovchansk" })).await;
        assert!(
            both["search"]["totalCount"].as_i64().unwrap()
                > only["search"]["totalCount"].as_i64().unwrap()
        );
        let none = app.data(SEARCH, json!({ "q": "Pokrovsk -Ukraine" })).await;
        assert!(none["search"]["totalCount"].as_i64().unwrap() < 3, "{none}");
        // Junk is an empty result, never a database error.
        for junk in ["!!! ???", "\"", "OR", "-", "&|!:*()", "' OR 1=1 --", ""] {
            let d = app.data(SEARCH, json!({ "q": junk })).await;
            assert_eq!(d["search"]["totalCount"], 0, "{junk}");
        }
    }
);

api_test!(
    an_exact_phrase_ranks_first_and_snippets_are_escaped,
    empty,
    |app| {
        let mut scattered = fixtures::article(1);
        scattered.title = "Plan for peace talks".into();
        scattered.body = Some("The peace envoy said a plan exists. Peace is near, a plan is ready, peace and another plan: <b>peace</b> and a plan.".into());
        let mut exact = fixtures::article(2);
        exact.title = "Ministers meet".into();
        exact.body =
            Some("Ministers discussed the peace plan <script>alert(1)</script> on Monday.".into());
        app.ingest(&scattered).await;
        app.ingest(&exact).await;
        let d = app.data(SEARCH, json!({ "q": "peace plan" })).await;
        let first = &d["search"]["edges"][0]["node"];
        assert_eq!(first["node"]["title"], "Ministers meet", "{d}");
        let snippet = first["snippet"].as_str().unwrap();
        assert!(
            snippet.contains("<mark>peace</mark> <mark>plan</mark>"),
            "{snippet}"
        );
        assert!(
            snippet.contains("&lt;script&gt;") && !snippet.contains("<script>"),
            "{snippet}"
        );
        let other = d["search"]["edges"][1]["node"]["snippet"].as_str().unwrap();
        assert!(!other.contains("<b>"), "{other}");
        // Paging through results keeps the order.
        let p1 = app
            .data(SEARCH, json!({ "q": "peace plan", "first": 1 }))
            .await;
        let p2 = app.data(SEARCH, json!({ "q": "peace plan", "first": 1, "after": p1["search"]["pageInfo"]["endCursor"] })).await;
        assert_eq!(
            p1["search"]["edges"][0]["node"]["node"]["title"],
            "Ministers meet"
        );
        assert_eq!(
            p2["search"]["edges"][0]["node"]["node"]["title"],
            "Plan for peace talks"
        );
        // The article filter uses the same search.
        let f = app
            .data(
                r#"{ articles(filter: { text: "\"peace plan\"" }) { nodes { title } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            f["articles"]["nodes"],
            json!([{ "title": "Ministers meet" }])
        );
    }
);

api_test!(casualty_totals_keep_ranges_honest, |app| {
    let q = r#"query($g: [CasualtyGrouping!], $f: CasualtyFilter) { casualtyTotals(groupBy: $g, filter: $f) {
        category population location { name } reportedBy { ... on Organization { name } } countMin countMax figures } }"#;
    let all = app.data(q, json!({})).await;
    assert_eq!(
        all["casualtyTotals"],
        json!([{ "category": null, "population": null, "location": null, "reportedBy": null, "countMin": 24000, "countMax": null, "figures": 3 }])
    );
    let by_reporter = app.data(q, json!({ "g": ["REPORTED_BY"] })).await;
    assert_eq!(
        by_reporter["casualtyTotals"][0]["reportedBy"]["name"],
        "United Nations"
    );
    assert_eq!(by_reporter["casualtyTotals"][0]["countMin"], 24000);
    assert_eq!(by_reporter["casualtyTotals"][0]["countMax"], Value::Null);
    assert_eq!(
        by_reporter["casualtyTotals"][1]["reportedBy"]["name"],
        "Armed Forces of Ukraine"
    );
    let military = app
        .data(
            q,
            json!({ "g": ["POPULATION", "CATEGORY"], "f": { "population": "MILITARY" } }),
        )
        .await;
    assert_eq!(
        military["casualtyTotals"],
        json!([{ "category": "KILLED_OR_INJURED", "population": "MILITARY", "location": null, "reportedBy": null, "countMin": 10000, "countMax": null, "figures": 2 }])
    );
    let closed = app.data(q, json!({ "g": ["LOCATION"], "f": { "category": "KILLED_OR_INJURED", "reportedById": null } })).await;
    let ukraine = closed["casualtyTotals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["location"]["name"] == "Ukraine")
        .unwrap();
    assert_eq!(
        (ukraine["countMin"].as_i64(), ukraine["countMax"].as_i64()),
        (Some(10000), Some(99999))
    );

    // Another article repeating the UN's figure: counted once. A later UN figure for the same
    // period replaces the earlier one instead of adding to it.
    let mut sample = newsgraph::services::ingest::sample_document().unwrap();
    sample.url = "https://newsgraph.example/follow-up".into();
    app.ingest(&sample).await;
    let again = app.data(q, json!({})).await;
    assert_eq!(again["casualtyTotals"][0]["countMin"], 24000);
    assert_eq!(again["casualtyTotals"][0]["figures"], 3);
    let mut later = newsgraph::services::ingest::sample_document().unwrap();
    later.url = "https://newsgraph.example/later".into();
    later.casualties.truncate(2);
    later.casualties[1].count_min = Some(15000);
    later.casualties[1].phrase = Some("over 15,000 civilians".into());
    later.casualties[1].as_of = Some("2026-01-15".parse().unwrap());
    app.ingest(&later).await;
    let superseded = app.data(q, json!({ "g": ["POPULATION"] })).await;
    let civilians = superseded["casualtyTotals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["population"] == "CIVILIAN")
        .unwrap();
    assert_eq!(
        (
            civilians["countMin"].as_i64(),
            civilians["figures"].as_i64()
        ),
        (Some(15000), Some(1))
    );
});

api_test!(contested_places_and_their_claims, |app| {
    let d = app
        .data(
            r#"{ pokrovsk: location(name: "Pokrovsk") { id contested } vovchansk: location(name: "Vovchansk") { contested }
                 dublin: location(name: "Dublin") { contested } moscow: location(name: "Moscow") { contested }
                 europe: location(name: "Europe") { contested } ukraine: location(name: "Ukraine") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        [
            &d["pokrovsk"]["contested"],
            &d["vovchansk"]["contested"],
            &d["dublin"]["contested"],
            &d["moscow"]["contested"],
            &d["europe"]["contested"]
        ],
        [
            &json!(true),
            &json!(true),
            &json!(false),
            &json!(false),
            &json!(true)
        ]
    );
    let q = r#"query($id: ID!, $d: Boolean) { claims(aboutLocationId: $id, includeDescendants: $d) {
        claim { text speaker { ... on Organization { name } ... on Person { name } } }
        counterClaims { speaker { ... on Organization { name } ... on Person { name } } } } }"#;
    let c = app.data(q, json!({ "id": d["pokrovsk"]["id"] })).await;
    let claims = c["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(
        claims[0]["claim"]["speaker"]["name"],
        "Ministry of Defence of the Russian Federation"
    );
    assert_eq!(claims[0]["counterClaims"].as_array().unwrap().len(), 2);
    let c = app
        .data(q, json!({ "id": d["ukraine"]["id"], "d": true }))
        .await;
    assert_eq!(c["claims"].as_array().unwrap().len(), 4, "{c}");
    let c = app
        .data(q, json!({ "id": d["ukraine"]["id"], "d": false }))
        .await;
    assert_eq!(c["claims"].as_array().unwrap().len(), 1); // Zelensky's guarantees, ruled out by Trump
});

api_test!(statement_counts_make_a_timeline, |app| {
    let q = "query($g: TimeBucket!, $f: StatementFilter) { statementCounts(groupBy: $g, filter: $f) { start count } }";
    let day = app.data(q, json!({ "g": "DAY" })).await;
    assert_eq!(
        day["statementCounts"],
        json!([{ "start": "2025-12-01", "count": 1 }, { "start": "2025-12-02", "count": 4 }])
    );
    let month = app.data(q, json!({ "g": "MONTH" })).await;
    assert_eq!(
        month["statementCounts"],
        json!([{ "start": "2025-12-01", "count": 5 }])
    );
    let week = app
        .data(q, json!({ "g": "WEEK", "f": { "kind": "QUOTE" } }))
        .await;
    assert_eq!(
        week["statementCounts"],
        json!([{ "start": "2025-12-01", "count": 2 }])
    );
});

api_test!(places_come_as_valid_geojson, |app| {
    let d = app
        .data(r#"{ locationsGeoJson(filter: { near: { latitude: 48.0159, longitude: 37.8028, radiusKm: 100 } }) }"#, json!({}))
        .await;
    let fc = &d["locationsGeoJson"];
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    let pokrovsk = features
        .iter()
        .find(|f| f["properties"]["name"] == "Pokrovsk")
        .unwrap();
    assert_eq!(pokrovsk["type"], "Feature");
    assert_eq!(
        pokrovsk["geometry"],
        json!({ "type": "Point", "coordinates": [37.1758, 48.2817] })
    );
    assert_eq!(pokrovsk["properties"]["kind"], "CITY");
    assert_eq!(pokrovsk["properties"]["statementCount"], 3);
    assert_eq!(pokrovsk["properties"]["casualtyCount"], 1);
    assert_eq!(pokrovsk["properties"]["contested"], true);
    assert!(pokrovsk["properties"]["distanceKm"].as_f64().unwrap() < 100.0);
    // The id is the place's global ID.
    let n = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Location { name } } }",
            json!({ "id": pokrovsk["id"] }),
        )
        .await;
    assert_eq!(n["node"]["name"], "Pokrovsk");
    let all = app
        .data("{ locationsGeoJson(first: 1000) }", json!({}))
        .await;
    assert_eq!(
        all["locationsGeoJson"]["features"]
            .as_array()
            .unwrap()
            .len(),
        16
    );
    let too_many = app
        .graphql("{ locationsGeoJson(first: 5000) }", json!({}))
        .await;
    assert_eq!(crate::helpers::error_code(&too_many), "BAD_USER_INPUT");
});

/// The roll-up by place as the API answers it: (place ID, figures, countMin, countMax).
async fn api_totals(app: &crate::helpers::TestApp) -> Vec<(String, i64, i64, Option<i64>)> {
    let data = app
        .data(
            "{ casualtyTotals(groupBy: [LOCATION]) { location { id } figures countMin countMax } }",
            json!({}),
        )
        .await;
    data["casualtyTotals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["location"]["id"].as_str().unwrap_or("-").to_string(),
                t["figures"].as_i64().unwrap(),
                t["countMin"].as_i64().unwrap(),
                t["countMax"].as_i64(),
            )
        })
        .collect()
}

/// The same roll-up computed afresh by the service, bypassing the cache.
async fn fresh_totals(app: &crate::helpers::TestApp) -> Vec<(String, i64, i64, Option<i64>)> {
    use newsgraph::domain::node_id::{NodeId, NodeKind};
    use newsgraph::services::analysis::{Grouping, casualty_totals};
    casualty_totals(app.db(), &Default::default(), &[Grouping::Location])
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                t.location_id
                    .map(|l| NodeId::new(NodeKind::Location, l).encode())
                    .unwrap_or_else(|| "-".into()),
                t.figures,
                t.count_min,
                t.count_max,
            )
        })
        .collect()
}

api_test!(
    cached_casualty_totals_equal_a_fresh_roll_up_after_every_kind_of_write,
    |app| {
        // First answer computes; the second is served from the cache: fewer statements, same data.
        let before = app.sql_statements();
        let first = api_totals(app).await;
        let computed = app.sql_statements() - before;
        let before = app.sql_statements();
        let second = api_totals(app).await;
        let cached = app.sql_statements() - before;
        assert_eq!(first, second);
        assert!(
            cached < computed,
            "cached {cached} vs computed {computed} statements"
        );
        assert_eq!(first, fresh_totals(app).await);

        // An ingest adds figures.
        let out = app.ingest(&fixtures::article(1)).await;
        let after_ingest = api_totals(app).await;
        assert_ne!(after_ingest, first);
        assert_eq!(after_ingest, fresh_totals(app).await);

        // A change by plain SQL, behind the server's back, is seen too (the triggers bump the
        // version in the database, not in this process).
        sea_orm::ConnectionTrait::execute_unprepared(
            app.db(),
            "UPDATE casualty SET count_max = count_max + 1000 WHERE count_max IS NOT NULL",
        )
        .await
        .unwrap();
        let after_sql = api_totals(app).await;
        assert_ne!(after_sql, after_ingest);
        assert_eq!(after_sql, fresh_totals(app).await);

        // Deleting an article removes its figures.
        let id = newsgraph::domain::node_id::NodeId::new(
            newsgraph::domain::node_id::NodeKind::Article,
            out.article.id,
        )
        .encode();
        let body = app
            .mutate(
                "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            body["data"]["deleteArticle"]["deletedId"],
            json!(id),
            "{body}"
        );
        let after_delete = api_totals(app).await;
        assert_ne!(after_delete, after_sql);
        assert_eq!(after_delete, fresh_totals(app).await);
    }
);

api_test!(casualty_totals_first_keeps_the_largest_groups, |app| {
    let q = r#"query($first: Int) { casualtyTotals(groupBy: [REPORTED_BY], first: $first) {
        reportedBy { ... on Organization { name } } countMin countMax figures } }"#;
    let all = app.data(q, json!({})).await["casualtyTotals"].clone();
    let all = all.as_array().unwrap();
    assert!(all.len() >= 2, "{all:?}");
    for n in 0..=all.len() + 1 {
        let top = app.data(q, json!({ "first": n })).await;
        assert_eq!(
            top["casualtyTotals"].as_array().unwrap()[..],
            all[..n.min(all.len())],
            "first: {n}"
        );
    }
    let bad = app.graphql(q, json!({ "first": -1 })).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
});
