//! Reading the graph: root lists with their filters, lookups by id, url and name.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, LikeExpr, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, ModelTrait,
    QueryFilter, QuerySelect, QueryTrait,
};

use super::error::{ServiceError, ServiceResult};
use super::page::{self, Page, SortKey, Window};
use super::relations::{newest_casualties, statements_by_date};
use super::search;
use super::sql::statement;
use crate::domain::cursor::{Cursor, KeyValue};
use crate::domain::names::normalize;
use crate::domain::node_id::NodeKind;
use crate::entities::enums::{CasualtyCategory, LocationKind, Population, StatementKind};
use crate::entities::{article, casualty, location, organization, person, statement};

/// Every entity the API exposes has an integer id.
pub trait HasId {
    fn id(&self) -> i32;
}

macro_rules! has_id {
    ($($m:ident),*) => { $(impl HasId for crate::entities::$m::Model { fn id(&self) -> i32 { self.id } })* };
}
has_id!(article, person, organization, statement, location, casualty);

/// Rows by id, in no particular order (loaders key them by id).
pub async fn by_ids<E, C>(db: &C, ids: &[i32]) -> ServiceResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait,
{
    let mut q = E::find().into_query();
    q.and_where(Expr::col((E::default(), Alias::new("id"))).is_in(ids.iter().copied()));
    let rows = db.query_all(&q).await?;
    Ok(rows
        .iter()
        .map(|r| E::Model::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?)
}

/// A page of a root list, and the list's size when the client asked for it.
pub struct Listed<M> {
    pub page: Page<M>,
    pub total: Option<i64>,
}

async fn list<E, C>(
    db: &C,
    select: SelectStatement,
    keys: &[SortKey<E>],
    window: &Window,
    scope: &str,
    want_total: bool,
) -> ServiceResult<Listed<E::Model>>
where
    E: EntityTrait,
    E::Model: ModelTrait<Entity = E> + FromQueryResult,
    C: ConnectionTrait,
{
    let total = if want_total {
        Some(page::count(db, select.clone()).await?)
    } else {
        None
    };
    let page = page::fetch_page(db, select, keys, window, scope).await?;
    Ok(Listed { page, total })
}

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// `SELECT <column> FROM <table> WHERE <cond>` for `IN (...)` filters.
fn sub(table: &str, column: &str, cond: SimpleExpr) -> SelectStatement {
    Query::select()
        .column((Alias::new(table), Alias::new(column)))
        .from(Alias::new(table))
        .and_where(cond)
        .to_owned()
}

/// Ids of a place and every place inside it, as a sub-select.
fn place_and_descendants(id: i32) -> SelectStatement {
    sub(
        "location_closure",
        "descendant_id",
        col("location_closure", "ancestor_id").eq(id),
    )
}

/// A speaker or reporter: a person or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Person(i32),
    Organization(i32),
}

