use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = newsgraph::cli::Cli::parse();
    newsgraph::telemetry::init();
    if let Err(e) = newsgraph::cli::run(cli).await {
        // One line: the reason and its causes.
        eprintln!("newsgraph: error: {e:#}");
        std::process::exit(1);
    }
}
