use clap::Parser;

/// mimalloc: a request allocates and frees a few hundred small buffers, and glibc's malloc
/// and free cost a sixth of a small read's instructions (README, "What each change bought").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = newsgraph::cli::Cli::parse();
    newsgraph::telemetry::init(if cli.serves() { "info" } else { "warn" });
    if let Err(e) = newsgraph::cli::run(cli).await {
        // One line: the reason and its causes.
        eprintln!("newsgraph: error: {e:#}");
        std::process::exit(1);
    }
}
