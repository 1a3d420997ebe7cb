//! Runs the Node suite (tests/node: GraphiQL in headless Chromium, graphql-request and the
//! reference `graphql` implementation, the graphql-http audit, graphql-codegen) against a
//! server started here. Needs Node.js and Chromium (`/usr/bin/chromium`); installs the
//! locked npm packages on first run. Opt out with `NEWSGRAPH_TEST_SKIP_NODE=1`.
use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{Backend, TEST_API_KEY, postgres_skipped, spawn_app_with, spawn_replica};

fn run(cmd: &mut Command) -> (bool, String) {
    match cmd.output() {
        Ok(out) => (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        Err(e) => (false, format!("could not start {cmd:?}: {e}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_suite_passes_against_a_running_server() {
    if std::env::var("NEWSGRAPH_TEST_SKIP_NODE")
        .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_NODE is set");
        return;
    }
    let app = spawn_app_with(Backend::Sqlite, true).await;
    // Two replicas on one PostgreSQL database, for live updates across servers.
    let replicas = if postgres_skipped() {
        None
    } else {
        let a = spawn_app_with(Backend::Postgres, false).await;
        let b = spawn_replica(&a, |_| {}).await;
        Some((a, b))
    };
    let replica_urls = replicas
        .as_ref()
        .map(|(a, b)| (a.address.clone(), b.address.clone()));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    let address = app.address.clone();
    let (ok, output) = tokio::task::spawn_blocking(move || {
        if !dir.join("node_modules").exists() {
            let (ok, out) = run(Command::new("npm").args(["ci", "--no-fund", "--no-audit"]).current_dir(&dir));
            if !ok {
                return (false, format!("npm ci failed (Node.js and the npm registry are needed; NEWSGRAPH_TEST_SKIP_NODE=1 skips this test):\n{out}"));
            }
        }
        let mut node = Command::new("node");
        node.args(["--test", "--test-concurrency=1", "audit.test.mjs", "client.test.mjs", "live.test.mjs", "browser.test.mjs"])
            .env("NEWSGRAPH_URL", address)
            .env("NEWSGRAPH_API_KEY", TEST_API_KEY)
            .current_dir(&dir);
        if let Some((a, b)) = replica_urls {
            node.env("NEWSGRAPH_REPLICA_A", a).env("NEWSGRAPH_REPLICA_B", b);
        }
        run(&mut node)
    })
    .await
    .unwrap();
    println!("{output}");
    app.teardown().await;
    if let Some((a, b)) = replicas {
        drop(b);
        a.teardown().await;
    }
    assert!(ok, "the Node suite failed:\n{output}");
}
