//! The `newsgraph` command line: serve (default), migrate, seed, schema.
use clap::{Parser, Subcommand};

use crate::configuration::Settings;
use crate::services::ingest::{self, IngestLock};
use crate::startup::{self, Application};

#[derive(Parser, Debug)]
#[command(
    name = "newsgraph",
    version,
    about = "A GraphQL API over a linked graph of news reporting"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API (the default): /graphql, /graphiql, /health, /ready, /metrics.
    Serve {
        /// Address to listen on [env: NEWSGRAPH_BIND] [default: 127.0.0.1:8080]
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load (or reload) the bundled sample article through the normal ingestion path.
    Seed,
    /// Print the GraphQL schema (SDL), as published in schema.graphql.
    Schema,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve { bind: None }) {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Serve { bind } => {
            let mut settings = Settings::from_env().map_err(anyhow::Error::msg)?;
            if let Some(b) = bind {
                settings.bind = b;
            }
            tracing::info!(settings = ?settings, "starting");
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "listening; GraphiQL at /graphiql");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Migrate => {
            let settings = Settings::from_env().map_err(anyhow::Error::msg)?;
            let (db, _) = startup::connect(&settings).await?;
            startup::migrate(&db).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            let settings = Settings::from_env().map_err(anyhow::Error::msg)?;
            let (db, _) = startup::connect(&settings).await?;
            if settings.migrate_on_start {
                startup::migrate(&db).await?;
            }
            let doc = ingest::sample_document()?;
            let out = ingest::ingest(&db, &IngestLock::default(), &doc).await?;
            eprintln!(
                "sample article {} ({})",
                if out.created { "loaded" } else { "updated" },
                out.article.url
            );
            Ok(())
        }
    }
}
