//! Ingesting one article with everything it reports, in one transaction: validation first
//! (every problem reported with its field path), then entity resolution (people, organizations
//! and places matched to stored ones by wikidata id, then by name or alias), then the writes.
//! Re-ingesting a URL updates that article in place and keeps every id it can.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, Statement,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::error::{ServiceError, ServiceResult};
use super::sql::statement;
use crate::domain::names::normalize;
use crate::entities::enums::{
    CasualtyCategory, CountQualifier, LocationKind, Population, StatementKind,
};
use crate::entities::{
    article, article_location, article_organization, article_person, casualty, casualty_evidence,
    location, organization, person, statement, statement_about, statement_dispute,
    statement_evidence,
};

/// Largest article body accepted, in characters.
pub const MAX_BODY_CHARS: usize = 1_000_000;
/// Most entries accepted in any one list of a document (people, statements, an entity's
/// aliases, ...), and most aliases one stored entity may gather across documents.
pub const MAX_LIST_LEN: usize = 10_000;
/// Longest name, alias, ref, role, kind, source or title accepted, in characters: bounds
/// what a sort key (and so a cursor) and an exported line can grow to.
pub const MAX_NAME_CHARS: usize = 1_000;
/// Longest statement text, summary or casualty phrase accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Deepest chain of places one document may give (a site in a city in a region in a country
/// in a continent is five); every level adds a closure row per ancestor.
pub const MAX_PLACE_DEPTH: usize = 32;
/// Dates are accepted from year 1 to year 9999, on both backends.
pub const MIN_YEAR: i32 = 1;
pub const MAX_YEAR: i32 = 9999;

/// One article and everything it reports; entities point at each other by local `ref`s.
/// The JSON form (camelCase) is what `newsgraph import` reads and `export` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticleDocument {
    pub url: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<PersonInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<OrganizationInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<LocationInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<StatementInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub casualties: Vec<CasualtyInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonInput {
    #[serde(rename = "ref")]
    pub reference: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wikidata_id: Option<String>,
    /// False for a person listed only because something else refers to them.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub mentioned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizationInput {
    #[serde(rename = "ref")]
    pub reference: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wikidata_id: Option<String>,
    /// False for an organization listed only because something else refers to it.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub mentioned: bool,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationInput {
    #[serde(rename = "ref")]
    pub reference: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub kind: LocationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wikidata_id: Option<String>,
    /// False for a place listed only to complete a hierarchy (not named by the article).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub mentioned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatementInput {
    #[serde(rename = "ref")]
    pub reference: String,
    pub text: String,
    pub kind: StatementKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said_at: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub about_refs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disputes_refs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CasualtyInput {
    pub category: CasualtyCategory,
    pub population: Population,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_max: Option<i32>,
    pub qualifier: CountQualifier,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_by_ref: Option<String>,
}

/// A problem with one field of the input, with a stable machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserError {
    pub field: Vec<String>,
    pub message: String,
    pub code: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The document is invalid; nothing was written.
    #[error("the document was rejected: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<UserError>),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for IngestError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Failed(e.into())
    }
}

#[derive(Debug, Clone)]
pub struct Ingested {
    pub article: article::Model,
    pub created: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RefKind {
    Person,
    Organization,
    Location,
    Statement,
}

impl RefKind {
    fn noun(self) -> &'static str {
        match self {
            RefKind::Person => "person",
            RefKind::Organization => "organization",
            RefKind::Location => "location",
            RefKind::Statement => "statement",
        }
    }
}

struct Validator {
    errors: Vec<UserError>,
    refs: HashMap<String, RefKind>,
}

