//! `ArticleDocument` and its parts as GraphQL inputs, converted to the service's document
//! (the same shape `newsgraph import` reads as JSON).
use async_graphql::InputObject;
use chrono::{DateTime, Utc};

use super::scalars::Date;
use super::types::{CasualtyCategory, CountQualifier, LocationKind, Population, StatementKind};
use crate::services::ingest;

/// One article with everything it reports. Entities point at each other by local `ref`s;
/// people, organizations and places are matched to stored ones (wikidata id, then name or
/// alias) instead of duplicated. Ingesting a URL again replaces that article's content.
#[derive(InputObject)]
pub struct ArticleDocument {
    /// Canonical absolute http(s) URL; the article's identity.
    pub url: String,
    /// Headline.
    pub title: String,
    /// Short summary.
    pub summary: Option<String>,
    /// Full text; statements and casualty phrases found in it get evidence spans.
    pub body: Option<String>,
    /// Publisher.
    pub source: Option<String>,
    /// When it was published (RFC 3339).
    pub published_at: Option<DateTime<Utc>>,
    /// People the article names (matched to stored people).
    pub people: Option<Vec<PersonInput>>,
    /// Organizations the article names.
    pub organizations: Option<Vec<OrganizationInput>>,
    /// Places the article names, with their parents.
    pub locations: Option<Vec<LocationInput>>,
    /// What was said, in the article's order.
    pub statements: Option<Vec<StatementInput>>,
    /// Casualty figures, in the article's order.
    pub casualties: Option<Vec<CasualtyInput>>,
}

/// A person the article names.
#[derive(InputObject)]
pub struct PersonInput {
    /// Local name of this entry, unique within the document.
    #[graphql(name = "ref")]
    pub reference: String,
    /// Usual full name.
    pub name: String,
    /// Other names and spellings; added to the stored person's aliases.
    pub aliases: Option<Vec<String>>,
    /// Role or title, e.g. "US special envoy".
    pub role: Option<String>,
    /// `ref` of an organization in this document.
    pub affiliation_ref: Option<String>,
    /// Wikidata item id ("Q7747"); matched first.
    pub wikidata_id: Option<String>,
    /// False when listed only because something else refers to it (default true).
    pub mentioned: Option<bool>,
}

/// An organization the article names.
#[derive(InputObject)]
pub struct OrganizationInput {
    /// Local name of this entry, unique within the document.
    #[graphql(name = "ref")]
    pub reference: String,
    /// Usual full name.
    pub name: String,
    /// Other names and spellings.
    pub aliases: Option<Vec<String>>,
    /// Free-form kind: government, military, international body, media ...
    pub kind: Option<String>,
    /// `ref` of a location in this document.
    pub country_ref: Option<String>,
    /// Wikidata item id; matched first.
    pub wikidata_id: Option<String>,
    /// False when listed only because something else refers to it (default true).
    pub mentioned: Option<bool>,
}

/// A place the article names (or a parent needed to place it in the hierarchy).
#[derive(InputObject)]
pub struct LocationInput {
    /// Local name of this entry, unique within the document.
    #[graphql(name = "ref")]
    pub reference: String,
    /// Usual English name.
    pub name: String,
    /// Other spellings and languages.
    pub aliases: Option<Vec<String>>,
    /// Continent, country, region, city or site.
    pub kind: LocationKind,
    /// WGS 84 latitude in degrees (-90..90); give both coordinates or neither.
    pub latitude: Option<f64>,
    /// WGS 84 longitude in degrees (-180..180).
    pub longitude: Option<f64>,
    /// `ref` of the containing location in this document; a stored place is matched by name
    /// only under the same parent.
    pub parent_ref: Option<String>,
    /// Wikidata item id; matched first.
    pub wikidata_id: Option<String>,
    /// False for a place listed only to complete a hierarchy (default true).
    pub mentioned: Option<bool>,
}

