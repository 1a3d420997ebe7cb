//! The compiled read path (PostgreSQL). A query whose every field maps onto a column or a
//! relation is translated into ONE SQL statement that builds the response's `data` in Postgres
//! (`json_build_object`, `json_agg`, one correlated subquery per relation), the strategy of
//! PostGraphile and Hasura: no per-field resolver, no per-row allocation in the server.
//!
//! It is an optimisation, never a second implementation of the schema's rules: it compiles
//! only query texts the resolvers have already run without errors (so the document is valid),
//! reuses the resolvers' relation definitions (`services::relations`), orderings and cursor
//! formats, parses arguments with the schema's own input types, and gives up (`None`: the
//! resolvers run) on anything it does not know — another field, a directive, an argument that
//! would be an error. Tests run every query both ways and compare the bytes.
use std::collections::BTreeSet;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet, TypeCondition,
};
use async_graphql::{ID, InputType, Name, Positioned, Variables};
use sea_orm::sea_query::{Condition, PostgresQueryBuilder, SelectStatement};
use sea_orm::{ColumnTrait, ColumnType, EntityTrait, IdenStatic, Iterable};

use super::analysis::{clamp, groupings, totals_kept};
use super::inputs::{ArticleFilter, ArticleOrder, CasualtyFilter, StatementOrder};
use crate::domain::cursor::scope_hash;
use crate::domain::node_id::{NodeId, NodeKind};
use crate::services::analysis::TotalsCache;
use crate::services::direct::DirectConnections;
use crate::services::page::{self, SortKey, Window};
use crate::services::read;
use crate::services::relations::{self as rel, OptsText, PagedRel, Parents};

/// One compiled operation: the statement (one `data` column of JSON text) and its parameters,
/// with the cost figures the resolver path reports for the same query.
#[derive(Debug)]
pub struct Compiled {
    pub sql: std::sync::Arc<str>,
    pub params: Vec<sea_orm::Value>,
    /// `requestedQueryCost`, as async-graphql's complexity analysis computes it.
    pub requested_cost: usize,
    /// `depth`, as async-graphql's depth analysis computes it.
    pub depth: usize,
    /// The casualty roll-up version the statement's totals were computed at: the statement
    /// also reads the current one, and a different one means they are stale.
    pub totals_version: Option<i64>,
}

/// Query texts the resolvers have run without errors, at most this many remembered.
const MAX_VALIDATED: usize = 4096;

/// Compiled statement texts remembered, by query text and shape (at most this many).
const MAX_STATEMENTS: usize = 4096;

/// Sub-statements that read no request's values (a nested list's page without a cursor, its
/// count, a place's children), by everything their construction depends on: their text (with
/// placeholders from `$1`) and values, built with sea-query once instead of at every request.
#[derive(Default)]
pub struct StatementMemo {
    built: std::sync::RwLock<crate::FastMap<String, Built>>,
}

/// A sub-statement's text and values.
type Built = std::sync::Arc<(String, Vec<sea_orm::Value>)>;

/// Sub-statements remembered (at most this many).
const MAX_MEMO: usize = 4096;

impl StatementMemo {
    fn get_or_build(&self, key: String, build: impl FnOnce() -> SelectStatement) -> Built {
        if let Some(hit) = self.built.read().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let (sql, values) = build().build(PostgresQueryBuilder);
        let built = std::sync::Arc::new((sql, values.0));
        if let Ok(mut m) = self.built.write() {
            if m.len() >= MAX_MEMO {
                m.clear();
            }
            m.insert(key, built.clone());
        }
        built
    }
}

/// What a compiled statement's text depends on besides the query text: the operation and the
/// shape of the variables' values (see [`Cx::shape`]); never the values that go into
/// parameters.
type StatementKey = (Option<Box<str>>, String);

/// The statements written for one query text, by operation and shape.
type Shapes = Vec<(StatementKey, std::sync::Arc<Remembered>)>;

/// Shapes remembered for one query text at most (its list empties when full).
const MAX_SHAPES: usize = 64;

/// Remembered statement texts: by query text (looked up without copying it), then by
/// operation and shape; at most [`MAX_STATEMENTS`] in all (then all are forgotten).
#[derive(Default)]
struct Statements {
    by_query: crate::FastMap<Box<str>, Shapes>,
    count: usize,
}

impl Statements {
    fn get(&self, query: &str, operation_name: Option<&str>, shape: &str) -> Option<&Remembered> {
        self.by_query
            .get(query)?
            .iter()
            .find(|((op, s), _)| op.as_deref() == operation_name && s == shape)
            .map(|(_, r)| &**r)
    }

    fn insert(&mut self, query: &str, key: StatementKey, remembered: Remembered) {
        if self.count >= MAX_STATEMENTS {
            self.by_query.clear();
            self.count = 0;
        }
        let shapes = self.by_query.entry(query.into()).or_default();
        if shapes.iter().any(|(k, _)| *k == key) {
            return;
        }
        if shapes.len() >= MAX_SHAPES {
            self.count -= shapes.len();
            shapes.clear();
        }
        shapes.push((key, std::sync::Arc::new(remembered)));
        self.count += 1;
    }
}

/// A statement text written once for a shape, with what the shape fixes besides: the query's
/// cost and depth (they read only the document and the page sizes, which the shape holds).
struct Remembered {
    sql: std::sync::Arc<str>,
    requested_cost: usize,
    depth: usize,
}

/// The compiled read path's state: which query texts are known valid, the roll-ups the
/// resolvers computed, and its counters.
#[derive(Default)]
pub struct CompiledReads {
    validated: std::sync::RwLock<crate::FastSet<Box<str>>>,
    totals: std::sync::Arc<TotalsCache>,
    /// Connections of its own (no ping after each statement); None: the main pool.
    direct: Option<DirectConnections>,
    /// Statement texts already written, by what they depend on: a request of a known shape
    /// only computes its parameters (a fifth of the server's CPU on a keyset page was
    /// writing the same SQL text again).
    statements: std::sync::RwLock<Statements>,
    /// Sub-statements built once (see [`StatementMemo`]).
    memo: StatementMemo,
    /// Compilations whose statement text was remembered.
    pub statement_hits: std::sync::atomic::AtomicU64,
    /// Requests answered by a compiled statement.
    pub runs: std::sync::atomic::AtomicU64,
    /// Compiled statements that failed (the resolvers answered instead).
    pub failures: std::sync::atomic::AtomicU64,
}

impl CompiledReads {
    /// Shares the roll-ups the schema's resolvers compute (`casualtyTotals`); runs its
    /// statements on `direct` when given, else on the main pool.
    pub fn new(totals: std::sync::Arc<TotalsCache>, direct: Option<DirectConnections>) -> Self {
        Self {
            totals,
            direct,
            ..Self::default()
        }
    }

    /// Compiles the operation to run (see [`compile`]): the parameters and the shape first,
    /// the statement's text only when that shape of `query` has not been compiled before.
    pub fn compile(
        &self,
        query: &str,
        doc: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<Compiled> {
        use std::sync::atomic::Ordering::Relaxed;
        let memo = Some(&self.memo);
        let mut params = pass(doc, operation_name, variables, &self.totals, memo, false)?;
        let known = self.statements.read().ok().and_then(|m| {
            m.get(query, operation_name, &params.shape)
                .map(|r| (r.sql.clone(), r.requested_cost, r.depth))
        });
        if let Some((sql, requested_cost, depth)) = known {
            self.statement_hits.fetch_add(1, Relaxed);
            params.requested_cost = requested_cost;
            params.depth = depth;
            // Debug builds (the tests) check every remembered text against a fresh one, built
            // without the memo (the parameters too, unless the roll-ups changed in between).
            if cfg!(debug_assertions) {
                let fresh = pass(doc, operation_name, variables, &self.totals, None, true)?;
                assert_eq!(
                    (&*sql, &params.shape, params.requested_cost, params.depth),
                    (
                        fresh.sql.as_str(),
                        &fresh.shape,
                        fresh.requested_cost,
                        fresh.depth
                    ),
                    "a remembered statement differs from a fresh one: {query} {variables}"
                );
                if fresh.totals_version == params.totals_version {
                    assert_eq!(params.params, fresh.params, "{query} {variables}");
                }
            }
            return Some(params.compiled(sql));
        }
        // The parameters are this pass's (the roll-ups may have moved since the first).
        let full = pass(doc, operation_name, variables, &self.totals, memo, true)?;
        let sql: std::sync::Arc<str> = full.sql.as_str().into();
        if full.shape != params.shape {
            // Never expected: both passes make the same choices. Nothing is remembered.
            tracing::error!(query, "compiled statement shape differs between passes");
            return Some(full.compiled(sql));
        }
        if let Ok(mut m) = self.statements.write() {
            let remembered = Remembered {
                sql: sql.clone(),
                requested_cost: full.requested_cost,
                depth: full.depth,
            };
            let key = (operation_name.map(Into::into), full.shape.clone());
            m.insert(query, key, remembered);
        }
        Some(full.compiled(sql))
    }

    /// Whether the resolvers have run this query text without errors (so it is valid).
    pub fn is_validated(&self, query: &str) -> bool {
        self.validated
            .read()
            .map(|v| v.contains(query))
            .unwrap_or(false)
    }

    /// Remembers a query text the resolvers ran without errors.
    pub fn validated(&self, query: &str) {
        if let Ok(mut v) = self.validated.write() {
            if v.len() >= MAX_VALIDATED {
                v.clear();
            }
            v.insert(query.into());
        }
    }

    /// Runs a compiled operation: appends the response's `data` as compact JSON to `out` and
    /// returns it with its `actualQueryCost` (one point a field); `None` when roll-ups it used
    /// are stale.
    pub async fn run(
        &self,
        db: &sea_orm::DatabaseConnection,
        compiled: Compiled,
        mut out: Vec<u8>,
    ) -> Result<Option<(Vec<u8>, u64)>, sea_orm::DbErr> {
        use sea_orm::sqlx::Row;
        tracing::debug!(sql = %compiled.sql, params = ?compiled.params, "compiled read");
        let expected = compiled.totals_version;
        let err = |e: sea_orm::sqlx::Error| sea_orm::DbErr::Custom(e.to_string());
        let reads_version = expected.is_some();
        let fetched = self.fetch(db, compiled).await?;
        // The text is read where the driver's row holds it, never copied into a String first.
        let (data, version): (std::borrow::Cow<'_, str>, Option<i64>) = match &fetched {
            Fetched::Direct(row) => (
                row.try_get::<&str, _>("data").map_err(err)?.into(),
                match reads_version {
                    true => row.try_get("v").map_err(err)?,
                    false => None,
                },
            ),
            Fetched::Pool(row) => (
                row.try_get::<String>("", "data")?.into(),
                match reads_version {
                    true => row.try_get("", "v")?,
                    false => None,
                },
            ),
        };
        if version != expected {
            return Ok(None);
        }
        let members = minify_into(data.as_bytes(), &mut out);
        Ok(Some((out, members)))
    }

    /// The statement's row: from the path's own connections, or from the main pool for
    /// parameters those do not bind.
    async fn fetch(
        &self,
        db: &sea_orm::DatabaseConnection,
        compiled: Compiled,
    ) -> Result<Fetched, sea_orm::DbErr> {
        use sea_orm::ConnectionTrait;
        if let Some(direct) = &self.direct
            && let Some(row) = direct
                .fetch_one(&compiled.sql, &compiled.params)
                .await
                .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
        {
            return Ok(Fetched::Direct(row));
        }
        let stmt = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            compiled.sql.to_string(),
            compiled.params,
        );
        let row = db.query_one_raw(stmt).await?.ok_or_else(|| {
            sea_orm::DbErr::Custom("the compiled statement returned no row".into())
        })?;
        Ok(Fetched::Pool(row))
    }
}

