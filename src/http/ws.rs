//! Subscriptions over WebSocket on `/graphql`: `graphql-transport-ws` and the legacy
//! `graphql-ws` (chosen by `Sec-WebSocket-Protocol`). async-graphql speaks the protocol; this
//! loop sits between it and the socket to enforce what it does not: the key check and timeout
//! of `connection_init`, the query limits of HTTP, subscriptions per connection, connections
//! per client, keepalive, slow consumers, and closing cleanly on shutdown.
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason};
use async_graphql::Data;
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::graphql_handler::check_limits;
use crate::graphql::auth::Caller;
use crate::graphql::loaders::loaders;
use crate::graphql::subscription::Cutoff;
use crate::startup::AppState;

/// How long the close frame may wait behind messages a slow client has not read yet.
const CLOSE_PATIENCE: Duration = Duration::from_secs(10);

/// Largest client message accepted (a subscribe message holds a query and its variables).
const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// Open WebSocket connections per client address.
#[derive(Default)]
pub struct ClientConnections(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One counted connection; uncounted when dropped.
pub struct ConnectionSlot {
    map: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl ClientConnections {
    fn acquire(&self, ip: IpAddr, max: usize) -> Option<ConnectionSlot> {
        let mut map = self.0.lock().ok()?;
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            map: self.0.clone(),
            ip,
        })
    }

    /// Open connections in all.
    pub fn total(&self) -> usize {
        self.0.lock().map(|m| m.values().sum()).unwrap_or(0)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.map.lock()
            && let Some(n) = map.get_mut(&self.ip)
        {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Whether a request asks to upgrade to WebSocket.
pub fn is_upgrade(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn refuse(status: actix_web::http::StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
}

fn offered_protocol(req: &HttpRequest) -> Option<WebSocketProtocols> {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
}

pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let Some(protocol) = offered_protocol(&req) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED_SUBPROTOCOL",
            "offer the WebSocket subprotocol graphql-transport-ws (or the legacy graphql-ws)",
        );
    };
    if *state.live.shutting_down().borrow() {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "SHUTTING_DOWN",
            "the server is shutting down; reconnect to another replica",
        );
    }
    let ip = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let max = state.live_settings.max_connections_per_client;
    let Some(slot) = state.ws_clients.acquire(ip, max) else {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_CONNECTIONS",
            &format!("at most {max} WebSocket connections per client"),
        );
    };
    let header_caller = Caller::from_authorization(
        &state.api_keys,
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    let (response, session, stream) =
        match actix_ws::handle_with_protocols(&req, body, &[protocol.sec_websocket_protocol()]) {
            Ok(r) => r,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "BAD_WEBSOCKET_HANDSHAKE",
                    &e.to_string(),
                );
            }
        };
    let stream = stream
        .max_frame_size(MAX_MESSAGE_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_BYTES);
    let conn = Connection {
        state: state.into_inner(),
        protocol,
        header_caller,
        active: HashSet::new(),
        initialised: false,
        _slot: slot,
    };
    actix_web::rt::spawn(conn.run(session, stream));
    response
}

struct Connection {
    state: Arc<AppState>,
    protocol: WebSocketProtocols,
    header_caller: Caller,
    /// Ids of the operations running on this connection.
    active: HashSet<String>,
    initialised: bool,
    _slot: ConnectionSlot,
}

/// What the loop decided to do with a client message.
enum Inbound {
    Forward(String),
    /// Answer on this connection only (an error for one operation).
    Reply(String),
    Close(u16, String),
}

fn close_reason(code: u16, reason: impl Into<String>) -> CloseReason {
    CloseReason {
        code: CloseCode::from(code),
        description: Some(reason.into()),
    }
}

