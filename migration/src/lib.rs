//! The database schema of newsgraph, as an ordered list of migrations.
//! Migrations never import the app's entities: an old migration must not change when entities do.
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_core_graph;
mod m20261125_000002_search;
mod m20261125_000003_desc_nulls_last;
mod m20261125_000004_live_events;
mod m20261125_000005_rate_limits;
mod m20261125_000006_data_versions;
mod m20261126_000007_graph_changes;
mod m20261126_000008_mention_dates;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_core_graph::Migration),
            Box::new(m20261125_000002_search::Migration),
            Box::new(m20261125_000003_desc_nulls_last::Migration),
            Box::new(m20261125_000004_live_events::Migration),
            Box::new(m20261125_000005_rate_limits::Migration),
            Box::new(m20261125_000006_data_versions::Migration),
            Box::new(m20261126_000007_graph_changes::Migration),
            Box::new(m20261126_000008_mention_dates::Migration),
        ]
    }
}
