//! `/graphql` over HTTP, following the GraphQL-over-HTTP spec and closing the stack's unsafe
//! defaults: POST bodies must be JSON (a cross-site form cannot send one) and are size-capped,
//! GET runs queries only (never mutations), batches are refused, and every failure — even
//! before execution — answers with a GraphQL-shaped JSON body, never HTML or a panic.
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use futures_util::StreamExt;
use serde::Deserialize;
use std::sync::Arc;

use super::field_order;
use super::persisted::{self, Resolved};
use super::response_cache::{Cached, ResponseCache};
use crate::graphql::auth::Caller;
use crate::graphql::compiled;
use crate::graphql::loaders::loaders;
use crate::startup::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(
                web::get()
                    .guard(actix_web::guard::fn_guard(super::ws::is_upgrade))
                    .to(super::ws::upgrade),
            )
            .route(web::post().to(post))
            .route(web::get().to(get))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The media type the client wants back: the GraphQL response type when it asks for it,
/// otherwise plain JSON (what the spec says legacy clients get).
fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GRAPHQL_RESPONSE_JSON))
}

fn content_type_for(req: &HttpRequest) -> &'static str {
    if wants_graphql_response(req) {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    }
}

/// A response for a request that never reached execution.
fn request_error(req: &HttpRequest, status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, content_type_for(req)))
        .body(body.to_string())
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let mut res = request_error(
        &req,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "use POST (or GET for queries) on /graphql",
    );
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    res
}

async fn post(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if media != "application/json" && media != GRAPHQL_RESPONSE_JSON {
        return request_error(
            &req,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST bodies must be JSON: send `Content-Type: application/json`",
        );
    }
    // JSON is UTF-8 (RFC 8259); a body declared in another charset would be misread.
    if let Some(charset) = content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim() == "charset").then(|| v.trim().trim_matches('"').to_string())
    }) && charset != "utf-8"
        && charset != "utf8"
    {
        return request_error(
            &req,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            &format!("JSON bodies are UTF-8: charset `{charset}` is not accepted"),
        );
    }
    let too_large = || {
        request_error(
            &req,
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return too_large();
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return request_error(
                &req,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read",
            );
        };
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return too_large();
        }
        body.extend_from_slice(&chunk);
    }
    // A plain request (an object with a non-empty `query`, no persisted query) is read
    // straight into async-graphql's request. Anything else, every mistake included, takes the
    // checked path below, which names what is wrong (reading the body as a JSON value first
    // cost more than the rest of parsing it).
    if body.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{')
        && let Ok(gql) = serde_json::from_slice::<async_graphql::Request>(&body)
        && !gql.query.is_empty()
        && !gql.extensions.contains_key(persisted::EXTENSION)
    {
        return execute(&req, &state, gql).await;
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return request_error(
                &req,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("the body is not valid JSON: {e}"),
            );
        }
    };
    if value.is_array() {
        return request_error(
            &req,
            StatusCode::BAD_REQUEST,
            "BATCH_NOT_SUPPORTED",
            "batched requests (a JSON array of operations) are not accepted: send one operation per request",
        );
    }
    let value = match with_persisted_query(&state, value) {
        Ok(v) => v,
        Err(res) => return res(&req),
    };
    let gql: async_graphql::Request = match parse_request(value) {
        Ok(r) => r,
        Err(msg) => return request_error(&req, StatusCode::BAD_REQUEST, "BAD_REQUEST", &msg),
    };
    execute(&req, &state, gql).await
}

type Refusal = Box<dyn FnOnce(&HttpRequest) -> HttpResponse>;

/// Applies automatic persisted queries to a request body: fills in `query` from its hash, or
/// answers `PersistedQueryNotFound` (HTTP 200, as Apollo clients expect) so the client resends
/// the query.
fn with_persisted_query(
    state: &AppState,
    value: serde_json::Value,
) -> Result<serde_json::Value, Refusal> {
    let serde_json::Value::Object(mut map) = value else {
        return Ok(value);
    };
    match state.persisted.resolve(&map) {
        Resolved::NotPersisted => {}
        Resolved::Query(q) => {
            map.insert("query".into(), q.into());
        }
        Resolved::NotFound => {
            return Err(Box::new(|req| {
                request_error(
                    req,
                    StatusCode::OK,
                    "PERSISTED_QUERY_NOT_FOUND",
                    "PersistedQueryNotFound",
                )
            }));
        }
        Resolved::Mismatch => {
            return Err(Box::new(|req| {
                request_error(
                    req,
                    StatusCode::BAD_REQUEST,
                    "PERSISTED_QUERY_HASH_MISMATCH",
                    "the query's sha256 is not the hash sent in extensions.persistedQuery",
                )
            }));
        }
    }
    Ok(serde_json::Value::Object(map))
}

