//! The graph's object types, written for frontend developers and converted from entity
//! models. Every relation goes through the request's batching loaders.
use async_graphql::{Context, Enum, ID, Interface, Object, Union};
use chrono::{DateTime, Utc};

use super::connection::{self, Connection, ListItem, wants_total};
use super::error::IntoGql;
use super::inputs::StatementOrder;
use super::loaders::{ById, Contested, CountOf, ListOf, Loaders, PageOf};
use super::scalars::Date;
use crate::domain::node_id::{NodeId, NodeKind};
use crate::entities::{
    article, casualty, casualty_evidence, enums, location, organization, person, statement,
    statement_evidence,
};
use crate::services::page::{self, Window};
use crate::services::relations::{self as rel, PagedRel};

pub fn loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

fn node_id(kind: NodeKind, id: i32) -> ID {
    ID(NodeId::new(kind, id).encode())
}

/// Loads one page of nested list `R` of `parent` (and its size, if selected).
async fn nested<R: PagedRel, T: ListItem>(
    ctx: &Context<'_>,
    parent: i32,
    first: Option<i32>,
    after: Option<String>,
    opts: R::Opts,
    wrap: impl Fn(R::M) -> T,
) -> async_graphql::Result<Connection<T>> {
    let window = Window::forward(first, after).gql()?;
    page::validate_cursor(&R::keys(opts), &window, &R::scope(parent, opts)).gql()?;
    let l = loaders(ctx)?;
    let page_fut = l.load_one(PageOf::<R>::new(parent, window, opts));
    let (page, total) = if wants_total(ctx) {
        let (p, t) = tokio::join!(page_fut, l.load_one(CountOf::<R>::new(parent, opts)));
        (p, Some(t.gql()?.unwrap_or(0)))
    } else {
        (page_fut.await, None)
    };
    Ok(Connection::from_page(
        page.gql()?.unwrap_or_default(),
        total,
        wrap,
    ))
}

async fn by_id<E>(ctx: &Context<'_>, id: Option<i32>) -> async_graphql::Result<Option<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Model: sea_orm::FromQueryResult + crate::services::read::HasId + Clone + Send + Sync,
{
    match id {
        None => Ok(None),
        Some(id) => loaders(ctx)?.load_one(ById::<E>::new(id)).await.gql(),
    }
}

async fn list_of<R>(
    ctx: &Context<'_>,
    parent: i32,
) -> async_graphql::Result<Vec<<R::E as sea_orm::EntityTrait>::Model>>
where
    R: rel::ListRel,
    <R::E as sea_orm::EntityTrait>::Model: sea_orm::FromQueryResult + Clone + Send + Sync,
{
    Ok(loaders(ctx)?
        .load_one(ListOf::<R>::new(parent))
        .await
        .gql()?
        .unwrap_or_default())
}

async fn speaker(
    ctx: &Context<'_>,
    person: Option<i32>,
    org: Option<i32>,
) -> async_graphql::Result<Option<Speaker>> {
    if let Some(p) = by_id::<person::Entity>(ctx, person).await? {
        return Ok(Some(Speaker::Person(Person(p))));
    }
    Ok(by_id::<organization::Entity>(ctx, org)
        .await?
        .map(|o| Speaker::Organization(Organization(o))))
}

/// Anything with a global ID: fetch it again with `node(id:)`.
#[derive(Interface, Clone)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global ID, unique across all types."
))]
pub enum Node {
    Article(Article),
    Person(Person),
    Organization(Organization),
    Statement(Statement),
    Location(Location),
    Casualty(Casualty),
}

/// Who said something or reported a figure: a person or an organization.
#[derive(Union, Clone)]
pub enum Speaker {
    Person(Person),
    Organization(Organization),
}

/// A news article: its text and everything it reports, linked.
#[derive(Clone)]
pub struct Article(pub article::Model);

/// A news article: its text and everything it reports, linked.
#[Object]
impl Article {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        node_id(NodeKind::Article, self.0.id)
    }
    /// Canonical URL of the article; unique (ingesting the same URL again updates this article).
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Headline.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Short summary, when one was given.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// Full text. `Evidence` offsets point into this string (in Unicode characters).
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    /// Publisher, when known.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// When the article was published (UTC); null when unknown.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// When newsgraph first stored this article (UTC).
    async fn ingested_at(&self) -> DateTime<Utc> {
        self.0.ingested_at
    }
    /// People the article mentions, by name.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Person>> {
        nested::<rel::ArticlePeople, _>(ctx, self.0.id, first, after, (), Person).await
    }
    /// Organizations the article mentions, by name.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Organization>> {
        nested::<rel::ArticleOrganizations, _>(ctx, self.0.id, first, after, (), Organization).await
    }
    /// Places the article mentions, by name.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn locations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Location>> {
        nested::<rel::ArticleLocations, _>(ctx, self.0.id, first, after, (), Location::new).await
    }
    /// Statements the article reports, in the order it reports them.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn statements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Statement>> {
        nested::<rel::ArticleStatements, _>(ctx, self.0.id, first, after, (), Statement).await
    }
    /// Casualty figures the article reports, in the order it reports them.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn casualties(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Casualty>> {
        nested::<rel::ArticleCasualties, _>(ctx, self.0.id, first, after, (), Casualty).await
    }
}

