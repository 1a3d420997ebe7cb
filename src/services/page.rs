//! Keyset pagination over any entity, on both backends: ORDER BY the sort keys (the row id
//! last, so the order is total), `WHERE (keys) are after the cursor`, `LIMIT n + 1` to learn
//! whether there is a next page. Never OFFSET: page 200 costs what page 1 costs.
//! Nested lists (an article's people, a person's statements) are fetched for many parents in
//! one statement with `ROW_NUMBER() OVER (PARTITION BY parent ...)`.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, IntoCondition, NullOrdering, Order,
    OrderedStatement, OverStatement, Query, SelectStatement, WindowStatement,
};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, ModelTrait,
    Value,
};

use super::error::{ServiceError, ServiceResult};
use crate::domain::cursor::{Cursor, KeyValue};

/// Column alias of the parent key in partitioned (nested list) queries.
pub const PARENT: &str = "__parent";
const ROW_NUMBER: &str = "__rn";

/// One column of a list's order. Nulls always sort last in the forward direction.
pub struct SortKey<E: EntityTrait> {
    pub col: E::Column,
    pub desc: bool,
    /// Where the list's SQL reads the key when not from `E`'s table: a joined table's column
    /// kept equal to `col` (a mention row's copy of its article's date), so an index on the
    /// joined table serves the order. Cursors still take the value from the row's `col`.
    pub at: Option<(&'static str, &'static str)>,
}

impl<E: EntityTrait> Clone for SortKey<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E: EntityTrait> Copy for SortKey<E> {}

impl<E: EntityTrait> SortKey<E> {
    pub fn asc(col: E::Column) -> Self {
        Self::dir(col, false)
    }
    pub fn desc(col: E::Column) -> Self {
        Self::dir(col, true)
    }
    pub fn dir(col: E::Column, desc: bool) -> Self {
        Self {
            col,
            desc,
            at: None,
        }
    }
    /// Orders and compares by `table.column` (joined in the list's SELECT) instead.
    pub fn at(self, table: &'static str, column: &'static str) -> Self {
        Self {
            at: Some((table, column)),
            ..self
        }
    }
    fn expr(&self) -> Expr {
        match self.at {
            Some((table, column)) => Expr::col((Alias::new(table), Alias::new(column))),
            None => Expr::col((E::default(), self.col)),
        }
    }
    fn nullable(&self) -> bool {
        self.col.def().is_null()
    }
}

/// Which slice of a list to fetch, already validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Window {
    /// Rows wanted (0..=100).
    pub limit: u64,
    /// The cursor after (or, backward, before) which to start, still encoded.
    pub cursor: Option<String>,
    /// `last/before`: walk the order backwards.
    pub backward: bool,
}

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

impl Window {
    /// Builds a window from Relay arguments; the scope check of the cursor happens when it is
    /// decoded against the list's scope.
    pub fn from_args(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ServiceResult<Self> {
        if first.is_some() && last.is_some() {
            return Err(ServiceError::invalid(
                "pass either `first` or `last`, not both",
            ));
        }
        if after.is_some() && before.is_some() {
            return Err(ServiceError::invalid(
                "pass either `after` or `before`, not both",
            ));
        }
        let backward = last.is_some() || before.is_some();
        if backward && after.is_some() {
            return Err(ServiceError::invalid(
                "`after` pages forward: use it with `first`",
            ));
        }
        if !backward && before.is_some() {
            return Err(ServiceError::invalid(
                "`before` pages backward: use it with `last`",
            ));
        }
        let (name, n) = if backward {
            ("last", last)
        } else {
            ("first", first)
        };
        let n = n.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(0..=MAX_PAGE_SIZE).contains(&n) {
            return Err(ServiceError::Invalid(format!(
                "`{name}` must be between 0 and {MAX_PAGE_SIZE} (got {n}); page through longer lists with cursors"
            )));
        }
        Ok(Self {
            limit: n as u64,
            cursor: if backward { before } else { after },
            backward,
        })
    }

    pub fn forward(first: Option<i32>, after: Option<String>) -> ServiceResult<Self> {
        Self::from_args(first, after, None, None)
    }
}

/// One fetched page, in the list's order.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub rows: Vec<(String, M)>,
    pub has_next: bool,
    pub has_prev: bool,
}

