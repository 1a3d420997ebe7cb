//! Every filter of the contract's root lists.
use serde_json::{Value, json};

use crate::api_test;
use crate::fixtures;

fn count(d: &Value, field: &str) -> i64 {
    d[field]["totalCount"].as_i64().unwrap()
}

async fn id_of(app: &crate::helpers::TestApp, query: &str) -> Value {
    let d = app.data(query, json!({})).await;
    let obj = d.as_object().unwrap().values().next().unwrap().clone();
    obj["id"].clone()
}

api_test!(article_filters_by_date_person_place_and_text, |app| {
    for i in 0..3 {
        app.ingest(&fixtures::article(i)).await;
    }
    let q = "query($f: ArticleFilter) { articles(filter: $f) { totalCount nodes { title } } }";
    let d = app
        .data(
            q,
            json!({ "f": { "publishedAfter": "2025-01-01T01:00:00Z" } }),
        )
        .await;
    assert_eq!(count(&d, "articles"), 3, "{d}"); // articles 1, 2 and the sample (December)
    let d = app
        .data(
            q,
            json!({ "f": { "publishedBefore": "2025-01-01T01:00:00Z" } }),
        )
        .await;
    assert_eq!(count(&d, "articles"), 1);
    let d = app.data(q, json!({ "f": { "publishedAfter": "2025-01-01T00:00:00Z", "publishedBefore": "2025-06-01T00:00:00Z" } })).await;
    assert_eq!(count(&d, "articles"), 3);

    let putin = id_of(app, r#"{ p: person(name: "Putin") { id } }"#).await;
    let d = app.data(q, json!({ "f": { "personId": putin } })).await;
    assert!(
        d["articles"]["nodes"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Critical Talks")
    );
    assert_eq!(count(&d, "articles"), 1);
    let shared = id_of(app, r#"{ p: person(name: "shared spokesperson") { id } }"#).await;
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "personId": shared } })).await,
            "articles"
        ),
        3
    );

    // A place filter includes the places inside it: Donetsk Oblast finds the article via Pokrovsk.
    let donetsk = id_of(app, r#"{ l: location(name: "Donetsk Oblast") { id } }"#).await;
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "locationId": donetsk } })).await,
            "articles"
        ),
        1
    );
    let town1 = id_of(app, r#"{ l: location(name: "Town1") { id } }"#).await;
    let d = app.data(q, json!({ "f": { "locationId": town1 } })).await;
    assert_eq!(
        d["articles"]["nodes"],
        json!([{ "title": "Generated article 001" }])
    );

    let d = app.data(q, json!({ "f": { "text": "KREMLIN" } })).await;
    assert_eq!(count(&d, "articles"), 1);
    let d = app.data(q, json!({ "f": { "text": "100%_" } })).await;
    assert_eq!(count(&d, "articles"), 0);
    let d = app
        .data(
            q,
            json!({ "f": { "text": "generated article", "personId": shared } }),
        )
        .await;
    assert_eq!(count(&d, "articles"), 3);
});

