//! A version number for the data casualty roll-ups read (figures and the place hierarchy),
//! bumped by triggers in the same transaction as any change to them. A server caches roll-ups
//! keyed by this version, so every replica knows a cached answer is stale the moment any
//! writer (another replica, the import command, plain SQL) commits a change.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000006_data_versions"
    }
}

const TABLES: [&str; 2] = ["casualty", "location_closure"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE data_version (
                name TEXT PRIMARY KEY,
                version BIGINT NOT NULL
            )",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO data_version (name, version) VALUES ('casualty_totals', 0)",
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION bump_casualty_totals_version() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   UPDATE data_version SET version = version + 1 WHERE name = 'casualty_totals';
                   RETURN NULL;
                 END $$",
            )
            .await?;
            for t in TABLES {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {t}_bumps_casualty_totals AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
                     ON {t} FOR EACH STATEMENT EXECUTE FUNCTION bump_casualty_totals_version()"
                ))
                .await?;
            }
        } else {
            for t in TABLES {
                for op in ["INSERT", "UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {t}_{}_bumps_casualty_totals AFTER {op} ON {t}
                         BEGIN UPDATE data_version SET version = version + 1 WHERE name = 'casualty_totals'; END",
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
                    "DROP TRIGGER IF EXISTS {t}_bumps_casualty_totals ON {t}"
                ))
                .await?;
            }
            db.execute_unprepared("DROP FUNCTION IF EXISTS bump_casualty_totals_version()")
                .await?;
        } else {
            for t in TABLES {
                for op in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {t}_{op}_bumps_casualty_totals"
                    ))
                    .await?;
                }
            }
        }
        db.execute_unprepared("DROP TABLE IF EXISTS data_version")
            .await?;
        Ok(())
    }
}
