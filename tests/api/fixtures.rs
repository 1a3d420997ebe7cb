//! Synthetic documents for tests that need more than the sample article.
use chrono::{Duration, TimeZone, Utc};
use newsgraph::entities::enums::{
    CasualtyCategory, CountQualifier, LocationKind, Population, StatementKind,
};
use newsgraph::services::ingest::{
    ArticleDocument, CasualtyInput, LocationInput, OrganizationInput, PersonInput, StatementInput,
};

/// Article `i` of a family: published `i` hours after a fixed instant, naming two people
/// (one shared by all articles), an organization, a three-level place hierarchy, three
/// statements (the last disputing the first) and one casualty figure.
pub fn article(i: usize) -> ArticleDocument {
    let published = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::hours(i as i64);
    let body = format!(
        "Article {i} body. Officials said fighting continued in Town{i}. Number {i} was reported."
    );
    ArticleDocument {
        url: format!("https://news.example/a/{i}"),
        title: format!("Generated article {i:03}"),
        summary: Some(format!("Summary {i}")),
        body: Some(body),
        source: Some("Example Wire".into()),
        published_at: Some(published),
        people: vec![
            PersonInput {
                reference: "shared".into(),
                name: "Shared Spokesperson".into(),
                aliases: vec![],
                role: Some("spokesperson".into()),
                affiliation_ref: Some("org".into()),
                wikidata_id: None,
                mentioned: true,
            },
            PersonInput {
                reference: "own".into(),
                name: format!("Person Number{i}"),
                aliases: vec![format!("P{i}")],
                role: None,
                affiliation_ref: None,
                wikidata_id: None,
                mentioned: true,
            },
        ],
        organizations: vec![OrganizationInput {
            reference: "org".into(),
            name: "Example Ministry".into(),
            aliases: vec![],
            kind: Some("government".into()),
            country_ref: Some("country".into()),
            wikidata_id: None,
            mentioned: true,
        }],
        locations: vec![
            loc(
                "country",
                "Examplestan",
                LocationKind::Country,
                None,
                10.0,
                10.0,
            ),
            loc(
                "region",
                "North Region",
                LocationKind::Region,
                Some("country"),
                11.0,
                10.0,
            ),
            loc(
                "town",
                &format!("Town{i}"),
                LocationKind::City,
                Some("region"),
                11.0 + i as f64 * 0.001,
                10.0,
            ),
        ],
        statements: vec![
            StatementInput {
                reference: "s1".into(),
                text: format!("fighting continued in Town{i}"),
                kind: StatementKind::Claim,
                speaker_ref: Some("shared".into()),
                said_at: Some(published.date_naive()),
                place_ref: Some("region".into()),
                about_refs: vec!["town".into()],
                disputes_refs: vec![],
            },
            StatementInput {
                reference: "s2".into(),
                text: format!("Quote number {i}"),
                kind: StatementKind::Quote,
                speaker_ref: Some("own".into()),
                said_at: None,
                place_ref: None,
                about_refs: vec!["region".into()],
                disputes_refs: vec![],
            },
            StatementInput {
                reference: "s3".into(),
                text: format!("No fighting in Town{i}"),
                kind: StatementKind::Claim,
                speaker_ref: Some("org".into()),
                said_at: Some(published.date_naive()),
                place_ref: None,
                about_refs: vec!["town".into(), "country".into()],
                disputes_refs: vec!["s1".into()],
            },
        ],
        casualties: vec![CasualtyInput {
            category: CasualtyCategory::Killed,
            population: Population::Civilian,
            count_min: Some(i as i32),
            count_max: Some(i as i32 + 5),
            qualifier: CountQualifier::Range,
            phrase: Some(format!("Number {i}")),
            period_start: None,
            as_of: Some(published.date_naive()),
            location_ref: Some("town".into()),
            reported_by_ref: Some("org".into()),
        }],
    }
}

fn loc(
    r: &str,
    name: &str,
    kind: LocationKind,
    parent: Option<&str>,
    lat: f64,
    lon: f64,
) -> LocationInput {
    LocationInput {
        reference: r.into(),
        name: name.into(),
        aliases: vec![],
        kind,
        latitude: Some(lat),
        longitude: Some(lon),
        parent_ref: parent.map(Into::into),
        wikidata_id: None,
        mentioned: true,
    }
}