fn path(parts: &[&dyn std::fmt::Display]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

impl Validator {
    fn err(&mut self, field: Vec<String>, code: &'static str, message: String) {
        self.errors.push(UserError {
            field,
            message,
            code,
        });
    }

    fn non_empty(&mut self, field: Vec<String>, value: &str, what: &str) {
        if value.trim().is_empty() {
            self.err(field, "EMPTY_TEXT", format!("{what} must not be empty"));
        }
    }

    fn at_most(&mut self, field: Vec<String>, value: &str, max: usize) {
        let n = value.chars().count();
        if n > max {
            self.err(
                field,
                "TEXT_TOO_LONG",
                format!("{n} characters; at most {max} are accepted here"),
            );
        }
    }

    fn aliases(&mut self, field: Vec<String>, aliases: &[String]) {
        if aliases.len() > MAX_LIST_LEN {
            self.err(
                field,
                "DOCUMENT_TOO_LARGE",
                format!(
                    "{} aliases; at most {MAX_LIST_LEN} are accepted",
                    aliases.len()
                ),
            );
            return;
        }
        for (j, a) in aliases.iter().enumerate() {
            let mut f = field.clone();
            f.push(j.to_string());
            self.non_empty(f.clone(), a, "an alias");
            self.at_most(f, a, MAX_NAME_CHARS);
        }
    }

    fn date(&mut self, field: Vec<String>, year: Option<i32>) {
        if let Some(y) = year
            && !(MIN_YEAR..=MAX_YEAR).contains(&y)
        {
            self.err(
                field,
                "DATE_OUT_OF_RANGE",
                format!("year {y} is outside {MIN_YEAR}..{MAX_YEAR}"),
            );
        }
    }

    fn declare(&mut self, field: Vec<String>, reference: &str, kind: RefKind) {
        if reference.trim().is_empty() {
            self.err(field, "EMPTY_TEXT", "a ref must not be empty".into());
        } else if reference.chars().count() > MAX_NAME_CHARS {
            self.at_most(field, reference, MAX_NAME_CHARS);
        } else if self.refs.insert(reference.to_string(), kind).is_some() {
            self.err(
                field,
                "DUPLICATE_REF",
                format!("the ref `{reference}` is declared twice"),
            );
        }
    }

    /// Checks that `reference` names something of one of the `allowed` kinds.
    fn resolve(&mut self, field: Vec<String>, reference: &str, allowed: &[RefKind]) {
        match self.refs.get(reference) {
            None => self.err(
                field,
                "UNKNOWN_REF",
                format!("no entity in this document has the ref `{reference}`"),
            ),
            Some(kind) if !allowed.contains(kind) => {
                let want: Vec<&str> = allowed.iter().map(|k| k.noun()).collect();
                let msg = format!(
                    "the ref `{reference}` names a {}, but a {} is expected here",
                    kind.noun(),
                    want.join(" or ")
                );
                self.err(field, "WRONG_REF_KIND", msg)
            }
            Some(_) => {}
        }
    }
}

fn valid_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
        && !host.is_empty()
        && !host.starts_with('.')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The document with the text rule (`domain::text`) applied to every text in it: what is
/// validated, resolved and stored.
pub fn clean(doc: &ArticleDocument) -> ArticleDocument {
    use crate::domain::text::{body, line, opt_line};
    let lines = |v: &[String]| v.iter().map(|s| line(s)).collect::<Vec<_>>();
    let opt_ref = |r: &Option<String>| r.as_deref().map(line);
    ArticleDocument {
        url: line(&doc.url),
        title: line(&doc.title),
        summary: doc.summary.as_deref().map(body),
        body: doc.body.as_deref().map(body),
        source: opt_line(&doc.source),
        published_at: doc.published_at,
        people: doc
            .people
            .iter()
            .map(|p| PersonInput {
                reference: line(&p.reference),
                name: line(&p.name),
                aliases: lines(&p.aliases),
                role: opt_line(&p.role),
                affiliation_ref: opt_ref(&p.affiliation_ref),
                wikidata_id: opt_line(&p.wikidata_id),
                mentioned: p.mentioned,
            })
            .collect(),
        organizations: doc
            .organizations
            .iter()
            .map(|o| OrganizationInput {
                reference: line(&o.reference),
                name: line(&o.name),
                aliases: lines(&o.aliases),
                kind: opt_line(&o.kind),
                country_ref: opt_ref(&o.country_ref),
                wikidata_id: opt_line(&o.wikidata_id),
                mentioned: o.mentioned,
            })
            .collect(),
        locations: doc
            .locations
            .iter()
            .map(|l| LocationInput {
                reference: line(&l.reference),
                name: line(&l.name),
                aliases: lines(&l.aliases),
                parent_ref: opt_ref(&l.parent_ref),
                wikidata_id: opt_line(&l.wikidata_id),
                ..l.clone()
            })
            .collect(),
        statements: doc
            .statements
            .iter()
            .map(|s| StatementInput {
                reference: line(&s.reference),
                text: body(&s.text).trim().to_string(),
                speaker_ref: opt_ref(&s.speaker_ref),
                place_ref: opt_ref(&s.place_ref),
                about_refs: lines(&s.about_refs),
                disputes_refs: lines(&s.disputes_refs),
                ..s.clone()
            })
            .collect(),
        casualties: doc
            .casualties
            .iter()
            .map(|c| CasualtyInput {
                phrase: c.phrase.as_deref().map(|p| body(p).trim().to_string()),
                location_ref: opt_ref(&c.location_ref),
                reported_by_ref: opt_ref(&c.reported_by_ref),
                ..c.clone()
            })
            .collect(),
    }
}

/// (list, index, name, aliases, role or kind) of a named entry of a document.
type NamedEntry<'a> = (&'a str, usize, &'a str, &'a [String], Option<&'a String>);

/// Every problem with a (cleaned) document, each with the path of the field at fault.
pub fn validate(doc: &ArticleDocument) -> Vec<UserError> {
    let mut v = Validator {
        errors: Vec::new(),
        refs: HashMap::new(),
    };
    if !valid_url(doc.url.trim()) {
        v.err(
            path(&[&"url"]),
            "INVALID_URL",
            format!(
                "`{}` is not an absolute http(s) URL",
                doc.url.chars().take(200).collect::<String>()
            ),
        );
    }
    v.non_empty(path(&[&"title"]), &doc.title, "the title");
    v.at_most(path(&[&"title"]), &doc.title, MAX_NAME_CHARS);
    v.at_most(path(&[&"url"]), &doc.url, MAX_NAME_CHARS);
    if let Some(src) = &doc.source {
        v.at_most(path(&[&"source"]), src, MAX_NAME_CHARS);
    }
    if let Some(summary) = &doc.summary {
        v.at_most(path(&[&"summary"]), summary, MAX_TEXT_CHARS);
    }
    {
        use chrono::Datelike;
        v.date(path(&[&"publishedAt"]), doc.published_at.map(|d| d.year()));
        for (i, s) in doc.statements.iter().enumerate() {
            v.date(
                path(&[&"statements", &i, &"saidAt"]),
                s.said_at.map(|d| d.year()),
            );
            v.at_most(path(&[&"statements", &i, &"text"]), &s.text, MAX_TEXT_CHARS);
        }
        for (i, c) in doc.casualties.iter().enumerate() {
            v.date(
                path(&[&"casualties", &i, &"asOf"]),
                c.as_of.map(|d| d.year()),
            );
            v.date(
                path(&[&"casualties", &i, &"periodStart"]),
                c.period_start.map(|d| d.year()),
            );
            if let Some(p) = &c.phrase {
                v.at_most(path(&[&"casualties", &i, &"phrase"]), p, MAX_TEXT_CHARS);
            }
        }
    }
    let named: Vec<NamedEntry> = doc
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                "people",
                i,
                p.name.as_str(),
                &p.aliases[..],
                p.role.as_ref(),
            )
        })
        .chain(doc.organizations.iter().enumerate().map(|(i, o)| {
            (
                "organizations",
                i,
                o.name.as_str(),
                &o.aliases[..],
                o.kind.as_ref(),
            )
        }))
        .chain(
            doc.locations
                .iter()
                .enumerate()
                .map(|(i, l)| ("locations", i, l.name.as_str(), &l.aliases[..], None)),
        )
        .collect();
    for (list, i, name, aliases, extra) in named {
        v.at_most(path(&[&list, &i, &"name"]), name, MAX_NAME_CHARS);
        v.aliases(path(&[&list, &i, &"aliases"]), aliases);
        if let Some(x) = extra {
            let field = if list == "people" { "role" } else { "kind" };
            v.at_most(path(&[&list, &i, &field]), x, MAX_NAME_CHARS);
        }
    }
    if doc.body.as_deref().map(|b| b.chars().count()).unwrap_or(0) > MAX_BODY_CHARS {
        v.err(
            path(&[&"body"]),
            "DOCUMENT_TOO_LARGE",
            format!("the body is longer than {MAX_BODY_CHARS} characters"),
        );
    }
    for (name, len) in [
        ("people", doc.people.len()),
        ("organizations", doc.organizations.len()),
        ("locations", doc.locations.len()),
        ("statements", doc.statements.len()),
        ("casualties", doc.casualties.len()),
    ] {
        if len > MAX_LIST_LEN {
            v.err(
                path(&[&name]),
                "DOCUMENT_TOO_LARGE",
                format!("`{name}` has {len} entries; at most {MAX_LIST_LEN} are accepted"),
            );
        }
    }
    if !v.errors.is_empty() && v.errors.iter().any(|e| e.code == "DOCUMENT_TOO_LARGE") {
        return v.errors;
    }

    for (i, p) in doc.people.iter().enumerate() {
        v.declare(
            path(&[&"people", &i, &"ref"]),
            &p.reference,
            RefKind::Person,
        );
        v.non_empty(path(&[&"people", &i, &"name"]), &p.name, "a person's name");
    }
    for (i, o) in doc.organizations.iter().enumerate() {
        v.declare(
            path(&[&"organizations", &i, &"ref"]),
            &o.reference,
            RefKind::Organization,
        );
        v.non_empty(
            path(&[&"organizations", &i, &"name"]),
            &o.name,
            "an organization's name",
        );
    }
    for (i, l) in doc.locations.iter().enumerate() {
        v.declare(
            path(&[&"locations", &i, &"ref"]),
            &l.reference,
            RefKind::Location,
        );
        v.non_empty(
            path(&[&"locations", &i, &"name"]),
            &l.name,
            "a location's name",
        );
        if let Some(lat) = l.latitude
            && !(-90.0..=90.0).contains(&lat)
        {
            v.err(
                path(&[&"locations", &i, &"latitude"]),
                "LATITUDE_OUT_OF_RANGE",
                format!("latitude {lat} is outside -90..90"),
            );
        }
        if let Some(lon) = l.longitude
            && !(-180.0..=180.0).contains(&lon)
        {
            v.err(
                path(&[&"locations", &i, &"longitude"]),
                "LONGITUDE_OUT_OF_RANGE",
                format!("longitude {lon} is outside -180..180"),
            );
        }
        if l.latitude.is_some() != l.longitude.is_some() {
            v.err(
                path(&[&"locations", &i, &"latitude"]),
                "INCOMPLETE_COORDINATES",
                "give both latitude and longitude, or neither".into(),
            );
        }
    }
    for (i, s) in doc.statements.iter().enumerate() {
        v.declare(
            path(&[&"statements", &i, &"ref"]),
            &s.reference,
            RefKind::Statement,
        );
        v.non_empty(
            path(&[&"statements", &i, &"text"]),
            &s.text,
            "a statement's text",
        );
    }
    for (i, p) in doc.people.iter().enumerate() {
        if let Some(r) = &p.affiliation_ref {
            v.resolve(
                path(&[&"people", &i, &"affiliationRef"]),
                r,
                &[RefKind::Organization],
            );
        }
    }
    for (i, o) in doc.organizations.iter().enumerate() {
        if let Some(r) = &o.country_ref {
            v.resolve(
                path(&[&"organizations", &i, &"countryRef"]),
                r,
                &[RefKind::Location],
            );
        }
    }
    let loc_index: HashMap<&str, usize> = doc
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| (l.reference.as_str(), i))
        .collect();
    for (i, l) in doc.locations.iter().enumerate() {
        if let Some(r) = &l.parent_ref {
            v.resolve(
                path(&[&"locations", &i, &"parentRef"]),
                r,
                &[RefKind::Location],
            );
        }
        // Follow the parent chain; coming back to the start is a loop.
        let mut seen = HashSet::from([i]);
        let mut cur = l
            .parent_ref
            .as_deref()
            .and_then(|r| loc_index.get(r).copied());
        while let Some(j) = cur {
            if seen.len() >= MAX_PLACE_DEPTH {
                v.err(
                    path(&[&"locations", &i, &"parentRef"]),
                    "PLACE_TOO_DEEP",
                    format!("the chain of parents is deeper than {MAX_PLACE_DEPTH} places"),
                );
                break;
            }
            if !seen.insert(j) {
                if j == i {
                    v.err(
                        path(&[&"locations", &i, &"parentRef"]),
                        "PARENT_CYCLE",
                        format!("the parent chain of `{}` loops back to it", l.reference),
                    );
                }
                break;
            }
            cur = doc.locations[j]
                .parent_ref
                .as_deref()
                .and_then(|r| loc_index.get(r).copied());
        }
    }
    for (i, s) in doc.statements.iter().enumerate() {
        if let Some(r) = &s.speaker_ref {
            v.resolve(
                path(&[&"statements", &i, &"speakerRef"]),
                r,
                &[RefKind::Person, RefKind::Organization],
            );
        }
        if let Some(r) = &s.place_ref {
            v.resolve(
                path(&[&"statements", &i, &"placeRef"]),
                r,
                &[RefKind::Location],
            );
        }
        for (j, r) in s.about_refs.iter().enumerate() {
            v.resolve(
                path(&[&"statements", &i, &"aboutRefs", &j]),
                r,
                &[RefKind::Location],
            );
        }
        for (j, r) in s.disputes_refs.iter().enumerate() {
            if *r == s.reference {
                v.err(
                    path(&[&"statements", &i, &"disputesRefs", &j]),
                    "SELF_DISPUTE",
                    "a statement cannot dispute itself".into(),
                );
            } else {
                v.resolve(
                    path(&[&"statements", &i, &"disputesRefs", &j]),
                    r,
                    &[RefKind::Statement],
                );
            }
        }
    }
    for (i, c) in doc.casualties.iter().enumerate() {
        if let Some(r) = &c.location_ref {
            v.resolve(
                path(&[&"casualties", &i, &"locationRef"]),
                r,
                &[RefKind::Location],
            );
        }
        if let Some(r) = &c.reported_by_ref {
            v.resolve(
                path(&[&"casualties", &i, &"reportedByRef"]),
                r,
                &[RefKind::Person, RefKind::Organization],
            );
        }
        if let Some(p) = &c.phrase {
            v.non_empty(
                path(&[&"casualties", &i, &"phrase"]),
                p,
                "a casualty phrase",
            );
        }
        for (field, n) in [("countMin", c.count_min), ("countMax", c.count_max)] {
            if n.is_some_and(|n| n < 0) {
                v.err(
                    path(&[&"casualties", &i, &field]),
                    "NEGATIVE_COUNT",
                    format!("`{field}` cannot be negative"),
                );
            }
        }
        if let (Some(lo), Some(hi)) = (c.count_min, c.count_max)
            && lo > hi
        {
            v.err(
                path(&[&"casualties", &i, &"countMin"]),
                "COUNT_RANGE_INVERTED",
                format!("countMin ({lo}) is greater than countMax ({hi})"),
            );
        }
        if let Some(msg) = qualifier_problem(c) {
            v.err(
                path(&[&"casualties", &i, &"qualifier"]),
                "QUALIFIER_MISMATCH",
                msg,
            );
        }
    }
    v.errors
}