/// A person named in the news.
#[derive(Clone)]
pub struct Person(pub person::Model);

/// A person named in the news.
#[Object]
impl Person {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        node_id(NodeKind::Person, self.0.id)
    }
    /// Usual full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Other names and spellings seen in articles (e.g. "Zelensky" for "Volodymyr Zelenskyy").
    async fn aliases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(list_of::<rel::PersonAliases>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|a| a.alias)
            .collect())
    }
    /// Role or title, e.g. "US special envoy".
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }
    /// The organization the person belongs to or speaks for.
    async fn affiliation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        Ok(by_id::<organization::Entity>(ctx, self.0.affiliation_id)
            .await?
            .map(Organization))
    }
    /// Wikidata item id (e.g. "Q7747"), when known.
    async fn wikidata_id(&self) -> Option<&str> {
        self.0.wikidata_id.as_deref()
    }
    /// What this person said, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn statements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        order_by: Option<StatementOrder>,
    ) -> async_graphql::Result<Connection<Statement>> {
        let newest_first = order_by.map(|o| o.newest_first()).unwrap_or(true);
        nested::<rel::PersonStatements, _>(ctx, self.0.id, first, after, newest_first, Statement)
            .await
    }
    /// Articles that mention this person, newest first.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Article>> {
        nested::<rel::PersonArticles, _>(ctx, self.0.id, first, after, (), Article).await
    }
}

/// A government, military, international body, company, media outlet or group.
#[derive(Clone)]
pub struct Organization(pub organization::Model);

/// A government, military, international body, company, media outlet or group.
#[Object]
impl Organization {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        node_id(NodeKind::Organization, self.0.id)
    }
    /// Usual full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Other names and spellings (e.g. "UN" for "United Nations").
    async fn aliases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(list_of::<rel::OrganizationAliases>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|a| a.alias)
            .collect())
    }
    /// Free-form kind: government, military, international body, media, coalition ...
    async fn kind(&self) -> Option<&str> {
        self.0.kind.as_deref()
    }
    /// The country (or region) the organization belongs to.
    async fn country(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        Ok(by_id::<location::Entity>(ctx, self.0.country_id)
            .await?
            .map(Location::new))
    }
    /// Wikidata item id, when known.
    async fn wikidata_id(&self) -> Option<&str> {
        self.0.wikidata_id.as_deref()
    }
    /// What this organization said or claimed, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn statements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        order_by: Option<StatementOrder>,
    ) -> async_graphql::Result<Connection<Statement>> {
        let newest_first = order_by.map(|o| o.newest_first()).unwrap_or(true);
        nested::<rel::OrganizationStatements, _>(
            ctx,
            self.0.id,
            first,
            after,
            newest_first,
            Statement,
        )
        .await
    }
    /// Articles that mention this organization, newest first.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Article>> {
        nested::<rel::OrganizationArticles, _>(ctx, self.0.id, first, after, (), Article).await
    }
}

/// How a statement is reported.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "enums::StatementKind")]
pub enum StatementKind {
    /// The speaker's own words, verbatim.
    Quote,
    /// The speaker's words retold by the article.
    Paraphrase,
    /// An assertion of fact attributed to the speaker (often contested).
    Claim,
}

/// Something someone said or claimed, as reported by an article.
#[derive(Clone)]
pub struct Statement(pub statement::Model);