impl<M> Default for Page<M> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            has_next: false,
            has_prev: false,
        }
    }
}

fn to_key(v: Value) -> KeyValue {
    match v {
        Value::Int(Some(i)) => KeyValue::Int(i.into()),
        Value::BigInt(Some(i)) => KeyValue::Int(i),
        Value::Double(Some(f)) => KeyValue::Float(f),
        Value::String(Some(s)) => KeyValue::Text(s),
        Value::ChronoDateTimeUtc(Some(t)) => KeyValue::Text(t.to_rfc3339()),
        Value::ChronoDate(Some(d)) => KeyValue::Text(d.to_string()),
        _ => KeyValue::Null,
    }
}

fn from_key<E: EntityTrait>(key: &SortKey<E>, kv: &KeyValue) -> ServiceResult<Option<Value>> {
    let bad = || ServiceError::invalid("the cursor does not match this list's ordering");
    if *kv == KeyValue::Null {
        return if key.nullable() { Ok(None) } else { Err(bad()) };
    }
    let v = match (key.col.def().get_column_type(), kv) {
        (ColumnType::Integer, KeyValue::Int(i)) => {
            Value::Int(Some(i32::try_from(*i).map_err(|_| bad())?))
        }
        (ColumnType::BigInteger, KeyValue::Int(i)) => Value::BigInt(Some(*i)),
        (ColumnType::Double, KeyValue::Float(f)) => Value::Double(Some(*f)),
        (ColumnType::Text | ColumnType::String(_), KeyValue::Text(s)) => {
            Value::String(Some(s.clone()))
        }
        (ColumnType::TimestampWithTimeZone, KeyValue::Text(s)) => Value::ChronoDateTimeUtc(Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
        )),
        (ColumnType::Date, KeyValue::Text(s)) => {
            Value::ChronoDate(Some(s.parse::<NaiveDate>().map_err(|_| bad())?))
        }
        _ => return Err(bad()),
    };
    Ok(Some(v))
}

/// Rows strictly after a cursor, as conditions an index can serve. `main` comes first in the
/// list's order; `tail` (when present) holds the rows that follow all of `main`'s: the NULLs of
/// a nullable first key, which a row comparison cannot reach. A page is read from `main`, and
/// from `tail` only when `main` ran out: page 200 costs what page 1 costs.
struct After {
    main: Condition,
    tail: Option<Condition>,
}

/// Whether `after_condition` writes a row comparison (every key in one direction, every key
/// after the first non-null): its values are then the cursor's non-null ones, in order.
fn row_form<E: EntityTrait>(keys: &[SortKey<E>], values: &[Option<Value>]) -> bool {
    !keys.is_empty()
        && keys.iter().all(|k| k.desc == keys[0].desc)
        && keys.iter().skip(1).all(|k| !k.nullable())
        && values.iter().skip(1).all(Option::is_some)
}