/// Whether the numbers say what the qualifier says ("at least" has a minimum and no maximum...).
fn qualifier_problem(c: &CasualtyInput) -> Option<String> {
    use CountQualifier::*;
    match (c.qualifier, c.count_min, c.count_max) {
        (Exact, Some(lo), Some(hi)) if lo != hi => {
            Some("an EXACT count needs countMin equal to countMax".into())
        }
        (Exact, None, _) => Some("an EXACT count needs countMin".into()),
        (AtLeast, None, _) => Some("AT_LEAST needs countMin".into()),
        (AtLeast, _, Some(_)) => Some("AT_LEAST is open-ended: leave countMax empty".into()),
        (AtMost, _, None) => Some("AT_MOST needs countMax".into()),
        (AtMost, Some(lo), _) if lo != 0 => {
            Some("AT_MOST has no lower bound: leave countMin empty or 0".into())
        }
        (Range, None, _) | (Range, _, None) => {
            Some("a RANGE needs both countMin and countMax".into())
        }
        _ => None,
    }
}

/// The stored range of a figure: an EXACT count without a maximum is exactly its minimum.
fn stored_range(c: &CasualtyInput) -> (Option<i32>, Option<i32>) {
    match (c.qualifier, c.count_min, c.count_max) {
        (CountQualifier::Exact, Some(n), None) => (Some(n), Some(n)),
        (_, lo, hi) => (lo, hi),
    }
}