/// A compiled statement's one row (`data`, and `v` when it reads the roll-ups' version).
enum Fetched {
    Direct(sea_orm::sqlx::postgres::PgRow),
    Pool(sea_orm::QueryResult),
}

/// What an object none of whose fields apply is written as.
const NULL_OBJECT: &str = "NULL::json";

/// `json_build_object` takes at most 100 arguments.
const MAX_KEYS: usize = 50;

/// Compiles the operation to run, or `None` when any part of it is not compilable.
pub fn compile(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    totals: &TotalsCache,
) -> Option<Compiled> {
    let full = pass(doc, operation_name, variables, totals, None, true)?;
    let sql = full.sql.as_str().into();
    Some(full.compiled(sql))
}

/// One pass of the compiler over an operation: the statement's text (when asked for), its
/// parameters and its shape.
struct Pass {
    sql: String,
    params: Vec<sea_orm::Value>,
    shape: String,
    requested_cost: usize,
    depth: usize,
    totals_version: Option<i64>,
}

impl Pass {
    fn compiled(self, sql: std::sync::Arc<str>) -> Compiled {
        Compiled {
            sql,
            params: self.params,
            requested_cost: self.requested_cost,
            depth: self.depth,
            totals_version: self.totals_version,
        }
    }
}

/// Walks the operation making every choice the statement depends on; writes its text only
/// when `emit` (without it, the same choices in the same order give the same parameters and
/// shape: what a remembered text needs).
fn pass(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    totals: &TotalsCache,
    memo: Option<&StatementMemo>,
    emit: bool,
) -> Option<Pass> {
    let op = operation(doc, operation_name)?;
    if op.ty != OperationType::Query || !op.directives.is_empty() {
        return None;
    }
    let mut vars = Vec::with_capacity(op.variable_definitions.len());
    for def in &op.variable_definitions {
        let name = &def.node.name.node;
        let value = match variables.get(name) {
            Some(v) => v.clone(),
            None => match &def.node.default_value {
                Some(d) => d.node.clone(),
                None => continue,
            },
        };
        vars.push((name.clone(), value));
    }
    let mut cx = Cx {
        doc,
        vars,
        params: Vec::new(),
        aliases: 0,
        totals,
        totals_version: None,
        memo,
        emit,
        shape: String::new(),
    };
    let root = &op.selection_set.node;
    let fields = cx.fields(&[root], "Query")?;
    if fields.len() > MAX_KEYS {
        return None;
    }
    let mut parts = Vec::with_capacity(fields.len());
    for (key, fs) in fields {
        let expr = cx.root_field(fs[0], &subsets(&fs))?;
        if emit {
            parts.push(pair(key, &expr));
        }
    }
    // The cost and depth read only the document and the page sizes (in the shape): the
    // parameters-only pass leaves them to the remembered statement.
    let mut depth = 0;
    let requested_cost = match emit {
        true => cx.cost(root, "Query", 0, &mut depth)?,
        false => 0,
    };
    let version = match cx.totals_version {
        Some(_) => {
            ", (SELECT \"version\" FROM \"data_version\" WHERE \"name\" = 'casualty_totals') AS v"
        }
        None => "",
    };
    cx.mark(version);
    let sql = match emit {
        true => format!("SELECT ({})::text AS data{version}", json_object(&parts)?),
        false => String::new(),
    };
    Some(Pass {
        sql,
        params: cx.params,
        shape: cx.shape,
        requested_cost,
        depth,
        totals_version: cx.totals_version,
    })
}

/// The operation a request runs: the one named, or the document's only one.
pub fn operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n).map(|o| &o.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|o| &o.node)
        }
        _ => None,
    }
}

/// The selection sets of fields merged under one response key.
fn subsets<'d>(fs: &[&'d Positioned<Field>]) -> Vec<&'d SelectionSet> {
    fs.iter().map(|f| &f.node.selection_set.node).collect()
}

fn pair(key: &str, expr: &str) -> String {
    // Response keys are GraphQL names ([_A-Za-z][_0-9A-Za-z]*): safe inside a literal.
    format!("'{key}', {expr}")
}

fn json_object(parts: &[String]) -> Option<String> {
    (parts.len() <= MAX_KEYS).then(|| format!("json_build_object({})", parts.join(", ")))
}

fn col(row: &str, column: &str) -> String {
    concat(&[row, ".\"", column, "\""])
}

/// The parts one after the other: what `format!` would write for plain strings, without its
/// machinery (the parameters-only pass runs at every request).
fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Appends `key` (`,"name":` written out) and an integer or `null`.
fn json_member(out: &mut String, key: &str, v: Option<i64>) {
    out.push_str(key);
    match v {
        Some(n) => out.push_str(itoa::Buffer::new().format(n)),
        None => out.push_str("null"),
    }
}

/// Appends `key` and a JSON string or `null`.
fn json_text(out: &mut String, key: &str, v: Option<&str>) {
    out.push_str(key);
    match v {
        // Writing a `&str` as JSON cannot fail.
        Some(t) => out.push_str(&serde_json::to_string(t).unwrap_or_default()),
        None => out.push_str("null"),
    }
}

fn sql_bool(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Values PostgreSQL writes plainly and [`minify_into`] finishes: their key carries a marker, a
/// control character no response key (a GraphQL name) can contain, and a letter saying what
/// the value becomes. Encoding node IDs and timestamps in SQL was a fifth of PostgreSQL's
/// work on the front page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Finish {
    /// An integer id, written as the node ID of this kind.
    Id(NodeKind),
    /// `to_json(timestamp AT TIME ZONE 'UTC')`, written as RFC 3339 the way chrono does.
    DateTime,
    /// A double, written as serde_json does (whole numbers keep a `.0`).
    Float,
    /// A cursor: PostgreSQL writes `[scope hash, key values...]`, the key's marker says how
    /// each value travels ([`cursor_kinds`]) and the server encodes it as `domain::cursor`
    /// does (writing it in SQL cost PostgreSQL a tenth of a keyset page).
    Cursor,
}

impl Finish {
    fn code(self) -> char {
        match self {
            Finish::Id(NodeKind::Article) => 'A',
            Finish::Id(NodeKind::Person) => 'P',
            Finish::Id(NodeKind::Organization) => 'O',
            Finish::Id(NodeKind::Statement) => 'S',
            Finish::Id(NodeKind::Location) => 'L',
            Finish::Id(NodeKind::Casualty) => 'C',
            Finish::DateTime => 'T',
            Finish::Float => 'F',
            Finish::Cursor => 'K',
        }
    }

    fn of(code: u8) -> Option<Self> {
        Some(match code {
            b'A' => Finish::Id(NodeKind::Article),
            b'P' => Finish::Id(NodeKind::Person),
            b'O' => Finish::Id(NodeKind::Organization),
            b'S' => Finish::Id(NodeKind::Statement),
            b'L' => Finish::Id(NodeKind::Location),
            b'C' => Finish::Id(NodeKind::Casualty),
            b'T' => Finish::DateTime,
            b'F' => Finish::Float,
            b'K' => Finish::Cursor,
            _ => return None,
        })
    }
}

/// A member whose value [`minify_into`] finishes: the key with its marker (PostgreSQL escapes the
/// control character as `\u0001`).
fn pair_finished(key: &str, finish: Finish, expr: &str) -> String {
    format!("E'\\001{}{key}', {expr}", finish.code())
}

/// A cursor member: its marker carries how each key travels, up to a `.` (no response key
/// has one).
fn pair_cursor(key: &str, kinds: &str, expr: &str) -> String {
    format!("E'\\001K{kinds}.{key}', {expr}")
}

fn date(e: &str) -> String {
    format!("to_char({e}, 'YYYY-MM-DD')")
}

/// How a scalar column is written in the response.
#[derive(Clone, Copy)]
enum Fmt {
    /// Text, integers, booleans and the enums (stored as their GraphQL names).
    Plain,
    DateTime,
    Date,
    Float,
}

/// The nested lists with cursor paging the compiler knows, by their relation.
#[derive(Clone, Copy)]
enum Rel {
    ArticlePeople,
    ArticleOrganizations,
    ArticleLocations,
    ArticleStatements,
    ArticleCasualties,
    PersonStatements,
    PersonArticles,
    OrganizationStatements,
    OrganizationArticles,
    LocationArticles,
    LocationStatements,
    LocationCasualties,
}

