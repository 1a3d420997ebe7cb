//! Questions over the graph: full-text search, casualty roll-ups, contested claims,
//! statement timelines and a GeoJSON view for maps.
use std::borrow::Cow;

use async_graphql::{
    Context, Enum, ID, InputValueResult, Object, Scalar, ScalarType, SimpleObject, Union, Value,
};

use super::connection::{self, Connection, wants_total};
use super::error::{IntoGql, bad_input, to_graphql};
use super::inputs::{CasualtyFilter, LocationFilter, StatementFilter, parse_id};
use super::loaders::ById;
use super::scalars::Date;
use super::types::{
    Article, CasualtyCategory, Location, Organization, Person, Population, Speaker, Statement,
    loaders,
};
use crate::domain::node_id::{NodeId, NodeKind};
use crate::entities::{article, location, organization, person, statement};
use crate::services::analysis::{self, Bucket, Grouping};
use crate::services::page::{MAX_PAGE_SIZE, Window};
use crate::services::read::{self, Actor};
use crate::services::search::{self, Hit, HitKind};

/// What a search result is: an article or a statement.
#[derive(Union, Clone)]
pub enum SearchHit {
    Article(Article),
    Statement(Statement),
}

/// One search result.
#[derive(Clone)]
pub struct SearchResult(pub Hit);

/// One search result.
#[Object]
impl SearchResult {
    /// The matching article or statement.
    async fn node(&self, ctx: &Context<'_>) -> async_graphql::Result<SearchHit> {
        let l = loaders(ctx)?;
        let missing = || async_graphql::Error::new("a search result vanished while loading");
        Ok(match self.0.kind {
            HitKind::Article => SearchHit::Article(Article(
                l.load_one(ById::<article::Entity>::new(self.0.id))
                    .await
                    .gql()?
                    .ok_or_else(missing)?,
            )),
            HitKind::Statement => SearchHit::Statement(Statement(
                l.load_one(ById::<statement::Entity>::new(self.0.id))
                    .await
                    .gql()?
                    .ok_or_else(missing)?,
            )),
        })
    }
    /// Relevance, higher is better: text rank mapped into 0..1, plus 1 when the result
    /// contains the whole query as an exact phrase. Comparable within one search only.
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// An excerpt with the matched words in `<mark>…</mark>`; everything else is HTML-escaped,
    /// so it can be set as innerHTML.
    async fn snippet(&self) -> &str {
        &self.0.snippet
    }
}

impl super::connection::ListItem for SearchResult {
    const CONNECTION: &'static str = "SearchResultConnection";
    const EDGE: &'static str = "SearchResultEdge";
}

/// What to group casualty figures by.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CasualtyGrouping {
    Category,
    Population,
    Location,
    ReportedBy,
}

/// How many groups `casualtyTotals(first:)` keeps (all without it).
pub fn totals_kept(first: Option<i32>) -> async_graphql::Result<usize> {
    match first {
        None => Ok(usize::MAX),
        Some(n) if n >= 0 => Ok(n as usize),
        Some(n) => Err(bad_input(format!("`first` must be 0 or more (got {n})"))),
    }
}

/// `casualtyTotals(groupBy:)` as the roll-up's groupings, sorted, without repeats.
pub fn groupings(group_by: Option<Vec<CasualtyGrouping>>) -> Vec<Grouping> {
    let mut groups: Vec<Grouping> = group_by
        .unwrap_or_default()
        .into_iter()
        .map(|g| match g {
            CasualtyGrouping::Category => Grouping::Category,
            CasualtyGrouping::Population => Grouping::Population,
            CasualtyGrouping::Location => Grouping::Location,
            CasualtyGrouping::ReportedBy => Grouping::ReportedBy,
        })
        .collect();
    groups.sort();
    groups.dedup();
    groups
}

/// Casualty figures summed over one group. Ranges stay ranges.
#[derive(Clone)]
pub struct CasualtyTotal(analysis::Total);

pub fn clamp(n: i64) -> i32 {
    n.clamp(0, i64::from(i32::MAX)) as i32
}

