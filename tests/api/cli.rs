//! The binary itself: it serves on the address given, stops cleanly on SIGTERM (closing
//! live subscriptions with 1001), and a bad
//! database ends it with a one-line reason and a non-zero status.
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET_KEY: &str = "cli-secret-key-6f1d2c";
const BODY_MARKER: &str = "MUTATION-BODY-MARKER-93ab";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_server_starts_on_the_given_address_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!(
        "newsgraph_test_cli_{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_newsgraph"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        // The most verbose logs, as JSON: they must still hold no key and no mutation body.
        .env("RUST_LOG", "debug")
        .env("NEWSGRAPH_LOG_FORMAT", "json")
        .env("NEWSGRAPH_API_KEYS", SECRET_KEY)
        .env_remove("NEWSGRAPH_LOG_SQL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut ready = false;
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/ready"))
            .send()
            .await
            && r.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the embedded default came up");
    // The embedded default created its database here and loaded the sample article.
    assert!(dir.join("newsgraph.db").exists());
    let body: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&serde_json::json!({ "query": "{ articles { totalCount } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["articles"]["totalCount"], 1);
    let written: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(SECRET_KEY)
        .json(&serde_json::json!({
            "query": "mutation($d: ArticleDocument!) { ingestArticle(input: $d) { userErrors { message } } }",
            "variables": { "d": { "url": "https://example.org/secret", "title": BODY_MARKER, "body": BODY_MARKER } }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        written["data"]["ingestArticle"]["userErrors"],
        serde_json::json!([]),
        "{written}"
    );
    // A live subscriber is told the server is going away (1001), so it reconnects elsewhere.
    let mut ws = crate::live::ws_connect_url(
        &format!("ws://127.0.0.1:{port}/graphql"),
        Some(crate::live::TRANSPORT_WS),
    )
    .await
    .unwrap();
    ws.init(serde_json::json!({})).await;
    ws.subscribe("a", crate::live::ARTICLES, serde_json::json!({}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A request in flight when the signal comes: its body is only half sent.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = r#"{"query":"{ articles { totalCount } }"}"#;
    let (first, rest) = body.split_at(10);
    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    slow.write_all(
        format!(
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The in-flight request is drained: it completes after the signal.
    tokio::time::sleep(Duration::from_millis(500)).await;
    slow.write_all(rest.as_bytes()).await.unwrap();
    let mut response = String::new();
    slow.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""totalCount":2"#), "{response}");
    // Then live subscribers are told the server is going away.
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 1001, "{reason}");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {log}", out.status);
    assert!(log.contains("stopped"), "{log}");
    // Structured, with request ids, and nothing secret.
    assert!(!log.contains(SECRET_KEY), "the API key was logged");
    assert!(!log.contains(BODY_MARKER), "a mutation's body was logged");
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        if v["fields"]["message"] == "request finished" {
            assert!(v["span"]["request_id"].is_string(), "{line}");
        }
    }
    assert!(log.contains("request finished"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unreachable_database_ends_the_process_with_a_one_line_reason() {
    let out = Command::new(env!("CARGO_BIN_EXE_newsgraph"))
        .args(["--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("newsgraph: error: cannot connect to the database"),
        "{err}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_newsgraph"))
        .env("DATABASE_URL", "mysql://x")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("DATABASE_URL must start with postgres:// or sqlite://")
    );
    for cost in ["cheap", "-1", "0", "NaN"] {
        let err = refused_setting("NEWSGRAPH_PG_RANDOM_PAGE_COST", cost);
        assert!(
            err.contains("NEWSGRAPH_PG_RANDOM_PAGE_COST must be a positive number"),
            "{cost}: {err}"
        );
    }
}

/// Starts the binary with one setting at `value`; it must exit non-zero: returns its stderr.
fn refused_setting(name: &str, value: &str) -> String {
    let bad = Command::new(env!("CARGO_BIN_EXE_newsgraph"))
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env(name, value)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!bad.status.success(), "{name}={value} was accepted");
    String::from_utf8_lossy(&bad.stderr).into_owned()
}

/// The scheduling policy of each of a process's threads (`/proc/<pid>/task/*/stat`, field 41),
/// by thread name.
#[cfg(target_os = "linux")]
fn thread_policies(pid: u32) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let dir = task.unwrap().path();
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue; // ended meanwhile
        };
        let (name, rest) = stat.rsplit_once(')').unwrap();
        let policy = rest.split_whitespace().nth(38).unwrap().parse().unwrap();
        out.push((name.split_once('(').unwrap().1.to_string(), policy));
    }
    out
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_server_threads_run_as_batch_work_unless_turned_off() {
    const SCHED_OTHER: u32 = 0;
    const SCHED_BATCH: u32 = 3;
    for (setting, expected) in [(None, SCHED_BATCH), (Some("false"), SCHED_OTHER)] {
        let dir = std::env::temp_dir().join(format!(
            "newsgraph_test_sched_{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsgraph"));
        cmd.args(["--bind", &format!("127.0.0.1:{port}")])
            .current_dir(&dir)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match setting {
            Some(v) => cmd.env("NEWSGRAPH_SCHED_BATCH", v),
            None => cmd.env_remove("NEWSGRAPH_SCHED_BATCH"),
        };
        let mut child = cmd.spawn().unwrap();
        let client = reqwest::Client::new();
        let started = Instant::now();
        let mut ready = false;
        while !ready && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            ready = client
                .get(format!("http://127.0.0.1:{port}/ready"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
        }
        assert!(ready, "{setting:?}: the server came up");
        let threads = thread_policies(child.id());
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(dir);
        // The HTTP workers (started after the policy was set) and the runtime's own threads.
        assert!(
            threads.iter().any(|(n, _)| n.starts_with("actix-server w")),
            "{threads:?}"
        );
        assert!(
            threads.iter().any(|(n, _)| n.starts_with("tokio-rt")),
            "{threads:?}"
        );
        assert!(
            threads.iter().all(|(_, p)| *p == expected),
            "{setting:?}: {threads:?}"
        );
    }
    let err = refused_setting("NEWSGRAPH_SCHED_BATCH", "sometimes");
    assert!(
        err.contains("NEWSGRAPH_SCHED_BATCH must be true or false, not `sometimes`"),
        "{err}"
    );
}
