//! The `newsgraph` command line: serve (default), migrate, seed, schema.
use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sea_orm::DatabaseConnection;

use crate::configuration::Settings;
use crate::services::export;
use crate::services::import::parse_documents;
use crate::services::ingest::{self, IngestError, IngestLock};
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
    /// Ingest article documents: JSON (one or an array) or NDJSON; `-` reads stdin. Each
    /// document in its own transaction; bad ones are reported and skipped.
    Import {
        /// Files to read (`-` for standard input).
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Write every article as an ingestion document, one per line (NDJSON).
    Export {
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<String>,
    },
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
        Command::Import { files } => import(files).await,
        Command::Export { out } => export(out).await,
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

/// Connects (and migrates, unless turned off) for the one-shot commands.
async fn open_database() -> anyhow::Result<DatabaseConnection> {
    let settings = Settings::from_env().map_err(anyhow::Error::msg)?;
    let (db, _) = startup::connect(&settings).await?;
    if settings.migrate_on_start {
        startup::migrate(&db).await?;
    }
    Ok(db)
}

fn read_input(file: &str) -> anyhow::Result<String> {
    if file == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))
    }
}

async fn import(files: Vec<String>) -> anyhow::Result<()> {
    let db = open_database().await?;
    let lock = IngestLock::default();
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let (mut created, mut updated) = (0usize, 0usize);
    let mut rejected: Vec<String> = Vec::new();
    for file in &files {
        let docs = parse_documents(&read_input(file)?);
        let total = docs.len();
        let mut last_draw = Instant::now();
        for (i, parsed) in docs.into_iter().enumerate() {
            let outcome = match parsed.doc {
                Err(reason) => Err(reason),
                Ok(doc) => match ingest::ingest(&db, &lock, &doc).await {
                    Ok(out) => Ok(out.created),
                    Err(IngestError::Rejected(errors)) => Err(errors
                        .iter()
                        .map(|e| format!("{}: {} ({})", e.field.join("."), e.message, e.code))
                        .collect::<Vec<_>>()
                        .join("; ")),
                    Err(IngestError::Failed(e)) => Err(format!("failed: {e:#}")),
                },
            };
            match outcome {
                Ok(true) => created += 1,
                Ok(false) => updated += 1,
                Err(reason) => rejected.push(format!("{file}, {}: {reason}", parsed.label)),
            }
            if tty && (last_draw.elapsed() > Duration::from_millis(100) || i + 1 == total) {
                last_draw = Instant::now();
                let done = created + updated + rejected.len();
                let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
                eprint!("\r{file}: {}/{total} documents, {rate:.0}/s   ", i + 1);
                let _ = std::io::stderr().flush();
            }
        }
        if tty {
            eprintln!();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let done = created + updated + rejected.len();
    for r in &rejected {
        eprintln!("rejected: {r}");
    }
    eprintln!(
        "imported {done} documents in {secs:.1}s ({:.0}/s): {created} new, {updated} updated, {} rejected",
        done as f64 / secs.max(1e-9),
        rejected.len()
    );
    if rejected.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} of {done} documents were rejected", rejected.len())
    }
}

async fn export(out: Option<String>) -> anyhow::Result<()> {
    let db = open_database().await?;
    let mut sink: Box<dyn Write> = match &out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {path}"))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut after: Option<String> = None;
    let mut count = 0usize;
    loop {
        let page = export::article_ids_after(&db, after.as_deref(), 500).await?;
        let Some((_, last_url)) = page.last().cloned() else {
            break;
        };
        for (id, _) in page {
            if let Some(doc) = export::export_article(&db, id).await? {
                serde_json::to_writer(&mut sink, &doc).context("cannot write the export")?;
                sink.write_all(b"\n").context("cannot write the export")?;
                count += 1;
            }
        }
        after = Some(last_url);
    }
    sink.flush().context("cannot write the export")?;
    eprintln!("exported {count} articles");
    Ok(())
}