/// Something someone said or claimed.
#[derive(InputObject)]
pub struct StatementInput {
    /// Local name of this entry, unique within the document.
    #[graphql(name = "ref")]
    pub reference: String,
    /// The quote, or the article's words for a paraphrase or claim.
    pub text: String,
    /// Quote, paraphrase or claim.
    pub kind: StatementKind,
    /// `ref` of a person or organization.
    pub speaker_ref: Option<String>,
    /// The day it was said.
    pub said_at: Option<Date>,
    /// `ref` of the location where it was said.
    pub place_ref: Option<String>,
    /// `ref`s of the locations it is about.
    pub about_refs: Option<Vec<String>>,
    /// `ref`s of statements (in this document) that this one contradicts.
    pub disputes_refs: Option<Vec<String>>,
}

/// A casualty figure as reported.
#[derive(InputObject)]
pub struct CasualtyInput {
    /// What happened to the people counted.
    pub category: CasualtyCategory,
    /// Who was counted.
    pub population: Population,
    /// Lower bound ("over 14,000": 14000).
    pub count_min: Option<i32>,
    /// Upper bound; empty when open-ended.
    pub count_max: Option<i32>,
    /// How the source qualified the number; must agree with the bounds.
    pub qualifier: CountQualifier,
    /// The source's words; gets an evidence span when found in the body.
    pub phrase: Option<String>,
    /// Start of the period counted ("since February 24, 2022"): makes the figure cumulative.
    pub period_start: Option<Date>,
    /// The day the figure is valid for.
    pub as_of: Option<Date>,
    /// `ref` of the location where the casualties occurred.
    pub location_ref: Option<String>,
    /// `ref` of a person or organization.
    pub reported_by_ref: Option<String>,
}

impl From<ArticleDocument> for ingest::ArticleDocument {
    fn from(d: ArticleDocument) -> Self {
        ingest::ArticleDocument {
            url: d.url,
            title: d.title,
            summary: d.summary,
            body: d.body,
            source: d.source,
            published_at: d.published_at,
            people: d
                .people
                .unwrap_or_default()
                .into_iter()
                .map(|p| ingest::PersonInput {
                    reference: p.reference,
                    name: p.name,
                    aliases: p.aliases.unwrap_or_default(),
                    role: p.role,
                    affiliation_ref: p.affiliation_ref,
                    wikidata_id: p.wikidata_id,
                    mentioned: p.mentioned.unwrap_or(true),
                })
                .collect(),
            organizations: d
                .organizations
                .unwrap_or_default()
                .into_iter()
                .map(|o| ingest::OrganizationInput {
                    reference: o.reference,
                    name: o.name,
                    aliases: o.aliases.unwrap_or_default(),
                    kind: o.kind,
                    country_ref: o.country_ref,
                    wikidata_id: o.wikidata_id,
                    mentioned: o.mentioned.unwrap_or(true),
                })
                .collect(),
            locations: d
                .locations
                .unwrap_or_default()
                .into_iter()
                .map(|l| ingest::LocationInput {
                    reference: l.reference,
                    name: l.name,
                    aliases: l.aliases.unwrap_or_default(),
                    kind: l.kind.into(),
                    latitude: l.latitude,
                    longitude: l.longitude,
                    parent_ref: l.parent_ref,
                    wikidata_id: l.wikidata_id,
                    mentioned: l.mentioned.unwrap_or(true),
                })
                .collect(),
            statements: d
                .statements
                .unwrap_or_default()
                .into_iter()
                .map(|s| ingest::StatementInput {
                    reference: s.reference,
                    text: s.text,
                    kind: s.kind.into(),
                    speaker_ref: s.speaker_ref,
                    said_at: s.said_at.map(|d| d.0),
                    place_ref: s.place_ref,
                    about_refs: s.about_refs.unwrap_or_default(),
                    disputes_refs: s.disputes_refs.unwrap_or_default(),
                })
                .collect(),
            casualties: d
                .casualties
                .unwrap_or_default()
                .into_iter()
                .map(|c| ingest::CasualtyInput {
                    category: c.category.into(),
                    population: c.population.into(),
                    count_min: c.count_min,
                    count_max: c.count_max,
                    qualifier: c.qualifier.into(),
                    phrase: c.phrase,
                    period_start: c.period_start.map(|d| d.0),
                    as_of: c.as_of.map(|d| d.0),
                    location_ref: c.location_ref,
                    reported_by_ref: c.reported_by_ref,
                })
                .collect(),
        }
    }
}
