//! Full-text search. PostgreSQL: generated, weighted `tsvector` columns with GIN indexes
//! (English configuration). SQLite: external-content FTS5 tables (porter stemming, like the
//! English configuration) kept in sync by triggers.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000002_search"
    }
}

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE article ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')) STORED",
    "CREATE INDEX idx_article_search ON article USING GIN (search_tsv)",
    "ALTER TABLE statement ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, text)) STORED",
    "CREATE INDEX idx_statement_search ON statement USING GIN (search_tsv)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_statement_search",
    "ALTER TABLE statement DROP COLUMN IF EXISTS search_tsv",
    "DROP INDEX IF EXISTS idx_article_search",
    "ALTER TABLE article DROP COLUMN IF EXISTS search_tsv",
];

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, summary, body, content='article', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER article_fts_insert AFTER INSERT ON article BEGIN
        INSERT INTO article_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
     END",
    "CREATE TRIGGER article_fts_delete AFTER DELETE ON article BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
     END",
    "CREATE TRIGGER article_fts_update AFTER UPDATE OF title, summary, body ON article BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO article_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
     END",
    "INSERT INTO article_fts(rowid, title, summary, body) SELECT id, title, summary, body FROM article",
    "CREATE VIRTUAL TABLE statement_fts USING fts5(text, content='statement', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER statement_fts_insert AFTER INSERT ON statement BEGIN
        INSERT INTO statement_fts(rowid, text) VALUES (new.id, new.text);
     END",
    "CREATE TRIGGER statement_fts_delete AFTER DELETE ON statement BEGIN
        INSERT INTO statement_fts(statement_fts, rowid, text) VALUES ('delete', old.id, old.text);
     END",
    "CREATE TRIGGER statement_fts_update AFTER UPDATE OF text ON statement BEGIN
        INSERT INTO statement_fts(statement_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO statement_fts(rowid, text) VALUES (new.id, new.text);
     END",
    "INSERT INTO statement_fts(rowid, text) SELECT id, text FROM statement",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS statement_fts_update",
    "DROP TRIGGER IF EXISTS statement_fts_delete",
    "DROP TRIGGER IF EXISTS statement_fts_insert",
    "DROP TABLE IF EXISTS statement_fts",
    "DROP TRIGGER IF EXISTS article_fts_update",
    "DROP TRIGGER IF EXISTS article_fts_delete",
    "DROP TRIGGER IF EXISTS article_fts_insert",
    "DROP TABLE IF EXISTS article_fts",
];

async fn run(manager: &SchemaManager<'_>, postgres: &[&str], sqlite: &[&str]) -> Result<(), DbErr> {
    let statements = match manager.get_database_backend() {
        DatabaseBackend::Postgres => postgres,
        DatabaseBackend::Sqlite => sqlite,
        other => {
            return Err(DbErr::Migration(format!(
                "full-text search is not implemented for {other:?}"
            )));
        }
    };
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, POSTGRES_DOWN, SQLITE_DOWN).await
    }
}