/// What a field of an object type is.
#[derive(Clone, Copy)]
enum Kind {
    Typename,
    Id(NodeKind),
    Col(&'static str, Fmt),
    /// Always null in the lists the compiler serves (`Location.distanceKm`).
    Null,
    /// A row of `ty` by the foreign key in `column`.
    ToOne(&'static str, &'static str),
    /// A person or an organization, by the two foreign keys.
    Speaker(&'static str, &'static str),
    Children,
    Paged(Rel, &'static str),
}

fn classify(ty: &str, field: &str) -> Option<Kind> {
    use Fmt::*;
    use Kind::*;
    if field == "__typename" {
        return Some(Typename);
    }
    Some(match (ty, field) {
        ("Article", "id") => Id(NodeKind::Article),
        ("Article", "url") => Col("url", Plain),
        ("Article", "title") => Col("title", Plain),
        ("Article", "summary") => Col("summary", Plain),
        ("Article", "body") => Col("body", Plain),
        ("Article", "source") => Col("source", Plain),
        ("Article", "publishedAt") => Col("published_at", DateTime),
        ("Article", "ingestedAt") => Col("ingested_at", DateTime),
        ("Article", "people") => Paged(Rel::ArticlePeople, "Person"),
        ("Article", "organizations") => Paged(Rel::ArticleOrganizations, "Organization"),
        ("Article", "locations") => Paged(Rel::ArticleLocations, "Location"),
        ("Article", "statements") => Paged(Rel::ArticleStatements, "Statement"),
        ("Article", "casualties") => Paged(Rel::ArticleCasualties, "Casualty"),
        ("Person", "id") => Id(NodeKind::Person),
        ("Person", "name") => Col("name", Plain),
        ("Person", "role") => Col("role", Plain),
        ("Person", "wikidataId") => Col("wikidata_id", Plain),
        ("Person", "affiliation") => ToOne("Organization", "affiliation_id"),
        ("Person", "statements") => Paged(Rel::PersonStatements, "Statement"),
        ("Person", "articles") => Paged(Rel::PersonArticles, "Article"),
        ("Organization", "id") => Id(NodeKind::Organization),
        ("Organization", "name") => Col("name", Plain),
        ("Organization", "kind") => Col("kind", Plain),
        ("Organization", "wikidataId") => Col("wikidata_id", Plain),
        ("Organization", "country") => ToOne("Location", "country_id"),
        ("Organization", "statements") => Paged(Rel::OrganizationStatements, "Statement"),
        ("Organization", "articles") => Paged(Rel::OrganizationArticles, "Article"),
        ("Statement", "id") => Id(NodeKind::Statement),
        ("Statement", "text") => Col("text", Plain),
        ("Statement", "kind") => Col("kind", Plain),
        ("Statement", "saidAt") => Col("said_at", Date),
        ("Statement", "speaker") => Speaker("speaker_person_id", "speaker_organization_id"),
        ("Statement", "article") => ToOne("Article", "article_id"),
        ("Statement", "place") => ToOne("Location", "place_id"),
        ("Location", "id") => Id(NodeKind::Location),
        ("Location", "name") => Col("name", Plain),
        ("Location", "kind") => Col("kind", Plain),
        ("Location", "latitude") => Col("latitude", Float),
        ("Location", "longitude") => Col("longitude", Float),
        ("Location", "wikidataId") => Col("wikidata_id", Plain),
        ("Location", "distanceKm") => Null,
        ("Location", "parent") => ToOne("Location", "parent_id"),
        ("Location", "children") => Children,
        ("Location", "articles") => Paged(Rel::LocationArticles, "Article"),
        ("Location", "statements") => Paged(Rel::LocationStatements, "Statement"),
        ("Location", "casualties") => Paged(Rel::LocationCasualties, "Casualty"),
        ("Casualty", "id") => Id(NodeKind::Casualty),
        ("Casualty", "category") => Col("category", Plain),
        ("Casualty", "population") => Col("population", Plain),
        ("Casualty", "countMin") => Col("count_min", Plain),
        ("Casualty", "countMax") => Col("count_max", Plain),
        ("Casualty", "qualifier") => Col("qualifier", Plain),
        ("Casualty", "phrase") => Col("phrase", Plain),
        ("Casualty", "periodStart") => Col("period_start", Date),
        ("Casualty", "asOf") => Col("as_of", Date),
        ("Casualty", "location") => ToOne("Location", "location_id"),
        ("Casualty", "reportedBy") => {
            Speaker("reported_by_person_id", "reported_by_organization_id")
        }
        ("Casualty", "article") => ToOne("Article", "article_id"),
        // The rows of `json_to_recordset` that `casualtyTotals` compiles to.
        ("CasualtyTotal", "category") => Col("c", Plain),
        ("CasualtyTotal", "population") => Col("p", Plain),
        ("CasualtyTotal", "location") => ToOne("Location", "l"),
        ("CasualtyTotal", "reportedBy") => Speaker("rp", "ro"),
        ("CasualtyTotal", "countMin") => Col("mn", Plain),
        ("CasualtyTotal", "countMax") => Col("mx", Plain),
        ("CasualtyTotal", "figures") => Col("f", Plain),
        _ => return None,
    })
}

fn table(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "Article" => "article",
        "Person" => "person",
        "Organization" => "organization",
        "Statement" => "statement",
        "Location" => "location",
        "Casualty" => "casualty",
        _ => return None,
    })
}

/// The field's argument names, each one of `allowed`.
fn only_args(f: &Field, allowed: &[&str]) -> bool {
    f.arguments
        .iter()
        .all(|(n, _)| allowed.contains(&n.node.as_str()))
}

struct Cx<'d> {
    doc: &'d ExecutableDocument,
    /// The operation's variables (a few: found by a scan), defaults applied.
    vars: Vec<(Name, async_graphql::Value)>,
    params: Vec<sea_orm::Value>,
    aliases: usize,
    totals: &'d TotalsCache,
    /// The version of the roll-ups used (all of one version, or the query is not compiled).
    totals_version: Option<i64>,
    /// Where sub-statements that read no request's values are built once (None: always built).
    memo: Option<&'d StatementMemo>,
    /// Whether the statement's text is written (else only parameters and shape).
    emit: bool,
    /// Every choice the text depends on beyond the document: the text of each sea-query
    /// statement (its conditions, orders and columns, values as placeholders) and the marks
    /// of [`Cx::mark`] (page sizes, cursor or none, orders). Two passes with the same shape
    /// write the same text.
    shape: String,
}

/// A connection's parent row and, when it is one known row, its id (cursors name their list
/// by the parent, so they can only be written where the parent is known).
struct Parent<'a> {
    row: &'a str,
    known: Option<i32>,
}

type Fields<'d> = Vec<(&'d str, Vec<&'d Positioned<Field>>)>;

impl<'d> Cx<'d> {
    fn alias(&mut self) -> String {
        self.aliases += 1;
        concat(&["t", itoa::Buffer::new().format(self.aliases)])
    }

    /// Binds `v`; its placeholder (only written when the text is).
    fn param(&mut self, v: sea_orm::Value) -> String {
        self.params.push(v);
        match self.emit {
            true => format!("${}", self.params.len()),
            false => String::new(),
        }
    }

    /// Records a choice the statement's text depends on (see `shape`).
    fn mark(&mut self, choice: impl std::fmt::Display) {
        use std::fmt::Write;
        let _ = write!(self.shape, "{choice}\u{1f}");
    }

    /// A statement built with sea-query, its `$n` placeholders renumbered after ours.
    fn statement(&mut self, stmt: &SelectStatement) -> String {
        let (sql, values) = stmt.build(PostgresQueryBuilder);
        self.built(&sql, values.0)
    }

    /// A statement whose construction reads nothing but `key` (never a request's values): from
    /// the memo when there is one and `key` is given, else built as [`Cx::statement`] does.
    fn constant_statement(
        &mut self,
        key: Option<String>,
        build: impl FnOnce() -> SelectStatement,
    ) -> String {
        // The key determines the text (the memo's premise, checked in debug builds), so the
        // shape records the key: shorter to write and to hash at every request than the text.
        let Some(key) = key else {
            return self.statement(&build());
        };
        self.mark(&key);
        match self.memo {
            Some(memo) => {
                let built = memo.get_or_build(key, build);
                self.placed(&built.0, built.1.clone())
            }
            None => {
                let (sql, values) = build().build(PostgresQueryBuilder);
                self.placed(&sql, values.0)
            }
        }
    }

    /// A statement whose construction reads nothing but `key` and a cursor's condition (its
    /// range): its text depends on the condition's `form` (which values are null), not on its
    /// values, so it is remembered by `key` and that form, and the condition's `values` are
    /// bound afresh (they are the statement's last values: nothing after the WHERE has any;
    /// debug builds check every reuse against a fresh build). `cond` is only built when the
    /// statement is written, or when `values` is None: its general form is then written to
    /// learn them.
    fn after_statement(
        &mut self,
        key: Option<String>,
        form: &str,
        values: Option<Vec<sea_orm::Value>>,
        cond: impl FnOnce() -> Condition,
        build: impl FnOnce(Condition) -> SelectStatement,
    ) -> String {
        use sea_orm::sea_query::{Expr, Query};
        let Some(key) = key else {
            return self.statement(&build(cond()));
        };
        let cond = std::cell::LazyCell::new(cond);
        let (key, fresh) = match values {
            Some(values) => {
                let mut key = key;
                key.push('|');
                key.push_str(form);
                (key, values)
            }
            None => {
                let (text, fresh) = Query::select()
                    .expr(Expr::cust("1"))
                    .cond_where((*cond).clone())
                    .build(PostgresQueryBuilder);
                (format!("{key}|{text}"), fresh.0)
            }
        };
        self.mark(&key);
        let built = match self.memo {
            Some(memo) => memo.get_or_build(key, || build((*cond).clone())),
            None => {
                let (sql, values) = build((*cond).clone()).build(PostgresQueryBuilder);
                return self.placed(&sql, values.0);
            }
        };
        let kept = built.1.len().saturating_sub(fresh.len());
        let mut values = built.1[..kept].to_vec();
        values.extend(fresh);
        self.placed(&built.0, values)
    }

    fn built(&mut self, sql: &str, values: Vec<sea_orm::Value>) -> String {
        self.mark(sql);
        self.placed(sql, values)
    }

    /// A statement's values appended to ours, its text renumbered after them (when written).
    fn placed(&mut self, sql: &str, values: Vec<sea_orm::Value>) -> String {
        let offset = self.params.len();
        self.params.extend(values);
        match self.emit {
            true => renumber(sql, offset),
            false => String::new(),
        }
    }