/// `row is strictly after the cursor` in the order given by `keys` (walked backward if asked).
fn after_condition<E: EntityTrait>(
    keys: &[SortKey<E>],
    values: &[Option<Value>],
    backward: bool,
) -> After {
    if !row_form(keys, values) {
        return After {
            main: after_condition_general(keys, values, backward),
            tail: None,
        };
    }
    // One direction for every key: `(k1, ..., kn) < (v1, ..., vn)` (or `>`) is a single
    // index range. Forward, NULLs of k1 come last; walking backward they come first.
    let desc = keys[0].desc != backward;
    let row_after = |keys: &[SortKey<E>], values: &[Value]| -> Condition {
        let cols = Expr::tuple(keys.iter().map(SortKey::expr));
        let vals = Expr::tuple(values.iter().cloned().map(Expr::val));
        if desc {
            cols.lt(vals).into_condition()
        } else {
            cols.gt(vals).into_condition()
        }
    };
    // The values after the first (all known: see `row_form`).
    let rest: Vec<Value> = values.iter().skip(1).flatten().cloned().collect();
    let first = keys[0].expr();
    match (&values[0], backward) {
        (Some(v), _) => {
            let all: Vec<Value> = std::iter::once(v.clone()).chain(rest).collect();
            After {
                main: row_after(keys, &all),
                // Forward, the NULLs of a nullable first key follow every value.
                tail: (!backward && keys[0].nullable()).then(|| first.is_null().into_condition()),
            }
        }
        (None, false) => After {
            main: null_then(first.is_null(), &keys[1..], &rest, row_after),
            tail: None,
        },
        (None, true) => After {
            main: null_then(first.clone().is_null(), &keys[1..], &rest, row_after),
            tail: Some(first.is_not_null().into_condition()),
        },
    }
}

/// `k1 IS NULL AND (k2..kn) after (v2..vn)`.
fn null_then<E: EntityTrait>(
    is_null: Expr,
    keys: &[SortKey<E>],
    values: &[Value],
    row_after: impl Fn(&[SortKey<E>], &[Value]) -> Condition,
) -> Condition {
    let mut c = Condition::all().add(is_null);
    if !keys.is_empty() {
        c = c.add(row_after(keys, values));
    }
    c
}

/// The general form, for orders that mix directions: one OR per key, filtered row by row.
fn after_condition_general<E: EntityTrait>(
    keys: &[SortKey<E>],
    values: &[Option<Value>],
    backward: bool,
) -> Condition {
    // Built from the last key inwards: after(k1..kn) = k1 > v1 OR (k1 = v1 AND after(k2..kn)).
    let mut acc: Option<Condition> = None;
    for (key, value) in keys.iter().zip(values).rev() {
        let desc = key.desc != backward;
        // Forward, nulls come last; walking backward they come first.
        let nulls_first = backward;
        let col = key.expr();
        let strictly: Condition = match value {
            None => {
                if nulls_first {
                    col.clone().is_not_null().into_condition()
                } else {
                    Condition::all().add(Expr::val(1).eq(0))
                }
            }
            Some(v) => {
                let cmp = if desc {
                    col.clone().lt(v.clone())
                } else {
                    col.clone().gt(v.clone())
                };
                if nulls_first || !key.nullable() {
                    cmp.into_condition()
                } else {
                    Condition::any().add(cmp).add(col.clone().is_null())
                }
            }
        };
        let equal: Expr = match value {
            None => col.is_null(),
            Some(v) => col.eq(v.clone()),
        };
        acc = Some(match acc {
            None => strictly,
            Some(rest) => Condition::any()
                .add(strictly)
                .add(Condition::all().add(equal).add(rest)),
        });
    }
    acc.unwrap_or_else(Condition::all)
}

/// ORDER BY the keys (walked backward if asked) onto a statement. NULLs go last forward and
/// first backward; a key that cannot be NULL gets no NULLS clause, so its order is the plain
/// one an index on `(k1 DESC NULLS LAST, id DESC)` gives (with `id DESC NULLS LAST`,
/// PostgreSQL cannot use that index's second column and sorts each group of equal `k1`).
fn order_rows<E: EntityTrait, S: OrderedStatement>(s: &mut S, keys: &[SortKey<E>], backward: bool) {
    for k in keys {
        let order = if k.desc != backward {
            Order::Desc
        } else {
            Order::Asc
        };
        if k.nullable() {
            let nulls = if backward {
                NullOrdering::First
            } else {
                NullOrdering::Last
            };
            s.order_by_expr_with_nulls(k.expr(), order, nulls);
        } else {
            s.order_by_expr(k.expr(), order);
        }
    }
}

