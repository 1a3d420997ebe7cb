//! The `newsgraph` command line: serve (default), migrate, seed, schema.
use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sea_orm::DatabaseConnection;

use crate::configuration::Settings;
use crate::services::import::parse_documents;
use crate::services::ingest::{self, IngestError, IngestLock};
use crate::services::{export, generate};
use crate::startup::{self, Application};

#[derive(Parser, Debug)]
#[command(
    name = "newsgraph",
    version,
    about = "A GraphQL API over a linked graph of news reporting"
)]
pub struct Cli {
    /// Address to serve on when no command is given [env: NEWSGRAPH_BIND] [default: 127.0.0.1:8080]
    #[arg(long)]
    pub bind: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// True when this invocation runs the server (the default command).
    pub fn serves(&self) -> bool {
        matches!(self.command, None | Some(Command::Serve { .. }))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API (the default): /graphql, /graphiql, /health, /ready, /metrics.
    Serve {
        /// Address to serve on [env: NEWSGRAPH_BIND] [default: 127.0.0.1:8080]
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
        /// Read article text instead of documents: a plain text file is one article (its first
        /// line the title when it looks like one); NDJSON holds one article a line as
        /// {url, title, body, publishedAt, source}. Each is extracted, then ingested.
        #[arg(long)]
        text: bool,
        /// Files to read (`-` for standard input).
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Generate a deterministic synthetic graph (scale 1: 10,000 articles, 2,000 people,
    /// 5,000 places, 50,000 statements) into the database, or as NDJSON with --out.
    Generate {
        /// Size relative to scale 1 (0.1 is a tenth).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Write the documents to this file instead of ingesting them.
        #[arg(long)]
        out: Option<String>,
    },
    /// Extract a draft ingestion document from article text (plain text or HTML) and print
    /// it as JSON: the format `import` and `ingestArticle` take. Writes nothing.
    Extract {
        /// When the article was published (RFC 3339); weekdays are resolved against it.
        #[arg(long)]
        published_at: Option<String>,
        /// The article's URL (default: one derived from the text).
        #[arg(long)]
        url: Option<String>,
        /// The publisher.
        #[arg(long)]
        source: Option<String>,
        /// The text file (`-` for standard input).
        file: String,
    },
    /// Write every article as an ingestion document, one per line (NDJSON).
    Export {
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<String>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let top_bind = cli.bind;
    match cli.command.unwrap_or(Command::Serve { bind: None }) {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Serve { bind } => {
            let bind = bind.or(top_bind);
            let mut settings = Settings::from_env().map_err(anyhow::Error::msg)?;
            if let Some(b) = bind {
                settings.bind = b;
            }
            tracing::info!(settings = ?settings, "starting");
            if settings.sched_batch {
                // Before the HTTP workers start: they inherit it.
                match crate::sched::batch_all_threads() {
                    Ok(n) => tracing::debug!(threads = n, "SCHED_BATCH"),
                    Err(e) => tracing::warn!(error = %e, "SCHED_BATCH not set; default policy"),
                }
            }
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "listening; GraphiQL at /graphiql");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Migrate => {
            let settings = command_settings()?;
            let (db, _) = startup::connect(&settings).await?;
            startup::migrate(&db).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Import { text, files } => import(files, text).await,
        Command::Export { out } => export(out).await,
        Command::Extract {
            published_at,
            url,
            source,
            file,
        } => extract(published_at, url, source, &file),
        Command::Generate { scale, out } => generate(scale, out).await,
        Command::Seed => {
            let settings = command_settings()?;
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

/// Settings for the one-shot commands: no request timeout bounds their statements.
fn command_settings() -> anyhow::Result<Settings> {
    let mut settings = Settings::from_env().map_err(anyhow::Error::msg)?;
    settings.sqlite_statement_limit = None;
    Ok(settings)
}

/// Connects (and migrates, unless turned off) for the one-shot commands.
async fn open_database() -> anyhow::Result<DatabaseConnection> {
    let settings = command_settings()?;
    let (db, _) = startup::connect(&settings).await?;
    if settings.migrate_on_start {
        startup::migrate(&db).await?;
    }
    Ok(db)
}

fn read_input(file: &str) -> anyhow::Result<Vec<u8>> {
    if file == "-" {
        let mut s = Vec::new();
        std::io::stdin()
            .read_to_end(&mut s)
            .context("cannot read standard input")?;
        Ok(s)
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {file}"))
    }
}

/// Counts of one import run.
#[derive(Default)]
struct Tally {
    created: usize,
    updated: usize,
    rejected: Vec<String>,
}

/// Ingests documents one transaction each, with a progress line on a terminal.
async fn ingest_all(
    db: &DatabaseConnection,
    source: &str,
    docs: impl Iterator<Item = (String, Result<ingest::ArticleDocument, String>)>,
    total: usize,
    tally: &mut Tally,
    started: Instant,
) {
    let lock = IngestLock::default();
    let tty = std::io::stderr().is_terminal();
    let mut last_draw = Instant::now();
    for (i, (label, doc)) in docs.enumerate() {
        let outcome = match doc {
            Err(reason) => Err(reason),
            Ok(doc) => match ingest::ingest(db, &lock, &doc).await {
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
            Ok(true) => tally.created += 1,
            Ok(false) => tally.updated += 1,
            Err(reason) => tally.rejected.push(format!("{source}, {label}: {reason}")),
        }
        if tty && (last_draw.elapsed() > Duration::from_millis(100) || i + 1 == total) {
            last_draw = Instant::now();
            let done = tally.created + tally.updated + tally.rejected.len();
            let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprint!("\r{source}: {}/{total} documents, {rate:.0}/s   ", i + 1);
            let _ = std::io::stderr().flush();
        }
    }
    if tty {
        eprintln!();
    }
}

fn report(tally: &Tally, started: Instant) -> anyhow::Result<()> {
    let secs = started.elapsed().as_secs_f64();
    let done = tally.created + tally.updated + tally.rejected.len();
    for r in &tally.rejected {
        eprintln!("rejected: {r}");
    }
    eprintln!(
        "imported {done} documents in {secs:.1}s ({:.0}/s): {} new, {} updated, {} rejected",
        done as f64 / secs.max(1e-9),
        tally.created,
        tally.updated,
        tally.rejected.len()
    );
    if tally.rejected.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} of {done} documents were rejected", tally.rejected.len())
    }
}

async fn import(files: Vec<String>, text: bool) -> anyhow::Result<()> {
    use crate::services::extract::{Extractor, RuleExtractor, candidates, link, texts::read_texts};
    let db = open_database().await?;
    let started = Instant::now();
    let mut tally = Tally::default();
    for file in &files {
        let bytes = read_input(file)?;
        if text {
            let mut docs = Vec::new();
            for (label, input) in read_texts(file, &bytes) {
                let doc = match input {
                    Err(e) => Err(e),
                    Ok(i) => {
                        // The graph's names (including those of articles imported just
                        // before) decide before the rules do.
                        let known = link::known_names(&db, &candidates(&i.text)).await?;
                        RuleExtractor { known }
                            .extract(&i)
                            .map(|d| d.document)
                            .map_err(|e| e.to_string())
                    }
                };
                docs.push((label, doc));
            }
            let total = docs.len();
            ingest_all(&db, file, docs.into_iter(), total, &mut tally, started).await;
            continue;
        }
        let docs = parse_documents(&bytes);
        let total = docs.len();
        ingest_all(
            &db,
            file,
            docs.into_iter().map(|p| (p.label, p.doc)),
            total,
            &mut tally,
            started,
        )
        .await;
    }
    report(&tally, started)
}

fn extract(
    published_at: Option<String>,
    url: Option<String>,
    source: Option<String>,
    file: &str,
) -> anyhow::Result<()> {
    use crate::services::extract::{Extractor, Input, RuleExtractor};
    let published_at = published_at
        .map(|p| {
            chrono::DateTime::parse_from_rfc3339(&p)
                .map(|d| d.to_utc())
                .map_err(|_| anyhow::anyhow!("--published-at must be an RFC 3339 time, not `{p}`"))
        })
        .transpose()?;
    let raw = read_input(file)?;
    let text = String::from_utf8(raw)
        .map_err(|_| anyhow::anyhow!("{file} is binary data, not UTF-8 text"))?;
    let draft = RuleExtractor::default()
        .extract(&Input {
            text,
            url,
            published_at,
            source,
        })
        .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    for w in &draft.warnings {
        eprintln!("warning: {w}");
    }
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &draft.document).context("cannot write the draft")?;
    writeln!(out).context("cannot write the draft")?;
    Ok(())
}

async fn generate(scale: f64, out: Option<String>) -> anyhow::Result<()> {
    if !(scale.is_finite() && scale > 0.0 && scale <= 100.0) {
        anyhow::bail!("--scale must be greater than 0 and at most 100 (got {scale})");
    }
    let sizes = generate::Sizes::at_scale(scale);
    let docs = (0..sizes.articles).map(move |a| generate::article(&sizes, a));
    match out {
        Some(path) => {
            let mut sink = std::io::BufWriter::new(
                std::fs::File::create(&path).with_context(|| format!("cannot create {path}"))?,
            );
            for doc in docs {
                serde_json::to_writer(&mut sink, &doc).context("cannot write documents")?;
                sink.write_all(b"\n").context("cannot write documents")?;
            }
            sink.flush().context("cannot write documents")?;
            eprintln!("wrote {} documents to {path}", sizes.articles);
            Ok(())
        }
        None => {
            let db = open_database().await?;
            let started = Instant::now();
            let mut tally = Tally::default();
            let labelled = docs
                .enumerate()
                .map(|(i, d)| (format!("article {i}"), Ok(d)));
            ingest_all(
                &db,
                "generate",
                labelled,
                sizes.articles,
                &mut tally,
                started,
            )
            .await;
            report(&tally, started)
        }
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