    /// An argument's value with variables substituted (None when absent).
    fn arg_value(&self, f: &Field, name: &str) -> Option<async_graphql::Value> {
        let v = f.get_argument(name)?;
        v.node
            .clone()
            .into_const_with(|var| {
                Ok::<_, std::convert::Infallible>(
                    self.vars
                        .iter()
                        .find(|(n, _)| *n == var)
                        .map_or(async_graphql::Value::Null, |(_, v)| v.clone()),
                )
            })
            .ok()
    }

    /// An argument parsed by the schema's own input type; `None` when it would be an error.
    fn arg<T: InputType>(&self, f: &Field, name: &str) -> Option<T> {
        T::parse(self.arg_value(f, name)).ok()
    }

    fn arg_is_null(&self, f: &Field, name: &str) -> bool {
        matches!(
            self.arg_value(f, name),
            None | Some(async_graphql::Value::Null)
        )
    }

    /// CollectFields for one runtime type: response keys in query order with the fields merged
    /// under each. `None` on directives (`@skip`/`@include` stay with the resolvers).
    fn fields(&self, sets: &[&'d SelectionSet], ty: &str) -> Option<Fields<'d>> {
        let mut out: Fields<'d> = Vec::new();
        for set in sets {
            self.walk(set, Some(ty), &mut out, 0)?;
        }
        // Without fragments, every field applies: already in the selection's order.
        if sets.iter().all(|s| {
            s.items
                .iter()
                .all(|i| matches!(i.node, Selection::Field(_)))
        }) {
            return Some(out);
        }
        // The resolvers' responses put keys in the order they first appear in the selection,
        // fragments on other types included (`http::field_order`): the same order here.
        let mut all: Fields<'d> = Vec::new();
        for set in sets {
            self.walk(set, None, &mut all, 0)?;
        }
        out.sort_by_key(|(k, _)| all.iter().position(|(a, _)| a == k));
        Some(out)
    }

    /// Collects the fields of `set` that apply to `ty` (`None`: every fragment's).
    fn walk(
        &self,
        set: &'d SelectionSet,
        ty: Option<&str>,
        out: &mut Fields<'d>,
        depth: usize,
    ) -> Option<()> {
        if depth > 32 {
            return None;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if !f.node.directives.is_empty() {
                        return None;
                    }
                    let key = f.node.response_key().node.as_str();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fs)) => fs.push(f),
                        None => out.push((key, vec![f])),
                    }
                }
                Selection::InlineFragment(frag) => {
                    if !frag.node.directives.is_empty() {
                        return None;
                    }
                    if ty.is_none_or(|t| {
                        applies(frag.node.type_condition.as_ref().map(|c| &c.node), t)
                    }) {
                        self.walk(&frag.node.selection_set.node, ty, out, depth + 1)?;
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if !spread.node.directives.is_empty() {
                        return None;
                    }
                    let frag = self.doc.fragments.get(&spread.node.fragment_name.node)?;
                    if ty.is_none_or(|t| applies(Some(&frag.node.type_condition.node), t)) {
                        self.walk(&frag.node.selection_set.node, ty, out, depth + 1)?;
                    }
                }
            }
        }
        Some(())
    }

    fn root_field(
        &mut self,
        f: &'d Positioned<Field>,
        sets: &[&'d SelectionSet],
    ) -> Option<String> {
        let f = &f.node;
        let by_id = |ty: &'static str, kind: NodeKind, other: &'static str| (ty, kind, other);
        let (ty, kind, other) = match f.name.node.as_str() {
            "__typename" => return Some("'Query'".into()),
            "articles" => return self.root_articles(f, sets),
            "casualtyTotals" => return self.casualty_totals(f, sets),
            "article" => by_id("Article", NodeKind::Article, "url"),
            "person" => by_id("Person", NodeKind::Person, "name"),
            "location" => by_id("Location", NodeKind::Location, "name"),
            "organization" => by_id("Organization", NodeKind::Organization, ""),
            _ => return None,
        };
        if !only_args(f, &["id", other]) || !self.arg_is_null(f, other) {
            return None;
        }
        let id: ID = self.arg::<Option<ID>>(f, "id")??;
        let n = NodeId::parse_as(&id, &[kind]).ok()?.id();
        let row = self.alias();
        let obj = self.object(ty, &row, sets, Some(n))?;
        let p = self.param(sea_orm::Value::Int(Some(n)));
        if !self.emit {
            return Some(String::new());
        }
        Some(format!(
            "(SELECT {obj} FROM \"{}\" {row} WHERE {row}.\"id\" = {p})",
            table(ty)?
        ))
    }

    /// One object of `ty` from the row `row` (`known`: its id when it is one known row).
    fn object(
        &mut self,
        ty: &str,
        row: &str,
        sets: &[&'d SelectionSet],
        known: Option<i32>,
    ) -> Option<String> {
        let fields = self.fields(sets, ty)?;
        if fields.is_empty() {
            // An object none of whose fragments apply answers null, as with the resolvers.
            return Some(NULL_OBJECT.into());
        }
        if fields.len() > MAX_KEYS {
            return None;
        }
        let mut parts = Vec::with_capacity(fields.len());
        for (key, fs) in fields {
            let f = &fs[0].node;
            let sub = subsets(&fs);
            let kind = classify(ty, f.name.node.as_str())?;
            if !matches!(kind, Kind::Paged(..)) && !f.arguments.is_empty() {
                return None;
            }
            if !self.emit
                && matches!(
                    kind,
                    Kind::Typename | Kind::Id(_) | Kind::Null | Kind::Col(..)
                )
            {
                continue;
            }
            let expr = match kind {
                Kind::Typename => format!("'{ty}'"),
                Kind::Id(k) => {
                    parts.push(pair_finished(key, Finish::Id(k), &col(row, "id")));
                    continue;
                }
                Kind::Null => "NULL".into(),
                Kind::Col(c, fmt) => {
                    let e = col(row, c);
                    match fmt {
                        Fmt::Plain => e,
                        Fmt::Date => date(&e),
                        Fmt::DateTime => {
                            let v = format!("to_json({e} AT TIME ZONE 'UTC')");
                            parts.push(pair_finished(key, Finish::DateTime, &v));
                            continue;
                        }
                        Fmt::Float => {
                            let v = format!("to_json({e})");
                            parts.push(pair_finished(key, Finish::Float, &v));
                            continue;
                        }
                    }
                }
                Kind::ToOne(target, fk) => self.single(target, &col(row, fk), &sub)?,
                Kind::Speaker(person, org) => {
                    let p = self.single("Person", &col(row, person), &sub)?;
                    let o = self.single("Organization", &col(row, org), &sub)?;
                    format!("COALESCE({p}, {o})")
                }
                Kind::Children => self.children(row, &sub)?,
                Kind::Paged(r, target) => {
                    let parent = Parent { row, known };
                    self.nested(r, target, f, &parent, &sub)?
                }
            };
            if self.emit {
                parts.push(pair(key, &expr));
            }
        }
        match self.emit {
            true => json_object(&parts),
            false => Some(String::new()),
        }
    }

    fn single(&mut self, ty: &str, fk: &str, sets: &[&'d SelectionSet]) -> Option<String> {
        let row = self.alias();
        let obj = self.object(ty, &row, sets, None)?;
        if obj == NULL_OBJECT {
            // Null whether or not the row exists (a union member none of whose fragments
            // apply): no lookup (a casualty's `reportedBy { ... on Organization }` looked up
            // every person reporter only to answer null).
            return Some(obj);
        }
        if !self.emit {
            return Some(String::new());
        }
        Some(format!(
            "(SELECT {obj} FROM \"{}\" {row} WHERE {row}.\"id\" = {fk})",
            table(ty)?
        ))
    }

    /// `Location.children`: the relation's ordered select, aggregated in its order.
    fn children(&mut self, row: &str, sets: &[&'d SelectionSet]) -> Option<String> {
        use crate::services::relations::ListRel;
        let outer = col(row, "id");
        let inner = self.constant_statement(Some(format!("children|{outer}")), || {
            rel::LocationChildren::select(Parents::Of(&outer))
        });
        let a = self.alias();
        let obj = self.object("Location", &a, sets, None)?;
        if !self.emit {
            return Some(String::new());
        }
        Some(format!(
            "(SELECT coalesce(json_agg({obj} ORDER BY {a}.\"__ord\"), '[]'::json) FROM \
             (SELECT s.*, row_number() OVER () AS \"__ord\" FROM ({inner}) s) {a})"
        ))
    }

    fn nested(
        &mut self,
        r: Rel,
        target: &'static str,
        f: &'d Field,
        parent: &Parent<'_>,
        sets: &[&'d SelectionSet],
    ) -> Option<String> {
        let statements_order = |cx: &Self| -> Option<bool> {
            if !only_args(f, &["first", "after", "orderBy"]) {
                return None;
            }
            let order: Option<StatementOrder> = cx.arg(f, "orderBy")?;
            Some(order.map(|o| o.newest_first()).unwrap_or(true))
        };
        let statements_order = |cx: &mut Self| -> Option<bool> {
            let newest_first = statements_order(cx)?;
            cx.mark(newest_first);
            Some(newest_first)
        };
        let plain = || only_args(f, &["first", "after"]).then_some(());
        match r {
            Rel::ArticlePeople => {
                plain()?;
                self.paged::<rel::ArticlePeople>((), target, f, parent, sets)
            }
            Rel::ArticleOrganizations => {
                plain()?;
                self.paged::<rel::ArticleOrganizations>((), target, f, parent, sets)
            }
            Rel::ArticleLocations => {
                plain()?;
                self.paged::<rel::ArticleLocations>((), target, f, parent, sets)
            }
            Rel::ArticleStatements => {
                plain()?;
                self.paged::<rel::ArticleStatements>((), target, f, parent, sets)
            }
            Rel::ArticleCasualties => {
                plain()?;
                self.paged::<rel::ArticleCasualties>((), target, f, parent, sets)
            }
            Rel::PersonStatements => {
                let o = statements_order(self)?;
                self.paged::<rel::PersonStatements>(o, target, f, parent, sets)
            }
            Rel::PersonArticles => {
                plain()?;
                self.paged::<rel::PersonArticles>((), target, f, parent, sets)
            }
            Rel::OrganizationStatements => {
                let o = statements_order(self)?;
                self.paged::<rel::OrganizationStatements>(o, target, f, parent, sets)
            }
            Rel::OrganizationArticles => {
                plain()?;
                self.paged::<rel::OrganizationArticles>((), target, f, parent, sets)
            }
            Rel::LocationArticles => {
                plain()?;
                self.paged::<rel::LocationArticles>((), target, f, parent, sets)
            }
            Rel::LocationStatements => {
                plain()?;
                self.paged::<rel::LocationStatements>((), target, f, parent, sets)
            }
            Rel::LocationCasualties => {
                if !only_args(f, &["first", "after", "includeDescendants"]) {
                    return None;
                }
                let include = self
                    .arg::<Option<bool>>(f, "includeDescendants")?
                    .unwrap_or(false);
                self.mark(include);
                self.paged::<rel::LocationCasualties>(include, target, f, parent, sets)
            }
        }
    }

    /// A nested connection: the relation's rows for the parent row, one page.
    fn paged<R: PagedRel>(
        &mut self,
        opts: R::Opts,
        target: &'static str,
        f: &'d Field,
        parent: &Parent<'_>,
        sets: &[&'d SelectionSet],
    ) -> Option<String> {
        let first: Option<i32> = self.arg(f, "first")?;
        let after: Option<String> = self.arg(f, "after")?;
        let window = Window::forward(first, after).ok()?;
        let keys = R::keys(opts);
        let scope = parent.known.map(|p| R::scope(p, opts));
        let outer = col(parent.row, "id");
        let select = || R::select(Parents::Of(&outer), opts);
        // The list's SELECT reads nothing from the request: built once per shape (a cursor's
        // values are bound afresh, see `Cx::page_rows`).
        let memo_key = Some(concat(&[R::NAME, "|", opts.text(), "|", &outer]));
        let after = match (&window.cursor, &scope) {
            (None, _) => None,
            (Some(_), Some(scope)) => page::after_cursor(&keys, &window, scope).ok()?,
            // A cursor names one parent: only a known parent can check it.
            (Some(_), None) => return None,
        };
        let list = List {
            select: &select,
            memo_key,
            keys: &keys,
            after,
            limit: window.limit,
            has_cursor: window.cursor.is_some(),
            scope: scope.as_deref(),
        };
        self.connection(target, list, sets)
    }

    /// `casualtyTotals`: the roll-up the resolvers last computed for the same filter and
    /// grouping (the statement checks it is still current), its groups as rows of a JSON
    /// parameter, each group's place and reporter read by id.
    fn casualty_totals(&mut self, f: &'d Field, sets: &[&'d SelectionSet]) -> Option<String> {
        use sea_orm::ActiveEnum;
        if !only_args(f, &["filter", "groupBy", "first"]) {
            return None;
        }
        let keep = totals_kept(self.arg(f, "first")?).ok()?;
        let filter = self
            .arg::<Option<CasualtyFilter>>(f, "filter")?
            .unwrap_or_default()
            .to_service()
            .ok()?;
        let groups = groupings(self.arg(f, "groupBy")?);
        let (version, totals) = self.totals.peek(&filter, &groups)?;
        if self.totals_version.is_some_and(|v| v != version) {
            return None;
        }
        self.totals_version = Some(version);
        // The rows travel as one JSON parameter, written directly (building it as
        // `serde_json::Value`s first cost more than the rest of the request).
        let mut rows = String::with_capacity(keep.min(totals.len()) * 96 + 2);
        rows.push('[');
        for (i, t) in totals.iter().take(keep).enumerate() {
            let (rp, ro) = match t.reported_by {
                Some(read::Actor::Person(id)) => (Some(id), None),
                Some(read::Actor::Organization(id)) => (None, Some(id)),
                None => (None, None),
            };
            if i > 0 {
                rows.push(',');
            }
            json_member(&mut rows, "{\"o\":", Some(i as i64));
            json_text(
                &mut rows,
                ",\"c\":",
                t.category.map(|c| c.to_value()).as_deref(),
            );
            json_text(
                &mut rows,
                ",\"p\":",
                t.population.map(|p| p.to_value()).as_deref(),
            );
            json_member(&mut rows, ",\"l\":", t.location_id.map(i64::from));
            json_member(&mut rows, ",\"rp\":", rp.map(i64::from));
            json_member(&mut rows, ",\"ro\":", ro.map(i64::from));
            json_member(&mut rows, ",\"mn\":", Some(i64::from(clamp(t.count_min))));
            json_member(
                &mut rows,
                ",\"mx\":",
                t.count_max.map(|m| i64::from(clamp(m))),
            );
            json_member(&mut rows, ",\"f\":", Some(i64::from(clamp(t.figures))));
            rows.push('}');
        }
        rows.push(']');
        let p = self.param(sea_orm::Value::String(Some(rows)));
        let a = self.alias();
        let obj = self.object("CasualtyTotal", &a, sets, None)?;
        if !self.emit {
            return Some(String::new());
        }
        Some(format!(
            "(SELECT coalesce(json_agg({obj} ORDER BY {a}.\"o\"), '[]'::json) FROM \
             json_to_recordset({p}::json) AS {a}(\"o\" int, \"c\" text, \"p\" text, \"l\" int, \
             \"rp\" int, \"ro\" int, \"mn\" int, \"mx\" int, \"f\" int))"
        ))
    }

    fn root_articles(&mut self, f: &'d Field, sets: &[&'d SelectionSet]) -> Option<String> {
        if !only_args(
            f,
            &["first", "after", "last", "before", "filter", "orderBy"],
        ) || !self.arg_is_null(f, "last")
            || !self.arg_is_null(f, "before")
        {
            return None;
        }
        let first: Option<i32> = self.arg(f, "first")?;
        let after: Option<String> = self.arg(f, "after")?;
        let order = ArticleOrder::to_service(self.arg::<Option<ArticleOrder>>(f, "orderBy")?);
        self.mark(format_args!("{order:?}"));
        let filter = self
            .arg::<Option<ArticleFilter>>(f, "filter")?
            .unwrap_or_default()
            .to_service()
            .ok()?;
        let window = Window::forward(first, after).ok()?;
        let keys = read::article_keys(order);
        let scope = read::articles_scope(&filter, order);
        let after = page::after_cursor(&keys, &window, &scope).ok()?;
        let select = || read::articles_select(sea_orm::DbBackend::Postgres, &filter);
        // Unfiltered, the list's SELECT reads nothing from the request.
        let memo_key =
            (filter == read::ArticleFilter::default()).then(|| format!("articles|{order:?}"));
        let list = List {
            select: &select,
            memo_key,
            keys: &keys,
            after,
            limit: window.limit,
            has_cursor: window.cursor.is_some(),
            scope: Some(&scope),
        };
        self.connection("Article", list, sets)
    }

    /// `(SELECT json_build_object(...) FROM (page rows numbered) a)`: one page of a list, with
    /// whichever of nodes, edges, pageInfo and totalCount the query selects.
    fn connection<E: EntityTrait>(
        &mut self,
        target: &'static str,
        list: List<'_, E>,
        sets: &[&'d SelectionSet],
    ) -> Option<String> {
        let (conn_ty, edge_ty) = connection_types(target)?;
        let fields = self.fields(sets, conn_ty)?;
        if fields.len() > MAX_KEYS {
            return None;
        }
        let a = self.alias();
        let n = list.limit;
        self.mark(format_args!(
            "page {n} {} {}",
            list.has_cursor,
            list.scope.is_some()
        ));
        let emit = self.emit;
        let agg = |expr: &str| match emit {
            true => format!(
                "coalesce(json_agg({expr} ORDER BY {a}.\"__rn\") FILTER (WHERE {a}.\"__rn\" <= {n}), '[]'::json)"
            ),
            false => String::new(),
        };
        // The scope's hash is a parameter, so the statement's text does not depend on the
        // parent row (one prepared statement for every person's page, not one each).
        let scope = list.scope.map(|s| {
            self.param(sea_orm::Value::String(Some(format!(
                "{:016x}",
                scope_hash(s)
            ))))
        });
        let cursor = |scope: Option<&String>| -> Option<String> {
            scope.map(|s| match emit {
                true => cursor_sql::<E>(list.keys, &a, s),
                false => String::new(),
            })
        };
        let kinds = match emit {
            true => cursor_kinds::<E>(list.keys),
            false => String::new(),
        };
        // The columns of the page's rows the response reads.
        let mut used: BTreeSet<&'static str> = BTreeSet::new();
        let mut parts = Vec::new();
        for (key, fs) in &fields {
            let f = &fs[0].node;
            if !f.arguments.is_empty() {
                return None;
            }
            let sub = subsets(fs);
            let expr = match f.name.node.as_str() {
                "__typename" => format!("'{conn_ty}'"),
                "nodes" => {
                    self.columns(target, &sub, &mut used)?;
                    let obj = self.object(target, &a, &sub, None)?;
                    agg(&obj)
                }
                "edges" => {
                    let edge_fields = self.fields(&sub, edge_ty)?;
                    if edge_fields.len() > MAX_KEYS {
                        return None;
                    }
                    let mut edge = Vec::new();
                    for (ekey, efs) in edge_fields {
                        let ef = &efs[0].node;
                        let e = match ef.name.node.as_str() {
                            "__typename" => format!("'{edge_ty}'"),
                            "cursor" => {
                                used.extend(list.keys.iter().map(|k| k.col.as_str()));
                                let c = cursor(scope.as_ref())?;
                                if emit {
                                    edge.push(pair_cursor(ekey, &kinds, &c));
                                }
                                continue;
                            }
                            "node" => {
                                let node = subsets(&efs);
                                self.columns(target, &node, &mut used)?;
                                self.object(target, &a, &node, None)?
                            }
                            _ => return None,
                        };
                        if emit {
                            edge.push(pair(ekey, &e));
                        }
                    }
                    match emit {
                        true => agg(&json_object(&edge)?),
                        false => String::new(),
                    }
                }
                "totalCount" => {
                    let key = list.memo_key.as_ref().map(|k| format!("{k}|count"));
                    let inner = self.constant_statement(key, || {
                        let mut all = (list.select)();
                        all.clear_order_by();
                        all
                    });
                    match emit {
                        true => format!("(SELECT count(*) FROM ({inner}) c)"),
                        false => String::new(),
                    }
                }
                "pageInfo" => {
                    let info_fields = self.fields(&sub, "PageInfo")?;
                    if info_fields.len() > MAX_KEYS {
                        return None;
                    }
                    let mut info = Vec::new();
                    for (ikey, ifs) in info_fields {
                        let name = ifs[0].node.name.node.as_str();
                        if !emit && matches!(name, "__typename" | "hasNextPage" | "hasPreviousPage")
                        {
                            continue;
                        }
                        let e = match name {
                            "__typename" => "'PageInfo'".to_string(),
                            "hasNextPage" => format!("(count(*) > {n})"),
                            "hasPreviousPage" => sql_bool(list.has_cursor).into(),
                            // Only the first and last rows' cursors are computed.
                            name @ ("startCursor" | "endCursor") => {
                                used.extend(list.keys.iter().map(|k| k.col.as_str()));
                                if !emit {
                                    cursor(scope.as_ref())?;
                                    continue;
                                }
                                let rn = match name {
                                    "startCursor" => "1".to_string(),
                                    _ => format!("LEAST({a}.\"__n\", {n})"),
                                };
                                let c = format!(
                                    "(array_agg({}) FILTER (WHERE {a}.\"__rn\" = {rn}))[1]",
                                    cursor(scope.as_ref())?
                                );
                                info.push(pair_cursor(ikey, &kinds, &c));
                                continue;
                            }
                            _ => return None,
                        };
                        info.push(pair(ikey, &e));
                    }
                    match emit {
                        true => json_object(&info)?,
                        false => String::new(),
                    }
                }
                _ => return None,
            };
            if emit {
                parts.push(pair(key, &expr));
            }
        }
        let rows = self.page_rows(list, &a, &used)?;
        if !emit {
            return Some(String::new());
        }
        let obj = json_object(&parts)?;
        Some(format!(
            "(SELECT {obj} FROM (SELECT s.*, row_number() OVER () AS \"__rn\", count(*) OVER () AS \"__n\" \
             FROM ({rows}) s) {a})"
        ))
    }

    /// The columns of a `ty` row that its fields in `sets` read (fragments included): its own
    /// columns, the foreign keys of the rows it points to, and its id for its lists.
    fn columns(
        &self,
        ty: &str,
        sets: &[&'d SelectionSet],
        used: &mut BTreeSet<&'static str>,
    ) -> Option<()> {
        for (_, fs) in self.fields(sets, ty)? {
            match classify(ty, fs[0].node.name.node.as_str())? {
                Kind::Typename | Kind::Null => {}
                Kind::Id(_) | Kind::Children | Kind::Paged(..) => {
                    used.insert("id");
                }
                Kind::Col(c, _) | Kind::ToOne(_, c) => {
                    used.insert(c);
                }
                Kind::Speaker(p, o) => {
                    used.insert(p);
                    used.insert(o);
                }
            }
        }
        Some(())
    }

    /// The page's rows in order, one more than asked (to learn whether more follow), with only
    /// the columns `used` names: the range after the cursor, then the NULLs of a nullable
    /// first key when that range ran short.
    fn page_rows<E: EntityTrait>(
        &mut self,
        list: List<'_, E>,
        alias: &str,
        used: &BTreeSet<&str>,
    ) -> Option<String> {
        let select = || {
            let mut select = (list.select)();
            only_columns::<E>(&mut select, used, list.keys);
            select
        };
        let ordered = |mut q: SelectStatement, cond: Option<Condition>| {
            if let Some(c) = cond {
                q.cond_where(c);
            }
            page::order_forward(&mut q, list.keys);
            q
        };
        // The page size is written into the statement, not bound: the planner then knows it
        // (a generic plan for `LIMIT $n` guesses), and one text per size stays prepared.
        let limit = list.limit + 1;
        // What each of the page's statements is remembered by: the list's memo key, the
        // columns (names without `,` or `|`) and the part, written without `format!`'s
        // machinery (this runs at every request).
        let prefix = list.memo_key.as_ref().map(|k| {
            let mut p = String::with_capacity(k.len() + 16 * used.len() + 8);
            p.push_str(k);
            for (i, c) in used.iter().enumerate() {
                p.push(if i == 0 { '|' } else { ',' });
                p.push_str(c);
            }
            p.push('|');
            p
        });
        let key = |part: &str| {
            prefix.as_ref().map(|p| {
                let mut k = String::with_capacity(p.len() + part.len());
                k.push_str(p);
                k.push_str(part);
                k
            })
        };
        let after = |c| ordered(select(), Some(c));
        let (main, tail) = match &list.after {
            None => (
                self.constant_statement(key("rows"), || ordered(select(), None)),
                None,
            ),
            Some(c) => {
                let form = c.form();
                let main_values = c.main_values();
                let main_cond = || c.conditions().0;
                let part = if c.has_tail() { "main" } else { "after" };
                let main = self.after_statement(key(part), &form, main_values, main_cond, after);
                let tail = c.has_tail().then(|| {
                    self.after_statement(
                        key("tail"),
                        &form,
                        Some(Vec::new()),
                        || c.conditions().1.unwrap_or_else(Condition::all),
                        after,
                    )
                });
                (main, tail)
            }
        };
        let Some(tail) = tail else {
            return Some(match self.emit {
                true => format!("{main} LIMIT {limit}"),
                false => String::new(),
            });
        };
        // The tail is read only when the range came up short, as the resolvers do in two
        // statements: Append starts its second input only once the first is exhausted, and
        // the LIMIT above stops pulling when the page is full, so a full page never scans the
        // tail and nothing is sorted again. Rows come out in Append's order (the page's
        // numbering, `row_number() OVER ()`, already relies on rows arriving in order).
        // (A CTE with a one-time filter on its count cost PostgreSQL 10% more to start.)
        if !self.emit {
            return Some(String::new());
        }
        Some(format!(
            "SELECT * FROM (({main} LIMIT {limit}) UNION ALL ({tail} LIMIT {limit})) {alias}u \
             LIMIT {limit}"
        ))
    }

    /// async-graphql's complexity (1 a field, list fields times their page size) and depth
    /// for the operation as written (fragments inline, every duplicate counted).
    fn cost(&self, set: &SelectionSet, ty: &str, depth: usize, max: &mut usize) -> Option<usize> {
        let mut total = 0usize;
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    if f.name.node == "__typename" {
                        // async-graphql's analysis does not count the meta field.
                        continue;
                    }
                    let d = depth + 1;
                    *max = (*max).max(d);
                    let name = f.name.node.as_str();
                    let child_ty = child_type(ty, name)?;
                    let children = self.cost(&f.selection_set.node, &child_ty, d, max)?;
                    let is_list = match (ty, name) {
                        ("Query", "articles") => true,
                        (t, n) => matches!(classify(t, n), Some(Kind::Paged(..))),
                    };
                    total = total.saturating_add(if is_list {
                        let first: Option<i32> = self.arg(f, "first")?;
                        crate::graphql::connection::cost(first, children)
                    } else {
                        children.saturating_add(1)
                    });
                }
                Selection::InlineFragment(frag) => {
                    let t = frag
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| concrete(c.node.on.node.as_str(), ty))
                        .unwrap_or_else(|| ty.to_string());
                    total = total.saturating_add(self.cost(
                        &frag.node.selection_set.node,
                        &t,
                        depth,
                        max,
                    )?);
                }
                Selection::FragmentSpread(spread) => {
                    let frag = self.doc.fragments.get(&spread.node.fragment_name.node)?;
                    let t = concrete(frag.node.type_condition.node.on.node.as_str(), ty);
                    total = total.saturating_add(self.cost(
                        &frag.node.selection_set.node,
                        &t,
                        depth,
                        max,
                    )?);
                }
            }
        }
        Some(total)
    }
}

/// The connection and edge type names of a list of `target`.
fn connection_types(target: &str) -> Option<(&'static str, &'static str)> {
    Some(match target {
        "Article" => ("ArticleConnection", "ArticleEdge"),
        "Person" => ("PersonConnection", "PersonEdge"),
        "Organization" => ("OrganizationConnection", "OrganizationEdge"),
        "Statement" => ("StatementConnection", "StatementEdge"),
        "Location" => ("LocationConnection", "LocationEdge"),
        "Casualty" => ("CasualtyConnection", "CasualtyEdge"),
        _ => return None,
    })
}

/// The type a field's selection set is on (for the cost walk).
fn child_type(ty: &str, field: &str) -> Option<String> {
    if field == "__typename" {
        return Some(String::new());
    }
    if ty == "Query" {
        return Some(
            match field {
                "articles" => "ArticleConnection",
                "casualtyTotals" => "CasualtyTotal",
                "article" => "Article",
                "person" => "Person",
                "location" => "Location",
                "organization" => "Organization",
                _ => return None,
            }
            .into(),
        );
    }
    if let Some(target) = ty.strip_suffix("Connection") {
        return Some(match field {
            "nodes" => target.to_string(),
            "edges" => format!("{target}Edge"),
            "pageInfo" => "PageInfo".into(),
            _ => String::new(),
        });
    }
    if let Some(target) = ty.strip_suffix("Edge") {
        return Some(if field == "node" {
            target.to_string()
        } else {
            String::new()
        });
    }
    if ty == "PageInfo" || ty.is_empty() {
        return Some(String::new());
    }
    Some(match classify(ty, field)? {
        Kind::ToOne(t, _) => t.into(),
        Kind::Speaker(..) => "Speaker".into(),
        Kind::Children => "Location".into(),
        Kind::Paged(_, t) => format!("{t}Connection"),
        _ => String::new(),
    })
}

/// The type a fragment's fields are looked up on: an abstract type's (`Node`, `Speaker`)
/// fields are those of the object it is spread in.
fn concrete(on: &str, ty: &str) -> String {
    if matches!(on, "Node" | "Speaker") {
        ty.to_string()
    } else {
        on.to_string()
    }
}

/// Whether a fragment on `cond` applies to an object of type `ty`.
fn applies(cond: Option<&TypeCondition>, ty: &str) -> bool {
    match cond {
        None => true,
        Some(c) => {
            let on = c.on.node.as_str();
            on == ty
                || (on == "Node" && table(ty).is_some())
                || (on == "Speaker" && matches!(ty, "Person" | "Organization"))
        }
    }
}

/// One list to page through.
struct List<'k, E: EntityTrait> {
    /// The list's SELECT (no order, no limit).
    select: &'k dyn Fn() -> SelectStatement,
    /// Set when the list's SELECT reads no request's values: all it depends on.
    memo_key: Option<String>,
    keys: &'k [SortKey<E>],
    after: Option<page::AfterCursor<'k, E>>,
    limit: u64,
    has_cursor: bool,
    /// The list's cursor scope, when known.
    scope: Option<&'k str>,
}

