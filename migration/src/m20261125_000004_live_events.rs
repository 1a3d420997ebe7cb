//! The log of what was ingested, for live updates: one row per ingest, written in the ingest's
//! transaction, so a rolled-back write leaves no event. Ids only grow (PostgreSQL's sequence;
//! SQLite's AUTOINCREMENT never reuses one), which lets every server replica replay whatever
//! was committed after the last event it delivered.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000004_live_events"
    }
}

const PG_UP: &[&str] = &[
    "CREATE TABLE live_event (
        id BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('article_ingested')),
        article_id INTEGER NOT NULL REFERENCES article (id) ON DELETE CASCADE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )",
    "CREATE INDEX idx_live_event_article ON live_event (article_id)",
    "CREATE INDEX idx_live_event_created ON live_event (created_at)",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE live_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('article_ingested')),
        article_id INTEGER NOT NULL REFERENCES article (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )",
    "CREATE INDEX idx_live_event_article ON live_event (article_id)",
    "CREATE INDEX idx_live_event_created ON live_event (created_at)",
];

const DOWN: &[&str] = &["DROP TABLE IF EXISTS live_event"];

async fn run(manager: &SchemaManager<'_>, sql: &[&str]) -> Result<(), DbErr> {
    for s in sql {
        manager.get_connection().execute_unprepared(s).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, PG_UP).await,
            _ => run(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