api_test!(people_and_organizations_filter_by_name_or_alias, |app| {
    let q = "query($n: String) { people(filter: { name: $n }) { totalCount nodes { name } } }";
    let d = app.data(q, json!({ "n": "zelensk" })).await;
    assert_eq!(
        d["people"]["nodes"],
        json!([{ "name": "Volodymyr Zelenskyy" }])
    );
    let d = app.data(q, json!({ "n": "Путин" })).await;
    assert_eq!(d["people"]["nodes"], json!([{ "name": "Vladimir Putin" }]));
    let d = app.data(q, json!({ "n": "" })).await;
    assert_eq!(count(&d, "people"), 8);
    let d = app
        .data(
            r#"{ organizations(filter: { name: "government of" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(count(&d, "organizations"), 4);
    let d = app
        .data(
            r#"{ organizations(filter: { name: "otan" }) { nodes { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["organizations"]["nodes"], json!([{ "name": "NATO" }]));
});

api_test!(statement_filters_combine, |app| {
    let q = "query($f: StatementFilter, $o: StatementOrder) { statements(first: 100, filter: $f, orderBy: $o) { totalCount nodes { text saidAt kind } } }";
    let zelensky = id_of(app, r#"{ p: person(name: "Zelensky") { id } }"#).await;
    let military = app
        .data(
            r#"{ organizations(filter: { name: "Armed Forces of Ukraine" }) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let military = military["organizations"]["nodes"][0]["id"].clone();
    let pokrovsk = id_of(app, r#"{ l: location(name: "Pokrovsk") { id } }"#).await;
    let article = id_of(
        app,
        "{ a: article(url: \"https://newsgraph.example/seed/1a2292c64066d769\") { id } }",
    )
    .await;

    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "speakerId": zelensky } })).await,
            "statements"
        ),
        5
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "speakerId": military } })).await,
            "statements"
        ),
        3
    );
    assert_eq!(
        count(
            &app.data(
                q,
                json!({ "f": { "speakerId": zelensky, "kind": "QUOTE" } })
            )
            .await,
            "statements"
        ),
        2
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "articleId": article } })).await,
            "statements"
        ),
        18
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "aboutLocationId": pokrovsk } }))
                .await,
            "statements"
        ),
        3
    );
    assert_eq!(
        count(
            &app.data(
                q,
                json!({ "f": { "aboutLocationId": pokrovsk, "disputed": true } })
            )
            .await,
            "statements"
        ),
        3
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "kind": "CLAIM" } })).await,
            "statements"
        ),
        5
    );
    let dated = app
        .data(q, json!({ "f": { "saidAfter": "2025-12-02" } }))
        .await;
    assert_eq!(count(&dated, "statements"), 4);
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "saidBefore": "2025-12-02" } }))
                .await,
            "statements"
        ),
        1
    );
    assert_eq!(
        count(
            &app.data(
                q,
                json!({ "f": { "saidAfter": "2025-12-01", "saidBefore": "2025-12-02" } })
            )
            .await,
            "statements"
        ),
        1
    );
    // Oldest first puts Macron's Monday remark first, undated statements last.
    let asc = app
        .data(
            q,
            json!({ "o": { "field": "SAID_AT", "direction": "ASC" } }),
        )
        .await;
    let nodes = asc["statements"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["saidAt"], "2025-12-01");
    assert!(nodes.last().unwrap()["saidAt"].is_null());
});

