//! Rate limits: per-client budgets in query-cost points, refused with 429 `RATE_LIMITED` and
//! `RateLimit-*` headers; in memory by default, or shared by replicas through PostgreSQL.
use newsgraph::configuration::{RateLimitBackend, RateLimitSettings, Settings};
use serde_json::{Value, json};

use crate::helpers::*;

const QUERY: &str = "{ articles(first: 50) { nodes { id title } } }";

fn limited(backend: RateLimitBackend) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.rate_limit = RateLimitSettings {
            enabled: true,
            capacity: 3.0,
            refill_per_second: 1.0,
            backend,
        }
    }
}

async fn post(app: &TestApp, key: Option<&str>) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": QUERY }));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap())
}

fn header(h: &reqwest::header::HeaderMap, name: &str) -> i64 {
    h.get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_spends_its_budget_is_refused_until_it_refills() {
    let app = spawn_app_configured(Backend::Sqlite, true, limited(RateLimitBackend::Memory)).await;

    // Admitted with a full bucket, and charged what the response actually holds: one
    // article's id and title in `articles.nodes` is 4 points, though 50 could have come back.
    let (status, h, body) = post(&app, None).await;
    assert_eq!(status, 200, "{body}");
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["actualQueryCost"], 4, "{cost}");
    assert!(cost["requestedQueryCost"].as_i64().unwrap() > 100, "{cost}");
    assert_eq!(header(&h, "ratelimit-limit"), 3);
    assert_eq!(header(&h, "ratelimit-remaining"), 0);
    assert!((4..=5).contains(&header(&h, "ratelimit-reset")));

    // In debt: refused before running, told when to come back.
    let (status, h, body) = post(&app, None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(error_code(&body), "RATE_LIMITED");
    let retry = header(&h, "retry-after");
    assert_eq!(retry, 1, "one point of debt at one point a second");
    assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], retry);
    assert_eq!(header(&h, "ratelimit-remaining"), 0);

    // Another client (here: one presenting an API key) has its own budget.
    let (status, _, body) = post(&app, Some(TEST_API_KEY)).await;
    assert_eq!(status, 200, "{body}");

    // The refusal is counted, and the server is fine.
    let metrics = app.metrics().await;
    assert!(
        metrics
            .lines()
            .any(|l| l == "newsgraph_rate_limited_total 1"),
        "{metrics}"
    );
    assert_eq!(app.status("/health").await, 200);
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_one_budget_through_postgres() {
    if postgres_skipped() {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_POSTGRES is set");
        return;
    }
    let a =
        spawn_app_configured(Backend::Postgres, true, limited(RateLimitBackend::Postgres)).await;
    let b = spawn_replica(&a, limited(RateLimitBackend::Postgres)).await;

    // Spent on A...
    let (status, _, body) = post(&a, None).await;
    assert_eq!(status, 200, "{body}");
    // ...is spent on B too.
    let (status, h, body) = post(&b, None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(header(&h, "retry-after") >= 1);

    // With buckets in memory, a third replica knows nothing of it (why the shared store exists).
    let c = spawn_replica(&a, limited(RateLimitBackend::Memory)).await;
    let (status, _, body) = post(&c, None).await;
    assert_eq!(status, 200, "{body}");
    drop((b, c));
    a.teardown().await;
}