// ---- articles ---------------------------------------------------------------------------

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ArticleFilter {
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    pub person_id: Option<i32>,
    pub location_id: Option<i32>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleOrder {
    PublishedAt,
    Title,
}

/// Names the article list (its ordering and filter) in cursors.
pub fn articles_scope(filter: &ArticleFilter, order: (ArticleOrder, bool)) -> String {
    if *filter != ArticleFilter::default() {
        return format!("articles|{order:?}|{filter:?}");
    }
    // The unfiltered list's scopes, one per ordering, written once per thread (a keyset page
    // reads its scope at every request; the `Debug` text costs more than the page's binding).
    thread_local! {
        static UNFILTERED: std::cell::RefCell<HashMap<(ArticleOrder, bool), String>> =
            std::cell::RefCell::default();
    }
    UNFILTERED.with_borrow_mut(|m| {
        m.entry(order)
            .or_insert_with(|| format!("articles|{order:?}|{:?}", ArticleFilter::default()))
            .clone()
    })
}

/// The articles a filter keeps, unordered (the list and the compiled read path page it).
pub fn articles_select(backend: DatabaseBackend, filter: &ArticleFilter) -> SelectStatement {
    let mut q = article::Entity::find();
    if let Some(t) = filter.published_after {
        q = q.filter(article::Column::PublishedAt.gte(t));
    }
    if let Some(t) = filter.published_before {
        q = q.filter(article::Column::PublishedAt.lt(t));
    }
    if let Some(p) = filter.person_id {
        q = q.filter(article::Column::Id.in_subquery(sub(
            "article_person",
            "article_id",
            col("article_person", "person_id").eq(p),
        )));
    }
    if let Some(l) = filter.location_id {
        q = q.filter(article::Column::Id.in_subquery(sub(
            "article_location",
            "article_id",
            col("article_location", "location_id").in_subquery(place_and_descendants(l)),
        )));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        // Full-text, same syntax as `search`; a query without terms matches nothing.
        q = match search::article_match(backend, text) {
            Some((sql, value)) => q.filter(Expr::cust_with_values(sql, [value])),
            None => q.filter(Expr::val(1).eq(0)),
        };
    }
    q.into_query()
}

/// The article list's sort keys: the ordering's column, then the id, both one direction.
pub fn article_keys(order: (ArticleOrder, bool)) -> [SortKey<article::Entity>; 2] {
    let (field, desc) = order;
    let primary = match field {
        ArticleOrder::PublishedAt => article::Column::PublishedAt,
        ArticleOrder::Title => article::Column::Title,
    };
    [
        SortKey::dir(primary, desc),
        SortKey::dir(article::Column::Id, desc),
    ]
}

pub async fn articles<C: ConnectionTrait>(
    db: &C,
    filter: &ArticleFilter,
    order: (ArticleOrder, bool),
    window: &Window,
    want_total: bool,
) -> ServiceResult<Listed<article::Model>> {
    let q = articles_select(db.get_database_backend(), filter);
    let keys = article_keys(order);
    let scope = articles_scope(filter, order);
    list(db, q, &keys, window, &scope, want_total).await
}

pub async fn article_by_url<C: ConnectionTrait>(
    db: &C,
    url: &str,
) -> ServiceResult<Option<article::Model>> {
    Ok(article::Entity::find()
        .filter(article::Column::Url.eq(url))
        .one(db)
        .await?)
}

// ---- people and organizations ------------------------------------------------------------

/// Rows whose name or one of whose aliases contains `needle` (normalized).
fn name_or_alias_contains(table: &str, needle: &str) -> Condition {
    let norm = normalize(needle);
    let alias_table = format!("{table}_alias");
    let escaped = norm
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let like = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
    Condition::any()
        .add(col(table, "name_norm").like(like()))
        .add(col(table, "id").in_subquery(sub(
            &alias_table,
            &format!("{table}_id"),
            col(&alias_table, "alias_norm").like(like()),
        )))
}

pub async fn people<C: ConnectionTrait>(
    db: &C,
    name: Option<&str>,
    window: &Window,
    want_total: bool,
) -> ServiceResult<Listed<person::Model>> {
    let mut q = person::Entity::find();
    if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
        q = q.filter(name_or_alias_contains("person", n));
    }
    let keys: [SortKey<person::Entity>; 2] = [
        SortKey::asc(person::Column::Name),
        SortKey::asc(person::Column::Id),
    ];
    let scope = format!("people|{name:?}");
    list(db, q.into_query(), &keys, window, &scope, want_total).await
}

pub async fn organizations<C: ConnectionTrait>(
    db: &C,
    name: Option<&str>,
    window: &Window,
    want_total: bool,
) -> ServiceResult<Listed<organization::Model>> {
    let mut q = organization::Entity::find();
    if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
        q = q.filter(name_or_alias_contains("organization", n));
    }
    let keys: [SortKey<organization::Entity>; 2] = [
        SortKey::asc(organization::Column::Name),
        SortKey::asc(organization::Column::Id),
    ];
    let scope = format!("organizations|{name:?}");
    list(db, q.into_query(), &keys, window, &scope, want_total).await
}