/// Casualty figures summed over one group. Ranges stay ranges.
#[Object]
impl CasualtyTotal {
    /// The group's category, when grouping by category.
    async fn category(&self) -> Option<CasualtyCategory> {
        self.0.category.map(Into::into)
    }
    /// The group's population, when grouping by population.
    async fn population(&self) -> Option<Population> {
        self.0.population.map(Into::into)
    }
    /// The group's place, when grouping by location.
    async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        match self.0.location_id {
            None => Ok(None),
            Some(id) => Ok(loaders(ctx)?
                .load_one(ById::<location::Entity>::new(id))
                .await
                .gql()?
                .map(Location::new)),
        }
    }
    /// The group's reporter, when grouping by reporter.
    async fn reported_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Speaker>> {
        let l = loaders(ctx)?;
        Ok(match self.0.reported_by {
            None => None,
            Some(Actor::Person(id)) => l
                .load_one(ById::<person::Entity>::new(id))
                .await
                .gql()?
                .map(|p| Speaker::Person(Person(p))),
            Some(Actor::Organization(id)) => l
                .load_one(ById::<organization::Entity>::new(id))
                .await
                .gql()?
                .map(|o| Speaker::Organization(Organization(o))),
        })
    }
    /// Sum of the figures' minimums (a figure without a minimum counts 0).
    async fn count_min(&self) -> i32 {
        clamp(self.0.count_min)
    }
    /// Sum of the figures' maximums; null when any figure is open-ended ("at least") or has
    /// no upper bound.
    async fn count_max(&self) -> Option<i32> {
        self.0.count_max.map(clamp)
    }
    /// How many figures were summed (after de-duplication and superseding).
    async fn figures(&self) -> i32 {
        clamp(self.0.figures)
    }
}

/// A statement that others dispute, with the statements that dispute it.
pub struct Claim(statement::Model);

/// A statement that others dispute, with the statements that dispute it.
#[Object]
impl Claim {
    /// The disputed statement ("Russia says Pokrovsk is captured").
    async fn claim(&self) -> Statement {
        Statement(self.0.clone())
    }
    /// The statements that contradict it ("Ukraine denies it").
    async fn counter_claims(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statement>> {
        Ok(loaders(ctx)?
            .load_one(super::loaders::ListOf::<
                crate::services::relations::StatementDisputedBy,
            >::new(self.0.id))
            .await
            .gql()?
            .unwrap_or_default()
            .into_iter()
            .map(Statement)
            .collect())
    }
}

/// Size of the time buckets of a histogram.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TimeBucket {
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    Month,
}

/// How many statements were said in one time bucket.
#[derive(SimpleObject)]
pub struct StatementCount {
    /// First day of the bucket.
    pub start: Date,
    /// Statements said in the bucket.
    pub count: i32,
}

/// A GeoJSON object (RFC 7946), as JSON.
pub struct GeoJson(serde_json::Value);

/// A GeoJSON object (RFC 7946), as JSON.
#[Scalar(name = "GeoJSON")]
impl ScalarType for GeoJson {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(GeoJson(value.into_json()?))
    }
    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// Most places in one GeoJSON answer.
const MAX_GEOJSON_FEATURES: i32 = 1000;

#[derive(Default)]
pub struct AnalysisQuery;