/// A row's cursor as `domain::cursor` encodes it: base64url of
/// `{"s":"<scope hash>","k":[<key values>]}`.
fn cursor_sql<E: EntityTrait>(keys: &[SortKey<E>], row: &str, scope_param: &str) -> String {
    let mut values = format!("json_build_array({scope_param}::text");
    for k in keys {
        let c = col(row, k.col.as_str());
        values.push_str(", ");
        values.push_str(&match k.col.def().get_column_type() {
            ColumnType::Integer | ColumnType::BigInteger => c,
            ColumnType::TimestampWithTimeZone => format!("to_json({c} AT TIME ZONE 'UTC')"),
            ColumnType::Date => format!("to_json({c})"),
            _ => format!("to_json({c}::text)"),
        });
    }
    values.push(')');
    values
}

/// How each key of a cursor travels from PostgreSQL, a letter a key: `I` an integer, `T` a
/// timestamp without its offset (finished as RFC 3339), `D` a date, `S` text.
fn cursor_kinds<E: EntityTrait>(keys: &[SortKey<E>]) -> String {
    keys.iter()
        .map(|k| match k.col.def().get_column_type() {
            ColumnType::Integer | ColumnType::BigInteger => 'I',
            ColumnType::TimestampWithTimeZone => 'T',
            ColumnType::Date => 'D',
            _ => 'S',
        })
        .collect()
}