/// Checks the shape of a JSON request body before handing it to async-graphql, so each
/// mistake gets a message that names the field.
fn parse_request(value: serde_json::Value) -> Result<async_graphql::Request, String> {
    let serde_json::Value::Object(map) = &value else {
        return Err("the body must be a JSON object with a `query` string".into());
    };
    match map.get("query") {
        Some(serde_json::Value::String(_)) => {}
        None => return Err("the body has no `query`".into()),
        Some(_) => return Err("`query` must be a string".into()),
    }
    if let Some(v) = map.get("variables")
        && !(v.is_object() || v.is_null())
    {
        return Err("`variables` must be an object".into());
    }
    if let Some(v) = map.get("operationName")
        && !(v.is_string() || v.is_null())
    {
        return Err("`operationName` must be a string".into());
    }
    if let Some(v) = map.get("extensions")
        && !(v.is_object() || v.is_null())
    {
        return Err("`extensions` must be an object".into());
    }
    serde_json::from_value(value).map_err(|e| format!("the request is not a GraphQL request: {e}"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
    extensions: Option<String>,
}

async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params: GetParams = match web::Query::<GetParams>::from_query(req.query_string()) {
        Ok(p) => p.into_inner(),
        Err(e) => {
            return request_error(
                &req,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("bad query string: {e}"),
            );
        }
    };
    let mut body = serde_json::Map::new();
    if let Some(query) = params.query {
        body.insert("query".into(), query.into());
    } else if params.extensions.is_none() {
        return request_error(
            &req,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "a GET request needs a `query` parameter",
        );
    }
    for (name, raw) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        if let Some(raw) = raw.filter(|r| !r.is_empty()) {
            match serde_json::from_str::<serde_json::Value>(&raw) {
                Ok(v) => {
                    body.insert(name.into(), v);
                }
                Err(_) => {
                    return request_error(
                        &req,
                        StatusCode::BAD_REQUEST,
                        "BAD_REQUEST",
                        &format!("`{name}` is not valid JSON"),
                    );
                }
            }
        }
    }
    if let Some(op) = &params.operation_name {
        body.insert("operationName".into(), op.clone().into());
    }
    let body = match with_persisted_query(&state, serde_json::Value::Object(body)) {
        Ok(serde_json::Value::Object(b)) => b,
        Ok(_) => serde_json::Map::new(),
        Err(res) => return res(&req),
    };
    let query = body
        .get("query")
        .and_then(|q| q.as_str())
        .unwrap_or("")
        .to_string();
    // Only queries run over GET: a GET must never change data (CSRF, caches, prefetchers).
    if let Ok(doc) = async_graphql::parser::parse_query(&query) {
        let kind = operation_type(&doc, params.operation_name.as_deref());
        if matches!(
            kind,
            Some(OperationType::Mutation | OperationType::Subscription)
        ) {
            let mut res = request_error(
                &req,
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "mutations cannot be sent with GET: use POST (subscriptions run over WebSocket on /graphql)",
            );
            res.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return res;
        }
    }
    match parse_request(serde_json::Value::Object(body)) {
        Ok(gql) => execute(&req, &state, gql).await,
        Err(msg) => request_error(&req, StatusCode::BAD_REQUEST, "BAD_REQUEST", &msg),
    }
}