/// Character spans (Unicode scalar values, end exclusive) where `needle` occurs in `body`,
/// with a readable snippet around each.
pub fn find_spans(body: &str, needle: &str) -> Vec<(i32, i32, String)> {
    if needle.trim().is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = body[from..].find(needle) {
        let byte_start = from + pos;
        let byte_end = byte_start + needle.len();
        let start = body[..byte_start].chars().count();
        let end = start + needle.chars().count();
        out.push((
            start as i32,
            end as i32,
            snippet(body, byte_start, byte_end),
        ));
        from = byte_end;
    }
    out
}

/// The matched text with up to ~60 characters of context on each side, cut at spaces.
fn snippet(body: &str, start: usize, end: usize) -> String {
    const CONTEXT: usize = 60;
    let before: String = body[..start]
        .chars()
        .rev()
        .take(CONTEXT)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = body[end..].chars().take(CONTEXT).collect();
    let cut_before = if before.chars().count() == CONTEXT {
        before
            .split_once(' ')
            .map(|(_, rest)| format!("…{rest}"))
            .unwrap_or(before)
    } else {
        before
    };
    let cut_after = if after.chars().count() == CONTEXT {
        after
            .rsplit_once(' ')
            .map(|(head, _)| format!("{head}…"))
            .unwrap_or(after)
    } else {
        after
    };
    format!("{cut_before}{}{cut_after}", &body[start..end]).replace('\n', " ")
}

/// Serializes ingests: entity resolution reads then writes, so two concurrent ingests of
/// documents naming the same new person must not both create it. Postgres takes a
/// transaction-scoped advisory lock (works across replicas); SQLite allows one writer anyway
/// and a process-local mutex keeps its transactions from failing with SQLITE_BUSY.
#[derive(Default)]
pub struct IngestLock(tokio::sync::Mutex<()>);

const ADVISORY_LOCK_KEY: i64 = 0x6e65_7773_6772_6170; // "newsgrap"

#[tracing::instrument(skip_all, fields(url = %doc.url))]
pub async fn ingest(
    db: &DatabaseConnection,
    lock: &IngestLock,
    doc: &ArticleDocument,
) -> Result<Ingested, IngestError> {
    let doc = &clean(doc);
    let errors = validate(doc);
    if !errors.is_empty() {
        return Err(IngestError::Rejected(errors));
    }
    let _guard = lock.0.lock().await;
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [ADVISORY_LOCK_KEY.into()],
        ))
        .await?;
    }
    let out = write(&txn, doc).await?;
    // In the same transaction (and, on PostgreSQL, under the advisory lock, so event ids
    // commit in the order they were taken): subscribers hear only of committed writes.
    super::events::record_ingest(&txn, out.article.id).await?;
    txn.commit().await?;
    Ok(out)
}