/// Decodes a window's cursor against the list's scope into typed key values.
fn cursor_values<E: EntityTrait>(
    keys: &[SortKey<E>],
    window: &Window,
    scope: &str,
) -> ServiceResult<Option<Vec<Option<Value>>>> {
    let Some(raw) = &window.cursor else {
        return Ok(None);
    };
    let cursor = Cursor::parse(raw, scope)?;
    if cursor.values().len() != keys.len() {
        return Err(ServiceError::invalid(
            "the cursor does not match this list's ordering",
        ));
    }
    let values = keys
        .iter()
        .zip(cursor.values())
        .map(|(k, v)| from_key(k, v))
        .collect::<ServiceResult<Vec<_>>>()?;
    Ok(Some(values))
}

/// Checks a client's cursor before any query runs (resolvers call this so a bad cursor is
/// a clear error even when the list is loaded later in a batch).
pub fn validate_cursor<E: EntityTrait>(
    keys: &[SortKey<E>],
    window: &Window,
    scope: &str,
) -> ServiceResult<()> {
    cursor_values(keys, window, scope).map(|_| ())
}

/// A forward window's cursor decoded against its list, for the compiled read path: the
/// statement after it is written once per `form` and its values bound afresh, so the
/// conditions are only built when a statement of that form is first written.
pub struct AfterCursor<'k, E: EntityTrait> {
    keys: &'k [SortKey<E>],
    values: Vec<Option<Value>>,
}

impl<E: EntityTrait> AfterCursor<'_, E> {
    /// What the conditions' text depends on besides the list: which of the values are NULL.
    pub fn form(&self) -> String {
        self.values
            .iter()
            .map(|v| if v.is_some() { 'v' } else { 'n' })
            .collect()
    }

    /// The values `main` binds, in the order its text places them, when that is known without
    /// writing it (a row comparison); None for the general form (mixed directions).
    pub fn main_values(&self) -> Option<Vec<Value>> {
        row_form(self.keys, &self.values).then(|| self.values.iter().flatten().cloned().collect())
    }

    /// Whether a `tail` follows `main` (the NULLs of a nullable first key after a value); it
    /// binds no values.
    pub fn has_tail(&self) -> bool {
        row_form(self.keys, &self.values) && self.values[0].is_some() && self.keys[0].nullable()
    }

    /// The rows after the cursor: the `main` condition and, when a nullable first key puts
    /// NULLs after every value, the `tail` read after it.
    pub fn conditions(&self) -> (Condition, Option<Condition>) {
        let a = after_condition(self.keys, &self.values, false);
        (a.main, a.tail)
    }
}

/// Decodes a forward window's cursor for the compiled read path (None: no cursor).
pub fn after_cursor<'k, E: EntityTrait>(
    keys: &'k [SortKey<E>],
    window: &Window,
    scope: &str,
) -> ServiceResult<Option<AfterCursor<'k, E>>> {
    debug_assert!(!window.backward);
    Ok(cursor_values(keys, window, scope)?.map(|values| AfterCursor { keys, values }))
}

/// ORDER BY of a list read forward (see [`order_rows`]).
pub fn order_forward<E: EntityTrait>(q: &mut SelectStatement, keys: &[SortKey<E>]) {
    order_rows(q, keys, false);
}

pub fn cursor_of<E: EntityTrait>(keys: &[SortKey<E>], model: &E::Model, scope: &str) -> String
where
    E::Model: ModelTrait<Entity = E>,
{
    let values = keys.iter().map(|k| to_key(model.get(k.col))).collect();
    Cursor::new(scope, values).encode()
}

