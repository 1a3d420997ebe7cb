//! Relay cursor connections, one generic shape for every list.
use std::borrow::Cow;

use async_graphql::{Context, Object, OutputType, SimpleObject, TypeName};

use super::types::{Article, Casualty, Location, Organization, Person, Statement};
use crate::services::page::Page;

/// Where a page sits in its list, for pagers and infinite scroll.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// More rows follow the last one of this page (ask again with `after: endCursor`).
    pub has_next_page: bool,
    /// Rows come before the first one of this page (with `last/before`: ask again with `before: startCursor`).
    pub has_previous_page: bool,
    /// Cursor of the first row of this page; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the last row of this page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// Names the generic list types after their row type (`ArticleConnection`, `ArticleEdge`).
pub trait ListItem: OutputType + Clone {
    const CONNECTION: &'static str;
    const EDGE: &'static str;
}

macro_rules! list_item {
    ($($t:ident),*) => {$(
        impl ListItem for $t {
            const CONNECTION: &'static str = concat!(stringify!($t), "Connection");
            const EDGE: &'static str = concat!(stringify!($t), "Edge");
        }
    )*};
}
list_item!(Article, Person, Organization, Statement, Location, Casualty);

/// One row of a list with its cursor.
#[derive(Clone)]
pub struct Edge<T: ListItem> {
    pub node: T,
    pub cursor: String,
}

impl<T: ListItem> TypeName for Edge<T> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(T::EDGE)
    }
}

/// One row of a list with its cursor.
#[Object(name_type)]
impl<T: ListItem> Edge<T> {
    /// The row.
    async fn node(&self) -> &T {
        &self.node
    }
    /// Opaque position of this row: pass it as `after` (or `before`) to continue from here.
    async fn cursor(&self) -> &str {
        &self.cursor
    }
}

/// A page of a list. Cursors are keyset positions: stable while rows are added elsewhere in
/// the list, and only valid for the list they came from.
pub struct Connection<T: ListItem> {
    pub edges: Vec<Edge<T>>,
    pub page_info: PageInfo,
    /// Known when the client selected `totalCount` (computed only then).
    pub total: Option<i64>,
}

impl<T: ListItem> Connection<T> {
    pub fn from_page<M>(page: Page<M>, total: Option<i64>, wrap: impl Fn(M) -> T) -> Self {
        let page_info = PageInfo {
            has_next_page: page.has_next,
            has_previous_page: page.has_prev,
            start_cursor: page.rows.first().map(|(c, _)| c.clone()),
            end_cursor: page.rows.last().map(|(c, _)| c.clone()),
        };
        let edges = page
            .rows
            .into_iter()
            .map(|(cursor, m)| Edge {
                node: wrap(m),
                cursor,
            })
            .collect();
        Self {
            edges,
            page_info,
            total,
        }
    }
}

/// Whether the current connection field selects `totalCount` (the count is a query of its own).
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

impl<T: ListItem> TypeName for Connection<T> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(T::CONNECTION)
    }
}

/// A page of a list. Cursors are keyset positions: stable while rows are added elsewhere in
/// the list, and only valid for the list they came from.
#[Object(name_type)]
impl<T: ListItem> Connection<T> {
    /// The rows of this page with their cursors.
    async fn edges(&self) -> &Vec<Edge<T>> {
        &self.edges
    }

    /// The rows of this page, without cursors (shorthand for `edges { node }`).
    async fn nodes(&self) -> Vec<T> {
        self.edges.iter().map(|e| e.node.clone()).collect()
    }

    /// Where this page sits in the list.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many rows the whole list has (all pages, with the same filter).
    async fn total_count(&self) -> async_graphql::Result<i64> {
        self.total
            .ok_or_else(|| async_graphql::Error::new("totalCount was not computed for this list"))
    }
}

/// Cost of a list field for the query-complexity limit: its page size (20 when not given)
/// times the cost of one row, plus one for the field itself.
pub fn cost(first: Option<i32>, child_complexity: usize) -> usize {
    let n = first
        .unwrap_or(crate::services::page::DEFAULT_PAGE_SIZE)
        .clamp(0, crate::services::page::MAX_PAGE_SIZE) as usize;
    n.saturating_mul(child_complexity).saturating_add(1)
}
