//! Create, update, delete and merge people, organizations and places.
use serde_json::{Value, json};

use crate::api_test;

async fn id_of(app: &crate::helpers::TestApp, q: &str) -> Value {
    let d = app.data(q, json!({})).await;
    d.as_object().unwrap().values().next().unwrap()["id"].clone()
}

api_test!(people_are_created_updated_and_refused_when_invalid, |app| {
    let un = app
        .data(
            r#"{ organizations(filter: { name: "United Nations" }) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let un = un["organizations"]["nodes"][0]["id"].clone();
    let create = r#"mutation($i: PersonFieldsInput!) { createPerson(input: $i) { person { id name aliases role affiliation { name } wikidataId } userErrors { field code message } } }"#;
    let res = app.mutate(create, json!({ "i": { "name": " António Guterres ", "aliases": ["Guterres"], "role": "UN Secretary-General", "affiliationId": un, "wikidataId": "Q311440" } })).await;
    let p = &res["data"]["createPerson"]["person"];
    assert_eq!(p["name"], "António Guterres", "{res}");
    assert_eq!(p["affiliation"]["name"], "United Nations");
    assert_eq!(p["aliases"], json!(["Guterres"]));
    // Found by name, accent-insensitively.
    let found = app
        .data(r#"{ person(name: "antonio guterres") { id } }"#, json!({}))
        .await;
    assert_eq!(found["person"]["id"], p["id"]);

    // Update: omitted fields stay, null clears, aliases are replaced.
    let update = r#"mutation($id: ID!, $i: PersonFieldsInput!) { updatePerson(id: $id, input: $i) { person { name aliases role affiliation { name } wikidataId } userErrors { field code } } }"#;
    let res = app.mutate(update, json!({ "id": p["id"], "i": { "role": null, "aliases": ["Secretary-General Guterres"] } })).await;
    let u = &res["data"]["updatePerson"]["person"];
    assert_eq!(u["name"], "António Guterres");
    assert_eq!(u["role"], Value::Null);
    assert_eq!(u["affiliation"]["name"], "United Nations");
    assert_eq!(u["aliases"], json!(["Secretary-General Guterres"]));

    // Invalid input: user errors, nothing changes.
    for (vars, field, code) in [
        (json!({ "i": { "name": "  " } }), "name", "EMPTY_TEXT"),
        (json!({ "i": { "role": "x" } }), "name", "EMPTY_TEXT"),
        (
            json!({ "i": { "name": "X", "wikidataId": "Q7747" } }),
            "wikidataId",
            "WIKIDATA_TAKEN",
        ),
        (
            json!({ "i": { "name": "X", "wikidataId": "nonsense" } }),
            "wikidataId",
            "INVALID_WIKIDATA_ID",
        ),
        (
            json!({ "i": { "name": "X", "affiliationId": "T3JnYW5pemF0aW9uOjk5OTk" } }),
            "affiliationId",
            "NOT_FOUND",
        ),
    ] {
        let res = app.mutate(create, vars.clone()).await;
        let errors = &res["data"]["createPerson"]["userErrors"];
        assert_eq!(errors[0]["field"], json!([field]), "{vars}: {res}");
        assert_eq!(errors[0]["code"], code, "{vars}: {res}");
        assert_eq!(res["data"]["createPerson"]["person"], Value::Null);
    }
    let people = app.data("{ people { totalCount } }", json!({})).await;
    assert_eq!(people["people"]["totalCount"], 9);
});

api_test!(
    deleting_a_referenced_entity_is_refused_unless_detached,
    |app| {
        let putin = id_of(app, r#"{ p: person(name: "Putin") { id } }"#).await;
        let q = "mutation($id: ID!, $d: Boolean) { deletePerson(id: $id, detach: $d) { deletedId userErrors { code message } } }";
        let res = app.mutate(q, json!({ "id": putin, "d": false })).await;
        let errors = &res["data"]["deletePerson"]["userErrors"];
        assert_eq!(errors[0]["code"], "IN_USE");
        assert!(
            errors[0]["message"].as_str().unwrap().contains("statement"),
            "{res}"
        );
        assert!(
            app.data(r#"{ person(name: "Putin") { id } }"#, json!({}))
                .await["person"]
                .is_object()
        );

        let res = app.mutate(q, json!({ "id": putin, "d": true })).await;
        assert_eq!(res["data"]["deletePerson"]["deletedId"], putin);
        let gone = app.data(r#"{ person(name: "Putin") { id } statements(filter: { kind: PARAPHRASE }) { nodes { text speaker { __typename } } } }"#, json!({})).await;
        assert_eq!(gone["person"], Value::Null);
        let orphan = gone["statements"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["text"].as_str().unwrap().starts_with("Putin criticized"))
            .unwrap();
        assert_eq!(orphan["speaker"], Value::Null);

        // A place with places inside it: detaching makes them top-level places.
        let donetsk = id_of(app, r#"{ l: location(name: "Donetsk Oblast") { id } }"#).await;
        let lq = "mutation($id: ID!, $d: Boolean) { deleteLocation(id: $id, detach: $d) { deletedId userErrors { code } } }";
        let res = app.mutate(lq, json!({ "id": donetsk, "d": false })).await;
        assert_eq!(
            res["data"]["deleteLocation"]["userErrors"][0]["code"],
            "IN_USE"
        );
        let res = app.mutate(lq, json!({ "id": donetsk, "d": true })).await;
        assert_eq!(res["data"]["deleteLocation"]["deletedId"], donetsk, "{res}");
        let p = app
            .data(
                r#"{ location(name: "Pokrovsk") { parent { name } ancestors { name } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(p["location"], json!({ "parent": null, "ancestors": [] }));
        let ukraine = id_of(app, r#"{ l: location(name: "Ukraine") { id } }"#).await;
        let within = app
            .data(
                "query($u: ID) { locations(first: 100, filter: { withinId: $u }) { totalCount } }",
                json!({ "u": ukraine }),
            )
            .await;
        assert_eq!(within["locations"]["totalCount"], 5);
    }
);

api_test!(merging_people_moves_everything_and_keeps_the_names, |app| {
    // A duplicate created by hand, with a statement of its own through an article.
    let mut doc = crate::fixtures::article(1);
    doc.people[1].name = "V. Putin".into();
    app.ingest(&doc).await;
    let keep = id_of(app, r#"{ p: person(name: "Vladimir Putin") { id } }"#).await;
    let dup = id_of(app, r#"{ p: person(name: "V. Putin") { id } }"#).await;
    let q = "mutation($k: ID!, $m: ID!) { mergePeople(keepId: $k, mergeId: $m) { person { name aliases statements { totalCount } articles { totalCount } } userErrors { code } } }";
    let res = app.mutate(q, json!({ "k": keep, "m": dup })).await;
    let p = &res["data"]["mergePeople"]["person"];
    assert_eq!(p["name"], "Vladimir Putin", "{res}");
    assert!(
        p["aliases"]
            .as_array()
            .unwrap()
            .contains(&json!("V. Putin"))
    );
    assert!(p["aliases"].as_array().unwrap().contains(&json!("P1")));
    assert_eq!(p["statements"]["totalCount"], 3); // two of his own and the duplicate's quote
    assert_eq!(p["articles"]["totalCount"], 2);
    let gone = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": dup }),
        )
        .await;
    assert_eq!(gone["data"]["node"], Value::Null);
    // Merging into itself or a missing entity is a user error.
    let same = app.mutate(q, json!({ "k": keep, "m": keep })).await;
    assert_eq!(
        same["data"]["mergePeople"]["userErrors"][0]["code"],
        "SAME_ENTITY"
    );
    let missing = app.mutate(q, json!({ "k": keep, "m": dup })).await;
    assert_eq!(
        missing["data"]["mergePeople"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
});

api_test!(places_move_and_merge_with_their_subtrees, |app| {
    let create = r#"mutation($i: LocationFieldsInput!) { createLocation(input: $i) { location { id name ancestors { name } } userErrors { field code } } }"#;
    let ukraine = id_of(app, r#"{ l: location(name: "Ukraine") { id } }"#).await;
    let res = app.mutate(create, json!({ "i": { "name": "Donbas", "kind": "REGION", "parentId": ukraine, "latitude": 48.3, "longitude": 38.5 } })).await;
    let donbas = res["data"]["createLocation"]["location"]["id"].clone();
    assert_eq!(
        res["data"]["createLocation"]["location"]["ancestors"],
        json!([{ "name": "Ukraine" }, { "name": "Europe" }]),
        "{res}"
    );

    // Move Donetsk Oblast (with Pokrovsk) under Donbas.
    let donetsk = id_of(app, r#"{ l: location(name: "Donetsk Oblast") { id } }"#).await;
    let update = r#"mutation($id: ID!, $i: LocationFieldsInput!) { updateLocation(id: $id, input: $i) { location { name } userErrors { field code } } }"#;
    let res = app
        .mutate(
            update,
            json!({ "id": donetsk, "i": { "parentId": donbas } }),
        )
        .await;
    assert_eq!(
        res["data"]["updateLocation"]["userErrors"],
        json!([]),
        "{res}"
    );
    let p = app
        .data(
            r#"{ location(name: "Pokrovsk") { ancestors { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        p["location"]["ancestors"],
        json!([{ "name": "Donetsk Oblast" }, { "name": "Donbas" }, { "name": "Ukraine" }, { "name": "Europe" }])
    );
    // A place cannot move inside itself.
    let pokrovsk = id_of(app, r#"{ l: location(name: "Pokrovsk") { id } }"#).await;
    let res = app
        .mutate(
            update,
            json!({ "id": donbas, "i": { "parentId": pokrovsk } }),
        )
        .await;
    assert_eq!(
        res["data"]["updateLocation"]["userErrors"][0]["code"],
        "PARENT_CYCLE"
    );
    let res = app
        .mutate(
            update,
            json!({ "id": donbas, "i": { "latitude": 95.0, "longitude": 1.0 } }),
        )
        .await;
    assert_eq!(
        res["data"]["updateLocation"]["userErrors"][0]["code"],
        "LATITUDE_OUT_OF_RANGE"
    );

    // Merge Luhansk Oblast into Donbas: its statements, mentions and names move.
    let luhansk = id_of(app, r#"{ l: location(name: "Luhansk Oblast") { id } }"#).await;
    let merge = r#"mutation($k: ID!, $m: ID!) { mergeLocations(keepId: $k, mergeId: $m) { location { name aliases statements { totalCount } articles { totalCount } children { name } } userErrors { code } } }"#;
    let res = app
        .mutate(merge, json!({ "k": donbas, "m": luhansk }))
        .await;
    let l = &res["data"]["mergeLocations"]["location"];
    assert!(
        l["aliases"]
            .as_array()
            .unwrap()
            .contains(&json!("Luhansk Oblast")),
        "{res}"
    );
    assert!(
        l["aliases"]
            .as_array()
            .unwrap()
            .contains(&json!("Луганська область"))
    );
    assert_eq!(l["statements"]["totalCount"], 1);
    assert_eq!(l["articles"]["totalCount"], 1);
    assert_eq!(l["children"], json!([{ "name": "Donetsk Oblast" }]));
    // Merging a place into a place inside it would loop.
    let res = app
        .mutate(merge, json!({ "k": pokrovsk, "m": donbas }))
        .await;
    assert_eq!(
        res["data"]["mergeLocations"]["userErrors"][0]["code"],
        "PARENT_CYCLE"
    );
    // Descendant queries still see the moved subtree.
    let within = app.data("query($u: ID) { casualties(filter: { locationId: $u, includeDescendants: true }) { totalCount } }", json!({ "u": donbas })).await;
    assert_eq!(within["casualties"]["totalCount"], 1);
});

api_test!(organizations_merge_and_keep_their_members, |app| {
    let mut doc = crate::fixtures::article(1);
    doc.organizations[0].name = "UN".into();
    app.ingest(&doc).await; // "UN" is an alias of the United Nations: matched, not duplicated
    let orgs = app
        .data(
            r#"{ organizations(filter: { name: "Example Ministry" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(orgs["organizations"]["totalCount"], 0);
    let create = r#"mutation($i: OrganizationFieldsInput!) { createOrganization(input: $i) { organization { id kind country { name } } userErrors { code } } }"#;
    let res = app
        .mutate(
            create,
            json!({ "i": { "name": "U.N. Human Rights Office", "kind": "international body" } }),
        )
        .await;
    let office = res["data"]["createOrganization"]["organization"]["id"].clone();
    let un = app
        .data(
            r#"{ organizations(filter: { name: "United Nations" }) { nodes { id } } }"#,
            json!({}),
        )
        .await["organizations"]["nodes"][0]["id"]
        .clone();
    let merge = r#"mutation($k: ID!, $m: ID!) { mergeOrganizations(keepId: $k, mergeId: $m) { organization { name aliases } userErrors { code } } }"#;
    let res = app.mutate(merge, json!({ "k": un, "m": office })).await;
    assert!(
        res["data"]["mergeOrganizations"]["organization"]["aliases"]
            .as_array()
            .unwrap()
            .contains(&json!("U.N. Human Rights Office")),
        "{res}"
    );
    let sp = app
        .data(
            r#"{ person(name: "Shared Spokesperson") { affiliation { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(sp["person"]["affiliation"]["name"], "United Nations");
    let del =
        r#"mutation($id: ID!) { deleteOrganization(id: $id) { deletedId userErrors { code } } }"#;
    let res = app.mutate(del, json!({ "id": un })).await;
    assert_eq!(
        res["data"]["deleteOrganization"]["userErrors"][0]["code"],
        "IN_USE"
    );
    let anon = app.graphql(del, json!({ "id": un })).await;
    assert_eq!(crate::helpers::error_code(&anon), "UNAUTHENTICATED");
});

api_test!(
    a_name_that_matches_several_entities_is_ambiguous_never_the_lowest_id,
    |app| {
        let mut ids = Vec::new();
        for _ in 0..2 {
            let res = app
            .mutate(
                "mutation { createPerson(input: { name: \"Kim\" }) { person { id } userErrors { code } } }",
                serde_json::json!({}),
            )
            .await;
            ids.push(
                res["data"]["createPerson"]["person"]["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let body = app
            .graphql("{ person(name: \"kim\") { id } }", serde_json::json!({}))
            .await;
        assert_eq!(crate::helpers::error_code(&body), "AMBIGUOUS", "{body}");
        let mut candidates: Vec<String> = body["errors"][0]["extensions"]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        candidates.sort();
        ids.sort();
        assert_eq!(candidates, ids);
        // Two villages of one name under different parents: the same for places.
        for parent in ["Pokrovsk", "Moscow"] {
            let p = app
                .data(
                    &format!("{{ location(name: \"{parent}\") {{ id }} }}"),
                    serde_json::json!({}),
                )
                .await;
            let res = app
            .mutate(
                "mutation($p: ID!) { createLocation(input: { name: \"Stepove\", kind: CITY, parentId: $p }) { location { id } userErrors { code } } }",
                serde_json::json!({ "p": p["location"]["id"] }),
            )
            .await;
            assert!(
                res["data"]["createLocation"]["location"]["id"].is_string(),
                "{res}"
            );
        }
        let body = app
            .graphql(
                "{ location(name: \"Stepove\") { id } }",
                serde_json::json!({}),
            )
            .await;
        assert_eq!(crate::helpers::error_code(&body), "AMBIGUOUS", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["candidates"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // One match by its own name wins over others that only have it as an alias; organizations
        // are found by name too.
        let d = app
            .data(
                "{ organization(name: \"UN\") { name } person(name: \"Zelensky\") { name } }",
                serde_json::json!({}),
            )
            .await;
        assert_eq!(d["organization"]["name"], "United Nations");
        assert!(d["person"]["name"].as_str().unwrap().contains("Zelensk"));
    }
);
