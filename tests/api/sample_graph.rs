//! Every contract field, answered from the sample article (US–Russia talks in Moscow).
use serde_json::{Value, json};

use crate::api_test;

const SAMPLE_URL: &str = "https://newsgraph.example/seed/1a2292c64066d769";

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|n| n["name"].as_str().unwrap_or("?").to_string())
        .collect()
}

api_test!(the_sample_article_lists_everything_it_reports, |app| {
    let data = app
        .data(
            r#"query($url: String!) { article(url: $url) {
                id url title summary source publishedAt
                people(first: 100) { totalCount nodes { name } }
                organizations(first: 100) { totalCount nodes { name } }
                locations(first: 100) { totalCount nodes { name } }
                statements(first: 100) { totalCount nodes { text } }
                casualties(first: 100) { totalCount nodes { phrase } }
            } }"#,
            json!({ "url": SAMPLE_URL }),
        )
        .await;
    let a = &data["article"];
    assert_eq!(
        a["title"],
        "Critical Talks in Moscow: US and Russia Seek Peace Amid Ongoing Conflict in Ukraine"
    );
    assert_eq!(a["publishedAt"], "2025-12-02T22:00:00+00:00");
    assert_eq!(a["source"], Value::Null);
    assert_eq!(a["people"]["totalCount"], 8);
    assert_eq!(
        names(&a["people"]["nodes"]),
        [
            "Donald Trump",
            "Emmanuel Macron",
            "Jared Kushner",
            "Kirill Dmitriev",
            "Marco Rubio",
            "Steve Witkoff",
            "Vladimir Putin",
            "Volodymyr Zelenskyy"
        ]
    );
    assert_eq!(a["organizations"]["totalCount"], 9);
    // North America is in the document only as the United States' parent: the article does
    // not mention it, so it is not among the article's places.
    assert_eq!(a["locations"]["totalCount"], 15);
    assert!(!names(&a["locations"]["nodes"]).contains(&"North America".to_string()));
    assert_eq!(a["statements"]["totalCount"], 18);
    assert_eq!(
        a["statements"]["nodes"][0]["text"],
        "with a Russian official describing the discussions as productive"
    );
    assert_eq!(a["casualties"]["totalCount"], 3);
});

api_test!(a_quote_has_its_speaker_place_date_and_subjects, |app| {
    let data = app
        .data(
            r#"{ person(name: "Zelensky") { name role wikidataId affiliation { name }
                 statements(first: 20) { nodes { text kind saidAt
                   speaker { __typename ... on Person { name } }
                   place { name } about { name } article { url } } } } }"#,
            json!({}),
        )
        .await;
    let p = &data["person"];
    assert_eq!(p["name"], "Volodymyr Zelenskyy");
    assert_eq!(p["role"], "President of Ukraine");
    assert_eq!(p["wikidataId"], "Q3874799");
    assert_eq!(p["affiliation"]["name"], "Government of Ukraine");
    let statements = p["statements"]["nodes"].as_array().unwrap();
    assert_eq!(statements.len(), 5);
    let dublin = statements
        .iter()
        .find(|s| s["text"] == "Everything depends on today\u{2019}s discussions")
        .expect("the Dublin quote");
    assert_eq!(dublin["kind"], "QUOTE");
    assert_eq!(dublin["saidAt"], "2025-12-02");
    assert_eq!(dublin["place"]["name"], "Dublin");
    assert_eq!(names(&dublin["about"]), ["Moscow"]);
    assert_eq!(dublin["speaker"]["__typename"], "Person");
    assert_eq!(dublin["article"]["url"], SAMPLE_URL);
    // Newest first: the only dated statement comes before the undated ones.
    assert_eq!(statements[0]["saidAt"], "2025-12-02");
    assert!(statements[1..].iter().all(|s| s["saidAt"].is_null()));
});

api_test!(disputes_are_visible_from_both_sides, |app| {
    let data = app
        .data(
            r#"{ statements(first: 100, filter: { disputed: true }) { totalCount nodes { text
                 speaker { ... on Organization { name } ... on Person { name } }
                 disputes { text } disputedBy { text speaker { ... on Organization { name } } } } } }"#,
            json!({}),
        )
        .await;
    let nodes = data["statements"]["nodes"].as_array().unwrap();
    let claim = nodes
        .iter()
        .find(|s| {
            s["text"]
                .as_str()
                .unwrap()
                .starts_with("The Russian Ministry of Defence had released a video")
        })
        .expect("the capture claim");
    assert_eq!(
        claim["speaker"]["name"],
        "Ministry of Defence of the Russian Federation"
    );
    let deniers: Vec<&str> = claim["disputedBy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["speaker"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        deniers,
        ["Armed Forces of Ukraine", "Armed Forces of Ukraine"]
    );
    for denial in claim["disputedBy"].as_array().unwrap() {
        let d = nodes
            .iter()
            .find(|s| s["text"] == denial["text"])
            .expect("the denial is listed as disputed too");
        assert_eq!(d["disputes"][0]["text"], claim["text"]);
    }
    // 6 dispute links join 10 distinct statements; disputed + undisputed = all.
    let all = app
        .data("{ statements(first: 100) { totalCount } }", json!({}))
        .await;
    let undisputed = app
        .data(
            "{ statements(first: 100, filter: { disputed: false }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["statements"]["totalCount"].as_i64().unwrap()
            + undisputed["statements"]["totalCount"].as_i64().unwrap(),
        all["statements"]["totalCount"].as_i64().unwrap()
    );
    assert_eq!(data["statements"]["totalCount"], 10);
});

