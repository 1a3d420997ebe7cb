//! Questions over the graph: casualty roll-ups that keep ranges honest, statement
//! histograms for timelines, contested claims, and per-place counts for maps.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::error::ServiceResult;
use super::read::{Actor, CasualtyFilter, StatementFilter, casualty_select, statement_select};
use crate::entities::enums::{CasualtyCategory, Population};
use crate::entities::{casualty, statement};

// ---- casualty roll-ups ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grouping {
    Category,
    Population,
    Location,
    ReportedBy,
}

/// One group of a roll-up; the grouping fields not asked for are None.
#[derive(Debug, Clone, PartialEq)]
pub struct Total {
    pub category: Option<CasualtyCategory>,
    pub population: Option<Population>,
    pub location_id: Option<i32>,
    pub reported_by: Option<Actor>,
    pub count_min: i64,
    /// None when any figure of the group is open-ended or has no upper bound.
    pub count_max: Option<i64>,
    pub figures: i64,
}

fn reporter(c: &casualty::Model) -> Option<Actor> {
    c.reported_by_person_id
        .map(Actor::Person)
        .or(c.reported_by_organization_id.map(Actor::Organization))
}

/// The figures a roll-up sums, after the two rules that keep it honest:
/// 1. the same figure reported more than once (same reporter, category, population, place,
///    period, as-of date and numbers) counts once;
/// 2. a cumulative figure (one with a period start, "since February 2022") is superseded by a
///    later one from the same reporter for the same category, population, place and period:
///    only the latest as-of date counts (on a tie, the most recently stored figure).
pub fn counted(figures: Vec<casualty::Model>) -> Vec<casualty::Model> {
    let mut seen = HashSet::new();
    let mut unique: Vec<casualty::Model> = figures
        .into_iter()
        .filter(|c| {
            seen.insert((
                reporter(c),
                c.category,
                c.population,
                c.location_id,
                c.period_start,
                c.as_of,
                c.count_min,
                c.count_max,
            ))
        })
        .collect();
    unique.sort_by_key(|c| c.id);
    let mut latest: HashMap<(Actor, CasualtyCategory, Population, Option<i32>, NaiveDate), usize> =
        HashMap::new();
    let mut keep = vec![true; unique.len()];
    for (i, c) in unique.iter().enumerate() {
        let (Some(r), Some(start)) = (reporter(c), c.period_start) else {
            continue;
        };
        let key = (r, c.category, c.population, c.location_id, start);
        match latest.get(&key) {
            Some(&j) if unique[j].as_of > c.as_of => keep[i] = false,
            Some(&j) => {
                keep[j] = false;
                latest.insert(key, i);
            }
            None => {
                latest.insert(key, i);
            }
        }
    }
    unique
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(c, _)| c)
        .collect()
}

/// A group's identity, ordered so equal sums come out in a stable order.
type GroupKey = (
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<(u8, i32)>,
);

/// Sums figures into groups: `countMin` is the sum of minimums (a missing minimum counts 0),
/// `countMax` the sum of maximums or None when any figure has none.
pub fn roll_up(figures: &[casualty::Model], group_by: &[Grouping]) -> Vec<Total> {
    let mut groups: BTreeMap<GroupKey, Total> = BTreeMap::new();
    for c in figures {
        let has = |g| group_by.contains(&g);
        let category = has(Grouping::Category).then_some(c.category);
        let population = has(Grouping::Population).then_some(c.population);
        let location_id = if has(Grouping::Location) {
            c.location_id
        } else {
            None
        };
        let reported_by = if has(Grouping::ReportedBy) {
            reporter(c)
        } else {
            None
        };
        let key = (
            category.map(|x| format!("{x:?}")),
            population.map(|x| format!("{x:?}")),
            location_id,
            reported_by.map(|a| match a {
                Actor::Person(id) => (0, id),
                Actor::Organization(id) => (1, id),
            }),
        );
        let t = groups.entry(key).or_insert(Total {
            category,
            population,
            location_id,
            reported_by,
            count_min: 0,
            count_max: Some(0),
            figures: 0,
        });
        t.count_min += i64::from(c.count_min.unwrap_or(0));
        t.count_max = match (t.count_max, c.count_max) {
            (Some(a), Some(b)) => Some(a + i64::from(b)),
            _ => None,
        };
        t.figures += 1;
    }
    let mut out: Vec<Total> = groups.into_values().collect();
    // Largest first; the BTreeMap already ordered equal sums by their keys.
    out.sort_by(|a, b| {
        b.count_min
            .cmp(&a.count_min)
            .then(b.figures.cmp(&a.figures))
    });
    out
}

pub async fn casualty_totals<C: ConnectionTrait>(
    db: &C,
    filter: &CasualtyFilter,
    group_by: &[Grouping],
) -> ServiceResult<Vec<Total>> {
    let figures = casualty_select(filter).all(db).await?;
    Ok(roll_up(&counted(figures), group_by))
}

