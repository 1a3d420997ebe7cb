//! Lists sort newest first with undated rows last (`DESC NULLS LAST`). A plain ascending
//! index read backwards gives `DESC NULLS FIRST`, so PostgreSQL sorted every article for the
//! front page; these indexes match the lists' order. (SQLite sorts NULLs first in ascending
//! order and reads its indexes either way; it needs nothing here.)
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000003_desc_nulls_last"
    }
}

const UP: &[&str] = &[
    "CREATE INDEX idx_article_published_desc ON article (published_at DESC NULLS LAST, id DESC)",
    "CREATE INDEX idx_statement_said_desc ON statement (said_at DESC NULLS LAST, id DESC)",
    "CREATE INDEX idx_statement_person_said_desc ON statement (speaker_person_id, said_at DESC NULLS LAST, id DESC)",
    "CREATE INDEX idx_statement_org_said_desc ON statement (speaker_organization_id, said_at DESC NULLS LAST, id DESC)",
    "CREATE INDEX idx_casualty_location_asof_desc ON casualty (location_id, as_of DESC NULLS LAST, id DESC)",
    "CREATE INDEX idx_casualty_asof_desc ON casualty (as_of DESC NULLS LAST, id DESC)",
];

const DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_casualty_asof_desc",
    "DROP INDEX IF EXISTS idx_casualty_location_asof_desc",
    "DROP INDEX IF EXISTS idx_statement_org_said_desc",
    "DROP INDEX IF EXISTS idx_statement_person_said_desc",
    "DROP INDEX IF EXISTS idx_statement_said_desc",
    "DROP INDEX IF EXISTS idx_article_published_desc",
];

async fn run(manager: &SchemaManager<'_>, sql: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    for s in sql {
        manager.get_connection().execute_unprepared(s).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