/// Narrows a list's SELECT to the entity's columns in `used` (the first sort key when none
/// is): the rows pass through a window, so every column selected is copied for each row.
/// Leaves the SELECT as it is when a name is not one of the entity's columns.
fn only_columns<E: EntityTrait>(
    select: &mut SelectStatement,
    used: &BTreeSet<&str>,
    keys: &[SortKey<E>],
) {
    let mut cols = Vec::with_capacity(used.len().max(1));
    for name in used {
        match E::Column::iter().find(|c| c.as_str() == *name) {
            Some(c) => cols.push(c),
            None => return,
        }
    }
    if cols.is_empty() {
        match keys.first() {
            Some(k) => cols.push(k.col),
            None => return,
        }
    }
    select.clear_selects();
    for c in cols {
        select.column((E::default(), c));
    }
}

/// Shifts every `$n` placeholder of `sql` by `offset`.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c == '$' {
            let mut n = String::new();
            while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            if let Ok(k) = n.parse::<usize>() {
                out.push_str(&(k + offset).to_string());
            } else {
                out.push_str(&n);
            }
        }
    }
    out
}

/// [`minify_into`] a new string (the tests').
#[cfg(test)]
fn minify(json: &str) -> (String, u64) {
    let mut out = Vec::new();
    let members = minify_into(json.as_bytes(), &mut out);
    (
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out"),
        members,
    )
}

