//! The root `Query`: entry points into the graph.
use async_graphql::{Context, ID, Object};
use sea_orm::DatabaseConnection;

use super::connection::{self, Connection, wants_total};
use super::error::{IntoGql, bad_input};
use super::inputs::{
    ArticleFilter, ArticleOrder, CasualtyFilter, LocationFilter, OrganizationFilter, PersonFilter,
    StatementFilter, StatementOrder, parse_id,
};
use super::loaders::ById;
use super::types::{Article, Casualty, Location, Node, Organization, Person, Statement, loaders};
use crate::domain::node_id::{NodeId, NodeKind};
use crate::entities::{article, casualty, location, organization, person, statement};
use crate::services::page::{MAX_PAGE_SIZE, Window};
use crate::services::read;

#[derive(Default)]
pub struct GraphQuery;

/// Every query: the graph's entry points, and search and analysis over it.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    GraphQuery,
    super::analysis::AnalysisQuery,
    super::extract::ExtractQuery,
);

fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

async fn load_node(ctx: &Context<'_>, id: NodeId) -> async_graphql::Result<Option<Node>> {
    let l = loaders(ctx)?;
    let n = id.id();
    Ok(match id.kind() {
        NodeKind::Article => l
            .load_one(ById::<article::Entity>::new(n))
            .await
            .gql()?
            .map(|m| Node::Article(Article(m))),
        NodeKind::Person => l
            .load_one(ById::<person::Entity>::new(n))
            .await
            .gql()?
            .map(|m| Node::Person(Person(m))),
        NodeKind::Organization => l
            .load_one(ById::<organization::Entity>::new(n))
            .await
            .gql()?
            .map(|m| Node::Organization(Organization(m))),
        NodeKind::Statement => l
            .load_one(ById::<statement::Entity>::new(n))
            .await
            .gql()?
            .map(|m| Node::Statement(Statement(m))),
        NodeKind::Location => l
            .load_one(ById::<location::Entity>::new(n))
            .await
            .gql()?
            .map(|m| Node::Location(Location::new(m))),
        NodeKind::Casualty => l
            .load_one(ById::<casualty::Entity>::new(n))
            .await
            .gql()?
            .map(|m| Node::Casualty(Casualty(m))),
    })
}

fn one_of<'a>(
    id: &'a Option<ID>,
    name: &'a Option<String>,
    what: &str,
) -> async_graphql::Result<()> {
    match (id, name) {
        (Some(_), Some(_)) => Err(bad_input(format!("give `id` or `{what}`, not both"))),
        (None, None) => Err(bad_input(format!("give `id` or `{what}`"))),
        _ => Ok(()),
    }
}