/// A request refused before execution, with the status the spec asks for: 400 under
/// `application/graphql-response+json`, 200 with `errors` for `application/json` clients.
fn refused(req: &HttpRequest, code: &str, message: &str) -> HttpResponse {
    let status = if wants_graphql_response(req) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut res = request_error(req, status, code, message);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A stable code for errors async-graphql raises before execution.
fn request_error_code(message: &str) -> &'static str {
    if message.starts_with("Query is nested too deep") || message.contains("recursive depth") {
        "QUERY_TOO_DEEP"
    } else if message.starts_with("Query is too complex") {
        "QUERY_TOO_COMPLEX"
    } else if message.contains("directives") {
        "TOO_MANY_DIRECTIVES"
    } else if message.contains("expected") && message.contains("-->") {
        "GRAPHQL_PARSE_FAILED"
    } else {
        "GRAPHQL_VALIDATION_FAILED"
    }
}

/// Checks a query against the size, depth, alias and directive limits before anything runs;
/// returns the parsed document (None when it does not parse: execution reports that), or the
/// refusal's code and message.
pub(super) fn check_limits(
    limits: &crate::configuration::Limits,
    query: &str,
    operation_name: Option<&str>,
) -> Result<Option<ExecutableDocument>, (&'static str, String)> {
    if query.len() > limits.max_query_bytes {
        return Err((
            "QUERY_TOO_LARGE",
            format!(
                "the query is {} bytes; at most {} are accepted",
                query.len(),
                limits.max_query_bytes
            ),
        ));
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Ok(None);
    };
    // Linear in the document whatever its fragments do: nothing below expands a spread
    // until the expanded size is known to be within the complexity budget.
    let shape = crate::graphql::shape::shape(&doc, operation_name);
    if shape.is_cycle() {
        return Err((
            "QUERY_TOO_DEEP",
            "the query's fragments spread each other in a cycle".to_string(),
        ));
    }
    if shape.depth > limits.max_depth {
        return Err((
            "QUERY_TOO_DEEP",
            format!(
                "the query nests {} levels deep; at most {} are accepted",
                shape.depth, limits.max_depth
            ),
        ));
    }
    if shape.fields > limits.max_complexity as u64 {
        return Err((
            "QUERY_TOO_COMPLEX",
            format!(
                "the query selects {} fields once its fragments are expanded; at most {} are accepted",
                shape.fields, limits.max_complexity
            ),
        ));
    }
    let (aliases, directives) = field_order::count_aliases_and_directives(&doc);
    if aliases > limits.max_aliases {
        return Err((
            "TOO_MANY_ALIASES",
            format!(
                "the query uses {aliases} aliases; at most {} are accepted",
                limits.max_aliases
            ),
        ));
    }
    if directives > limits.max_directives {
        return Err((
            "TOO_MANY_DIRECTIVES",
            format!(
                "the query uses {directives} directives; at most {} are accepted",
                limits.max_directives
            ),
        ));
    }
    Ok(Some(doc))
}

/// Parsed documents that passed the limits, by query text and operation name: frontends send
/// the same few texts over and over, and parsing them is a tenth of a small read's CPU.
#[derive(Default)]
pub struct DocumentCache {
    /// Query text → (operation name, document) for each operation name asked.
    docs: std::sync::RwLock<crate::FastMap<Box<str>, ParsedOps>>,
}

/// The parsed document of one query text for each operation name asked.
type ParsedOps = Vec<(Option<Box<str>>, Arc<ExecutableDocument>)>;

/// Query texts remembered at most (the cache empties when full).
const MAX_DOCUMENTS: usize = 1024;