async fn write<C: ConnectionTrait>(db: &C, doc: &ArticleDocument) -> Result<Ingested, IngestError> {
    let url = doc.url.trim().to_string();
    let existing = article::Entity::find()
        .filter(article::Column::Url.eq(url.clone()))
        .one(db)
        .await?;
    let created = existing.is_none();
    let art = match existing {
        Some(a) => {
            let mut am = a.into_active_model();
            am.title = Set(doc.title.trim().to_string());
            am.summary = Set(doc.summary.clone());
            am.body = Set(doc.body.clone());
            am.source = Set(doc.source.clone());
            am.published_at = Set(doc.published_at);
            let a = am.update(db).await?;
            for t in ["article_person", "article_organization", "article_location"] {
                db.execute(
                    Query::delete()
                        .from_table(Alias::new(t))
                        .and_where(Expr::col(Alias::new("article_id")).eq(a.id)),
                )
                .await?;
            }
            a
        }
        None => {
            article::ActiveModel {
                id: NotSet,
                url: Set(url),
                title: Set(doc.title.trim().to_string()),
                summary: Set(doc.summary.clone()),
                body: Set(doc.body.clone()),
                source: Set(doc.source.clone()),
                published_at: Set(doc.published_at),
                ingested_at: Set(Utc::now()),
            }
            .insert(db)
            .await?
        }
    };

    let locations = resolve_locations(db, &doc.locations).await?;
    let organizations = resolve_organizations(db, &doc.organizations, &locations).await?;
    let people = resolve_people(db, &doc.people, &organizations).await?;

    let mentioned_places: Vec<i32> = doc
        .locations
        .iter()
        .filter(|l| l.mentioned)
        .filter_map(|l| locations.get(&l.reference).copied())
        .collect();
    let mentioned_people: Vec<i32> = doc
        .people
        .iter()
        .filter(|p| p.mentioned)
        .filter_map(|p| people.get(&p.reference).copied())
        .collect();
    let mentioned_organizations: Vec<i32> = doc
        .organizations
        .iter()
        .filter(|o| o.mentioned)
        .filter_map(|o| organizations.get(&o.reference).copied())
        .collect();
    insert_links::<article_person::Entity, _>(db, mentioned_people, |id| {
        article_person::ActiveModel {
            article_id: Set(art.id),
            person_id: Set(id),
        }
    })
    .await?;
    insert_links::<article_organization::Entity, _>(db, mentioned_organizations, |id| {
        article_organization::ActiveModel {
            article_id: Set(art.id),
            organization_id: Set(id),
        }
    })
    .await?;
    insert_links::<article_location::Entity, _>(db, mentioned_places, |id| {
        article_location::ActiveModel {
            article_id: Set(art.id),
            location_id: Set(id),
        }
    })
    .await?;

    let actor = |r: &Option<String>| -> (Option<i32>, Option<i32>) {
        match r {
            Some(r) => (people.get(r).copied(), organizations.get(r).copied()),
            None => (None, None),
        }
    };
    let body = doc.body.as_deref().unwrap_or("");

    // Statements: updated in place by position so their ids survive a re-ingest.
    let old: Vec<statement::Model> = statement::Entity::find()
        .filter(statement::Column::ArticleId.eq(art.id))
        .order_by_asc(statement::Column::Position)
        .all(db)
        .await?;
    let old_ids: Vec<i32> = old.iter().map(|s| s.id).collect();
    if !old_ids.is_empty() {
        statement_about::Entity::delete_many()
            .filter(statement_about::Column::StatementId.is_in(old_ids.clone()))
            .exec(db)
            .await?;
        statement_dispute::Entity::delete_many()
            .filter(statement_dispute::Column::StatementId.is_in(old_ids.clone()))
            .exec(db)
            .await?;
        statement_evidence::Entity::delete_many()
            .filter(statement_evidence::Column::StatementId.is_in(old_ids.clone()))
            .exec(db)
            .await?;
    }
    let mut statement_ids: HashMap<&str, i32> = HashMap::new();
    let mut old_iter = old.into_iter();
    for (i, s) in doc.statements.iter().enumerate() {
        let (sp, so) = actor(&s.speaker_ref);
        let existing = old_iter.next();
        let update = existing.is_some();
        let mut am = match existing {
            Some(m) => m.into_active_model(),
            None => statement::ActiveModel {
                id: NotSet,
                article_id: Set(art.id),
                ..Default::default()
            },
        };
        am.position = Set(i as i32);
        am.text = Set(s.text.clone());
        am.kind = Set(s.kind);
        am.speaker_person_id = Set(sp);
        am.speaker_organization_id = Set(so);
        am.said_at = Set(s.said_at);
        am.place_id = Set(s.place_ref.as_ref().and_then(|r| locations.get(r).copied()));
        let saved = if update {
            am.update(db).await?
        } else {
            am.insert(db).await?
        };
        statement_ids.insert(s.reference.as_str(), saved.id);
    }
    let stale: Vec<i32> = old_iter.map(|s| s.id).collect();
    if !stale.is_empty() {
        statement::Entity::delete_many()
            .filter(statement::Column::Id.is_in(stale))
            .exec(db)
            .await?;
    }
    let mut about = Vec::new();
    let mut disputes = Vec::new();
    let mut s_evidence = Vec::new();
    for s in &doc.statements {
        let Some(&sid) = statement_ids.get(s.reference.as_str()) else {
            continue;
        };
        let places: HashSet<i32> = s
            .about_refs
            .iter()
            .filter_map(|r| locations.get(r).copied())
            .collect();
        about.extend(places.into_iter().map(|l| statement_about::ActiveModel {
            statement_id: Set(sid),
            location_id: Set(l),
        }));
        let targets: HashSet<i32> = s
            .disputes_refs
            .iter()
            .filter_map(|r| statement_ids.get(r.as_str()).copied())
            .collect();
        disputes.extend(targets.into_iter().map(|d| statement_dispute::ActiveModel {
            statement_id: Set(sid),
            disputed_id: Set(d),
        }));
        s_evidence.extend(find_spans(body, &s.text).into_iter().map(|(a, b, snip)| {
            statement_evidence::ActiveModel {
                statement_id: Set(sid),
                span_start: Set(a),
                span_end: Set(b),
                snippet: Set(snip),
            }
        }));
    }
    insert_all(db, about).await?;
    insert_all(db, disputes).await?;
    insert_all(db, s_evidence).await?;

    // Casualty figures: likewise updated in place by position.
    let old: Vec<casualty::Model> = casualty::Entity::find()
        .filter(casualty::Column::ArticleId.eq(art.id))
        .order_by_asc(casualty::Column::Position)
        .all(db)
        .await?;
    let old_ids: Vec<i32> = old.iter().map(|c| c.id).collect();
    if !old_ids.is_empty() {
        casualty_evidence::Entity::delete_many()
            .filter(casualty_evidence::Column::CasualtyId.is_in(old_ids))
            .exec(db)
            .await?;
    }
    let mut old_iter = old.into_iter();
    let mut c_evidence = Vec::new();
    for (i, c) in doc.casualties.iter().enumerate() {
        let (rp, ro) = actor(&c.reported_by_ref);
        let (lo, hi) = stored_range(c);
        let existing = old_iter.next();
        let update = existing.is_some();
        let mut am = match existing {
            Some(m) => m.into_active_model(),
            None => casualty::ActiveModel {
                id: NotSet,
                article_id: Set(art.id),
                ..Default::default()
            },
        };
        am.position = Set(i as i32);
        am.category = Set(c.category);
        am.population = Set(c.population);
        am.count_min = Set(lo);
        am.count_max = Set(hi);
        am.qualifier = Set(c.qualifier);
        am.phrase = Set(c.phrase.clone());
        am.period_start = Set(c.period_start);
        am.as_of = Set(c.as_of);
        am.location_id = Set(c
            .location_ref
            .as_ref()
            .and_then(|r| locations.get(r).copied()));
        am.reported_by_person_id = Set(rp);
        am.reported_by_organization_id = Set(ro);
        let saved = if update {
            am.update(db).await?
        } else {
            am.insert(db).await?
        };
        if let Some(p) = &c.phrase {
            c_evidence.extend(find_spans(body, p).into_iter().map(|(a, b, snip)| {
                casualty_evidence::ActiveModel {
                    casualty_id: Set(saved.id),
                    span_start: Set(a),
                    span_end: Set(b),
                    snippet: Set(snip),
                }
            }));
        }
    }
    let stale: Vec<i32> = old_iter.map(|c| c.id).collect();
    if !stale.is_empty() {
        casualty::Entity::delete_many()
            .filter(casualty::Column::Id.is_in(stale))
            .exec(db)
            .await?;
    }
    insert_all(db, c_evidence).await?;

    Ok(Ingested {
        article: art,
        created,
    })
}