api_test!(places_know_their_ancestors_children_and_aliases, |app| {
    let data = app
        .data(
            r#"{ pokrovsk: location(name: "Покровськ") { name kind latitude longitude aliases
                   parent { name } ancestors { name kind } }
                 kharkiv: location(name: "kharkiv oblast") { children { name } }
                 kupiansk: location(name: "KUPYANS") { name }
                 ireland: location(name: "eire") { name children { name } } }"#,
            json!({}),
        )
        .await;
    let p = &data["pokrovsk"];
    assert_eq!(p["name"], "Pokrovsk");
    assert_eq!(p["kind"], "CITY");
    assert_eq!(p["latitude"], 48.2817);
    assert_eq!(p["parent"]["name"], "Donetsk Oblast");
    assert_eq!(
        names(&p["ancestors"]),
        ["Donetsk Oblast", "Ukraine", "Europe"]
    );
    assert_eq!(p["ancestors"][1]["kind"], "COUNTRY");
    assert!(
        p["aliases"]
            .as_array()
            .unwrap()
            .contains(&json!("Покровск"))
    );
    assert_eq!(
        names(&data["kharkiv"]["children"]),
        ["Kupiansk", "Vovchansk"]
    );
    assert_eq!(data["kupiansk"]["name"], "Kupiansk");
    assert_eq!(data["ireland"]["name"], "Ireland");
    assert_eq!(names(&data["ireland"]["children"]), ["Dublin"]);
});

api_test!(casualty_figures_stay_ranges_with_their_provenance, |app| {
    let data = app
        .data(
            r#"{ casualties(first: 10) { nodes { category population countMin countMax qualifier phrase
                 periodStart asOf location { name } article { url }
                 reportedBy { __typename ... on Organization { name } } } } }"#,
            json!({}),
        )
        .await;
    let nodes = data["casualties"]["nodes"].as_array().unwrap();
    let civilians = nodes
        .iter()
        .find(|c| c["population"] == "CIVILIAN")
        .unwrap();
    assert_eq!(
        civilians,
        &json!({
            "category": "AFFECTED", "population": "CIVILIAN", "countMin": 14000, "countMax": null,
            "qualifier": "AT_LEAST", "phrase": "over 14,000 civilians affected",
            "periodStart": "2022-02-24", "asOf": "2025-12-02", "location": { "name": "Ukraine" },
            "article": { "url": SAMPLE_URL },
            "reportedBy": { "__typename": "Organization", "name": "United Nations" }
        })
    );
    let soldiers = nodes.iter().find(|c| c["qualifier"] == "RANGE").unwrap();
    assert_eq!(
        (soldiers["countMin"].as_i64(), soldiers["countMax"].as_i64()),
        (Some(10000), Some(99999))
    );
    assert_eq!(soldiers["category"], "KILLED_OR_INJURED");
});

api_test!(evidence_spans_point_at_the_text_in_the_body, |app| {
    let data = app
        .data(
            r#"{ articles(first: 1) { nodes { body
                 statements(first: 100) { nodes { text evidence { start end snippet article { title } } } }
                 casualties(first: 100) { nodes { phrase evidence { start end snippet } } } } } }"#,
            json!({}),
        )
        .await;
    let article = &data["articles"]["nodes"][0];
    let body: Vec<char> = article["body"].as_str().unwrap().chars().collect();
    let slice = |e: &Value| -> String {
        body[e["start"].as_u64().unwrap() as usize..e["end"].as_u64().unwrap() as usize]
            .iter()
            .collect()
    };
    for s in article["statements"]["nodes"].as_array().unwrap() {
        let ev = s["evidence"].as_array().unwrap();
        assert!(!ev.is_empty(), "no evidence for {}", s["text"]);
        for e in ev {
            assert_eq!(slice(e), s["text"].as_str().unwrap());
            assert!(
                e["snippet"]
                    .as_str()
                    .unwrap()
                    .contains(s["text"].as_str().unwrap())
            );
            assert!(
                e["article"]["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("Critical Talks")
            );
        }
    }
    for c in article["casualties"]["nodes"].as_array().unwrap() {
        assert_eq!(slice(&c["evidence"][0]), c["phrase"].as_str().unwrap());
    }
});

