//! The event log behind live updates: recording an ingest inside its transaction, and reading
//! what was committed after a given event with what subscribers filter on (speakers, places).
use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr};

use super::sql::statement;

/// The PostgreSQL channel that carries new event ids (the payload is the id, nothing else).
pub const CHANNEL: &str = "newsgraph_events";
/// Announced at COMMIT by triggers on every graph table (migration 000007): data changed.
pub const DATA_CHANNEL: &str = "newsgraph_data";

/// One committed ingest, with what subscriptions filter on. Rows themselves are loaded by
/// whoever delivers them, through the normal loaders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    pub id: i64,
    pub article_id: i32,
    pub statements: Vec<StatementRoute>,
    pub casualties: Vec<CasualtyRoute>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRoute {
    pub id: i32,
    pub speaker_person_id: Option<i32>,
    pub speaker_organization_id: Option<i32>,
    /// The places the statement is about.
    pub about: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasualtyRoute {
    pub id: i32,
    pub location_id: Option<i32>,
    /// The place and every place that contains it.
    pub within: Vec<i32>,
}

/// Records that an article was ingested. Call inside the ingest's transaction: the row and,
/// on PostgreSQL, the notification (delivered by the server only at commit) share its fate.
pub async fn record_ingest<C: ConnectionTrait>(db: &C, article_id: i32) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(statement(
            backend,
            "INSERT INTO live_event (kind, article_id) VALUES ('article_ingested', $1) RETURNING id",
            vec![article_id.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("the event insert returned no id".into()))?;
    let id: i64 = row.try_get_by_index(0)?;
    if backend == DatabaseBackend::Postgres {
        db.execute_raw(statement(
            backend,
            "SELECT pg_notify($1, $2)",
            vec![CHANNEL.into(), id.to_string().into()],
        ))
        .await?;
    }
    Ok(id)
}

/// The newest event id (0 when there is none): where a starting server begins delivering.
pub async fn latest_id<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            "SELECT COALESCE(MAX(id), 0) FROM live_event",
            vec![],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Events committed after `after`, oldest first, at most `limit`, with their routes.
pub async fn since<C: ConnectionTrait>(
    db: &C,
    after: i64,
    limit: u64,
) -> Result<Vec<LiveEvent>, DbErr> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(statement(
            backend,
            "SELECT id, article_id FROM live_event WHERE id > $1 ORDER BY id LIMIT $2",
            vec![after.into(), (limit as i64).into()],
        ))
        .await?;
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        events.push(LiveEvent {
            id: r.try_get_by_index(0)?,
            article_id: r.try_get_by_index(1)?,
            statements: Vec::new(),
            casualties: Vec::new(),
        });
    }
    if events.is_empty() {
        return Ok(events);
    }
    let articles: Vec<i32> = events.iter().map(|e| e.article_id).collect();
    let mut statements = statement_routes(db, &articles).await?;
    let mut casualties = casualty_routes(db, &articles).await?;
    for e in &mut events {
        e.statements = statements.remove(&e.article_id).unwrap_or_default();
        e.casualties = casualties.remove(&e.article_id).unwrap_or_default();
    }
    Ok(events)
}

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

async fn statement_routes<C: ConnectionTrait>(
    db: &C,
    articles: &[i32],
) -> Result<HashMap<i32, Vec<StatementRoute>>, DbErr> {
    let q = Query::select()
        .columns([
            (Alias::new("statement"), Alias::new("article_id")),
            (Alias::new("statement"), Alias::new("id")),
            (Alias::new("statement"), Alias::new("speaker_person_id")),
            (
                Alias::new("statement"),
                Alias::new("speaker_organization_id"),
            ),
        ])
        .from(Alias::new("statement"))
        .and_where(col("statement", "article_id").is_in(articles.iter().copied()))
        .order_by(
            (Alias::new("statement"), Alias::new("id")),
            sea_orm::Order::Asc,
        )
        .to_owned();
    let rows = db.query_all(&q).await?;
    let mut by_article: HashMap<i32, Vec<StatementRoute>> = HashMap::new();
    let mut ids = Vec::with_capacity(rows.len());
    for r in rows {
        let article: i32 = r.try_get_by_index(0)?;
        let id: i32 = r.try_get_by_index(1)?;
        ids.push(id);
        by_article.entry(article).or_default().push(StatementRoute {
            id,
            speaker_person_id: r.try_get_by_index(2)?,
            speaker_organization_id: r.try_get_by_index(3)?,
            about: Vec::new(),
        });
    }
    if ids.is_empty() {
        return Ok(by_article);
    }
    let q = Query::select()
        .columns([Alias::new("statement_id"), Alias::new("location_id")])
        .from(Alias::new("statement_about"))
        .and_where(col("statement_about", "statement_id").is_in(ids))
        .to_owned();
    let mut about: HashMap<i32, Vec<i32>> = HashMap::new();
    for r in db.query_all(&q).await? {
        about
            .entry(r.try_get_by_index(0)?)
            .or_default()
            .push(r.try_get_by_index(1)?);
    }
    for routes in by_article.values_mut() {
        for s in routes {
            s.about = about.remove(&s.id).unwrap_or_default();
        }
    }
    Ok(by_article)
}

async fn casualty_routes<C: ConnectionTrait>(
    db: &C,
    articles: &[i32],
) -> Result<HashMap<i32, Vec<CasualtyRoute>>, DbErr> {
    let q = Query::select()
        .columns([
            Alias::new("article_id"),
            Alias::new("id"),
            Alias::new("location_id"),
        ])
        .from(Alias::new("casualty"))
        .and_where(col("casualty", "article_id").is_in(articles.iter().copied()))
        .order_by(Alias::new("id"), sea_orm::Order::Asc)
        .to_owned();
    let rows = db.query_all(&q).await?;
    let mut by_article: HashMap<i32, Vec<CasualtyRoute>> = HashMap::new();
    let mut places = Vec::new();
    for r in rows {
        let article: i32 = r.try_get_by_index(0)?;
        let location_id: Option<i32> = r.try_get_by_index(2)?;
        places.extend(location_id);
        by_article.entry(article).or_default().push(CasualtyRoute {
            id: r.try_get_by_index(1)?,
            location_id,
            within: Vec::new(),
        });
    }
    if places.is_empty() {
        return Ok(by_article);
    }
    places.sort_unstable();
    places.dedup();
    // The closure table holds every (ancestor, descendant) pair, the place itself at depth 0.
    let q = Query::select()
        .columns([Alias::new("descendant_id"), Alias::new("ancestor_id")])
        .from(Alias::new("location_closure"))
        .and_where(col("location_closure", "descendant_id").is_in(places))
        .to_owned();
    let mut within: HashMap<i32, Vec<i32>> = HashMap::new();
    for r in db.query_all(&q).await? {
        within
            .entry(r.try_get_by_index(0)?)
            .or_default()
            .push(r.try_get_by_index(1)?);
    }
    for routes in by_article.values_mut() {
        for c in routes {
            if let Some(l) = c.location_id {
                c.within = within.get(&l).cloned().unwrap_or_else(|| vec![l]);
            }
        }
    }
    Ok(by_article)
}