#[Object]
impl AnalysisQuery {
    /// Full-text search across article titles, summaries and bodies and statement texts, best
    /// match first. Syntax: words (all must match), "quoted phrases", -excluded words, OR.
    /// A query of only punctuation or operators finds nothing.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<SearchResult>> {
        let window = Window::forward(first, after).gql()?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let found = search::search(db, &query, &window, wants_total(ctx))
            .await
            .gql()?;
        Ok(Connection::from_page(found.page, found.total, SearchResult))
    }

    /// Casualty figures rolled up, largest first. Within a group `countMin` is the sum of
    /// minimums and `countMax` the sum of maximums, or null when any figure is open-ended.
    /// The same figure reported by several articles counts once, and a cumulative figure
    /// (one with `periodStart`) is replaced by a later one from the same reporter for the same
    /// category, population, place and period. Without `groupBy`, one total of everything.
    /// `first` keeps only the largest groups (a dashboard's top N); without it, all of them.
    async fn casualty_totals(
        &self,
        ctx: &Context<'_>,
        filter: Option<CasualtyFilter>,
        group_by: Option<Vec<CasualtyGrouping>>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<CasualtyTotal>> {
        let keep = totals_kept(first)?;
        let filter = filter.unwrap_or_default().to_service()?;
        let groups = groupings(group_by);
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let totals = match ctx.data_opt::<std::sync::Arc<analysis::TotalsCache>>() {
            Some(cache) => analysis::casualty_totals_cached(db, cache, &filter, &groups)
                .await
                .gql()?
                .iter()
                .take(keep)
                .cloned()
                .collect(),
            None => analysis::casualty_totals(db, &filter, &groups)
                .await
                .gql()?,
        };
        Ok(totals.into_iter().take(keep).map(CasualtyTotal).collect())
    }

    /// Disputed statements about a place (and, with `includeDescendants`, places inside it),
    /// each with the statements that dispute it, newest first (at most `first`, 20 by default,
    /// 100 at most).
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn claims(
        &self,
        ctx: &Context<'_>,
        about_location_id: ID,
        include_descendants: Option<bool>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<Claim>> {
        let include_descendants = include_descendants.unwrap_or(false);
        let place = parse_id(&about_location_id, &[NodeKind::Location])?;
        let n = first.unwrap_or(20);
        if !(0..=MAX_PAGE_SIZE).contains(&n) {
            return Err(bad_input(format!(
                "`first` must be between 0 and {MAX_PAGE_SIZE}"
            )));
        }
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let claims = analysis::disputed_claims(db, place, include_descendants, n as u64)
            .await
            .gql()?;
        Ok(claims.into_iter().map(Claim).collect())
    }

    /// How many statements were said per day, week or month (by `saidAt`; undated statements
    /// are not counted), oldest first, empty buckets left out: a timeline's histogram.
    async fn statement_counts(
        &self,
        ctx: &Context<'_>,
        group_by: TimeBucket,
        filter: Option<StatementFilter>,
    ) -> async_graphql::Result<Vec<StatementCount>> {
        let filter = filter.unwrap_or_default().to_service()?;
        let bucket = match group_by {
            TimeBucket::Day => Bucket::Day,
            TimeBucket::Week => Bucket::Week,
            TimeBucket::Month => Bucket::Month,
        };
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let counts = analysis::statement_counts(db, &filter, bucket)
            .await
            .gql()?;
        Ok(counts
            .into_iter()
            .map(|(d, n)| StatementCount {
                start: Date(d),
                count: clamp(n),
            })
            .collect())
    }

    /// Places as a GeoJSON FeatureCollection of points for map frontends: each feature has the
    /// place's global `id`, and `name`, `kind`, `statementCount` (statements about it),
    /// `casualtyCount` (figures reported for it) and `contested` as properties. Places without
    /// coordinates are left out. Same filter as `locations` (with `near`, nearest first);
    /// at most `first` places (100 by default, 1000 at most).
    async fn locations_geo_json(
        &self,
        ctx: &Context<'_>,
        filter: Option<LocationFilter>,
        first: Option<i32>,
    ) -> async_graphql::Result<GeoJson> {
        let n = first.unwrap_or(100);
        if !(0..=MAX_GEOJSON_FEATURES).contains(&n) {
            return Err(bad_input(format!(
                "`first` must be between 0 and {MAX_GEOJSON_FEATURES}"
            )));
        }
        let filter = filter.unwrap_or_default().to_service()?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let window = Window {
            limit: n as u64,
            cursor: None,
            backward: false,
        };
        let found = read::locations(db, &filter, &window, false)
            .await
            .map_err(|e| to_graphql(&e))?;
        let places: Vec<location::Model> = found
            .listed
            .page
            .rows
            .into_iter()
            .map(|(_, m)| m)
            .filter(|m| m.latitude.is_some() && m.longitude.is_some())
            .collect();
        let ids: Vec<i32> = places.iter().map(|p| p.id).collect();
        let (statements, casualties) = analysis::place_counts(db, &ids).await.gql()?;
        let contested = analysis::contested_places(db, &ids).await.gql()?;
        let features: Vec<serde_json::Value> = places
            .iter()
            .map(|p| {
                let kind: super::types::LocationKind = p.kind.into();
                let mut props = serde_json::json!({
                    "id": NodeId::new(NodeKind::Location, p.id).encode(),
                    "name": p.name,
                    "kind": Cow::Borrowed(kind_name(kind)),
                    "statementCount": statements.get(&p.id).copied().unwrap_or(0),
                    "casualtyCount": casualties.get(&p.id).copied().unwrap_or(0),
                    "contested": contested.contains(&p.id),
                });
                if let Some(d) = found.distances.get(&p.id) {
                    props["distanceKm"] = serde_json::json!(d);
                }
                serde_json::json!({
                    "type": "Feature",
                    "id": NodeId::new(NodeKind::Location, p.id).encode(),
                    "geometry": { "type": "Point", "coordinates": [p.longitude, p.latitude] },
                    "properties": props,
                })
            })
            .collect();
        Ok(GeoJson(
            serde_json::json!({ "type": "FeatureCollection", "features": features }),
        ))
    }
}

fn kind_name(k: super::types::LocationKind) -> &'static str {
    use super::types::LocationKind::*;
    match k {
        Continent => "CONTINENT",
        Country => "COUNTRY",
        Region => "REGION",
        City => "CITY",
        Site => "SITE",
    }
}