api_test!(
    people_organizations_and_places_link_back_to_articles_and_statements,
    |app| {
        let data = app
        .data(
            r#"{ un: organizations(filter: { name: "united nations" }) { nodes { name aliases kind wikidataId
                   country { name } articles { totalCount } statements { totalCount } } }
                 military: organizations(filter: { name: "ukraine's military" }) { nodes { name country { name }
                   statements(first: 10) { totalCount nodes { about { name } } } } }
                 witkoff: person(name: "witkoff") { role affiliation { name country { name } } articles { nodes { url } } statements { totalCount } }
                 ukraine: location(name: "Ukraine") { articles { totalCount } statements { totalCount }
                   own: casualties { totalCount } all: casualties(includeDescendants: true) { totalCount nodes { location { name } } } } }"#,
            json!({}),
        )
        .await;
        let un = &data["un"]["nodes"][0];
        assert_eq!(un["name"], "United Nations");
        assert_eq!(un["aliases"], json!(["UN", "U.N."]));
        assert_eq!(un["kind"], "international body");
        assert_eq!(un["articles"]["totalCount"], 1);
        assert_eq!(un["statements"]["totalCount"], 0);
        let mil = &data["military"]["nodes"][0];
        assert_eq!(mil["name"], "Armed Forces of Ukraine");
        assert_eq!(mil["country"]["name"], "Ukraine");
        assert_eq!(mil["statements"]["totalCount"], 3);
        let w = &data["witkoff"];
        assert_eq!(w["role"], "US special envoy");
        assert_eq!(w["affiliation"]["country"]["name"], "United States");
        assert_eq!(w["articles"]["nodes"][0]["url"], SAMPLE_URL);
        assert_eq!(w["statements"]["totalCount"], 0);
        let ua = &data["ukraine"];
        assert_eq!(ua["articles"]["totalCount"], 1);
        assert_eq!(ua["own"]["totalCount"], 2);
        assert_eq!(ua["all"]["totalCount"], 3);
        let places: Vec<&Value> = ua["all"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| &n["location"]["name"])
            .collect();
        assert!(places.contains(&&json!("Pokrovsk")));
    }
);

api_test!(every_type_round_trips_through_node_and_nodes, |app| {
    let data = app
        .data(
            r#"{ articles(first: 1) { nodes { id statements(first: 1) { nodes { id } } casualties(first: 1) { nodes { id } } } }
                 people(first: 1) { nodes { id } } organizations(first: 1) { nodes { id } } locations(first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let a = &data["articles"]["nodes"][0];
    let ids = [
        ("Article", a["id"].clone()),
        ("Statement", a["statements"]["nodes"][0]["id"].clone()),
        ("Casualty", a["casualties"]["nodes"][0]["id"].clone()),
        ("Person", data["people"]["nodes"][0]["id"].clone()),
        (
            "Organization",
            data["organizations"]["nodes"][0]["id"].clone(),
        ),
        ("Location", data["locations"]["nodes"][0]["id"].clone()),
    ];
    for (typename, id) in &ids {
        let n = app
            .data(
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(n["node"]["__typename"], *typename);
        assert_eq!(n["node"]["id"], *id);
    }
    let all: Vec<Value> = ids.iter().map(|(_, id)| id.clone()).collect();
    let n = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": all }),
        )
        .await;
    let got: Vec<&str> = n["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        [
            "Article",
            "Statement",
            "Casualty",
            "Person",
            "Organization",
            "Location"
        ]
    );
    // A well-formed ID of a row that does not exist is null, not an error.
    let missing = app
        .data(r#"{ node(id: "QXJ0aWNsZTo5OTk5") { id } }"#, json!({}))
        .await;
    assert_eq!(missing["node"], Value::Null);
});

api_test!(every_documented_example_runs_without_errors, |app| {
    for (i, query) in newsgraph::http::graphiql::EXAMPLES.iter().enumerate() {
        if query.contains("\nsubscription ") {
            // Live examples run over WebSocket, woken by an ingest.
            let mut ws = crate::live::ws_connect(app, crate::live::TRANSPORT_WS).await;
            ws.init(json!({})).await;
            ws.subscribe("example", query, json!({})).await;
            crate::live::listening(app, 1).await;
            crate::live::ingest_via(app, &crate::fixtures::article(1)).await;
            let msg = ws.next().await;
            assert_eq!(msg["type"], "next", "example {}: {msg}", i + 1);
            assert!(
                msg["payload"].get("errors").is_none(),
                "example {}: {msg}",
                i + 1
            );
            let root = msg["payload"]["data"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap();
            assert!(
                !root.is_null(),
                "example {} delivered nothing: {msg}",
                i + 1
            );
            continue;
        }
        let data = app.data(query, json!({})).await;
        let root = data.as_object().unwrap().values().next().unwrap();
        assert!(!root.is_null(), "example {} found nothing: {data}", i + 1);
    }
});
