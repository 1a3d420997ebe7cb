//! Live updates over WebSocket: delivery after commit, server-side filters, replicas sharing
//! events through PostgreSQL, the legacy protocol, and every limit of the transport.
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use newsgraph::services::ingest::ArticleDocument;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::api_test;
use crate::fixtures;
use crate::helpers::*;

pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";

const INGEST: &str = r#"mutation($doc: ArticleDocument!) { ingestArticle(input: $doc) {
    userErrors { message } article { id } } }"#;

/// How long a test waits for a message it expects before it fails.
const PATIENCE: Duration = Duration::from_secs(10);

pub struct Ws {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: &'static str,
}

/// Opens a WebSocket to the app's `/graphql` offering `protocol`.
pub async fn ws_connect(app: &TestApp, protocol: &'static str) -> Ws {
    match ws_try_connect(app, Some(protocol)).await {
        Ok(ws) => ws,
        Err(e) => panic!("the WebSocket upgrade failed: {e}"),
    }
}

pub async fn ws_try_connect(
    app: &TestApp,
    protocol: Option<&'static str>,
) -> Result<Ws, tungstenite::Error> {
    ws_connect_url(&app.ws_url(), protocol).await
}

pub async fn ws_connect_url(
    url: &str,
    protocol: Option<&'static str>,
) -> Result<Ws, tungstenite::Error> {
    let mut req = url.into_client_request()?;
    if let Some(p) = protocol {
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(p));
    }
    let (inner, res) = tokio_tungstenite::connect_async(req).await?;
    if let Some(p) = protocol {
        assert_eq!(res.headers()["sec-websocket-protocol"], p);
    }
    Ok(Ws {
        inner,
        protocol: protocol.unwrap_or(TRANSPORT_WS),
    })
}

/// Like `ws_connect`, with a tiny receive buffer: a client that stops reading blocks the
/// server after a few kilobytes instead of after the kernel's autotuned megabytes.
pub async fn ws_connect_small_buffer(app: &TestApp) -> Ws {
    let addr: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let mut req = app.ws_url().into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(TRANSPORT_WS),
    );
    let (inner, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(stream))
        .await
        .unwrap();
    Ws {
        inner,
        protocol: TRANSPORT_WS,
    }
}

impl Ws {
    pub async fn send(&mut self, message: Value) {
        self.inner
            .send(Message::text(message.to_string()))
            .await
            .expect("the message is sent");
    }

    /// The next protocol message (WebSocket pings and keep-alives skipped), or the close
    /// frame as `{"close": code, "reason": ...}`.
    pub async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(PATIENCE, self.inner.next())
                .await
                .expect("a message in time");
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).expect("JSON message");
                    if v["type"] == "ka" || v["type"] == "ping" || v["type"] == "pong" {
                        continue;
                    }
                    return v;
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return json!({ "close": code, "reason": reason });
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return json!({ "error": e.to_string() }),
                None => return json!({ "close": 1006, "reason": "connection dropped" }),
            }
        }
    }

    /// Reads until the server closes; returns the close code and reason.
    pub async fn closed(&mut self) -> (u64, String) {
        loop {
            let v = self.next().await;
            if let Some(code) = v["close"].as_u64() {
                return (code, v["reason"].as_str().unwrap_or("").to_string());
            }
            if v.get("error").is_some() {
                return (1006, v["error"].to_string());
            }
        }
    }

    /// `connection_init` with `payload`; asserts the acknowledgement.
    pub async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = self.next().await;
        assert_eq!(ack["type"], "connection_ack", "got {ack}");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.protocol == LEGACY_WS {
            "start"
        } else {
            "subscribe"
        };
        self.send(json!({ "type": kind, "id": id,
            "payload": { "query": query, "variables": variables } }))
            .await;
    }

    pub async fn close(mut self) {
        let _ = self.inner.close(None).await;
    }
}