/// Roll-ups already computed, each with the data version it was computed at. The version is
/// bumped (by database triggers) whenever figures or the place hierarchy change, so a hit is
/// exactly the answer a fresh roll-up would give.
#[derive(Default)]
pub struct TotalsCache(std::sync::Mutex<HashMap<String, Versioned>>);

/// A roll-up and the data version it was computed at.
pub type Versioned = (i64, std::sync::Arc<Vec<Total>>);

impl TotalsCache {
    fn key(filter: &CasualtyFilter, group_by: &[Grouping]) -> String {
        format!("{filter:?}|{group_by:?}")
    }

    /// The roll-up last computed for this filter and grouping, whatever its version (the
    /// compiled read path uses it only if the version is still current when it runs).
    pub fn peek(&self, filter: &CasualtyFilter, group_by: &[Grouping]) -> Option<Versioned> {
        let key = Self::key(filter, group_by);
        self.0.lock().ok().and_then(|m| m.get(&key).cloned())
    }
}

/// Roll-ups kept at most; beyond, the cache starts over.
const TOTALS_CACHED: usize = 1_000;

async fn totals_version<C: ConnectionTrait>(db: &C) -> ServiceResult<i64> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM data_version WHERE name = 'casualty_totals'",
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => -1,
    })
}

/// `casualty_totals`, answered from the cache when nothing it reads has changed since.
pub async fn casualty_totals_cached<C: ConnectionTrait>(
    db: &C,
    cache: &TotalsCache,
    filter: &CasualtyFilter,
    group_by: &[Grouping],
) -> ServiceResult<std::sync::Arc<Vec<Total>>> {
    let key = TotalsCache::key(filter, group_by);
    // Read the version first: the roll-up computed after it is at least that fresh.
    let version = totals_version(db).await?;
    if let Some((v, totals)) = cache.0.lock().ok().and_then(|m| m.get(&key).cloned())
        && v == version
    {
        return Ok(totals);
    }
    let totals = std::sync::Arc::new(casualty_totals(db, filter, group_by).await?);
    if let Ok(mut m) = cache.0.lock() {
        if m.len() >= TOTALS_CACHED {
            m.clear();
        }
        m.insert(key, (version, totals.clone()));
    }
    Ok(totals)
}

// ---- timelines ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    Month,
}

fn bucket_start(d: NaiveDate, b: Bucket) -> NaiveDate {
    match b {
        Bucket::Day => d,
        Bucket::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
        Bucket::Month => d.with_day(1).unwrap_or(d),
    }
}

/// Statements per day, week or month (by `saidAt`; undated statements are not counted),
/// oldest bucket first; empty buckets are left out.
pub async fn statement_counts<C: ConnectionTrait>(
    db: &C,
    filter: &StatementFilter,
    bucket: Bucket,
) -> ServiceResult<Vec<(NaiveDate, i64)>> {
    let per_day: Vec<(NaiveDate, i64)> = statement_select(filter)
        .select_only()
        .column(statement::Column::SaidAt)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(statement::Column::SaidAt.is_not_null())
        .group_by(statement::Column::SaidAt)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (day, n) in per_day {
        *out.entry(bucket_start(day, bucket)).or_default() += n;
    }
    Ok(out.into_iter().collect())
}

// ---- contested claims -----------------------------------------------------------------------

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// The places (of those given) that some disputed or disputing statement is about.
pub async fn contested_places<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> ServiceResult<HashSet<i32>> {
    let involved = Query::select()
        .column(Alias::new("statement_id"))
        .from(Alias::new("statement_dispute"))
        .union(
            sea_orm::sea_query::UnionType::All,
            Query::select()
                .column(Alias::new("disputed_id"))
                .from(Alias::new("statement_dispute"))
                .to_owned(),
        )
        .to_owned();
    let q = Query::select()
        .distinct()
        .column(Alias::new("location_id"))
        .from(Alias::new("statement_about"))
        .and_where(col("statement_about", "location_id").is_in(ids.iter().copied()))
        .and_where(col("statement_about", "statement_id").in_subquery(involved))
        .to_owned();
    let rows = db.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok(r.try_get_by_index::<i32>(0)?))
        .collect()
}