/// Runs `select` in the list's order after the cursor, at most `limit` rows: the `main` range
/// first, then the `tail` only if the range ran out (at most two statements, whatever the page).
async fn query_after<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    select: SelectStatement,
    keys: &[SortKey<E>],
    backward: bool,
    after: Option<After>,
    limit: u64,
) -> ServiceResult<Vec<sea_orm::QueryResult>> {
    let ordered = |mut q: SelectStatement, cond: Option<Condition>, n: u64| {
        if let Some(cond) = cond {
            q.cond_where(cond);
        }
        order_rows(&mut q, keys, backward);
        q.limit(n);
        q
    };
    let (main, tail) = match after {
        None => (None, None),
        Some(a) => (Some(a.main), a.tail),
    };
    let Some(tail) = tail else {
        return Ok(db.query_all(&ordered(select, main, limit)).await?);
    };
    let mut rows = db.query_all(&ordered(select.clone(), main, limit)).await?;
    let got = rows.len() as u64;
    if got < limit {
        rows.extend(
            db.query_all(&ordered(select, Some(tail), limit - got))
                .await?,
        );
    }
    Ok(rows)
}

/// Fetches one page of `select` (which selects the entity's columns, with any filters).
pub async fn fetch_page<E, C>(
    db: &C,
    select: SelectStatement,
    keys: &[SortKey<E>],
    window: &Window,
    scope: &str,
) -> ServiceResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: ModelTrait<Entity = E> + FromQueryResult,
    C: ConnectionTrait,
{
    let after = cursor_values(keys, window, scope)?
        .map(|values| after_condition(keys, &values, window.backward));
    let rows = query_after(db, select, keys, window.backward, after, window.limit + 1).await?;
    let mut models = rows
        .iter()
        .map(|r| E::Model::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let more = models.len() as u64 > window.limit;
    models.truncate(window.limit as usize);
    if window.backward {
        models.reverse();
    }
    let rows = models
        .into_iter()
        .map(|m| (cursor_of(keys, &m, scope), m))
        .collect();
    let has_cursor = window.cursor.is_some();
    Ok(if window.backward {
        Page {
            rows,
            has_next: has_cursor,
            has_prev: more,
        }
    } else {
        Page {
            rows,
            has_next: more,
            has_prev: has_cursor,
        }
    })
}

/// Fetches the first page of a nested list for many parents at once. `select` selects the
/// entity's columns plus the parent key as [`PARENT`], restricted to the parents wanted;
/// `parent` is the expression of that key. `scope_of` gives each parent's cursor scope.
pub async fn fetch_partitioned<E, C>(
    db: &C,
    mut select: SelectStatement,
    parent: Expr,
    keys: &[SortKey<E>],
    window: &Window,
    parents: &[i32],
    scope_of: impl Fn(i32) -> String,
) -> ServiceResult<HashMap<i32, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: ModelTrait<Entity = E> + FromQueryResult,
    C: ConnectionTrait,
{
    // A cursor belongs to one parent; batches with a cursor hold one parent (see loaders).
    let after = match parents.first() {
        Some(first) => cursor_values(keys, window, &scope_of(*first))?
            .map(|values| after_condition(keys, &values, false)),
        None => None,
    };
    let rows = if parents.len() == 1 {
        query_after(db, select, keys, false, after, window.limit + 1).await?
    } else {
        if let Some(after) = after {
            select.cond_where(match after.tail {
                None => after.main,
                Some(tail) => Condition::any().add(after.main).add(tail),
            });
        }
        let mut over = WindowStatement::new();
        over.add_partition_by(parent);
        order_rows(&mut over, keys, false);
        select.expr_window_as(Expr::cust("ROW_NUMBER()"), over, Alias::new(ROW_NUMBER));
        let outer = Query::select()
            .column(Asterisk)
            .from_subquery(select, Alias::new("t"))
            .and_where(Expr::col(Alias::new(ROW_NUMBER)).lte((window.limit + 1) as i64))
            .order_by(Alias::new(PARENT), Order::Asc)
            .order_by(Alias::new(ROW_NUMBER), Order::Asc)
            .to_owned();
        db.query_all(&outer).await?
    };
    let mut pages: HashMap<i32, Page<E::Model>> = HashMap::new();
    for row in &rows {
        let parent: i32 = row.try_get("", PARENT)?;
        let model = E::Model::from_query_result(row, "")?;
        let page = pages.entry(parent).or_default();
        if page.rows.len() as u64 >= window.limit {
            page.has_next = true;
            continue;
        }
        let cursor = cursor_of(keys, &model, &scope_of(parent));
        page.rows.push((cursor, model));
    }
    let has_cursor = window.cursor.is_some();
    for page in pages.values_mut() {
        page.has_prev = has_cursor;
    }
    Ok(pages)
}

/// `SELECT COUNT(*) FROM (select)`: the size of a whole list, only run when a client asks
/// for `totalCount`.
pub async fn count<C: ConnectionTrait>(db: &C, select: SelectStatement) -> ServiceResult<i64> {
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(select, Alias::new("c"))
        .to_owned();
    let row = db
        .query_one(&stmt)
        .await?
        .ok_or_else(|| ServiceError::Unexpected(anyhow::anyhow!("COUNT returned no row")))?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// Counts per parent for nested lists: `select` must select [`PARENT`] (and may select more).
pub async fn count_partitioned<C: ConnectionTrait>(
    db: &C,
    select: SelectStatement,
) -> ServiceResult<HashMap<i32, i64>> {
    let stmt = Query::select()
        .column(Alias::new(PARENT))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(select, Alias::new("c"))
        .group_by_col(Alias::new(PARENT))
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i32>("", PARENT)?, r.try_get::<i64>("", "n")?)))
        .collect()
}

