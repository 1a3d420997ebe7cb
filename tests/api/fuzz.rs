//! Property-based fuzzing of `/graphql`, a bounded number of cases per run: random operations
//! built by walking the published schema (queries and, with a key, mutations, with edge-case
//! argument values: control characters, repeated words, oversized lists), fragment graphs
//! (chains, fan-out, spreads through unions), and random bodies of bytes and near-JSON. No
//! case may get a 5xx other than the designed 503/504, an `INTERNAL` error (an unexpected
//! failure), or a non-JSON answer; the server must still answer a normal query afterwards.
//!
//! The suite's run is fixed: the same seed every time (`NEWSGRAPH_FUZZ_SEED`, default below),
//! so a commit's result is a property of the commit. A longer randomized run is
//! `NEWSGRAPH_FUZZ_SEED=random NEWSGRAPH_FUZZ_CASES=5000 cargo nextest run fuzz` (README,
//! "Tests"); a failing case prints the seed that reproduces it, and becomes a plain test.
use std::collections::HashMap;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, FieldDefinition, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::api_test;

/// Operations generated per backend in the suite's run (`NEWSGRAPH_FUZZ_CASES` changes it).
const OPERATIONS: u32 = 150;
/// Random bodies sent per backend (the same variable changes it, in proportion).
const BODIES: u32 = 100;
/// The suite's fixed seed.
const SEED: u64 = 0x6e65_7773_6772_6170;

/// The seed and the number of operations of this run.
fn run_config() -> (RngSeed, u32) {
    let seed = match std::env::var("NEWSGRAPH_FUZZ_SEED") {
        Ok(v) if v == "random" => RngSeed::Random,
        Ok(v) => RngSeed::Fixed(
            v.parse()
                .expect("NEWSGRAPH_FUZZ_SEED: a number or `random`"),
        ),
        Err(_) => RngSeed::Fixed(SEED),
    };
    let cases = std::env::var("NEWSGRAPH_FUZZ_CASES")
        .map(|v| v.parse().expect("NEWSGRAPH_FUZZ_CASES: a number"))
        .unwrap_or(OPERATIONS);
    (seed, cases)
}

/// The schema as a map of type name to kind, for walking.
struct Schema(HashMap<String, TypeKind>);

/// A small deterministic generator (xorshift), seeded by proptest.
struct Gen<'a> {
    state: u64,
    schema: &'a Schema,
}

const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "5",
    "20",
    "100",
    "101",
    "2147483647",
    "-2147483648",
    "4496376036",
];
const FLOATS: &[&str] = &["0", "-91.5", "48.3", "1e308", "-0.0", "37.6173"];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"Ukraine\"",
    "\"Pokrovsk\"",
    "\"Покровськ\"",
    "\"'; DROP TABLE article; --\"",
    "\"%_\\\\\"",
    "\"\\u0000\"",
    "\"*\"",
    "\"Putin OR Zelensky\"",
    "\"\\\"unbalanced\"",
    "\"🇺🇦\"",
    "\"\\u0095\"",
    "\"\\u0000x\"",
    "\"\\u200b\\u2060\"",
    "\" \\t\\n \"",
    "\"e\\u0301\\u0007\"",
];
const IDS: &[&str] = &[
    "\"QXJ0aWNsZTox\"",
    "\"UGVyc29uOjE=\"",
    "\"TG9jYXRpb246Mw==\"",
    "\"UGVyc29uOjk5OTk5OTk5OQ==\"",
    "\"garbage\"",
    "\"\"",
    "\"QXJ0aWNsZTotMQ==\"",
];
const DATES: &[&str] = &[
    "\"2025-12-02\"",
    "\"1900-01-01\"",
    "\"not-a-date\"",
    "\"2025-02-30\"",
];