impl DocumentCache {
    /// [`check_limits`], remembered for texts that pass.
    pub fn checked(
        &self,
        limits: &crate::configuration::Limits,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Option<Arc<ExecutableDocument>>, (&'static str, String)> {
        if let Ok(docs) = self.docs.read()
            && let Some(found) = docs
                .get(query)
                .and_then(|v| v.iter().find(|(op, _)| op.as_deref() == operation_name))
        {
            return Ok(Some(found.1.clone()));
        }
        let Some(doc) = check_limits(limits, query, operation_name)? else {
            return Ok(None);
        };
        let doc = Arc::new(doc);
        if let Ok(mut docs) = self.docs.write() {
            if docs.len() >= MAX_DOCUMENTS {
                docs.clear();
            }
            let ops = docs.entry(query.into()).or_default();
            if ops.len() < 16 {
                ops.push((operation_name.map(Into::into), doc.clone()));
            }
        }
        Ok(Some(doc))
    }
}

/// The type of the operation that would run (None when the name matches none).
fn operation_type(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    compiled::operation(doc, name).map(|op| op.ty)
}

/// The query cost an executed request is charged, and whether it had errors, carried on
/// its response.
#[derive(Clone)]
struct Cost(f64, &'static str, Option<String>);

fn with_cost(
    mut res: HttpResponse,
    cost: f64,
    outcome: &'static str,
    operation: Option<String>,
) -> HttpResponse {
    res.extensions_mut().insert(Cost(cost, outcome, operation));
    res
}

/// The outcome of a request for the metrics, and the name of the operation that ran.
fn outcome_of(res: &HttpResponse) -> (&'static str, Option<String>) {
    match res.extensions().get::<Cost>() {
        Some(c) => (c.1, c.2.clone()),
        None if res.status() == StatusCode::GATEWAY_TIMEOUT => ("timeout", None),
        None if res.status() == StatusCode::TOO_MANY_REQUESTS => ("rate_limited", None),
        None => ("refused", None),
    }
}

/// The cost of what a response holds: one point per field, counted in every list item.
fn actual_cost(v: &async_graphql::Value) -> u64 {
    match v {
        async_graphql::Value::Object(m) => m.values().map(|x| 1 + actual_cost(x)).sum(),
        async_graphql::Value::List(l) => l.iter().map(actual_cost).sum(),
        _ => 0,
    }
}

/// The name of the operation a document runs: the one asked for, or its only operation's.
fn operation_name(doc: &ExecutableDocument, asked: Option<&str>) -> Option<String> {
    match (&doc.operations, asked) {
        (_, Some(name)) => Some(name.to_string()),
        (DocumentOperations::Single(_), None) => None,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.keys().next().map(|n| n.to_string())
        }
        _ => None,
    }
}

/// Runs one operation within the client's budget, and counts it in the metrics.
async fn execute(req: &HttpRequest, state: &AppState, gql: async_graphql::Request) -> HttpResponse {
    let started = std::time::Instant::now();
    let asked = gql.operation_name.clone();
    let res = limited(req, state, gql).await;
    let (outcome, operation) = outcome_of(&res);
    state.request_metrics.observe(
        operation.as_deref().or(asked.as_deref()),
        outcome,
        started.elapsed(),
    );
    res
}

/// The client a budget belongs to: its API key (hashed) when it presents a valid one, else
/// its address.
fn client_key(req: &HttpRequest, state: &AppState) -> String {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(a) = authorization
        && Caller::from_authorization(&state.api_keys, Some(a)) == Caller::Writer
    {
        return format!("key:{}", &persisted::sha256_hex(a)[..24]);
    }
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    format!("ip:{ip}")
}

fn rate_limit_headers(
    res: &mut HttpResponse,
    budget: &crate::services::rate_limit::Budget,
    level: f64,
) {
    let headers = res.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(header::HeaderName::from_static(name), v);
        }
    };
    set("ratelimit-limit", format!("{}", budget.capacity as u64));
    set("ratelimit-remaining", format!("{}", level.max(0.0) as u64));
    set("ratelimit-reset", format!("{}", budget.reset_after(level)));
    set(
        "ratelimit-policy",
        format!(
            "{};w={}",
            budget.capacity as u64,
            (budget.capacity / budget.refill_per_second).ceil() as u64
        ),
    );
}