async fn insert_all<A, C>(db: &C, rows: Vec<A>) -> ServiceResult<()>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    for chunk in chunks(rows, 500) {
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

fn chunks<T>(rows: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for r in rows {
        cur.push(r);
        if cur.len() == size {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

async fn insert_links<E, C>(
    db: &C,
    mut ids: Vec<i32>,
    row: impl Fn(i32) -> E::ActiveModel,
) -> ServiceResult<()>
where
    E: EntityTrait,
    E::ActiveModel: Send,
    C: ConnectionTrait,
{
    ids.sort_unstable();
    ids.dedup();
    insert_all(db, ids.into_iter().map(row).collect()).await
}

/// Names to add as aliases of a matched entity: the document's name and aliases that the
/// entity does not have yet.
pub(crate) async fn add_aliases<C: ConnectionTrait>(
    db: &C,
    owner: &str,
    id: i32,
    stored_name_norm: &str,
    names: impl Iterator<Item = &String>,
) -> ServiceResult<()> {
    let table = format!("{owner}_alias");
    let owner_col = format!("{owner}_id");
    let mut seen: HashSet<String> = HashSet::from([stored_name_norm.to_string()]);
    let mut rows: Vec<(String, String)> = Vec::new();
    for name in names {
        let alias = crate::domain::text::line(name);
        let norm = normalize(&alias);
        if norm.is_empty() || !seen.insert(norm.clone()) {
            continue;
        }
        rows.push((alias, norm));
    }
    // Chunks keep every statement well under each backend's limit on bound values.
    let mut added = 0;
    for chunk in rows.chunks(1_000) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(&table)).columns([
            Alias::new(&owner_col),
            Alias::new("alias"),
            Alias::new("alias_norm"),
        ]);
        for (alias, norm) in chunk {
            insert.values_panic([id.into(), alias.as_str().into(), norm.as_str().into()]);
        }
        insert.on_conflict(
            OnConflict::columns([Alias::new(&owner_col), Alias::new("alias_norm")])
                .do_nothing()
                .to_owned(),
        );
        added += db.execute(&insert).await?.rows_affected();
    }
    // Aliases gather across documents; past the list limit a document could no longer carry
    // the entity (export then import). Checked only when something was added.
    if added > 0 {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {owner_col} = $1");
        let row = db
            .query_one_raw(statement(db.get_database_backend(), &sql, vec![id.into()]))
            .await?;
        let n: i64 = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        };
        if n > MAX_LIST_LEN as i64 {
            return Err(ServiceError::invalid(format!(
                "this {owner} would have {n} aliases; at most {MAX_LIST_LEN} are kept"
            )));
        }
    }
    Ok(())
}

/// Ids of stored rows of `owner` whose name or alias is one of `norms`.
async fn ids_named<C: ConnectionTrait>(
    db: &C,
    owner: &str,
    norms: &[String],
) -> ServiceResult<Vec<i32>> {
    let table = format!("{owner}_alias");
    let owner_col = format!("{owner}_id");
    let by_name = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new(owner))
        .and_where(Expr::col(Alias::new("name_norm")).is_in(norms.iter().cloned()))
        .to_owned();
    let by_alias = Query::select()
        .column(Alias::new(&owner_col))
        .from(Alias::new(&table))
        .and_where(Expr::col(Alias::new("alias_norm")).is_in(norms.iter().cloned()))
        .to_owned();
    let mut ids = Vec::new();
    for q in [by_name, by_alias] {
        for row in db.query_all(&q).await? {
            ids.push(row.try_get_by_index::<i32>(0)?);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn norms_of(name: &str, aliases: &[String]) -> Vec<String> {
    let mut v: Vec<String> = std::iter::once(name)
        .chain(aliases.iter().map(String::as_str))
        .map(normalize)
        .filter(|n| !n.is_empty())
        .collect();
    v.dedup();
    v
}

/// Locations in parent-first order, each matched (wikidata id; else name or alias, same kind,
/// same parent when one is given) or created; the closure table grows with each new place.
async fn resolve_locations<C: ConnectionTrait>(
    db: &C,
    input: &[LocationInput],
) -> ServiceResult<HashMap<String, i32>> {
    let mut resolved: HashMap<String, i32> = HashMap::new();
    let mut pending: Vec<&LocationInput> = input.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut next = Vec::new();
        for l in pending {
            let parent = match &l.parent_ref {
                Some(r) => match resolved.get(r) {
                    Some(id) => Some(*id),
                    None => {
                        next.push(l);
                        continue;
                    }
                },
                None => None,
            };
            let id = resolve_location(db, l, parent).await?;
            resolved.insert(l.reference.clone(), id);
        }
        if next.len() == before {
            // Validation rejects loops; reaching here means a bug, not bad input.
            return Err(ServiceError::Unexpected(anyhow::anyhow!(
                "location parents could not be ordered"
            )));
        }
        pending = next;
    }
    Ok(resolved)
}

async fn resolve_location<C: ConnectionTrait>(
    db: &C,
    l: &LocationInput,
    parent: Option<i32>,
) -> ServiceResult<i32> {
    let mut found: Option<location::Model> = None;
    if let Some(w) = l
        .wikidata_id
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        found = location::Entity::find()
            .filter(location::Column::WikidataId.eq(w))
            .one(db)
            .await?;
    }
    if found.is_none() {
        let ids = ids_named(db, "location", &norms_of(&l.name, &l.aliases)).await?;
        if !ids.is_empty() {
            let mut q = location::Entity::find()
                .filter(location::Column::Id.is_in(ids))
                .filter(location::Column::Kind.eq(l.kind));
            if let Some(p) = parent {
                q = q.filter(location::Column::ParentId.eq(p));
            }
            found = q
                .order_by_desc(Expr::col(location::Column::NameNorm).eq(normalize(&l.name)))
                .order_by_asc(location::Column::Id)
                .one(db)
                .await?;
        }
    }
    match found {
        Some(m) => {
            let id = m.id;
            add_aliases(
                db,
                "location",
                id,
                &m.name_norm,
                std::iter::once(&l.name).chain(&l.aliases),
            )
            .await?;
            let adopt_parent = m.parent_id.is_none() && parent.is_some_and(|p| p != id);
            let mut am = m.clone().into_active_model();
            if m.latitude.is_none() && l.latitude.is_some() {
                am.latitude = Set(l.latitude);
                am.longitude = Set(l.longitude);
            }
            if m.wikidata_id.is_none() && l.wikidata_id.is_some() {
                am.wikidata_id = Set(l.wikidata_id.clone());
            }
            if adopt_parent {
                am.parent_id = Set(parent);
            }
            if am.is_changed() {
                am.update(db).await?;
            }
            if adopt_parent && let Some(p) = parent {
                link_closure(db, id, p).await?;
            }
            Ok(id)
        }
        None => {
            let saved = location::ActiveModel {
                id: NotSet,
                name: Set(l.name.trim().to_string()),
                name_norm: Set(normalize(&l.name)),
                kind: Set(l.kind),
                latitude: Set(l.latitude),
                longitude: Set(l.longitude),
                parent_id: Set(parent),
                wikidata_id: Set(l.wikidata_id.clone()),
            }
            .insert(db)
            .await?;
            db.execute(
                Query::insert()
                    .into_table(Alias::new("location_closure"))
                    .columns([
                        Alias::new("ancestor_id"),
                        Alias::new("descendant_id"),
                        Alias::new("depth"),
                    ])
                    .values_panic([saved.id.into(), saved.id.into(), 0.into()]),
            )
            .await?;
            if let Some(p) = parent {
                link_closure(db, saved.id, p).await?;
            }
            add_aliases(db, "location", saved.id, &saved.name_norm, l.aliases.iter()).await?;
            Ok(saved.id)
        }
    }
}

/// Hangs the subtree rooted at `child` (a root until now) under `parent` in the closure table.
pub(crate) async fn link_closure<C: ConnectionTrait>(
    db: &C,
    child: i32,
    parent: i32,
) -> ServiceResult<()> {
    let sql = "INSERT INTO location_closure (ancestor_id, descendant_id, depth) \
               SELECT a.ancestor_id, d.descendant_id, a.depth + d.depth + 1 \
               FROM location_closure a, location_closure d \
               WHERE a.descendant_id = $1 AND d.ancestor_id = $2";
    db.execute_raw(statement(
        db.get_database_backend(),
        sql,
        vec![parent.into(), child.into()],
    ))
    .await?;
    Ok(())
}

async fn resolve_organizations<C: ConnectionTrait>(
    db: &C,
    input: &[OrganizationInput],
    locations: &HashMap<String, i32>,
) -> ServiceResult<HashMap<String, i32>> {
    let mut out = HashMap::new();
    for o in input {
        let country = o
            .country_ref
            .as_ref()
            .and_then(|r| locations.get(r).copied());
        let mut found: Option<organization::Model> = None;
        if let Some(w) = o
            .wikidata_id
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            found = organization::Entity::find()
                .filter(organization::Column::WikidataId.eq(w))
                .one(db)
                .await?;
        }
        if found.is_none() {
            let ids = ids_named(db, "organization", &norms_of(&o.name, &o.aliases)).await?;
            if !ids.is_empty() {
                found = organization::Entity::find()
                    .filter(organization::Column::Id.is_in(ids))
                    .order_by_desc(Expr::col(organization::Column::NameNorm).eq(normalize(&o.name)))
                    .order_by_asc(organization::Column::Id)
                    .one(db)
                    .await?;
            }
        }
        let id = match found {
            Some(m) => {
                add_aliases(
                    db,
                    "organization",
                    m.id,
                    &m.name_norm,
                    std::iter::once(&o.name).chain(&o.aliases),
                )
                .await?;
                let mut am = m.clone().into_active_model();
                if m.kind.is_none() && o.kind.is_some() {
                    am.kind = Set(o.kind.clone());
                }
                if m.country_id.is_none() && country.is_some() {
                    am.country_id = Set(country);
                }
                if m.wikidata_id.is_none() && o.wikidata_id.is_some() {
                    am.wikidata_id = Set(o.wikidata_id.clone());
                }
                if am.is_changed() {
                    am.update(db).await?;
                }
                m.id
            }
            None => {
                let saved = organization::ActiveModel {
                    id: NotSet,
                    name: Set(o.name.trim().to_string()),
                    name_norm: Set(normalize(&o.name)),
                    kind: Set(o.kind.clone()),
                    country_id: Set(country),
                    wikidata_id: Set(o.wikidata_id.clone()),
                }
                .insert(db)
                .await?;
                add_aliases(
                    db,
                    "organization",
                    saved.id,
                    &saved.name_norm,
                    o.aliases.iter(),
                )
                .await?;
                saved.id
            }
        };
        out.insert(o.reference.clone(), id);
    }
    Ok(out)
}