impl Gen<'_> {
    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'b>(&mut self, xs: &'b [&'b str]) -> &'b str {
        xs[self.below(xs.len())]
    }

    fn named(ty: &Type) -> &str {
        match &ty.base {
            BaseType::Named(n) => n.as_str(),
            BaseType::List(inner) => Self::named(inner),
        }
    }

    fn value(&mut self, ty: &Type, depth: usize) -> String {
        if let BaseType::List(inner) = &ty.base {
            // Now and then a list past every documented limit.
            let n = if self.below(40) == 0 {
                10_001
            } else {
                self.below(3)
            };
            let items: Vec<String> = (0..n).map(|_| self.value(inner, depth)).collect();
            return format!("[{}]", items.join(", "));
        }
        let name = Self::named(ty);
        match name {
            "Int" => self.pick(INTS).into(),
            "Float" => self.pick(FLOATS).into(),
            "String" if self.below(20) == 0 => {
                format!("\"{}\"", vec!["the"; 1 + self.below(2000)].join(" "))
            }
            "String" => self.pick(STRINGS).into(),
            "ID" => self.pick(IDS).into(),
            "Boolean" => ["true", "false"][self.below(2)].into(),
            "Date" | "DateTime" => self.pick(DATES).into(),
            _ => match self.schema.0.get(name) {
                Some(TypeKind::Enum(e)) => e.values[self.below(e.values.len())]
                    .node
                    .value
                    .node
                    .to_string(),
                Some(TypeKind::InputObject(o)) if depth < 3 => {
                    let mut fields = vec![];
                    for f in &o.fields {
                        if !f.node.ty.node.nullable || self.below(3) == 0 {
                            let v = self.value(&f.node.ty.node, depth + 1);
                            fields.push(format!("{}: {v}", f.node.name.node));
                        }
                    }
                    format!("{{ {} }}", fields.join(", "))
                }
                _ => "null".into(),
            },
        }
    }

    fn arguments(&mut self, args: &[async_graphql::Positioned<InputValueDefinition>]) -> String {
        let mut chosen = vec![];
        for a in args {
            if !a.node.ty.node.nullable || self.below(2) == 0 {
                let v = self.value(&a.node.ty.node, 0);
                chosen.push(format!("{}: {v}", a.node.name.node));
            }
        }
        if chosen.is_empty() {
            String::new()
        } else {
            format!("({})", chosen.join(", "))
        }
    }

    fn field(&mut self, f: &FieldDefinition, depth: usize) -> String {
        let sub = self.selection(Self::named(&f.ty.node), depth + 1);
        format!("{}{} {}", f.name.node, self.arguments(&f.arguments), sub)
    }

    /// A selection set for `type_name` (empty for leaves).
    fn selection(&mut self, type_name: &str, depth: usize) -> String {
        let fields = match self.schema.0.get(type_name) {
            Some(TypeKind::Object(o)) => &o.fields,
            Some(TypeKind::Interface(i)) => &i.fields,
            Some(TypeKind::Union(u)) => {
                let member = u.members[self.below(u.members.len())].node.to_string();
                let inner = self.selection(&member, depth);
                return format!("{{ __typename ... on {member} {inner} }}");
            }
            _ => return String::new(),
        };
        if depth >= 5 {
            return "{ __typename }".into();
        }
        let n = 1 + self.below(3);
        let mut parts = vec![];
        for i in 0..n {
            let f = &fields[self.below(fields.len())].node;
            // Aliases keep repeated fields with different arguments valid.
            parts.push(format!("f{i}: {}", self.field(f, depth)));
        }
        format!("{{ {} }}", parts.join(" "))
    }

    /// An operation and whether it needs the key: mostly queries, some mutations, some
    /// queries over a random graph of fragments.
    fn operation(&mut self) -> (String, bool) {
        match self.below(8) {
            0 | 1 => (
                format!("mutation Fuzz {}", self.selection("Mutation", 0)),
                true,
            ),
            2 => (self.fragment_graph(), false),
            _ => (format!("query Fuzz {}", self.selection("Query", 0)), false),
        }
    }

    /// Fragments on `Article` that spread earlier ones (a chain, fan-out of up to 8, or a
    /// spread through the `SearchResult` union), used by one query.
    fn fragment_graph(&mut self) -> String {
        let n = 1 + self.below(30);
        let mut out = String::new();
        for i in 0..n {
            let mut body = String::from("title");
            if i > 0 {
                for _ in 0..1 + self.below(8) {
                    body.push_str(&format!(" ...A{}", self.below(i)));
                }
            }
            out.push_str(&format!("fragment A{i} on Article {{ {body} }}\n"));
        }
        let top = n - 1;
        let query = if self.below(2) == 0 {
            format!("{{ articles(first: 2) {{ nodes {{ ...A{top} }} }} }}")
        } else {
            format!(
                "{{ search(query: \"Pokrovsk\") {{ nodes {{ ... on Article {{ ...A{top} }} }} }} }}"
            )
        };
        format!("{query}\n{out}")
    }
}

