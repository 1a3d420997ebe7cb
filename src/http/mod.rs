//! HTTP: `/graphql` (POST and GET), `/graphiql`, `/health`, `/ready`, `/metrics`. Puts fresh
//! loaders on each request; never touches sea-orm beyond handing the connection over.
mod field_order;
pub mod graphiql;
mod graphql_handler;
mod metrics;
mod persisted;
mod response_cache;
mod ws;

pub use graphql_handler::DocumentCache;
pub use metrics::RequestMetrics;
pub use persisted::PersistedQueries;
pub use response_cache::ResponseCache;
pub use ws::ClientConnections;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, middleware, web};

use crate::configuration::CorsOrigins;

use crate::startup::{AppState, database_ready};

pub fn server(listener: TcpListener, state: Arc<AppState>) -> std::io::Result<Server> {
    let data = web::Data::from(state);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(cors(&data.cors))
            .wrap(middleware::from_fn(request_id))
            .app_data(data.clone())
            .configure(graphql_handler::routes)
            .route("/graphiql", web::get().to(graphiql::page))
            .service(
                web::resource("/graphiql/assets/{name}")
                    .wrap(middleware::Compress::default())
                    .route(web::get().to(graphiql::asset)),
            )
            .route("/health", web::get().to(health))
            .route("/ready", web::get().to(ready))
            .route("/metrics", web::get().to(metrics))
            .route(
                "/",
                web::get().to(|| async {
                    HttpResponse::Found()
                        .insert_header(("Location", "/graphiql"))
                        .finish()
                }),
            )
    })
    // Signals are handled by `Application::run_until_stopped`, which closes subscriptions
    // once in-flight requests have drained.
    .disable_signals()
    // Nagle's algorithm holds the tail of a response written in two parts (a body larger than
    // the socket's free send buffer) until the client acknowledges the first, and clients
    // delay that acknowledgement by 40-200 ms.
    .tcp_nodelay(true)
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

static REQUEST_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The caller's `x-request-id` when it is a sane token, else a fresh one.
fn request_id_of(req: &actix_web::dev::ServiceRequest) -> String {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    match given {
        Some(v) => v.to_string(),
        None => {
            let n = REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed);
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let mut id = String::with_capacity(24);
            push_hex(&mut id, (t & 0xffff_ffff_ffff) as u64);
            id.push('-');
            push_hex(&mut id, n);
            id
        }
    }
}

/// `v` in lowercase hexadecimal, as `{:x}` writes it (without `format!`: one per request).
fn push_hex(s: &mut String, v: u64) {
    let digits = (64 - v.leading_zeros()).div_ceil(4).max(1);
    for k in (0..digits).rev() {
        s.push(char::from(
            b"0123456789abcdef"[((v >> (4 * k)) & 15) as usize],
        ));
    }
}

/// Gives every request an id (echoed in `x-request-id`) and logs it with its outcome; the
/// body of a request is never logged, nor its `Authorization` header.
async fn request_id(
    req: actix_web::dev::ServiceRequest,
    next: middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let id = request_id_of(&req);
    let started = std::time::Instant::now();
    // The method and path are written only when the span is recorded.
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path()
    );
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let _in_flight = state.map(InFlight::enter);
    let mut res = tracing::Instrument::instrument(next.call(req), span.clone()).await?;
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
            "request finished"
        )
    });
    Ok(res)
}

/// Counts a request as in flight until dropped (shutdown waits for the count to reach 0).
struct InFlight(web::Data<AppState>);