/// Runs one operation within the client's budget: refused with 429 `RATE_LIMITED` while its
/// bucket is empty; otherwise run, then charged what the response actually cost. A budget store that
/// fails (the database) lets the request through: limiting must not add an outage.
async fn limited(req: &HttpRequest, state: &AppState, gql: async_graphql::Request) -> HttpResponse {
    let Some(limiter) = &state.rate_limiter else {
        return run_operation(req, state, gql).await;
    };
    let key = client_key(req, state);
    let budget = limiter.budget;
    match limiter.level(&key).await {
        Ok(level) if level <= 0.0 => {
            state
                .rate_limited
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let retry = budget.retry_after(level);
            let body = serde_json::json!({ "errors": [{
                "message": format!("rate limit reached: this client has used its {} query-cost points; retry in {retry} s", budget.capacity as u64),
                "extensions": { "code": "RATE_LIMITED", "retryAfterSeconds": retry }
            }] });
            let mut res = HttpResponse::TooManyRequests()
                .insert_header((header::CONTENT_TYPE, content_type_for(req)))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, retry.to_string()))
                .body(body.to_string());
            rate_limit_headers(&mut res, &budget, level);
            return res;
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "rate limit store unavailable; request let through");
            return run_operation(req, state, gql).await;
        }
    }
    let mut res = run_operation(req, state, gql).await;
    let cost = match res.extensions().get::<Cost>() {
        Some(c) => c.0,
        // A request stopped at the time limit used the server without producing a cost:
        // it pays a tenth of a full bucket, so slow queries cannot be repeated for free.
        None if res.status() == StatusCode::GATEWAY_TIMEOUT => budget.capacity / 10.0,
        None => 0.0,
    };
    match limiter.charge(&key, cost).await {
        Ok(level) => rate_limit_headers(&mut res, &budget, level),
        Err(e) => tracing::warn!(error = %e, "rate limit store unavailable; request not charged"),
    }
    res
}