fn schema() -> Schema {
    let doc = parse_schema(newsgraph::graphql::sdl()).unwrap();
    let mut map = HashMap::new();
    for d in doc.definitions {
        if let TypeSystemDefinition::Type(t) = d {
            map.insert(t.node.name.node.to_string(), t.node.kind);
        }
    }
    Schema(map)
}

/// What any answer must look like: a designed status, JSON, and no unexpected failure.
fn check(status: u16, text: &str, sent: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(status, 200 | 400 | 405 | 413 | 415 | 503 | 504),
        "status {status} for {sent}: {text}"
    );
    let body: Value = serde_json::from_str(text)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}) for {sent}: {text}")))?;
    prop_assert!(
        body.get("data").is_some() || body.get("errors").is_some(),
        "neither data nor errors for {sent}: {text}"
    );
    if let Some(errors) = body["errors"].as_array() {
        for e in errors {
            prop_assert!(e["message"].is_string(), "error without a message: {text}");
            prop_assert!(
                e["extensions"]["code"].is_string(),
                "error without a code for {}: {}",
                sent,
                text
            );
            prop_assert_ne!(
                &e["extensions"]["code"],
                &json!("INTERNAL"),
                "an unexpected failure for {}: {}",
                sent,
                text
            );
        }
    }
    Ok(())
}

fn post(
    app: &crate::helpers::TestApp,
    body: Vec<u8>,
    content_type: &str,
    with_key: bool,
) -> (u16, String) {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", content_type)
        .body(body);
    if with_key {
        req = req.bearer_auth(crate::helpers::TEST_API_KEY);
    }
    tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(async {
            let res = req.send().await.expect("the server answers");
            let status = res.status().as_u16();
            (status, res.text().await.unwrap_or_default())
        })
    })
}

api_test!(random_operations_and_bodies_never_break_the_server, |app| {
    let schema = schema();
    let (rng_seed, cases) = run_config();
    eprintln!("fuzz: seed {rng_seed}, {cases} operations");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        rng_seed,
        ..Config::default()
    });
    runner
        .run(&any::<u64>(), |seed| {
            let mut g = Gen {
                state: seed | 1,
                schema: &schema,
            };
            let (query, with_key) = g.operation();
            let body = serde_json::to_vec(&json!({ "query": query })).unwrap();
            let (status, text) = post(app, body, "application/json", with_key);
            let shown: String = query.chars().take(2_000).collect();
            check(status, &text, &format!("case {seed}: {shown}"))
        })
        .unwrap();

    let mut runner = TestRunner::new(Config {
        cases: (cases * BODIES / OPERATIONS).max(1),
        failure_persistence: None,
        rng_seed,
        ..Config::default()
    });
    let bodies = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        "[{}\\[\\]\":,a-z0-9 \\\\]{0,300}".prop_map(String::into_bytes),
        "\\{\"query\": \"[{}a-z() :$!@.]{0,200}\"(, \"variables\": [{}\\[\\]\":,a-z0-9 ]{0,50})?\\}"
            .prop_map(String::into_bytes),
    ];
    runner
        .run(&bodies, |body| {
            let sent = format!("body {:?}", String::from_utf8_lossy(&body));
            let (status, text) = post(app, body, "application/json", false);
            check(status, &text, &sent)
        })
        .unwrap();

    // Still serving.
    let data = app.data("{ articles { totalCount } }", json!({})).await;
    // (Mutations may have added or deleted articles.)
    assert!(data["articles"]["totalCount"].is_u64(), "{data}");
});