impl InFlight {
    fn enter(state: web::Data<AppState>) -> Self {
        state.in_flight.fetch_add(1, Ordering::SeqCst);
        Self(state)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Cross-origin access for browser frontends. Credentials (cookies) are never allowed: the
/// API authenticates with a bearer key, so `*` can never leak a session.
fn cors(origins: &CorsOrigins) -> Cors {
    let base = Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
            header::HeaderName::from_static("ratelimit-policy"),
        ])
        .max_age(3600);
    match origins {
        CorsOrigins::None => Cors::default(),
        CorsOrigins::Any => base.allow_any_origin().send_wildcard(),
        CorsOrigins::List(list) => list.iter().fold(base, |c, o| c.allowed_origin(o)),
    }
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

async fn ready(state: web::Data<AppState>) -> HttpResponse {
    if database_ready(&state.db).await {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "database unreachable" }))
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut body = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        body.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    };
    metric(
        "newsgraph_sql_statements_total",
        "counter",
        "SQL statements run since start-up.",
        state.sql_statements.load(Ordering::Relaxed),
    );
    metric(
        "newsgraph_http_requests_in_flight",
        "gauge",
        "HTTP requests being handled (WebSocket connections not counted).",
        state.in_flight.load(Ordering::Relaxed) as u64,
    );
    metric(
        "newsgraph_ws_connections",
        "gauge",
        "Open WebSocket connections.",
        state.ws_clients.total() as u64,
    );
    metric(
        "newsgraph_live_subscriptions",
        "gauge",
        "Subscriptions listening in this process.",
        state.live.subscribers() as u64,
    );
    metric(
        "newsgraph_live_events_total",
        "counter",
        "Committed events this process has broadcast to its subscriptions.",
        state.live.published(),
    );
    let (size, idle) = crate::startup::pool_usage(&state.db);
    metric(
        "newsgraph_db_pool_connections",
        "gauge",
        "Open connections in the database pool.",
        u64::from(size),
    );
    metric(
        "newsgraph_db_pool_idle_connections",
        "gauge",
        "Idle connections in the database pool (open minus in use).",
        idle as u64,
    );
    metric(
        "newsgraph_rate_limited_total",
        "counter",
        "Requests refused by the rate limiter (RATE_LIMITED).",
        state.rate_limited.load(Ordering::Relaxed),
    );
    metric(
        "newsgraph_ws_slow_consumers_total",
        "counter",
        "WebSocket connections cut off for reading too slowly (close 4008).",
        state.ws_slow_consumers.load(Ordering::Relaxed),
    );
    metric(
        "newsgraph_live_listener_up",
        "gauge",
        "1 when the PostgreSQL LISTEN connection is up (always 1 on SQLite).",
        u64::from(state.live.listening()),
    );
    let cache = &state.response_cache;
    let (entries, bytes) = cache.usage();
    metric(
        "newsgraph_response_cache_hits_total",
        "counter",
        "Reads answered from the response cache.",
        cache.hits.load(Ordering::Relaxed),
    );
    metric(
        "newsgraph_response_cache_misses_total",
        "counter",
        "Requests looked up in the response cache and executed.",
        cache.misses.load(Ordering::Relaxed),
    );
    metric(
        "newsgraph_response_cache_bypassed_total",
        "counter",
        "Requests executed without the cache because freshness was unknown (listener down).",
        cache.bypassed.load(Ordering::Relaxed),
    );
    metric(
        "newsgraph_response_cache_entries",
        "gauge",
        "Answers held by the response cache.",
        entries as u64,
    );
    metric(
        "newsgraph_response_cache_bytes",
        "gauge",
        "Memory held by the response cache (bodies plus bookkeeping).",
        bytes as u64,
    );
    let (runs, failures, texts_reused) = state.compiled.as_ref().map_or((0, 0, 0), |c| {
        (
            c.runs.load(Ordering::Relaxed),
            c.failures.load(Ordering::Relaxed),
            c.statement_hits.load(Ordering::Relaxed),
        )
    });
    metric(
        "newsgraph_compiled_reads_total",
        "counter",
        "Reads answered by one compiled SQL statement (PostgreSQL).",
        runs,
    );
    metric(
        "newsgraph_compiled_statement_reuses_total",
        "counter",
        "Compilations that reused the statement text of an earlier request of the same shape.",
        texts_reused,
    );
    metric(
        "newsgraph_compiled_read_failures_total",
        "counter",
        "Compiled statements that failed; the resolvers answered instead.",
        failures,
    );
    state.request_metrics.render(&mut body);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_written_as_format_writes_it() {
        for v in [0, 1, 9, 10, 15, 16, 255, 256, 0xffff_ffff_ffff, u64::MAX]
            .into_iter()
            .chain((0..64).map(|k| 1u64 << k))
        {
            let mut s = String::from("x");
            super::push_hex(&mut s, v);
            assert_eq!(s, format!("x{v:x}"));
        }
    }
}