/// Statements about a place (or, with `include_descendants`, any place inside it) that
/// another statement disputes: the claims a "says — denies" view draws, newest first.
pub async fn disputed_claims<C: ConnectionTrait>(
    db: &C,
    location_id: i32,
    include_descendants: bool,
    limit: u64,
) -> ServiceResult<Vec<statement::Model>> {
    let places = if include_descendants {
        Query::select()
            .column(Alias::new("descendant_id"))
            .from(Alias::new("location_closure"))
            .and_where(col("location_closure", "ancestor_id").eq(location_id))
            .to_owned()
    } else {
        Query::select().expr(Expr::val(location_id)).to_owned()
    };
    let about = Query::select()
        .column(Alias::new("statement_id"))
        .from(Alias::new("statement_about"))
        .and_where(col("statement_about", "location_id").in_subquery(places))
        .to_owned();
    let disputed = Query::select()
        .column(Alias::new("disputed_id"))
        .from(Alias::new("statement_dispute"))
        .to_owned();
    Ok(statement::Entity::find()
        .filter(statement::Column::Id.in_subquery(about))
        .filter(statement::Column::Id.in_subquery(disputed))
        .order_by_desc(statement::Column::SaidAt)
        .order_by_desc(statement::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

// ---- per-place counts for maps --------------------------------------------------------------

/// (statements about each place, casualty figures at each place) for the given places.
pub async fn place_counts<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> ServiceResult<(HashMap<i32, i64>, HashMap<i32, i64>)> {
    let count_by = |table: &str| {
        Query::select()
            .column(Alias::new("location_id"))
            .expr(Expr::cust("COUNT(*)"))
            .from(Alias::new(table))
            .and_where(col(table, "location_id").is_in(ids.iter().copied()))
            .group_by_col(Alias::new("location_id"))
            .to_owned()
    };
    let mut out = Vec::new();
    for table in ["statement_about", "casualty"] {
        let rows = db.query_all(&count_by(table)).await?;
        let map: HashMap<i32, i64> = rows
            .iter()
            .map(|r| Ok((r.try_get_by_index::<i32>(0)?, r.try_get_by_index::<i64>(1)?)))
            .collect::<ServiceResult<_>>()?;
        out.push(map);
    }
    let casualties = out.pop().unwrap_or_default();
    let statements = out.pop().unwrap_or_default();
    Ok((statements, casualties))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::enums::CountQualifier;

    fn fig(
        id: i32,
        reporter: i32,
        min: Option<i32>,
        max: Option<i32>,
        as_of: &str,
        since: Option<&str>,
    ) -> casualty::Model {
        casualty::Model {
            id,
            article_id: id,
            position: 0,
            category: CasualtyCategory::Killed,
            population: Population::Civilian,
            count_min: min,
            count_max: max,
            qualifier: CountQualifier::Range,
            phrase: None,
            period_start: since.map(|s| s.parse().unwrap()),
            as_of: Some(as_of.parse().unwrap()),
            location_id: Some(1),
            reported_by_person_id: None,
            reported_by_organization_id: Some(reporter),
        }
    }

    #[test]
    fn the_same_figure_from_two_articles_counts_once() {
        let figures = vec![
            fig(1, 7, Some(10), Some(12), "2025-01-01", None),
            fig(2, 7, Some(10), Some(12), "2025-01-01", None),
        ];
        let t = roll_up(&counted(figures), &[]);
        assert_eq!(
            (t[0].count_min, t[0].count_max, t[0].figures),
            (10, Some(12), 1)
        );
    }

    #[test]
    fn a_later_cumulative_figure_replaces_the_earlier_one() {
        let figures = vec![
            fig(1, 7, Some(100), Some(100), "2025-01-01", Some("2022-02-24")),
            fig(2, 7, Some(150), Some(160), "2025-06-01", Some("2022-02-24")),
            fig(3, 8, Some(5), Some(5), "2025-06-01", Some("2022-02-24")), // another reporter
            fig(4, 7, Some(3), Some(3), "2025-02-01", None), // an event, not cumulative
        ];
        let t = roll_up(&counted(figures), &[]);
        assert_eq!(
            (t[0].count_min, t[0].count_max, t[0].figures),
            (158, Some(168), 3)
        );
    }

    #[test]
    fn an_open_ended_figure_makes_the_maximum_unknown() {
        let figures = vec![
            fig(1, 7, Some(14000), None, "2025-01-01", None),
            fig(2, 8, Some(10), Some(20), "2025-01-01", None),
        ];
        let t = roll_up(&counted(figures), &[Grouping::ReportedBy]);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].count_min, t[0].count_max), (14000, None));
        assert_eq!((t[1].count_min, t[1].count_max), (10, Some(20)));
        let all = roll_up(
            &counted(vec![
                fig(1, 7, Some(14000), None, "2025-01-01", None),
                fig(2, 8, Some(10), Some(20), "2025-01-01", None),
            ]),
            &[],
        );
        assert_eq!(
            (all[0].count_min, all[0].count_max, all[0].figures),
            (14010, None, 2)
        );
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let d: NaiveDate = "2025-12-03".parse().unwrap(); // a Wednesday
        assert_eq!(bucket_start(d, Bucket::Week).to_string(), "2025-12-01");
        assert_eq!(bucket_start(d, Bucket::Month).to_string(), "2025-12-01");
        assert_eq!(bucket_start(d, Bucket::Day), d);
    }
}