/// The one entity of `table` called `name`: its own name first, else an alias. Several with
/// that name (or, when none has it as its name, several with that alias) are reported as
/// ambiguous with their ids, never settled by picking one.
async fn one_by_name<C: ConnectionTrait>(
    db: &C,
    table: &str,
    kind: NodeKind,
    name: &str,
) -> ServiceResult<Option<i32>> {
    let norm = normalize(name);
    let sql = format!(
        "SELECT id, name_norm = $1 AS exact FROM {table} WHERE name_norm = $1 \
         UNION SELECT {table}_id, false FROM {table}_alias WHERE alias_norm = $1 \
         ORDER BY 2 DESC, 1 LIMIT 51"
    );
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            &sql,
            vec![norm.into()],
        ))
        .await?;
    let mut exact = Vec::new();
    let mut alias = Vec::new();
    for r in &rows {
        let id: i32 = r.try_get_by_index(0)?;
        let is_exact: bool = r.try_get_by_index(1)?;
        let list = if is_exact { &mut exact } else { &mut alias };
        if !list.contains(&id) {
            list.push(id);
        }
    }
    let found = if exact.is_empty() { alias } else { exact };
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(ServiceError::Ambiguous {
            message: format!(
                "{} {table} entries are named `{name}`: ask by id (extensions.candidates)",
                many.len()
            ),
            kind,
            ids: many.to_vec(),
        }),
    }
}

/// The person called `name` (or with that alias); see [`one_by_name`].
pub async fn person_by_name<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> ServiceResult<Option<person::Model>> {
    match one_by_name(db, "person", NodeKind::Person, name).await? {
        None => Ok(None),
        Some(id) => Ok(person::Entity::find_by_id(id).one(db).await?),
    }
}

pub async fn organization_by_name<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> ServiceResult<Option<organization::Model>> {
    match one_by_name(db, "organization", NodeKind::Organization, name).await? {
        None => Ok(None),
        Some(id) => Ok(organization::Entity::find_by_id(id).one(db).await?),
    }
}

pub async fn location_by_name<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> ServiceResult<Option<location::Model>> {
    match one_by_name(db, "location", NodeKind::Location, name).await? {
        None => Ok(None),
        Some(id) => Ok(location::Entity::find_by_id(id).one(db).await?),
    }
}

// ---- statements -------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct StatementFilter {
    pub speaker: Option<Actor>,
    pub article_id: Option<i32>,
    pub about_location_id: Option<i32>,
    pub kind: Option<StatementKind>,
    pub disputed: Option<bool>,
    pub said_after: Option<NaiveDate>,
    pub said_before: Option<NaiveDate>,
}

/// Statements matching a filter (shared by the list, the histogram and the claims view).
pub fn statement_select(filter: &StatementFilter) -> sea_orm::Select<statement::Entity> {
    let mut q = statement::Entity::find();
    match filter.speaker {
        Some(Actor::Person(id)) => q = q.filter(statement::Column::SpeakerPersonId.eq(id)),
        Some(Actor::Organization(id)) => {
            q = q.filter(statement::Column::SpeakerOrganizationId.eq(id))
        }
        None => {}
    }
    if let Some(a) = filter.article_id {
        q = q.filter(statement::Column::ArticleId.eq(a));
    }
    if let Some(l) = filter.about_location_id {
        q = q.filter(statement::Column::Id.in_subquery(sub(
            "statement_about",
            "statement_id",
            col("statement_about", "location_id").eq(l),
        )));
    }
    if let Some(k) = filter.kind {
        q = q.filter(statement::Column::Kind.eq(k));
    }
    if let Some(disputed) = filter.disputed {
        let all = Expr::val(1).eq(1);
        let disputes = statement::Column::Id.in_subquery(sub(
            "statement_dispute",
            "statement_id",
            all.clone(),
        ));
        let disputed_by =
            statement::Column::Id.in_subquery(sub("statement_dispute", "disputed_id", all));
        let either = Condition::any().add(disputes).add(disputed_by);
        q = q.filter(if disputed { either } else { either.not() });
    }
    if let Some(d) = filter.said_after {
        q = q.filter(statement::Column::SaidAt.gte(d));
    }
    if let Some(d) = filter.said_before {
        q = q.filter(statement::Column::SaidAt.lt(d));
    }
    q
}

pub async fn statements<C: ConnectionTrait>(
    db: &C,
    filter: &StatementFilter,
    newest_first: bool,
    window: &Window,
    want_total: bool,
) -> ServiceResult<Listed<statement::Model>> {
    let q = statement_select(filter);
    let keys = statements_by_date(newest_first);
    let scope = format!("statements|{newest_first}|{filter:?}");
    list(db, q.into_query(), &keys, window, &scope, want_total).await
}

// ---- locations --------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoCircle {
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f64,
}