impl Connection {
    fn operation_error(&self, id: &str, code: &str, message: &str) -> String {
        let error = json!({ "message": message, "extensions": { "code": code } });
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => json!([error]),
            _ => error,
        };
        json!({ "type": "error", "id": id, "payload": payload }).to_string()
    }

    /// The caller presented in `connection_init` (`authorization: "Bearer <key>"` or
    /// `apiKey`), else the one of the upgrade request's `Authorization` header.
    fn caller(&self, payload: Option<&Value>) -> Caller {
        let keys = &self.state.api_keys;
        // A credential that is there but not a string is a wrong credential, not none.
        if ["authorization", "Authorization", "apiKey"]
            .iter()
            .any(|n| {
                payload
                    .and_then(|p| p.get(*n))
                    .is_some_and(|v| !v.is_string())
            })
        {
            return Caller::InvalidKey;
        }
        let field = |name: &str| {
            payload
                .and_then(|p| p.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if let Some(auth) = field("authorization").or_else(|| field("Authorization")) {
            return Caller::from_authorization(keys, Some(&auth));
        }
        if let Some(key) = field("apiKey") {
            return Caller::from_authorization(keys, Some(&format!("Bearer {key}")));
        }
        self.header_caller
    }

    fn inbound(&mut self, text: String) -> (Inbound, Option<Caller>) {
        let Some(msg) = serde_json::from_str::<Value>(&text)
            .ok()
            .filter(|m| m.get("type").is_some_and(Value::is_string))
        else {
            return (
                Inbound::Close(
                    4400,
                    "Invalid message: expected a JSON object with a `type`".into(),
                ),
                None,
            );
        };
        let kind = msg.get("type").and_then(Value::as_str).unwrap_or("");
        let id = msg
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match kind {
            "connection_init" if !self.initialised => {
                let caller = self.caller(msg.get("payload"));
                let settings = &self.state.live_settings;
                if caller == Caller::InvalidKey
                    || (settings.require_key && caller != Caller::Writer)
                {
                    return (
                        Inbound::Close(4403, "Forbidden: send a valid API key as `authorization: \"Bearer <key>\"` in connection_init".into()),
                        None,
                    );
                }
                self.initialised = true;
                (Inbound::Forward(text), Some(caller))
            }
            "subscribe" | "start" => {
                if !self.initialised {
                    return (
                        Inbound::Close(4401, "Unauthorized: send connection_init first".into()),
                        None,
                    );
                }
                if self.active.contains(&id) {
                    return (
                        Inbound::Close(4409, format!("Subscriber for {id} already exists")),
                        None,
                    );
                }
                let max = self.state.live_settings.max_subscriptions;
                if self.active.len() >= max {
                    let m = format!("at most {max} subscriptions may run on one connection");
                    return (
                        Inbound::Reply(self.operation_error(&id, "TOO_MANY_SUBSCRIPTIONS", &m)),
                        None,
                    );
                }
                let payload = msg.get("payload");
                let query = payload
                    .and_then(|p| p.get("query"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let op = payload
                    .and_then(|p| p.get("operationName"))
                    .and_then(Value::as_str);
                if let Err((code, message)) = check_limits(&self.state.limits, query, op) {
                    return (
                        Inbound::Reply(self.operation_error(&id, code, &message)),
                        None,
                    );
                }
                self.active.insert(id);
                (Inbound::Forward(text), None)
            }
            "complete" | "stop" => {
                self.active.remove(&id);
                (Inbound::Forward(text), None)
            }
            "ping" | "pong" | "connection_init" | "connection_terminate" => {
                (Inbound::Forward(text), None)
            }
            other => (
                Inbound::Close(
                    4400,
                    format!(
                        "Invalid message type `{}`",
                        other.chars().take(40).collect::<String>()
                    ),
                ),
                None,
            ),
        }
    }

    /// Notes operations the server ended itself.
    fn outbound(&mut self, text: &str) {
        #[derive(serde::Deserialize)]
        struct Head<'a> {
            #[serde(rename = "type")]
            kind: &'a str,
            id: Option<String>,
        }
        // async-graphql writes the tag first; only the rare ending messages are parsed, not
        // every (possibly large) event.
        if !(text.starts_with(r#"{"type":"complete""#) || text.starts_with(r#"{"type":"error""#)) {
            return;
        }
        if let Ok(h) = serde_json::from_str::<Head>(text)
            && matches!(h.kind, "complete" | "error")
            && let Some(id) = h.id
        {
            self.active.remove(&id);
        }
    }

    async fn run(
        mut self,
        mut session: actix_ws::Session,
        mut stream: actix_ws::AggregatedMessageStream,
    ) {
        let settings = self.state.live_settings.clone();
        let cutoff = Arc::new(Cutoff::default());
        // Unbounded, so forwarding never waits on the protocol task this same loop drives;
        // it is drained on every turn, and subscriptions are capped before they are forwarded.
        let (to_graphql, from_client) = tokio::sync::mpsc::unbounded_channel::<String>();
        let mut from_client = from_client;
        let client_messages = futures_util::stream::poll_fn(move |cx| from_client.poll_recv(cx));
        let mut data = Data::default();
        // No cache: a connection lives long, and each event must be read fresh.
        let l = loaders(self.state.db.clone());
        l.enable_all_cache(false);
        data.insert(l);
        data.insert(cutoff.clone());
        let mut caller_set = false;
        let state = self.state.clone();
        let (caller_tx, caller_rx) = tokio::sync::oneshot::channel::<Caller>();
        let mut caller_tx = Some(caller_tx);
        let mut graphql = Box::pin(
            WebSocket::new(state.schema.clone(), client_messages, self.protocol)
                .connection_data(data)
                .on_connection_init(move |_| async move {
                    // The loop checked the key; here the caller joins the connection's data.
                    let caller = caller_rx.await.unwrap_or(Caller::Anonymous);
                    let mut d = Data::default();
                    d.insert(caller);
                    Ok(d)
                }),
        );
        let mut shutdown = state.live.shutting_down();
        let init_deadline = tokio::time::sleep(settings.init_timeout);
        tokio::pin!(init_deadline);
        let mut ping = tokio::time::interval(settings.keepalive);
        ping.tick().await;
        let mut last_heard = Instant::now();

        let close: Option<(u16, String)> = loop {
            tokio::select! {
                _ = shutdown.wait_for(|s| *s) => {
                    break Some((1001, "Going away: the server is shutting down".into()));
                }
                reason = cutoff.tripped() => break Some((4008, reason)),
                _ = &mut init_deadline, if !self.initialised => {
                    break Some((4408, "Connection initialisation timeout".into()));
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > settings.keepalive * 2 {
                        break Some((4504, "Keepalive timeout: the client stopped answering pings".into()));
                    }
                    if !send_within(settings.send_timeout, session.ping(b"")).await {
                        break slow_consumer(&settings);
                    }
                }
                msg = stream.next() => {
                    last_heard = Instant::now();
                    let text = match msg {
                        None => break None,
                        Some(Err(e)) => break Some((1002, format!("Protocol error: {e}"))),
                        Some(Ok(actix_ws::AggregatedMessage::Text(t))) => t.to_string(),
                        Some(Ok(actix_ws::AggregatedMessage::Binary(b))) => {
                            match String::from_utf8(b.to_vec()) {
                                Ok(t) => t,
                                Err(_) => break Some((4400, "Messages must be UTF-8 JSON".into())),
                            }
                        }
                        Some(Ok(actix_ws::AggregatedMessage::Ping(p))) => {
                            if !send_within(settings.send_timeout, session.pong(&p)).await {
                                break slow_consumer(&settings);
                            }
                            continue;
                        }
                        Some(Ok(actix_ws::AggregatedMessage::Pong(_))) => continue,
                        Some(Ok(actix_ws::AggregatedMessage::Close(_))) => break Some((1000, "Normal closure".into())),
                    };
                    let (action, caller) = self.inbound(text);
                    if let Some(c) = caller
                        && !caller_set
                        && let Some(tx) = caller_tx.take()
                    {
                        caller_set = true;
                        let _ = tx.send(c);
                    }
                    match action {
                        Inbound::Forward(t) => {
                            if to_graphql.send(t).is_err() {
                                break None;
                            }
                        }
                        Inbound::Reply(t) => {
                            if !send_within(settings.send_timeout, session.text(t)).await {
                                break slow_consumer(&settings);
                            }
                        }
                        Inbound::Close(code, reason) => break Some((code, reason)),
                    }
                }
                out = graphql.next() => match out {
                    Some(WsMessage::Text(t)) => {
                        self.outbound(&t);
                        if !send_within(settings.send_timeout, session.text(t)).await {
                            break slow_consumer(&settings);
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => break Some((code, reason)),
                    None => break Some((1000, "Normal closure".into())),
                },
            }
        };
        // Stop every subscription of the connection before saying goodbye.
        drop(graphql);
        if let Some((code, reason)) = close {
            tracing::debug!(code, %reason, "closing a WebSocket connection");
            if code == 4008 {
                self.state
                    .ws_slow_consumers
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            // A client that does not read may never take the close frame: give up after a while.
            let _ = tokio::time::timeout(
                CLOSE_PATIENCE,
                session.close(Some(close_reason(code, reason))),
            )
            .await;
        }
    }
}

/// Sends unless the client has stopped reading for longer than the send timeout.
async fn send_within(
    timeout: Duration,
    send: impl std::future::Future<Output = Result<(), actix_ws::Closed>>,
) -> bool {
    matches!(tokio::time::timeout(timeout, send).await, Ok(Ok(())))
}

fn slow_consumer(settings: &crate::configuration::LiveSettings) -> Option<(u16, String)> {
    Some((
        4008,
        format!(
            "slow consumer: a message waited over {} ms for the client to read",
            settings.send_timeout.as_millis()
        ),
    ))
}