/// Something someone said or claimed, as reported by an article.
#[Object]
impl Statement {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        node_id(NodeKind::Statement, self.0.id)
    }
    /// The quote, or the article's words for a paraphrase or claim.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Quote, paraphrase or claim.
    async fn kind(&self) -> StatementKind {
        self.0.kind.into()
    }
    /// Who said it; null when the article does not say.
    async fn speaker(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Speaker>> {
        speaker(
            ctx,
            self.0.speaker_person_id,
            self.0.speaker_organization_id,
        )
        .await
    }
    /// The article that reports it.
    async fn article(&self, ctx: &Context<'_>) -> async_graphql::Result<Article> {
        by_id::<article::Entity>(ctx, Some(self.0.article_id))
            .await?
            .map(Article)
            .ok_or_else(|| async_graphql::Error::new("the statement's article is missing"))
    }
    /// The day it was said, when the article tells.
    async fn said_at(&self) -> Option<Date> {
        self.0.said_at.map(Date)
    }
    /// Where it was said (e.g. a press conference in Dublin).
    async fn place(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        Ok(by_id::<location::Entity>(ctx, self.0.place_id)
            .await?
            .map(Location::new))
    }
    /// The places it is about.
    async fn about(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Location>> {
        Ok(list_of::<rel::StatementAbout>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Location::new)
            .collect())
    }
    /// Statements this one contradicts (e.g. a denial of a claim).
    async fn disputes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statement>> {
        Ok(list_of::<rel::StatementDisputes>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Statement)
            .collect())
    }
    /// Statements that contradict this one.
    async fn disputed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Statement>> {
        Ok(list_of::<rel::StatementDisputedBy>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Statement)
            .collect())
    }
    /// Where the text appears in the article's body, for highlighting; empty when the
    /// statement is not a verbatim excerpt of the body.
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Evidence>> {
        let article_id = self.0.article_id;
        Ok(list_of::<rel::StatementEvidence>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|e: statement_evidence::Model| Evidence {
                article_id,
                start: e.span_start,
                end: e.span_end,
                snippet: e.snippet,
            })
            .collect())
    }
}

/// A place in an article's body where a fact is stated.
#[derive(Clone)]
pub struct Evidence {
    article_id: i32,
    start: i32,
    end: i32,
    snippet: String,
}

/// A place in an article's body where a fact is stated.
#[Object]
impl Evidence {
    /// The article whose body holds the text.
    async fn article(&self, ctx: &Context<'_>) -> async_graphql::Result<Article> {
        by_id::<article::Entity>(ctx, Some(self.article_id))
            .await?
            .map(Article)
            .ok_or_else(|| async_graphql::Error::new("the evidence's article is missing"))
    }
    /// Offset of the first character, in Unicode scalar values (JavaScript: `Array.from(body)`).
    async fn start(&self) -> i32 {
        self.start
    }
    /// Offset just past the last character (exclusive).
    async fn end(&self) -> i32 {
        self.end
    }
    /// The matched text with some surrounding words, for display.
    async fn snippet(&self) -> &str {
        &self.snippet
    }
}

/// What kind of place.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "enums::LocationKind")]
pub enum LocationKind {
    Continent,
    Country,
    /// A province, oblast, state or other region inside a country.
    Region,
    /// A city, town or village.
    City,
    /// A building or site (e.g. the Kremlin).
    Site,
}

/// A place, inside a hierarchy (Pokrovsk → Donetsk Oblast → Ukraine → Europe).
#[derive(Clone)]
pub struct Location {
    pub model: location::Model,
    /// Set when the place was found by a `near` filter.
    pub distance_km: Option<f64>,
}

impl Location {
    pub fn new(model: location::Model) -> Self {
        Self {
            model,
            distance_km: None,
        }
    }
}

/// A place, inside a hierarchy (Pokrovsk → Donetsk Oblast → Ukraine → Europe).
#[Object]
impl Location {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        node_id(NodeKind::Location, self.model.id)
    }
    /// Usual English name.
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// Other spellings and languages (Покровськ, Покровск for Pokrovsk).
    async fn aliases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(list_of::<rel::LocationAliases>(ctx, self.model.id)
            .await?
            .into_iter()
            .map(|a| a.alias)
            .collect())
    }
    /// Continent, country, region, city or site.
    async fn kind(&self) -> LocationKind {
        self.model.kind.into()
    }
    /// WGS 84 latitude in degrees (north positive), when known.
    async fn latitude(&self) -> Option<f64> {
        self.model.latitude
    }
    /// WGS 84 longitude in degrees (east positive), when known.
    async fn longitude(&self) -> Option<f64> {
        self.model.longitude
    }
    /// Great-circle distance in km from the centre of the `near` filter that found this place;
    /// null elsewhere.
    async fn distance_km(&self) -> Option<f64> {
        self.distance_km
    }
    /// Wikidata item id, when known.
    async fn wikidata_id(&self) -> Option<&str> {
        self.model.wikidata_id.as_deref()
    }
    /// True when some statement about this place disputes another or is disputed (e.g. a
    /// claim of capture and its denial); `claims(aboutLocationId:)` lists them.
    async fn contested(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(loaders(ctx)?
            .load_one(Contested(self.model.id))
            .await
            .gql()?
            .unwrap_or(false))
    }
    /// The place directly containing this one.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        Ok(by_id::<location::Entity>(ctx, self.model.parent_id)
            .await?
            .map(Location::new))
    }
    /// Places directly inside this one, by name.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Location>> {
        Ok(list_of::<rel::LocationChildren>(ctx, self.model.id)
            .await?
            .into_iter()
            .map(Location::new)
            .collect())
    }
    /// Every place containing this one, nearest first (Donetsk Oblast, Ukraine, Europe).
    async fn ancestors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Location>> {
        Ok(list_of::<rel::LocationAncestors>(ctx, self.model.id)
            .await?
            .into_iter()
            .map(Location::new)
            .collect())
    }
    /// Articles that mention this place, newest first.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Article>> {
        nested::<rel::LocationArticles, _>(ctx, self.model.id, first, after, (), Article).await
    }
    /// Statements about this place, newest first.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn statements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Statement>> {
        nested::<rel::LocationStatements, _>(ctx, self.model.id, first, after, (), Statement).await
    }
    /// Casualty figures for this place, latest as-of date first; with
    /// `includeDescendants: true`, also those for every place inside it (default false).
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn casualties(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        include_descendants: Option<bool>,
    ) -> async_graphql::Result<Connection<Casualty>> {
        let include = include_descendants.unwrap_or(false);
        nested::<rel::LocationCasualties, _>(ctx, self.model.id, first, after, include, Casualty)
            .await
    }
}