#[Object]
impl GraphQuery {
    /// Any object by its global ID; null when it does not exist.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let id = NodeId::parse(&id).map_err(|e| bad_input(e.to_string()))?;
        load_node(ctx, id).await
    }

    /// Objects by global ID, in the order asked (null for those that do not exist); at most 100.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE_SIZE as usize {
            return Err(bad_input(format!(
                "at most {MAX_PAGE_SIZE} ids per call (got {})",
                ids.len()
            )));
        }
        let parsed = ids
            .iter()
            .map(|i| NodeId::parse(i).map_err(|e| bad_input(e.to_string())))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let futures = parsed.into_iter().map(|id| load_node(ctx, id));
        let mut out = Vec::with_capacity(ids.len());
        for r in futures_util::future::join_all(futures).await {
            out.push(r?);
        }
        Ok(out)
    }

    /// Articles, newest first unless `orderBy` says otherwise; page with `first/after` or
    /// `last/before` (at most 100 a page, 20 by default).
    // One parameter per GraphQL argument of the contract.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "connection::cost(first.or(last), child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ArticleFilter>,
        order_by: Option<ArticleOrder>,
    ) -> async_graphql::Result<Connection<Article>> {
        let window = Window::from_args(first, after, last, before).gql()?;
        let filter = filter.unwrap_or_default().to_service()?;
        let listed = read::articles(
            db(ctx)?,
            &filter,
            ArticleOrder::to_service(order_by),
            &window,
            wants_total(ctx),
        )
        .await
        .gql()?;
        Ok(Connection::from_page(listed.page, listed.total, Article))
    }

    /// One article, by global ID or by URL.
    async fn article(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        url: Option<String>,
    ) -> async_graphql::Result<Option<Article>> {
        one_of(&id, &url, "url")?;
        if let Some(id) = id {
            let n = parse_id(&id, &[NodeKind::Article])?;
            return Ok(loaders(ctx)?
                .load_one(ById::<article::Entity>::new(n))
                .await
                .gql()?
                .map(Article));
        }
        let url = url.unwrap_or_default();
        Ok(read::article_by_url(db(ctx)?, url.trim())
            .await
            .gql()?
            .map(Article))
    }

    /// People, by name.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<PersonFilter>,
    ) -> async_graphql::Result<Connection<Person>> {
        let window = Window::forward(first, after).gql()?;
        let name = filter.and_then(|f| f.name);
        let listed = read::people(db(ctx)?, name.as_deref(), &window, wants_total(ctx))
            .await
            .gql()?;
        Ok(Connection::from_page(listed.page, listed.total, Person))
    }

    /// One person, by global ID or by name; the name matches aliases too, ignoring case and
    /// accents ("zelensky" finds Volodymyr Zelenskyy). Several matches are an `AMBIGUOUS`
    /// error whose `extensions.candidates` lists their IDs.
    async fn person(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        name: Option<String>,
    ) -> async_graphql::Result<Option<Person>> {
        one_of(&id, &name, "name")?;
        if let Some(id) = id {
            let n = parse_id(&id, &[NodeKind::Person])?;
            return Ok(loaders(ctx)?
                .load_one(ById::<person::Entity>::new(n))
                .await
                .gql()?
                .map(Person));
        }
        Ok(read::person_by_name(db(ctx)?, &name.unwrap_or_default())
            .await
            .gql()?
            .map(Person))
    }

    /// Organizations, by name.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<OrganizationFilter>,
    ) -> async_graphql::Result<Connection<Organization>> {
        let window = Window::forward(first, after).gql()?;
        let name = filter.and_then(|f| f.name);
        let listed = read::organizations(db(ctx)?, name.as_deref(), &window, wants_total(ctx))
            .await
            .gql()?;
        Ok(Connection::from_page(
            listed.page,
            listed.total,
            Organization,
        ))
    }

    /// One organization, by global ID or by name; the name matches aliases too, ignoring case
    /// and accents ("UN" finds United Nations). Several matches are an `AMBIGUOUS` error whose
    /// `extensions.candidates` lists their IDs.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        name: Option<String>,
    ) -> async_graphql::Result<Option<Organization>> {
        one_of(&id, &name, "name")?;
        if let Some(id) = id {
            let n = parse_id(&id, &[NodeKind::Organization])?;
            return Ok(loaders(ctx)?
                .load_one(ById::<organization::Entity>::new(n))
                .await
                .gql()?
                .map(Organization));
        }
        Ok(
            read::organization_by_name(db(ctx)?, &name.unwrap_or_default())
                .await
                .gql()?
                .map(Organization),
        )
    }

    /// Statements, newest first unless `orderBy` says otherwise (undated ones last).
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn statements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<StatementFilter>,
        order_by: Option<StatementOrder>,
    ) -> async_graphql::Result<Connection<Statement>> {
        let window = Window::forward(first, after).gql()?;
        let filter = filter.unwrap_or_default().to_service()?;
        let newest_first = order_by.map(|o| o.newest_first()).unwrap_or(true);
        let listed = read::statements(db(ctx)?, &filter, newest_first, &window, wants_total(ctx))
            .await
            .gql()?;
        Ok(Connection::from_page(listed.page, listed.total, Statement))
    }

    /// Places, by name; with `filter.near`, nearest first.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn locations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<LocationFilter>,
    ) -> async_graphql::Result<Connection<Location>> {
        let window = Window::forward(first, after).gql()?;
        let filter = filter.unwrap_or_default().to_service()?;
        let found = read::locations(db(ctx)?, &filter, &window, wants_total(ctx))
            .await
            .gql()?;
        let distances = found.distances;
        Ok(Connection::from_page(
            found.listed.page,
            found.listed.total,
            |m: location::Model| {
                let distance_km = distances.get(&m.id).copied();
                Location {
                    model: m,
                    distance_km,
                }
            },
        ))
    }

    /// One place, by global ID or by name; the name matches aliases too, ignoring case and
    /// accents ("Покровськ" finds Pokrovsk). Several matches (two villages named Stepove) are
    /// an `AMBIGUOUS` error whose `extensions.candidates` lists their IDs.
    async fn location(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        name: Option<String>,
    ) -> async_graphql::Result<Option<Location>> {
        one_of(&id, &name, "name")?;
        if let Some(id) = id {
            let n = parse_id(&id, &[NodeKind::Location])?;
            return Ok(loaders(ctx)?
                .load_one(ById::<location::Entity>::new(n))
                .await
                .gql()?
                .map(Location::new));
        }
        Ok(read::location_by_name(db(ctx)?, &name.unwrap_or_default())
            .await
            .gql()?
            .map(Location::new))
    }

    /// Casualty figures, latest as-of date first.
    #[graphql(complexity = "connection::cost(first, child_complexity)")]
    async fn casualties(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CasualtyFilter>,
    ) -> async_graphql::Result<Connection<Casualty>> {
        let window = Window::forward(first, after).gql()?;
        let filter = filter.unwrap_or_default().to_service()?;
        let listed = read::casualties(db(ctx)?, &filter, &window, wants_total(ctx))
            .await
            .gql()?;
        Ok(Connection::from_page(listed.page, listed.total, Casualty))
    }
}