async fn run_operation(
    req: &HttpRequest,
    state: &AppState,
    gql: async_graphql::Request,
) -> HttpResponse {
    let limits = &state.limits;
    let mut cost_points = 0.0;
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // The same read asked again while the data is unchanged: its stored answer, as is.
    let cache = &state.response_cache;
    let mut cache_slot = None;
    if cache.enabled() {
        match cache.version().await {
            Some(version) => {
                let variables = serde_json::to_string(&gql.variables).unwrap_or_default();
                let key = ResponseCache::key(&gql.query, gql.operation_name.as_deref(), &variables);
                if let Some(hit) = cache.get(&key, version) {
                    return finish(
                        req,
                        state,
                        Finished {
                            status: StatusCode::OK,
                            body: hit.body,
                            cacheable: authorization.is_none(),
                            cost: hit.cost,
                            outcome: "ok",
                            op_label: hit.op_label,
                            cache: "hit",
                            executor: "cache",
                        },
                    );
                }
                cache_slot = Some((key, version));
            }
            None => {
                cache
                    .bypassed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
    let doc = match state
        .documents
        .checked(limits, &gql.query, gql.operation_name.as_deref())
    {
        Ok(doc) => doc,
        Err((code, message)) => return refused(req, code, &message),
    };
    let op_label = doc
        .as_ref()
        .and_then(|d| operation_name(d, gql.operation_name.as_deref()));
    if let Some(doc) = &doc
        && operation_type(doc, gql.operation_name.as_deref()) == Some(OperationType::Subscription)
    {
        return refused(
            req,
            "SUBSCRIPTION_NEEDS_WEBSOCKET",
            "subscriptions run over WebSocket on /graphql (subprotocol graphql-transport-ws or graphql-ws), not over HTTP",
        );
    }
    // A read the resolvers have already run without errors (so its text is valid): one
    // compiled SQL statement, when every field of it compiles.
    let mut validate_after = None;
    if let (Some(reads), Some(doc)) = (&state.compiled, &doc)
        && operation_type(doc, gql.operation_name.as_deref()) == Some(OperationType::Query)
    {
        if !reads.is_validated(&gql.query) {
            validate_after = Some(gql.query.clone());
        } else if let Some(c) = reads.compile(
            &gql.query,
            doc,
            gql.operation_name.as_deref(),
            &gql.variables,
        ) && c.requested_cost <= limits.max_complexity
        {
            let (requested, depth) = (c.requested_cost, c.depth);
            // The body is written where PostgreSQL's text is read, in one buffer.
            let head = b"{\"data\":".to_vec();
            match tokio::time::timeout(limits.request_timeout, reads.run(&state.db, c, head)).await
            {
                Ok(Ok(Some((mut body, members)))) => {
                    reads
                        .runs
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let actual = members.max(1);
                    // Written piece by piece (`write!`'s machinery cost more than the text).
                    let mut n = itoa::Buffer::new();
                    for (text, v) in [
                        (
                            &b",\"extensions\":{\"cost\":{\"requestedQueryCost\":"[..],
                            requested as u64,
                        ),
                        (b",\"maximumAvailable\":", limits.max_complexity as u64),
                        (b",\"depth\":", depth as u64),
                        (b",\"actualQueryCost\":", actual),
                    ] {
                        body.extend_from_slice(text);
                        body.extend_from_slice(n.format(v).as_bytes());
                    }
                    body.extend_from_slice(b"}}}");
                    let body = web::Bytes::from(body);
                    let cache_state = match cache_slot {
                        Some((key, version)) => {
                            cache.put(
                                key,
                                version,
                                Cached {
                                    body: body.clone(),
                                    cost: actual as f64,
                                    op_label: op_label.clone(),
                                },
                            );
                            "miss"
                        }
                        None => "bypass",
                    };
                    return finish(
                        req,
                        state,
                        Finished {
                            status: StatusCode::OK,
                            body,
                            cacheable: authorization.is_none(),
                            cost: actual as f64,
                            outcome: "ok",
                            op_label,
                            cache: cache_state,
                            executor: "compiled",
                        },
                    );
                }
                // Roll-ups changed since the resolvers computed them: they recompute.
                Ok(Ok(None)) => {}
                Ok(Err(e)) => {
                    reads
                        .failures
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::warn!(error = %e, "compiled read failed; the resolvers answer it");
                }
                Err(_) => return timed_out(req, limits),
            }
        }
    }
    let caller = Caller::from_authorization(&state.api_keys, authorization);
    let operation_name = gql.operation_name.clone();
    let mut gql = gql.data(loaders(state.db.clone())).data(caller);
    // Parsed once here (for the limits and the field order); async-graphql reuses it.
    if let Some(doc) = &doc {
        gql.set_parsed_query(ExecutableDocument::clone(doc));
    }
    let op_type = doc
        .as_ref()
        .and_then(|d| operation_type(d, operation_name.as_deref()));
    let executed = tokio::time::timeout(limits.request_timeout, state.schema.execute(gql)).await;
    if op_type == Some(OperationType::Mutation) {
        // Whatever it wrote is visible to this process's next read, before any notification.
        state.live.data_changed();
    }
    let mut response = match executed {
        Ok(r) => r,
        Err(_) => return timed_out(req, limits),
    };
    if let Some(doc) = &doc {
        response.data = field_order::reorder(
            doc,
            operation_name.as_deref(),
            std::mem::take(&mut response.data),
        );
    }
    // The cost the query was admitted at, so frontends can budget (Shopify-style).
    if let Some(async_graphql::Value::Object(analysis)) = response.extensions.remove("analyzer") {
        let mut cost = async_graphql::indexmap::IndexMap::new();
        if let Some(c) = analysis.get("complexity") {
            cost.insert(async_graphql::Name::new("requestedQueryCost"), c.clone());
        }
        cost.insert(
            async_graphql::Name::new("maximumAvailable"),
            async_graphql::Value::from(limits.max_complexity as u64),
        );
        if let Some(d) = analysis.get("depth") {
            cost.insert(async_graphql::Name::new("depth"), d.clone());
        }
        // What the response actually holds, in the same units (each field 1): what the rate
        // limiter charges, so a list that comes back short costs less than it could have.
        let actual = actual_cost(&response.data).max(1);
        cost_points = actual as f64;
        cost.insert(
            async_graphql::Name::new("actualQueryCost"),
            async_graphql::Value::from(actual),
        );
        response
            .extensions
            .insert("cost".into(), async_graphql::Value::Object(cost));
    }
    for e in &mut response.errors {
        if e.extensions
            .as_ref()
            .is_none_or(|x| x.get("code").is_none())
        {
            let code = if e.path.is_empty() {
                request_error_code(&e.message)
            } else if e.message.starts_with("Failed to parse") {
                // An argument async-graphql could not coerce (an Int out of range, a bad
                // scalar): the client's input, found while resolving the field.
                "BAD_USER_INPUT"
            } else {
                "INTERNAL"
            };
            e.extensions
                .get_or_insert_with(Default::default)
                .set("code", code);
        }
    }
    let outcome = if response.errors.is_empty() {
        "ok"
    } else {
        "error"
    };
    let request_failed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if request_failed && wants_graphql_response(req) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body: String = if request_failed {
        serde_json::json!({ "errors": response.errors }).to_string()
    } else {
        match serde_json::to_string(&response) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "response serialization failed");
                return request_error(
                    req,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "internal error",
                );
            }
        }
    };
    let body = web::Bytes::from(body);
    let clean = response.errors.is_empty() && !request_failed;
    if clean
        && op_type == Some(OperationType::Query)
        && let (Some(reads), Some(query)) = (&state.compiled, validate_after)
    {
        reads.validated(&query);
    }
    let cache_state = match cache_slot {
        Some((key, version)) if clean && op_type == Some(OperationType::Query) => {
            cache.put(
                key,
                version,
                Cached {
                    body: body.clone(),
                    cost: cost_points,
                    op_label: op_label.clone(),
                },
            );
            "miss"
        }
        Some(_) => "miss",
        None => "bypass",
    };
    finish(
        req,
        state,
        Finished {
            status,
            body,
            cacheable: authorization.is_none() && response.errors.is_empty(),
            cost: cost_points,
            outcome,
            op_label,
            cache: cache_state,
            executor: "resolvers",
        },
    )
}