api_test!(location_filters_by_name_kind_ancestor_and_distance, |app| {
    let q = "query($f: LocationFilter) { locations(first: 100, filter: $f) { totalCount nodes { name distanceKm } } }";
    let d = app.data(q, json!({ "f": { "kind": "COUNTRY" } })).await;
    assert_eq!(count(&d, "locations"), 4);
    let d = app.data(q, json!({ "f": { "name": "покров" } })).await;
    assert_eq!(d["locations"]["nodes"][0]["name"], "Pokrovsk");
    let ukraine = id_of(app, r#"{ l: location(name: "Ukraine") { id } }"#).await;
    let d = app.data(q, json!({ "f": { "withinId": ukraine } })).await;
    assert_eq!(count(&d, "locations"), 7); // 4 regions + Pokrovsk, Vovchansk, Kupiansk; not Ukraine itself
    let names: Vec<&str> = d["locations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Pokrovsk") && !names.contains(&"Ukraine"),
        "{names:?}"
    );
    let europe = id_of(app, r#"{ l: location(name: "Europe") { id } }"#).await;
    let d = app
        .data(q, json!({ "f": { "withinId": europe, "kind": "CITY" } }))
        .await;
    assert_eq!(count(&d, "locations"), 5); // Dublin, Moscow, Pokrovsk, Vovchansk, Kupiansk (depth 3)

    // Dublin is about 2,800 km from Moscow; Pokrovsk is within 100 km of Donetsk Oblast's centre.
    let near_moscow =
        json!({ "f": { "near": { "latitude": 55.7558, "longitude": 37.6173, "radiusKm": 3000 } } });
    let d = app.data(q, near_moscow).await;
    let nodes = d["locations"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["name"], "Moscow");
    assert_eq!(nodes[0]["distanceKm"], 0.0);
    let dublin = nodes
        .iter()
        .find(|n| n["name"] == "Dublin")
        .expect("Dublin within 3000 km");
    let km = dublin["distanceKm"].as_f64().unwrap();
    assert!((2750.0..2850.0).contains(&km), "{km}");
    let distances: Vec<f64> = nodes
        .iter()
        .map(|n| n["distanceKm"].as_f64().unwrap())
        .collect();
    assert!(
        distances.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {distances:?}"
    );
    let d = app.data(q, json!({ "f": { "near": { "latitude": 48.0159, "longitude": 37.8028, "radiusKm": 100 } } })).await;
    let names: Vec<&str> = d["locations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Donetsk Oblast", "Pokrovsk"]);
    // Paging by distance continues where it stopped.
    let p1 = app.data("{ locations(first: 2, filter: { near: { latitude: 55.7558, longitude: 37.6173, radiusKm: 3000 } }) { pageInfo { endCursor } nodes { name } } }", json!({})).await;
    let p2 = app
        .data(
            "query($a: String) { locations(first: 1, after: $a, filter: { near: { latitude: 55.7558, longitude: 37.6173, radiusKm: 3000 } }) { nodes { name } } }",
            json!({ "a": p1["locations"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(p1["locations"]["nodes"][1]["name"], "Moscow Kremlin");
    assert_eq!(p2["locations"]["nodes"][0]["name"], "Vovchansk");
    // Outside the sphere's coordinates: a clear error.
    let body = app
        .graphql(
            q,
            json!({ "f": { "near": { "latitude": 95.0, "longitude": 0.0, "radiusKm": 10 } } }),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
});

api_test!(casualty_filters_follow_the_place_hierarchy, |app| {
    let q = "query($f: CasualtyFilter) { casualties(filter: $f) { totalCount nodes { phrase } } }";
    let ukraine = id_of(app, r#"{ l: location(name: "Ukraine") { id } }"#).await;
    let un = app
        .data(
            r#"{ organizations(filter: { name: "United Nations" }) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let un = un["organizations"]["nodes"][0]["id"].clone();
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "locationId": ukraine } })).await,
            "casualties"
        ),
        2
    );
    assert_eq!(
        count(
            &app.data(
                q,
                json!({ "f": { "locationId": ukraine, "includeDescendants": true } })
            )
            .await,
            "casualties"
        ),
        3
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "category": "AFFECTED" } }))
                .await,
            "casualties"
        ),
        1
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "population": "MILITARY" } }))
                .await,
            "casualties"
        ),
        2
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "reportedById": un } })).await,
            "casualties"
        ),
        2
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "asOfAfter": "2025-12-02" } }))
                .await,
            "casualties"
        ),
        3
    );
    assert_eq!(
        count(
            &app.data(q, json!({ "f": { "asOfBefore": "2025-12-02" } }))
                .await,
            "casualties"
        ),
        0
    );
    let d = app
        .data(
            q,
            json!({ "f": { "reportedById": un, "population": "CIVILIAN" } }),
        )
        .await;
    assert_eq!(
        d["casualties"]["nodes"],
        json!([{ "phrase": "over 14,000 civilians affected" }])
    );
});

api_test!(
    a_text_filter_counts_all_its_matches_on_every_page,
    empty,
    |app| {
        for i in 1..=5 {
            app.ingest(&crate::fixtures::article(i)).await;
        }
        let q = r#"query($t: String!, $after: String) { articles(first: 2, after: $after, filter: { text: $t }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { title } } }"#;
        // "fighting" is in every body; the total is of all matches, not of the page.
        let first = app.data(q, json!({ "t": "Officials fighting" })).await;
        assert_eq!(first["articles"]["totalCount"], 5);
        assert_eq!(first["articles"]["nodes"].as_array().unwrap().len(), 2);
        let cursor = first["articles"]["pageInfo"]["endCursor"].clone();
        let second = app
            .data(q, json!({ "t": "Officials fighting", "after": cursor }))
            .await;
        assert_eq!(second["articles"]["totalCount"], 5);
        // One match, and none.
        let one = app.data(q, json!({ "t": "Town3" })).await;
        assert_eq!(one["articles"]["totalCount"], 1);
        assert_eq!(
            one["articles"]["nodes"][0]["title"],
            "Generated article 003"
        );
        let none = app.data(q, json!({ "t": "nonexistentword" })).await;
        assert_eq!(none["articles"]["totalCount"], 0);
        assert_eq!(none["articles"]["nodes"], json!([]));
    }
);