/// Postgres writes JSON with spaces (`{"a" : 1, "b" : 2}`); the resolvers' responses have
/// none. Appends `b` to `out` (where the response's body starts) without whitespace outside
/// strings, finishes the values whose key is marked (see [`Finish`]) and counts the object
/// members on the way (the response's `actualQueryCost`: one point a field). Whole strings
/// and ASCII bytes are copied, so UTF-8 in is UTF-8 out.
pub fn minify_into(b: &[u8], out: &mut Vec<u8>) -> u64 {
    out.reserve(b.len() + b.len() / 8);
    let mut members = 0u64;
    // The value after a marked key (and, for a cursor, how its keys travel).
    let mut pending: Option<Finish> = None;
    let mut kinds: &[u8] = &[];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i = string_end(b, i);
                let s = &b[start..i];
                if let Some(f) = pending.take() {
                    finish(f, s, out);
                } else if let Some(f) = marked_key(s)
                    && b[i..].iter().find(|c| !c.is_ascii_whitespace()) == Some(&b':')
                {
                    let mut key = &s[8..];
                    if f == Finish::Cursor
                        && let Some(dot) = key.iter().position(|&c| c == b'.')
                    {
                        kinds = &key[..dot];
                        key = &key[dot + 1..];
                    }
                    out.push(b'"');
                    out.extend_from_slice(key);
                    pending = Some(f);
                } else {
                    out.extend_from_slice(s);
                }
                continue;
            }
            b' ' | b'\n' | b'\t' | b'\r' => {}
            b'[' if pending == Some(Finish::Cursor) => {
                // A cursor's values: the whole array becomes one string.
                let end = array_end(b, i);
                pending = None;
                cursor_value(kinds, &b[i..end], out);
                i = end;
                continue;
            }
            b':' => {
                members += 1;
                out.push(b':');
            }
            c if pending.is_some() && (c == b'-' || c.is_ascii_alphanumeric()) => {
                // A number (or null) after a marked key.
                let start = i;
                while i < b.len()
                    && (b[i] == b'-'
                        || b[i] == b'.'
                        || b[i] == b'+'
                        || b[i].is_ascii_alphanumeric())
                {
                    i += 1;
                }
                if let Some(f) = pending.take() {
                    finish(f, &b[start..i], out);
                }
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
    members
}

/// The index just past the string starting at `start` (a quote): up to the first quote not
/// escaped.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    // Most strings are keys and ids: eight bytes at a time for their first 24 finds their end
    // for less than a call into `memchr` costs (the longer texts go on to it).
    while i - start <= 24
        && let Some(word) = b.get(i..).and_then(|rest| rest.first_chunk::<8>())
    {
        let w = u64::from_le_bytes(*word);
        let hits = byte_in(w, b'"') | byte_in(w, b'\\');
        if hits == 0 {
            i += 8;
            continue;
        }
        // The lowest marked byte is the first quote or backslash (a marker above it may be
        // false, never one below).
        let k = i + (hits.trailing_zeros() / 8) as usize;
        if b[k] == b'"' {
            return k + 1;
        }
        i = k + 2;
    }
    while i < b.len() {
        match memchr::memchr2(b'"', b'\\', &b[i..]) {
            Some(k) if b[i + k] == b'\\' => i += k + 2,
            Some(k) => return i + k + 1,
            None => return b.len(),
        }
    }
    b.len()
}

/// The high bit of each byte of `w` that equals `c` (and perhaps of bytes above the first
/// such: only the lowest marker is exact).
fn byte_in(w: u64, c: u8) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (LOW * u64::from(c));
    x.wrapping_sub(LOW) & !x & HIGH
}

