//! A place's, person's or organization's articles are listed newest first. The order is the
//! article's publication date, which lived only on `article`: PostgreSQL joined every article
//! mentioning the place and sorted them to keep ten (a country at scale 10: 2,931 articles,
//! 22 ms, against 2 ms for a town). Each mention row now carries its article's `published_at`
//! (kept equal by triggers, whoever writes: the server, the import command, plain SQL), and
//! an index `(place, published_at DESC NULLS LAST, article_id DESC)` serves the page as one
//! range, whatever the number of articles.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000008_mention_dates"
    }
}

/// The mention tables and the column naming the other side.
const MENTIONS: [(&str, &str); 3] = [
    ("article_person", "person_id"),
    ("article_organization", "organization_id"),
    ("article_location", "location_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let pg = manager.get_database_backend() == DatabaseBackend::Postgres;
        for (table, other) in MENTIONS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new("published_at")
                                .timestamp_with_time_zone()
                                .null(),
                        )
                        .to_owned(),
                )
                .await?;
            db.execute_unprepared(&format!(
                "UPDATE {table} SET published_at = \
                 (SELECT published_at FROM article WHERE article.id = {table}.article_id)"
            ))
            .await?;
            // SQLite sorts NULLs first ascending and reads an index either way: plain DESC.
            let nulls = if pg { " NULLS LAST" } else { "" };
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{table}_published ON {table} \
                 ({other}, published_at DESC{nulls}, article_id DESC)"
            ))
            .await?;
        }
        if pg {
            db.execute_unprepared(
                "CREATE FUNCTION newsgraph_mention_date() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   NEW.published_at := (SELECT published_at FROM article WHERE id = NEW.article_id);
                   RETURN NEW;
                 END $$",
            )
            .await?;
            let mut updates = String::new();
            for (table, _) in MENTIONS {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_dated BEFORE INSERT OR UPDATE OF article_id ON {table}
                     FOR EACH ROW EXECUTE FUNCTION newsgraph_mention_date()"
                ))
                .await?;
                updates.push_str(&format!(
                    "UPDATE {table} SET published_at = NEW.published_at WHERE article_id = NEW.id;\n"
                ));
            }
            db.execute_unprepared(&format!(
                "CREATE FUNCTION newsgraph_article_dated() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   {updates}
                   RETURN NULL;
                 END $$"
            ))
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER article_dates_mentions AFTER UPDATE OF published_at ON article
                 FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
                 EXECUTE FUNCTION newsgraph_article_dated()",
            )
            .await?;
        } else {
            let mut updates = String::new();
            for (table, other) in MENTIONS {
                // One trigger per event in SQLite: a new row, and a row moved to another article.
                for (name, event) in [("dated", "INSERT"), ("redated", "UPDATE OF article_id")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_{name} AFTER {event} ON {table}
                         BEGIN UPDATE {table} SET published_at =
                           (SELECT published_at FROM article WHERE id = NEW.article_id)
                         WHERE article_id = NEW.article_id AND {other} = NEW.{other}; END"
                    ))
                    .await?;
                }
                updates.push_str(&format!(
                    "UPDATE {table} SET published_at = NEW.published_at WHERE article_id = NEW.id; "
                ));
            }
            db.execute_unprepared(&format!(
                "CREATE TRIGGER article_dates_mentions AFTER UPDATE OF published_at ON article
                 WHEN OLD.published_at IS NOT NEW.published_at BEGIN {updates}END"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let pg = manager.get_database_backend() == DatabaseBackend::Postgres;
        if pg {
            db.execute_unprepared("DROP TRIGGER IF EXISTS article_dates_mentions ON article")
                .await?;
        } else {
            db.execute_unprepared("DROP TRIGGER IF EXISTS article_dates_mentions")
                .await?;
        }
        for (table, _) in MENTIONS {
            let on = if pg {
                format!(" ON {table}")
            } else {
                String::new()
            };
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_dated{on}"))
                .await?;
            if !pg {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_redated"))
                    .await?;
            }
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS idx_{table}_published"))
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column("published_at")
                        .to_owned(),
                )
                .await?;
        }
        if pg {
            db.execute_unprepared("DROP FUNCTION IF EXISTS newsgraph_article_dated()")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS newsgraph_mention_date()")
                .await?;
        }
        Ok(())
    }
}