/// Keeps `IdenStatic` in scope for callers building column references by name.
pub fn column_name<C: IdenStatic>(c: C) -> &'static str {
    c.as_str()
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, Query};

    use super::*;
    use crate::entities::{article, person};

    /// The values a condition binds, in the order its text places them.
    fn bound(c: Condition) -> Vec<Value> {
        let (_, values) = Query::select()
            .expr(Expr::cust("1"))
            .cond_where(c)
            .build(PostgresQueryBuilder);
        values.0
    }

    /// What the compiled read path binds without writing the conditions is what writing them
    /// binds, for every form of cursor; the general form says it must be written.
    #[test]
    fn a_cursor_binds_what_its_written_conditions_bind() {
        let date = || Some(Value::ChronoDateTimeUtc(Some(Utc::now())));
        let id = |i: i32| Some(Value::Int(Some(i)));
        let by_date = [
            SortKey::<article::Entity>::desc(article::Column::PublishedAt),
            SortKey::desc(article::Column::Id),
        ];
        for (values, tail) in [(vec![date(), id(7)], true), (vec![None, id(7)], false)] {
            let c = AfterCursor {
                keys: &by_date,
                values,
            };
            let (main, written_tail) = c.conditions();
            assert_eq!(c.main_values(), Some(bound(main)));
            assert_eq!(c.has_tail(), tail);
            assert_eq!(written_tail.is_some(), tail);
            assert_eq!(written_tail.map(bound).unwrap_or_default(), vec![]);
        }
        let c = AfterCursor {
            keys: &by_date,
            values: vec![date(), id(7)],
        };
        assert_eq!(c.form(), "vv");
        // Mixed directions: an OR per key, its values known only by writing it.
        let mixed = [
            SortKey::<person::Entity>::asc(person::Column::Name),
            SortKey::desc(person::Column::Id),
        ];
        let c = AfterCursor {
            keys: &mixed,
            values: vec![Some(Value::String(Some("A".into()))), id(3)],
        };
        assert_eq!(c.main_values(), None);
        assert!(!c.has_tail());
        assert!(!bound(c.conditions().0).is_empty());
    }
}