async fn resolve_people<C: ConnectionTrait>(
    db: &C,
    input: &[PersonInput],
    organizations: &HashMap<String, i32>,
) -> ServiceResult<HashMap<String, i32>> {
    let mut out = HashMap::new();
    for p in input {
        let affiliation = p
            .affiliation_ref
            .as_ref()
            .and_then(|r| organizations.get(r).copied());
        let mut found: Option<person::Model> = None;
        if let Some(w) = p
            .wikidata_id
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            found = person::Entity::find()
                .filter(person::Column::WikidataId.eq(w))
                .one(db)
                .await?;
        }
        if found.is_none() {
            let ids = ids_named(db, "person", &norms_of(&p.name, &p.aliases)).await?;
            if !ids.is_empty() {
                found = person::Entity::find()
                    .filter(person::Column::Id.is_in(ids))
                    .order_by_desc(Expr::col(person::Column::NameNorm).eq(normalize(&p.name)))
                    .order_by_asc(person::Column::Id)
                    .one(db)
                    .await?;
            }
        }
        let id = match found {
            Some(m) => {
                add_aliases(
                    db,
                    "person",
                    m.id,
                    &m.name_norm,
                    std::iter::once(&p.name).chain(&p.aliases),
                )
                .await?;
                let mut am = m.clone().into_active_model();
                if m.role.is_none() && p.role.is_some() {
                    am.role = Set(p.role.clone());
                }
                if m.affiliation_id.is_none() && affiliation.is_some() {
                    am.affiliation_id = Set(affiliation);
                }
                if m.wikidata_id.is_none() && p.wikidata_id.is_some() {
                    am.wikidata_id = Set(p.wikidata_id.clone());
                }
                if am.is_changed() {
                    am.update(db).await?;
                }
                m.id
            }
            None => {
                let saved = person::ActiveModel {
                    id: NotSet,
                    name: Set(p.name.trim().to_string()),
                    name_norm: Set(normalize(&p.name)),
                    role: Set(p.role.clone()),
                    affiliation_id: Set(affiliation),
                    wikidata_id: Set(p.wikidata_id.clone()),
                }
                .insert(db)
                .await?;
                add_aliases(db, "person", saved.id, &saved.name_norm, p.aliases.iter()).await?;
                saved.id
            }
        };
        out.insert(p.reference.clone(), id);
    }
    Ok(out)
}