impl GeoCircle {
    pub fn parse(latitude: f64, longitude: f64, radius_km: f64) -> ServiceResult<Self> {
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(ServiceError::invalid(
                "`near.latitude` must be between -90 and 90",
            ));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(ServiceError::invalid(
                "`near.longitude` must be between -180 and 180",
            ));
        }
        if !(radius_km.is_finite() && radius_km > 0.0 && radius_km <= 20_100.0) {
            return Err(ServiceError::invalid(
                "`near.radiusKm` must be greater than 0 and at most 20100 (half the Earth's circumference)",
            ));
        }
        Ok(Self {
            latitude,
            longitude,
            radius_km,
        })
    }
}

const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance (haversine) in kilometres.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

#[derive(Debug, Default, Clone)]
pub struct LocationFilter {
    pub name: Option<String>,
    pub kind: Option<LocationKind>,
    pub within_id: Option<i32>,
    pub near: Option<GeoCircle>,
}

/// A page of places; with `near`, ordered by distance and with each place's distance.
pub struct ListedLocations {
    pub listed: Listed<location::Model>,
    pub distances: HashMap<i32, f64>,
}

pub async fn locations<C: ConnectionTrait>(
    db: &C,
    filter: &LocationFilter,
    window: &Window,
    want_total: bool,
) -> ServiceResult<ListedLocations> {
    let mut q = location::Entity::find();
    if let Some(n) = filter.name.as_deref().filter(|n| !n.trim().is_empty()) {
        q = q.filter(name_or_alias_contains("location", n));
    }
    if let Some(k) = filter.kind {
        q = q.filter(location::Column::Kind.eq(k));
    }
    if let Some(w) = filter.within_id {
        q = q.filter(
            location::Column::Id.in_subquery(sub(
                "location_closure",
                "descendant_id",
                col("location_closure", "ancestor_id")
                    .eq(w)
                    .and(col("location_closure", "depth").gt(0)),
            )),
        );
    }
    let scope = format!("locations|{filter:?}");
    match filter.near {
        None => {
            let keys: [SortKey<location::Entity>; 2] = [
                SortKey::asc(location::Column::Name),
                SortKey::asc(location::Column::Id),
            ];
            let listed = list(db, q.into_query(), &keys, window, &scope, want_total).await?;
            Ok(ListedLocations {
                listed,
                distances: HashMap::new(),
            })
        }
        Some(circle) => near(db, q, circle, window, &scope, want_total).await,
    }
}

