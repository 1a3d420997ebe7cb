//! HTTP: `/graphql` (POST and GET), `/graphiql`, `/health`, `/ready`, `/metrics`. Puts fresh
//! loaders on each request; never touches sea-orm beyond handing the connection over.
mod field_order;
pub mod graphiql;
mod graphql_handler;
mod persisted;

pub use persisted::PersistedQueries;

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
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
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
        .expose_headers([header::ETAG])
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
    let body = format!(
        "# HELP newsgraph_sql_statements_total SQL statements run since start-up.\n\
         # TYPE newsgraph_sql_statements_total counter\n\
         newsgraph_sql_statements_total {}\n",
        state.sql_statements.load(Ordering::Relaxed)
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