/// Waits until `n` subscriptions listen in the app (a subscription has no acknowledgement in
/// the protocol; events committed before it listens are not its to hear).
pub async fn listening(app: &TestApp, n: usize) {
    let start = std::time::Instant::now();
    while app.state.live.subscribers() < n {
        assert!(
            start.elapsed() < PATIENCE,
            "only {} of {n} subscriptions started",
            app.state.live.subscribers()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn ingest_via(app: &TestApp, doc: &ArticleDocument) -> Value {
    let body = app
        .mutate(INGEST, json!({ "doc": serde_json::to_value(doc).unwrap() }))
        .await;
    assert!(body.get("errors").is_none(), "ingest failed: {body}");
    assert_eq!(body["data"]["ingestArticle"]["userErrors"], json!([]));
    caught_up(app).await;
    body["data"]["ingestArticle"]["article"]["id"].clone()
}

/// Waits until the app's dispatcher has broadcast every committed event. A subscription
/// hears everything committed after it starts, and may also hear an event committed just
/// before (the dispatcher had not broadcast it yet): tests that subscribe after writing wait
/// for this first, so that what they hear is exactly what they wrote next.
pub async fn caught_up(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let row = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT COALESCE(MAX(id), 0) FROM live_event",
        ))
        .await
        .unwrap()
        .unwrap();
    let latest: i64 = row.try_get_by_index(0).unwrap();
    let start = std::time::Instant::now();
    while app.state.live.delivered() < latest {
        assert!(start.elapsed() < PATIENCE, "the dispatcher never caught up");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The subscription's payload of a `next` (or legacy `data`) message.
pub fn data_of(msg: &Value, id: &str) -> Value {
    assert!(
        msg["type"] == "next" || msg["type"] == "data",
        "expected an event, got {msg}"
    );
    assert_eq!(msg["id"], id, "{msg}");
    assert!(msg["payload"].get("errors").is_none(), "{msg}");
    msg["payload"]["data"].clone()
}

async fn id_of(app: &TestApp, query: &str, pointer: &str) -> String {
    let data = app.data(query, json!({})).await;
    data.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {data}"))
        .to_string()
}

pub const ARTICLES: &str = "subscription { articleIngested { title url people { totalCount } } }";

api_test!(
    an_ingested_article_reaches_its_subscriber_after_commit,
    empty,
    |app| {
        let mut ws = ws_connect(app, TRANSPORT_WS).await;
        ws.init(json!({})).await;
        ws.subscribe("a", ARTICLES, json!({})).await;
        listening(app, 1).await;

        ingest_via(app, &fixtures::article(1)).await;

        let got = data_of(&ws.next().await, "a");
        assert_eq!(got["articleIngested"]["title"], "Generated article 001");
        assert_eq!(got["articleIngested"]["url"], "https://news.example/a/1");
        assert_eq!(got["articleIngested"]["people"]["totalCount"], 2);

        // /metrics counts the connection, the subscription and the event.
        let metrics = app.metrics().await;
        for line in [
            "newsgraph_ws_connections 1",
            "newsgraph_live_subscriptions 1",
            "newsgraph_live_events_total 1",
            "newsgraph_live_listener_up 1",
        ] {
            assert!(
                metrics.lines().any(|l| l == line),
                "no `{line}` in\n{metrics}"
            );
        }

        ws.send(json!({ "type": "complete", "id": "a" })).await;
        ws.close().await;
    }
);

api_test!(
    statements_are_filtered_by_speaker_and_place_on_the_server,
    empty,
    |app| {
        ingest_via(app, &fixtures::article(1)).await;
        let shared = id_of(
            app,
            r#"{ people(filter: {name: "Shared Spokesperson"}) { nodes { id } } }"#,
            "/people/nodes/0/id",
        )
        .await;
        let region = id_of(
            app,
            r#"{ locations(filter: {name: "North Region"}) { nodes { id } } }"#,
            "/locations/nodes/0/id",
        )
        .await;
        let query = "subscription($s: ID, $l: ID) { statementAdded(speakerId: $s, aboutLocationId: $l) { text } }";
        let mut ws = ws_connect(app, TRANSPORT_WS).await;
        ws.init(json!({})).await;
        ws.subscribe("by-speaker", query, json!({ "s": shared }))
            .await;
        ws.subscribe("about-region", query, json!({ "l": region }))
            .await;
        ws.subscribe("all", query, json!({})).await;
        listening(app, 3).await;

        // Article 2, then article 3: each subscription hears events in commit order, so once it
        // has heard of article 3 it has heard everything it ever will of article 2.
        ingest_via(app, &fixtures::article(2)).await;
        ingest_via(app, &fixtures::article(3)).await;
        let mut heard: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let done = |h: &std::collections::BTreeMap<String, Vec<String>>| {
            h.get("by-speaker")
                .is_some_and(|v| v.iter().any(|t| t.contains('3')))
                && h.get("about-region")
                    .is_some_and(|v| v.iter().any(|t| t.contains('3')))
                && h.get("all").is_some_and(|v| v.len() == 6)
        };
        while !done(&heard) {
            let msg = ws.next().await;
            let id = msg["id"].as_str().unwrap_or("").to_string();
            let text = data_of(&msg, &id)["statementAdded"]["text"]
                .as_str()
                .unwrap()
                .to_string();
            heard.entry(id).or_default().push(text);
        }
        assert_eq!(
            heard["by-speaker"],
            ["fighting continued in Town2", "fighting continued in Town3"]
        );
        assert_eq!(heard["about-region"], ["Quote number 2", "Quote number 3"]);
        assert_eq!(heard["all"].len(), 6);

        // An ID of the wrong type is refused when subscribing.
        ws.subscribe("bad", query, json!({ "l": shared })).await;
        let msg = ws.next().await;
        assert_eq!(msg["id"], "bad");
        let errors = if msg["type"] == "error" {
            msg["payload"].clone()
        } else {
            msg["payload"]["errors"].clone()
        };
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{msg}");
    }
);

api_test!(casualty_figures_follow_the_place_hierarchy, empty, |app| {
    ingest_via(app, &fixtures::article(1)).await;
    let country = id_of(
        app,
        r#"{ locations(filter: {name: "Examplestan"}) { nodes { id } } }"#,
        "/locations/nodes/0/id",
    )
    .await;
    let query = "subscription($l: ID, $d: Boolean!) { casualtyReported(locationId: $l, includeDescendants: $d) { countMin location { name } } }";
    let mut ws = ws_connect(app, TRANSPORT_WS).await;
    ws.init(json!({})).await;
    ws.subscribe("inside", query, json!({ "l": country, "d": true }))
        .await;
    ws.subscribe("exactly", query, json!({ "l": country, "d": false }))
        .await;
    listening(app, 2).await;

    // A town inside the country, then the country itself.
    ingest_via(app, &fixtures::article(2)).await;
    let mut doc = fixtures::article(3);
    doc.casualties[0].location_ref = Some("country".into());
    ingest_via(app, &doc).await;

    let mut inside = vec![];
    let mut exactly = vec![];
    while inside.len() < 2 || exactly.is_empty() {
        let msg = ws.next().await;
        let id = msg["id"].as_str().unwrap_or("").to_string();
        let c = data_of(&msg, &id)["casualtyReported"].clone();
        let seen = (
            c["countMin"].as_i64().unwrap(),
            c["location"]["name"].clone(),
        );
        if id == "inside" {
            inside.push(seen)
        } else {
            exactly.push(seen)
        }
    }
    assert_eq!(inside, [(2, json!("Town2")), (3, json!("Examplestan"))]);
    // The town's figure was not for the country itself: the first it heard is the country's.
    assert_eq!(exactly, [(3, json!("Examplestan"))]);
});

api_test!(a_rolled_back_ingest_announces_nothing, empty, |app| {
    // Fail the ingest at its very end: on PostgreSQL at COMMIT (a deferred constraint
    // trigger, after the NOTIFY was queued), on SQLite right after the event row is written.
    let sql: &[&str] = if app.database_url.starts_with("sqlite:") {
        &["CREATE TRIGGER fail_event AFTER INSERT ON live_event
           WHEN (SELECT title FROM article WHERE id = NEW.article_id) = 'Roll me back'
           BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"]
    } else {
        &[
            "CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
               IF (SELECT title FROM article WHERE id = NEW.article_id) = 'Roll me back' THEN
                 RAISE EXCEPTION 'refused by the test';
               END IF; RETURN NEW; END $$",
            "CREATE CONSTRAINT TRIGGER fail_event AFTER INSERT ON live_event
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_event()",
        ]
    };
    for s in sql {
        sea_orm::ConnectionTrait::execute_unprepared(app.db(), s)
            .await
            .unwrap();
    }
    let mut ws = ws_connect(app, TRANSPORT_WS).await;
    ws.init(json!({})).await;
    ws.subscribe("a", ARTICLES, json!({})).await;
    listening(app, 1).await;

    let mut doomed = fixtures::article(1);
    doomed.title = "Roll me back".into();
    let body = app
        .mutate(
            INGEST,
            json!({ "doc": serde_json::to_value(&doomed).unwrap() }),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    ingest_via(app, &fixtures::article(2)).await;

    // The first event heard is the second ingest's.
    let got = data_of(&ws.next().await, "a");
    assert_eq!(got["articleIngested"]["title"], "Generated article 002");
    let n = app.data(r#"{ articles { totalCount } }"#, json!({})).await;
    assert_eq!(n["articles"]["totalCount"], 1);
});

api_test!(the_legacy_graphql_ws_protocol_is_spoken_too, empty, |app| {
    let mut ws = ws_connect(app, LEGACY_WS).await;
    ws.init(json!({})).await;
    ws.subscribe("1", ARTICLES, json!({})).await;
    listening(app, 1).await;
    ingest_via(app, &fixtures::article(7)).await;
    let msg = ws.next().await;
    assert_eq!(msg["type"], "data");
    assert_eq!(
        data_of(&msg, "1")["articleIngested"]["title"],
        "Generated article 007"
    );
    ws.send(json!({ "type": "stop", "id": "1" })).await;
    assert_eq!(ws.next().await, json!({ "type": "complete", "id": "1" }));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_postgres_database_deliver_each_others_writes() {
    if postgres_skipped() {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_POSTGRES is set");
        return;
    }
    let a = spawn_app_with(Backend::Postgres, false).await;
    let b = spawn_replica(&a, |_| {}).await;
    let mut on_a = ws_connect(&a, TRANSPORT_WS).await;
    let mut on_b = ws_connect(&b, TRANSPORT_WS).await;
    for (app, ws) in [(&a, &mut on_a), (&b, &mut on_b)] {
        ws.init(json!({})).await;
        ws.subscribe("a", ARTICLES, json!({})).await;
        listening(app, 1).await;
    }

    ingest_via(&b, &fixtures::article(1)).await;
    ingest_via(&a, &fixtures::article(2)).await;

    for ws in [&mut on_a, &mut on_b] {
        let first = data_of(&ws.next().await, "a");
        let second = data_of(&ws.next().await, "a");
        assert_eq!(first["articleIngested"]["title"], "Generated article 001");
        assert_eq!(second["articleIngested"]["title"], "Generated article 002");
    }
    drop(b);
    a.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_over_http_are_refused_with_a_pointer_to_websocket() {
    let app = spawn_app_with(Backend::Sqlite, false).await;
    let body = app.graphql(ARTICLES, json!({})).await;
    assert_eq!(error_code(&body), "SUBSCRIPTION_NEEDS_WEBSOCKET", "{body}");
    let res = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", ARTICLES)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    app.teardown().await;
}

/// Settings small enough to hit every limit quickly.
fn tight(s: &mut newsgraph::configuration::Settings) {
    s.live.max_subscriptions = 2;
    s.live.max_connections_per_client = 3;
    s.live.init_timeout = Duration::from_millis(300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_transport_enforces_its_limits() {
    let app = spawn_app_configured(Backend::Sqlite, false, tight).await;

    // No GraphQL subprotocol: refused at the upgrade.
    let err = ws_try_connect(&app, None).await.err().expect("refused");
    assert!(err.to_string().contains("400"), "{err}");

    // Silent after connecting: closed with 4408.
    let mut silent = ws_connect(&app, TRANSPORT_WS).await;
    assert_eq!(silent.closed().await.0, 4408);

    // Not a protocol message: 4400.
    let mut garbled = ws_connect(&app, TRANSPORT_WS).await;
    garbled
        .inner
        .send(Message::text("this is not JSON"))
        .await
        .unwrap();
    assert_eq!(garbled.closed().await.0, 4400);

    // Subscribing before connection_init: 4401.
    let mut eager = ws_connect(&app, TRANSPORT_WS).await;
    eager.subscribe("1", ARTICLES, json!({})).await;
    assert_eq!(eager.closed().await.0, 4401);

    let mut ws = ws_connect(&app, TRANSPORT_WS).await;
    ws.init(json!({})).await;
    ws.subscribe("1", ARTICLES, json!({})).await;
    ws.subscribe("2", ARTICLES, json!({})).await;
    // A third at once: an error for it alone; the connection stays.
    ws.subscribe("3", ARTICLES, json!({})).await;
    let msg = ws.next().await;
    assert_eq!(msg["type"], "error");
    assert_eq!(msg["id"], "3");
    assert_eq!(
        msg["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );
    // Too deep a query: refused before it runs, like over HTTP.
    ws.send(json!({ "type": "complete", "id": "2" })).await;
    let deep = format!(
        "subscription {{ articleIngested {{ {} id {} }} }}",
        "people { nodes { articles { nodes { ".repeat(4),
        "} } } } ".repeat(4)
    );
    ws.subscribe("4", &deep, json!({})).await;
    let mut msg = ws.next().await;
    if msg == json!({ "type": "complete", "id": "2" }) {
        msg = ws.next().await;
    }
    assert_eq!(msg["id"], "4");
    assert_eq!(
        msg["payload"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
        "{msg}"
    );
    // Reusing a running id: 4409.
    ws.subscribe("1", ARTICLES, json!({})).await;
    assert_eq!(ws.closed().await.0, 4409);

    // Connections per client: 3 open, the 4th upgrade is refused with 429.
    let mut open = vec![];
    for _ in 0..3 {
        let mut c = ws_connect(&app, TRANSPORT_WS).await;
        c.init(json!({})).await;
        open.push(c);
    }
    let err = ws_try_connect(&app, Some(TRANSPORT_WS))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("429"), "{err}");
    // Closing one frees a slot.
    open.pop().unwrap().close().await;
    let start = std::time::Instant::now();
    loop {
        match ws_try_connect(&app, Some(TRANSPORT_WS)).await {
            Ok(_) => break,
            Err(e) if start.elapsed() < PATIENCE => {
                assert!(e.to_string().contains("429"), "{e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("the slot was never freed: {e}"),
        }
    }
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_can_require_an_api_key_for_subscriptions() {
    let app = spawn_app_configured(Backend::Sqlite, false, |s| s.live.require_key = true).await;

    let mut anonymous = ws_connect(&app, TRANSPORT_WS).await;
    anonymous
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    assert_eq!(anonymous.closed().await.0, 4403);

    let mut wrong = ws_connect(&app, TRANSPORT_WS).await;
    wrong
        .send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer nope" } }))
        .await;
    assert_eq!(wrong.closed().await.0, 4403);

    let mut ws = ws_connect(&app, TRANSPORT_WS).await;
    ws.init(json!({ "authorization": format!("Bearer {TEST_API_KEY}") }))
        .await;
    ws.subscribe("a", ARTICLES, json!({})).await;
    listening(&app, 1).await;
    ingest_via(&app, &fixtures::article(1)).await;
    assert_eq!(
        data_of(&ws.next().await, "a")["articleIngested"]["title"],
        "Generated article 001"
    );
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_stops_reading_is_cut_off_with_a_reason() {
    let app = spawn_app_configured(Backend::Sqlite, false, |s| {
        s.live.send_timeout = Duration::from_millis(300);
        s.live.max_subscriptions = 40;
    })
    .await;
    let mut ws = ws_connect_small_buffer(&app).await;
    ws.init(json!({})).await;
    // Forty subscriptions each carrying the body fifteen times over: a few events fill every
    // buffer between the server and a client that does not read.
    let fields: String = (0..15).map(|i| format!("b{i}: body ")).collect();
    let query = format!("subscription {{ articleIngested {{ {fields} }} }}");
    for i in 0..40 {
        ws.subscribe(&format!("big{i}"), &query, json!({})).await;
    }
    listening(&app, 40).await;

    // The client reads nothing while large articles are ingested.
    for i in 0..5 {
        let mut doc = fixtures::article(i);
        doc.body = Some(format!("Paragraph {i}. ").repeat(1_500));
        ingest_via(&app, &doc).await;
    }
    // Once the server has given up on it, the client reads again: past what was queued, the
    // server said why it closed.
    let start = std::time::Instant::now();
    while app
        .state
        .ws_slow_consumers
        .load(std::sync::atomic::Ordering::SeqCst)
        == 0
    {
        assert!(
            start.elapsed() < PATIENCE,
            "the server never cut the client off"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 4008, "{reason}");
    assert!(reason.contains("slow consumer"), "{reason}");

    // The server is unharmed: a new subscriber still hears the next article.
    let start = std::time::Instant::now();
    while app.state.live.subscribers() > 0 {
        assert!(
            start.elapsed() < PATIENCE,
            "the cut-off subscription lingers"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut next = ws_connect(&app, TRANSPORT_WS).await;
    next.init(json!({})).await;
    next.subscribe("a", ARTICLES, json!({})).await;
    listening(&app, 1).await;
    ingest_via(&app, &fixtures::article(99)).await;
    assert_eq!(
        data_of(&next.next().await, "a")["articleIngested"]["title"],
        "Generated article 099"
    );
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_answering_pings_is_disconnected() {
    let app = spawn_app_configured(Backend::Sqlite, false, |s| {
        s.live.keepalive = Duration::from_millis(200);
    })
    .await;
    // This client answers the server's pings only when it reads, and it reads nothing for a
    // second: five ping intervals.
    let mut silent = ws_connect(&app, TRANSPORT_WS).await;
    silent.init(json!({})).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (code, reason) = silent.closed().await;
    assert_eq!(code, 4504, "{reason}");

    // One that keeps reading answers every ping and stays connected past the same time.
    let mut awake = ws_connect(&app, TRANSPORT_WS).await;
    awake.init(json!({})).await;
    let quiet = tokio::time::timeout(Duration::from_millis(1000), awake.next()).await;
    assert!(quiet.is_err(), "the connection was closed: {quiet:?}");
    awake.subscribe("a", ARTICLES, json!({})).await;
    listening(&app, 1).await;
    ingest_via(&app, &fixtures::article(1)).await;
    assert_eq!(
        data_of(&awake.next().await, "a")["articleIngested"]["title"],
        "Generated article 001"
    );
    app.teardown().await;
}