/// Places within a circle, nearest first. A bounding box narrows the rows in SQL; the exact
/// great-circle distance, the order and the keyset cut are computed here, identically on
/// both backends.
async fn near<C: ConnectionTrait>(
    db: &C,
    mut q: sea_orm::Select<location::Entity>,
    c: GeoCircle,
    window: &Window,
    scope: &str,
    want_total: bool,
) -> ServiceResult<ListedLocations> {
    let dlat = c.radius_km / 111.0;
    q = q
        .filter(location::Column::Latitude.is_not_null())
        .filter(location::Column::Longitude.is_not_null());
    if c.latitude.abs() + dlat < 89.0 {
        q = q.filter(location::Column::Latitude.between(c.latitude - dlat, c.latitude + dlat));
        let dlon = c.radius_km / (111.0 * (c.latitude.abs() + dlat).to_radians().cos());
        if c.longitude.abs() + dlon < 180.0 {
            q = q.filter(
                location::Column::Longitude.between(c.longitude - dlon, c.longitude + dlon),
            );
        }
    }
    #[derive(FromQueryResult)]
    struct Point {
        id: i32,
        latitude: f64,
        longitude: f64,
    }
    let points: Vec<Point> = q
        .select_only()
        .column(location::Column::Id)
        .column(location::Column::Latitude)
        .column(location::Column::Longitude)
        .into_model::<Point>()
        .all(db)
        .await?;
    let mut within: Vec<(f64, i32)> = points
        .into_iter()
        .map(|p| {
            (
                distance_km(c.latitude, c.longitude, p.latitude, p.longitude),
                p.id,
            )
        })
        .filter(|(d, _)| *d <= c.radius_km)
        .collect();
    within.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let total = want_total.then_some(within.len() as i64);
    if window.backward {
        return Err(ServiceError::invalid(
            "`locations` pages forward only: use `first` and `after`",
        ));
    }
    let start = match &window.cursor {
        None => 0,
        Some(raw) => {
            let cursor = Cursor::parse(raw, scope)?;
            let (d, id) = match cursor.values() {
                [KeyValue::Float(d), KeyValue::Int(id)] => (*d, *id),
                _ => {
                    return Err(ServiceError::invalid(
                        "the cursor does not match this list's ordering",
                    ));
                }
            };
            within.partition_point(|(wd, wid)| (*wd, i64::from(*wid)) <= (d, id))
        }
    };
    let slice: Vec<(f64, i32)> = within
        .iter()
        .skip(start)
        .take(window.limit as usize)
        .copied()
        .collect();
    let has_next = within.len() > start + slice.len();
    let ids: Vec<i32> = slice.iter().map(|(_, id)| *id).collect();
    let mut models: HashMap<i32, location::Model> = by_ids::<location::Entity, C>(db, &ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut rows = Vec::with_capacity(slice.len());
    let mut distances = HashMap::new();
    for (d, id) in slice {
        if let Some(m) = models.remove(&id) {
            let cursor =
                Cursor::new(scope, vec![KeyValue::Float(d), KeyValue::Int(id.into())]).encode();
            distances.insert(id, d);
            rows.push((cursor, m));
        }
    }
    Ok(ListedLocations {
        listed: Listed {
            page: Page {
                rows,
                has_next,
                has_prev: window.cursor.is_some(),
            },
            total,
        },
        distances,
    })
}

// ---- casualties -------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct CasualtyFilter {
    pub location_id: Option<i32>,
    pub include_descendants: bool,
    pub category: Option<CasualtyCategory>,
    pub population: Option<Population>,
    pub reported_by: Option<Actor>,
    pub as_of_after: Option<NaiveDate>,
    pub as_of_before: Option<NaiveDate>,
}

/// Casualty figures matching a filter (shared by the list and the roll-ups).
pub fn casualty_select(filter: &CasualtyFilter) -> sea_orm::Select<casualty::Entity> {
    let mut q = casualty::Entity::find();
    if let Some(l) = filter.location_id {
        q = if filter.include_descendants {
            q.filter(casualty::Column::LocationId.in_subquery(place_and_descendants(l)))
        } else {
            q.filter(casualty::Column::LocationId.eq(l))
        };
    }
    if let Some(c) = filter.category {
        q = q.filter(casualty::Column::Category.eq(c));
    }
    if let Some(p) = filter.population {
        q = q.filter(casualty::Column::Population.eq(p));
    }
    match filter.reported_by {
        Some(Actor::Person(id)) => q = q.filter(casualty::Column::ReportedByPersonId.eq(id)),
        Some(Actor::Organization(id)) => {
            q = q.filter(casualty::Column::ReportedByOrganizationId.eq(id))
        }
        None => {}
    }
    if let Some(d) = filter.as_of_after {
        q = q.filter(casualty::Column::AsOf.gte(d));
    }
    if let Some(d) = filter.as_of_before {
        q = q.filter(casualty::Column::AsOf.lt(d));
    }
    q
}

pub async fn casualties<C: ConnectionTrait>(
    db: &C,
    filter: &CasualtyFilter,
    window: &Window,
    want_total: bool,
) -> ServiceResult<Listed<casualty::Model>> {
    let q = casualty_select(filter);
    let keys = newest_casualties();
    let scope = format!("casualties|{filter:?}");
    list(db, q.into_query(), &keys, window, &scope, want_total).await
}

#[cfg(test)]
mod tests {
    use super::distance_km;

    #[test]
    fn moscow_to_dublin_is_about_2800_km() {
        let d = distance_km(55.7558, 37.6173, 53.3498, -6.2603);
        assert!((2750.0..2850.0).contains(&d), "{d}");
    }

    #[test]
    fn distance_to_itself_is_zero_and_symmetric() {
        assert_eq!(distance_km(48.28, 37.17, 48.28, 37.17), 0.0);
        let a = distance_km(48.28, 37.17, 48.0, 37.8);
        let b = distance_km(48.0, 37.8, 48.28, 37.17);
        assert!((a - b).abs() < 1e-9);
    }
}
