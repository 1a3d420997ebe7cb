//! GraphiQL served whole by the server: the page, React and GraphiQL come from the binary
//! (npm graphiql 4.1.2, react 18.3.1, checked in under `assets/graphiql/`), so it works with
//! no internet. Assets have versioned URLs and are cached for a year; the page opens with
//! example tabs (the same files as `examples/`, which the tests run).
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const GRAPHIQL_JS: &[u8] = include_bytes!("../../assets/graphiql/graphiql.min.js");
const GRAPHIQL_CSS: &[u8] = include_bytes!("../../assets/graphiql/graphiql.min.css");
const REACT_JS: &[u8] = include_bytes!("../../assets/graphiql/react.production.min.js");
const REACT_DOM_JS: &[u8] = include_bytes!("../../assets/graphiql/react-dom.production.min.js");

/// The example operations shown as GraphiQL tabs, in order.
pub const EXAMPLES: [&str; 5] = [
    include_str!("../../examples/1-who-said-what-about-pokrovsk.graphql"),
    include_str!("../../examples/2-zelensky-statements-with-evidence.graphql"),
    include_str!("../../examples/3-places-near-moscow.graphql"),
    include_str!("../../examples/4-casualty-figures.graphql"),
    include_str!("../../examples/5-live-statements.graphql"),
];

static PAGE: LazyLock<String> = LazyLock::new(|| {
    let tabs: Vec<serde_json::Value> = EXAMPLES
        .iter()
        .map(|q| serde_json::json!({ "query": q }))
        .collect();
    // `</` cannot close the script element from inside the JSON.
    let tabs = serde_json::to_string(&tabs)
        .unwrap_or_else(|_| "[]".into())
        .replace("</", "<\\/");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsgraph · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/graphiql/assets/graphiql-4.1.2.min.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/assets/react-18.3.1.production.min.js"></script>
<script src="/graphiql/assets/react-dom-18.3.1.production.min.js"></script>
<script src="/graphiql/assets/graphiql-4.1.2.min.js"></script>
<script>
  const url = new URL('/graphql', window.location.href).href;
  const fetcher = GraphiQL.createFetcher({{ url, subscriptionUrl: url.replace(/^http/, 'ws') }});
  const tabs = {tabs};
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {{ fetcher, defaultTabs: tabs, defaultEditorToolsVisibility: true }})
  );
</script>
</body>
</html>
"#
    )
});

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE.as_str())
}

pub async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, mime) = match name.as_str() {
        "graphiql-4.1.2.min.js" => (GRAPHIQL_JS, "text/javascript; charset=utf-8"),
        "graphiql-4.1.2.min.css" => (GRAPHIQL_CSS, "text/css; charset=utf-8"),
        "react-18.3.1.production.min.js" => (REACT_JS, "text/javascript; charset=utf-8"),
        "react-dom-18.3.1.production.min.js" => (REACT_DOM_JS, "text/javascript; charset=utf-8"),
        _ => {
            return HttpResponse::NotFound()
                .content_type("text/plain")
                .body("no such asset");
        }
    };
    HttpResponse::Ok()
        .content_type(mime)
        // The URLs carry the version: the bytes behind one never change.
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body)
}