/// The answer to a request stopped at the time limit.
fn timed_out(req: &HttpRequest, limits: &crate::configuration::Limits) -> HttpResponse {
    let mut res = request_error(
        req,
        StatusCode::GATEWAY_TIMEOUT,
        "TIMEOUT",
        &format!(
            "the request took longer than {} ms and was stopped",
            limits.request_timeout.as_millis()
        ),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Which cache answered (`hit`, `miss`, `bypass`) and what executed (see [`Finished`]).
const NEWSGRAPH_CACHE: header::HeaderName = header::HeaderName::from_static("newsgraph-cache");
const NEWSGRAPH_EXECUTOR: header::HeaderName =
    header::HeaderName::from_static("newsgraph-executor");

/// An answer ready to send (freshly executed or from the response cache).
struct Finished {
    status: StatusCode,
    body: web::Bytes,
    /// Anonymous and error-free: GET answers may carry `Cache-Control: public`.
    cacheable: bool,
    cost: f64,
    outcome: &'static str,
    op_label: Option<String>,
    /// `hit`, `miss` or `bypass`, sent as `newsgraph-cache`.
    cache: &'static str,
    /// What produced the answer (`compiled`, `resolvers` or `cache`), sent as
    /// `newsgraph-executor`.
    executor: &'static str,
}

fn finish(req: &HttpRequest, state: &AppState, f: Finished) -> HttpResponse {
    let Finished {
        status,
        body,
        cacheable,
        cost: cost_points,
        outcome,
        op_label,
        cache,
        executor,
    } = f;
    let cacheable = cacheable && req.method() == Method::GET && state.cache_max_age > 0;
    if cacheable {
        // Anonymous reads over GET may be cached by browsers and CDNs; the ETag lets a client
        // revalidate for the price of a 304.
        let etag = format!("\"{}\"", &persisted::sha256_hex(&body)[..32]);
        let cache_control = format!("public, max-age={}", state.cache_max_age);
        let matches = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v == "*"
                    || v.split(',')
                        .any(|t| t.trim().trim_start_matches("W/") == etag)
            });
        let mut res = if matches {
            HttpResponse::NotModified()
        } else {
            HttpResponse::build(status)
        };
        res.insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .insert_header((header::VARY, "Accept, Accept-Encoding"))
            .insert_header((NEWSGRAPH_CACHE, HeaderValue::from_static(cache)))
            .insert_header((NEWSGRAPH_EXECUTOR, HeaderValue::from_static(executor)));
        if matches {
            return with_cost(res.finish(), cost_points, outcome, op_label);
        }
        return with_cost(
            res.insert_header((header::CONTENT_TYPE, content_type_for(req)))
                .body(body),
            cost_points,
            outcome,
            op_label,
        );
    }
    // Names and values already headers: parsing them from text at every response cost more
    // than the rest of building it.
    with_cost(
        HttpResponse::build(status)
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type_for(req)),
            ))
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((NEWSGRAPH_CACHE, HeaderValue::from_static(cache)))
            .insert_header((NEWSGRAPH_EXECUTOR, HeaderValue::from_static(executor)))
            .body(body),
        cost_points,
        outcome,
        op_label,
    )
}