/// What happened to the people counted.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "enums::CasualtyCategory")]
pub enum CasualtyCategory {
    Killed,
    Injured,
    /// Killed and injured counted together ("killed or injured").
    KilledOrInjured,
    Missing,
    Displaced,
    /// The source says "affected" without saying how.
    Affected,
}

/// Who was counted.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "enums::Population")]
pub enum Population {
    Civilian,
    Military,
    /// Civilians and soldiers counted together.
    Mixed,
    Unknown,
}

/// How the source qualified the number.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "enums::CountQualifier")]
pub enum CountQualifier {
    /// Exactly `countMin` (= `countMax`).
    Exact,
    /// At least `countMin` ("over 14,000"); `countMax` is null.
    AtLeast,
    /// At most `countMax` ("up to 50").
    AtMost,
    /// About this many ("some 300", "heavy losses"); either bound may be null.
    Approximate,
    /// Between `countMin` and `countMax` ("tens of thousands").
    Range,
}

/// A casualty figure as reported: a range with a qualifier, who reported it and as of when.
#[derive(Clone)]
pub struct Casualty(pub casualty::Model);

/// A casualty figure as reported: a range with a qualifier, who reported it and as of when.
#[Object]
impl Casualty {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        node_id(NodeKind::Casualty, self.0.id)
    }
    /// What happened to the people counted.
    async fn category(&self) -> CasualtyCategory {
        self.0.category.into()
    }
    /// Who was counted.
    async fn population(&self) -> Population {
        self.0.population.into()
    }
    /// Lower bound of the count; null when the source gives none.
    async fn count_min(&self) -> Option<i32> {
        self.0.count_min
    }
    /// Upper bound of the count; null when open-ended ("at least") or not given.
    async fn count_max(&self) -> Option<i32> {
        self.0.count_max
    }
    /// How the source qualified the number.
    async fn qualifier(&self) -> CountQualifier {
        self.0.qualifier.into()
    }
    /// The source's own words, e.g. "over 14,000 civilians".
    async fn phrase(&self) -> Option<&str> {
        self.0.phrase.as_deref()
    }
    /// Start of the period counted ("since February 24, 2022"), when given.
    async fn period_start(&self) -> Option<Date> {
        self.0.period_start.map(Date)
    }
    /// The day the figure is valid for.
    async fn as_of(&self) -> Option<Date> {
        self.0.as_of.map(Date)
    }
    /// Where the casualties occurred.
    async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        Ok(by_id::<location::Entity>(ctx, self.0.location_id)
            .await?
            .map(Location::new))
    }
    /// Who reported the figure (e.g. the UN).
    async fn reported_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Speaker>> {
        speaker(
            ctx,
            self.0.reported_by_person_id,
            self.0.reported_by_organization_id,
        )
        .await
    }
    /// The article that reports it.
    async fn article(&self, ctx: &Context<'_>) -> async_graphql::Result<Article> {
        by_id::<article::Entity>(ctx, Some(self.0.article_id))
            .await?
            .map(Article)
            .ok_or_else(|| async_graphql::Error::new("the figure's article is missing"))
    }
    /// Where the phrase appears in the article's body.
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Evidence>> {
        let article_id = self.0.article_id;
        Ok(list_of::<rel::CasualtyEvidence>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|e: casualty_evidence::Model| Evidence {
                article_id,
                start: e.span_start,
                end: e.span_end,
                snippet: e.snippet,
            })
            .collect())
    }
}