/// The sample article shipped inside the binary.
pub const SAMPLE_DOCUMENT: &str =
    include_str!("../../data/sample/ukraine-talks-moscow-2025-12-02.json");

pub fn sample_document() -> ServiceResult<ArticleDocument> {
    serde_json::from_str(SAMPLE_DOCUMENT).map_err(|e| {
        ServiceError::Unexpected(
            anyhow::Error::new(e).context("the bundled sample document is invalid"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_document_is_valid() {
        let doc = sample_document().unwrap();
        assert_eq!(validate(&doc), vec![]);
        // Every statement and casualty phrase occurs in the body, so all get evidence.
        let body = doc.body.as_deref().unwrap();
        for s in &doc.statements {
            assert!(!find_spans(body, &s.text).is_empty(), "{}", s.reference);
        }
    }

    #[test]
    fn spans_count_unicode_scalars() {
        let spans = find_spans("Покровськ is in Donetsk; Donetsk again", "Donetsk");
        assert_eq!(
            spans.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(),
            vec![(16, 23), (25, 32)]
        );
    }

    #[test]
    fn qualifiers_must_agree_with_numbers() {
        let base = CasualtyInput {
            category: CasualtyCategory::Killed,
            population: Population::Civilian,
            count_min: Some(14000),
            count_max: None,
            qualifier: CountQualifier::AtLeast,
            phrase: None,
            period_start: None,
            as_of: None,
            location_ref: None,
            reported_by_ref: None,
        };
        assert_eq!(qualifier_problem(&base), None);
        let closed = CasualtyInput {
            count_max: Some(15000),
            ..base.clone()
        };
        assert!(qualifier_problem(&closed).is_some());
        let exact = CasualtyInput {
            qualifier: CountQualifier::Exact,
            ..base
        };
        assert_eq!(stored_range(&exact), (Some(14000), Some(14000)));
    }
}