/// The index just past the array starting at `start` (a `[`).
fn array_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i);
                continue;
            }
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Writes a cursor from PostgreSQL's `[scope hash, key values...]`, each key as `kinds` says,
/// exactly as `domain::cursor` encodes it (`null` when it is not such an array).
fn cursor_value(kinds: &[u8], array: &[u8], out: &mut Vec<u8>) {
    match encode_cursor(kinds, array) {
        Some(c) => {
            out.push(b'"');
            out.extend_from_slice(c.as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

fn encode_cursor(kinds: &[u8], array: &[u8]) -> Option<String> {
    use crate::domain::cursor::{Cursor, KeyValue};
    use serde_json::Value as J;
    let values: Vec<J> = serde_json::from_slice(array).ok()?;
    let (scope, keys) = values.split_first()?;
    let scope = u64::from_str_radix(scope.as_str()?, 16).ok()?;
    if keys.len() != kinds.len() {
        return None;
    }
    let mut key_values = Vec::with_capacity(keys.len());
    for (v, kind) in keys.iter().zip(kinds) {
        key_values.push(match (v, kind) {
            (J::Null, _) => KeyValue::Null,
            (J::Number(n), b'I') => KeyValue::Int(n.as_i64()?),
            (J::String(t), b'T') => {
                let mut text = Vec::with_capacity(t.len() + 12);
                finish(Finish::DateTime, format!("\"{t}\"").as_bytes(), &mut text);
                let text = String::from_utf8(text).ok()?;
                KeyValue::Text(text.trim_matches('"').to_string())
            }
            (J::String(t), b'D' | b'S') => KeyValue::Text(t.clone()),
            _ => return None,
        });
    }
    Some(Cursor::with_scope_hash(scope, key_values).encode())
}

/// What a key string (quotes included) marks its value for: `"\u0001<code><key>"`.
fn marked_key(s: &[u8]) -> Option<Finish> {
    if s.len() > 9 && s.starts_with(b"\"\\u0001") {
        Finish::of(s[7])
    } else {
        None
    }
}

/// An id as PostgreSQL writes it (`-`? and at most nine digits: no overflow) read from the
/// bytes; anything else as `str::parse` reads it.
fn id_of(token: &[u8]) -> Option<i32> {
    let (negative, digits) = match token {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, token),
    };
    if (1..=9).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) {
        let v = digits
            .iter()
            .fold(0i32, |v, d| v * 10 + i32::from(d - b'0'));
        return Some(if negative { -v } else { v });
    }
    std::str::from_utf8(token).ok()?.parse().ok()
}

/// Writes a marked member's value (`token`: a number, `null` or a string with its quotes).
fn finish(f: Finish, token: &[u8], out: &mut Vec<u8>) {
    match f {
        Finish::Id(kind) => match id_of(token) {
            Some(id) => {
                out.push(b'"');
                NodeId::new(kind, id).encode_into(out);
                out.push(b'"');
            }
            None => out.extend_from_slice(token),
        },
        Finish::Float => {
            out.extend_from_slice(token);
            // A whole number below 1e9 in PostgreSQL's shortest form: serde_json adds `.0`.
            let digits = token.iter().filter(|c| c.is_ascii_digit()).count();
            if token.iter().all(|c| c.is_ascii_digit() || *c == b'-') && (1..=9).contains(&digits) {
                out.extend_from_slice(b".0");
            }
        }
        // Null (an empty page's cursor); arrays are finished by `cursor_value`.
        Finish::Cursor => out.extend_from_slice(token),
        Finish::DateTime => {
            // "YYYY-MM-DDTHH:MM:SS[.f{1,6}]" (UTC) as chrono's to_rfc3339 writes it: the
            // fraction as milliseconds or microseconds, then the offset.
            let Some(inner) = token
                .strip_prefix(b"\"")
                .and_then(|t| t.strip_suffix(b"\""))
                .filter(|t| t.len() >= 19 && t[10] == b'T')
            else {
                out.extend_from_slice(token);
                return;
            };
            out.push(b'"');
            out.extend_from_slice(inner);
            if let Some(dot) = inner.iter().position(|&c| c == b'.') {
                let digits = inner.len() - dot - 1;
                let width: usize = if digits <= 3 { 3 } else { 6 };
                out.extend(std::iter::repeat_n(b'0', width.saturating_sub(digits)));
            }
            out.extend_from_slice(b"+00:00\"");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumber_shifts_placeholders_only() {
        assert_eq!(
            renumber("a = $1 AND b IN ($2, $10)", 3),
            "a = $4 AND b IN ($5, $13)"
        );
        assert_eq!(renumber("x = $1", 0), "x = $1");
    }

    #[test]
    fn remembered_statements_stay_bounded_in_all_and_per_query() {
        let remembered = |sql: &str| Remembered {
            sql: sql.into(),
            requested_cost: 1,
            depth: 1,
        };
        let key = |shape: usize| (None, shape.to_string());
        let mut m = Statements::default();
        m.insert("q", key(0), remembered("a"));
        m.insert("q", key(0), remembered("b"));
        assert_eq!((m.count, &*m.get("q", None, "0").unwrap().sql), (1, "a"));
        assert!(m.get("q", Some("Op"), "0").is_none());
        // One text's shapes: the list empties when full, the count follows.
        for shape in 1..=MAX_SHAPES {
            m.insert("q", key(shape), remembered("s"));
        }
        assert_eq!(m.count, 1);
        assert!(m.get("q", None, &MAX_SHAPES.to_string()).is_some());
        assert!(m.get("q", None, "0").is_none());
        // Many texts: never more than MAX_STATEMENTS in all.
        for i in 0..2 * MAX_STATEMENTS {
            m.insert(&format!("q{i}"), key(0), remembered("t"));
            assert!(m.count <= MAX_STATEMENTS);
            if i % 500 == 0 {
                assert_eq!(m.count, m.by_query.values().map(Vec::len).sum::<usize>());
            }
        }
    }

    #[test]
    fn ids_are_read_as_str_parse_reads_them() {
        let mut tokens: Vec<String> = [
            "",
            "-",
            "+5",
            "null",
            "12a",
            "0001",
            "-0",
            "1.0",
            "999999999",
            "-999999999",
            "1000000000",
            "2147483647",
            "2147483648",
            "-2147483648",
            "-2147483649",
            "99999999999",
            "\"5\"",
        ]
        .map(String::from)
        .to_vec();
        for k in 0..40 {
            let v = 1i64 << k;
            tokens.extend([v.to_string(), (-v).to_string(), (v - 1).to_string()]);
        }
        for t in tokens {
            assert_eq!(id_of(t.as_bytes()), t.parse::<i32>().ok(), "{t}");
        }
    }

    #[test]
    fn string_end_skips_escapes_wherever_they_are() {
        // Every length past the word-at-a-time scan's 24 bytes, an escape at every place.
        for len in 0..40 {
            for at in 0..=len {
                for esc in [r#"\""#, r"\\", r"\u0001"] {
                    // Bytes next to the two searched for, and UTF-8, around the escape.
                    let fill = |n: usize| {
                        "a#]\u{e9}[!\u{7f}"
                            .chars()
                            .cycle()
                            .take(n)
                            .collect::<String>()
                    };
                    let inner = format!("{}{esc}{}", fill(at), fill(len - at));
                    let json = format!("\"{inner}\" : \"x\"");
                    assert_eq!(string_end(json.as_bytes(), 0), inner.len() + 2, "{json}");
                    // Unterminated, or ending in a lone backslash: the text's end.
                    let open = format!("\"{inner}");
                    assert_eq!(string_end(open.as_bytes(), 0), open.len(), "{open}");
                    let lone = format!("\"{inner}\\");
                    assert_eq!(string_end(lone.as_bytes(), 0), lone.len(), "{lone}");
                }
            }
        }
    }

    #[test]
    fn minify_drops_whitespace_outside_strings_and_counts_members() {
        let (s, n) =
            minify("{\"a\" : [{\"b\" : \"x : y\"}, \n {\"b\" : \"\\\" :\"}], \"c\" : null}");
        assert_eq!(
            s,
            "{\"a\":[{\"b\":\"x : y\"},{\"b\":\"\\\" :\"}],\"c\":null}"
        );
        assert_eq!(n, 4);
        // A string ending in an escaped backslash, and text that is not ASCII.
        let (s, n) = minify("{\"k\" : \"x\\\\\", \"m\" : \"é : ü\"}");
        assert_eq!(s, "{\"k\":\"x\\\\\",\"m\":\"é : ü\"}");
        assert_eq!(n, 2);
    }

    #[test]
    fn minify_finishes_cursors_the_way_clients_send_them_back() {
        use crate::domain::cursor::{Cursor, KeyValue};
        let scope = format!("{:016x}", scope_hash("articles by date"));
        let pg = format!(
            r#"{{"\u0001KTI.endCursor" : ["{scope}", "2024-05-01T10:00:00.5", 12], "\u0001KDSI.c" : ["{scope}", null, "a \"b\" ]", -3], "\u0001KTI.none" : null, "n" : 1}}"#
        );
        let (s, members) = minify(&pg);
        assert_eq!(members, 4);
        let body: serde_json::Value = serde_json::from_str(&s).unwrap();
        let parsed = |k: &str| {
            Cursor::parse(body[k].as_str().unwrap(), "articles by date")
                .unwrap()
                .into_values()
        };
        assert_eq!(
            parsed("endCursor"),
            [
                KeyValue::Text("2024-05-01T10:00:00.500+00:00".into()),
                KeyValue::Int(12)
            ]
        );
        assert_eq!(
            parsed("c"),
            [
                KeyValue::Null,
                KeyValue::Text("a \"b\" ]".into()),
                KeyValue::Int(-3)
            ]
        );
        assert!(body["none"].is_null());
        assert_eq!(body["n"], 1);
        // Not a cursor's array (a key too many): null, never a cursor that would not parse.
        let (s, _) = minify(&format!(r#"{{"\u0001KI.c" : ["{scope}", 1, 2]}}"#));
        assert_eq!(s, r#"{"c":null}"#);
    }

    #[test]
    fn minify_finishes_marked_ids_timestamps_and_doubles() {
        let pg = r#"{"\u0001Aid" : 12, "\u0001Tat" : "2024-05-01T10:00:00", "\u0001Tms" : "2024-05-01T10:00:00.5", "\u0001Tus" : "2024-05-01T10:00:00.1234", "\u0001Tnone" : null, "\u0001Fx" : 30, "\u0001Fy" : -0.25, "\u0001Fbig" : 1e+20, "\u0001Fz" : null, "title" : "\u0001Aid", "\u0001Px" : -3}"#;
        let (s, n) = minify(pg);
        let id = NodeId::new(NodeKind::Article, 12).encode();
        let person = NodeId::new(NodeKind::Person, -3).encode();
        assert_eq!(
            s,
            format!(
                r#"{{"id":"{id}","at":"2024-05-01T10:00:00+00:00","ms":"2024-05-01T10:00:00.500+00:00","us":"2024-05-01T10:00:00.123400+00:00","none":null,"x":30.0,"y":-0.25,"big":1e+20,"z":null,"title":"\u0001Aid","x":"{person}"}}"#
            )
        );
        assert_eq!(n, 11);
    }

    #[test]
    fn the_statement_text_does_not_depend_on_ids_or_search_words() {
        // One prepared statement serves every person's page: ids, cursor scopes and search
        // words are parameters; only the query's shape and page sizes are in the text.
        let totals = TotalsCache::default();
        let q = "query($id: ID!, $after: String, $q: String) { person(id: $id) { name statements(first: 5, after: $after) { pageInfo { endCursor } edges { cursor node { id } } } } articles(first: 3, filter: { text: $q }) { pageInfo { endCursor } nodes { id } } }";
        let Ok(doc) = async_graphql::parser::parse_query(q) else {
            panic!("parses")
        };
        let sql = |id: &str, words: &str| {
            let vars = Variables::from_json(serde_json::json!({ "id": id, "q": words }));
            compile(&doc, None, &vars, &totals).map(|c| (c.sql, c.params.len()))
        };
        let one = sql(&NodeId::new(NodeKind::Person, 1).encode(), "talks");
        let other = sql(&NodeId::new(NodeKind::Person, 1920).encode(), "peace talks");
        assert!(one.is_some());
        assert_eq!(one, other);
    }

    #[test]
    fn unknown_fields_and_directives_are_not_compiled() {
        let vars = Variables::default();
        let totals = TotalsCache::default();
        for q in [
            "{ article(id: \"QXJ0aWNsZTox\") { id aliases } }",
            "{ article(id: \"QXJ0aWNsZTox\") { id @skip(if: true) title } }",
            "{ search(query: \"x\") { totalCount } }",
            "{ article(url: \"https://x\") { id } }",
            // A roll-up the resolvers have not computed yet.
            "{ casualtyTotals { figures } }",
            "mutation { __typename }",
        ] {
            let Ok(doc) = async_graphql::parser::parse_query(q) else {
                panic!("{q}")
            };
            assert!(compile(&doc, None, &vars, &totals).is_none(), "{q}");
        }
        let Ok(doc) =
            async_graphql::parser::parse_query("{ article(id: \"QXJ0aWNsZTox\") { id title } }")
        else {
            panic!("parses")
        };
        assert!(compile(&doc, None, &vars, &totals).is_some());
    }
}
