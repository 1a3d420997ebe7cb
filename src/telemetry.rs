//! Logging through `tracing`: human-readable by default, JSON with `NEWSGRAPH_LOG_FORMAT=json`,
//! filtered by `RUST_LOG` (default `info` for the server, `warn` for one-shot commands, which
//! say what the user needs themselves). Imports no app module.
use tracing_subscriber::EnvFilter;

pub fn init(default_level: &str) {
    let mut filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    // The database drivers log statements with their bound values at debug level: a
    // mutation's whole document, or a key. Only an explicit opt-in lets them.
    // (Added only when the filter lets debug through: they must never make a quieter filter
    // louder.)
    let verbose = filter
        .max_level_hint()
        .is_none_or(|l| l > tracing_subscriber::filter::LevelFilter::INFO);
    if verbose
        && !std::env::var("NEWSGRAPH_LOG_SQL")
            .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    {
        for quiet in ["sea_orm=info", "sea_orm_migration=info", "sqlx=warn"] {
            if let Ok(d) = quiet.parse() {
                filter = filter.add_directive(d);
            }
        }
    }
    let json = std::env::var("NEWSGRAPH_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests start many apps in one process) is harmless: keep the first.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
