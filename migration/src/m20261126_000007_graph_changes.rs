//! Change signals for the response cache: any committed change to the graph's tables is
//! announced, whoever makes it (this server, another replica, the import command, plain SQL).
//! PostgreSQL: a statement-level trigger on every graph table calls
//! `pg_notify('newsgraph_data', '')`, delivered at COMMIT (never for a rolled-back change) to
//! every server's LISTEN connection; no row is updated, so writers do not queue behind each
//! other. SQLite (one machine, no LISTEN): per-row triggers bump `data_version` row 'graph',
//! which a server reads before answering from its cache.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000007_graph_changes"
    }
}

/// Every table a query can read (not the event log, rate-limit buckets or versions).
const TABLES: [&str; 17] = [
    "location",
    "location_closure",
    "location_alias",
    "organization",
    "organization_alias",
    "person",
    "person_alias",
    "article",
    "article_person",
    "article_organization",
    "article_location",
    "statement",
    "statement_about",
    "statement_dispute",
    "statement_evidence",
    "casualty",
    "casualty_evidence",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION newsgraph_graph_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   PERFORM pg_notify('newsgraph_data', '');
                   RETURN NULL;
                 END $$",
            )
            .await?;
            for t in TABLES {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {t}_announces_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
                     ON {t} FOR EACH STATEMENT EXECUTE FUNCTION newsgraph_graph_changed()"
                ))
                .await?;
            }
        } else {
            db.execute_unprepared("INSERT INTO data_version (name, version) VALUES ('graph', 0)")
                .await?;
            for t in TABLES {
                for op in ["INSERT", "UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {t}_{}_announces_change AFTER {op} ON {t}
                         BEGIN UPDATE data_version SET version = version + 1 WHERE name = 'graph'; END",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for t in TABLES {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS {t}_announces_change ON {t}"
                ))
                .await?;
            }
            db.execute_unprepared("DROP FUNCTION IF EXISTS newsgraph_graph_changed()")
                .await?;
        } else {
            for t in TABLES {
                for op in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {t}_{op}_announces_change"
                    ))
                    .await?;
                }
            }
            db.execute_unprepared("DELETE FROM data_version WHERE name = 'graph'")
                .await?;
        }
        Ok(())
    }
}
