//! HTTP: `/graphql` (POST and GET), `/graphiql`, `/health`, `/ready`, `/metrics`. Puts fresh
//! loaders on each request; never touches sea-orm beyond handing the connection over.
mod field_order;
pub mod graphiql;
mod graphql_handler;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, middleware, web};

use crate::startup::{AppState, database_ready};

pub fn server(listener: TcpListener, state: Arc<AppState>) -> std::io::Result<Server> {
    let data = web::Data::from(state);
    let server = HttpServer::new(move || {
        App::new()
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
