//! The published SDL never drifts from the server, and it contains the public contract.
use std::collections::BTreeSet;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{ServiceDocument, TypeKind, TypeSystemDefinition};

/// Parts of the contract that later issues deliver; each leaves this list when it lands.
const NOT_YET: &[&str] = &[];

/// Every type, field, argument and enum value of a schema, with its type, as comparable strings.
fn names(doc: &ServiceDocument) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let t = &t.node;
        let name = t.name.node.to_string();
        out.insert(name.clone());
        match &t.kind {
            TypeKind::Object(o) => {
                for f in &o.fields {
                    let f = &f.node;
                    out.insert(format!("{name}.{}: {}", f.name.node, f.ty.node));
                    for a in &f.arguments {
                        out.insert(format!(
                            "{name}.{}({}: {})",
                            f.name.node, a.node.name.node, a.node.ty.node
                        ));
                    }
                }
                for i in &o.implements {
                    out.insert(format!("{name} implements {}", i.node));
                }
            }
            TypeKind::Interface(o) => {
                for f in &o.fields {
                    out.insert(format!("{name}.{}: {}", f.node.name.node, f.node.ty.node));
                }
            }
            TypeKind::InputObject(o) => {
                for f in &o.fields {
                    out.insert(format!("{name}.{}: {}", f.node.name.node, f.node.ty.node));
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    out.insert(format!("{name}.{}", v.node.value.node));
                }
            }
            TypeKind::Union(u) => {
                for m in &u.members {
                    out.insert(format!("{name} | {}", m.node));
                }
            }
            TypeKind::Scalar => {}
        }
    }
    out
}

#[test]
fn schema_graphql_is_what_the_server_serves() {
    let published =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let served = newsgraph::graphql::sdl();
    assert!(
        published == served,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn the_schema_contains_the_public_contract() {
    let contract = parse_schema(include_str!("../../docs/contract.graphql")).unwrap();
    let ours = parse_schema(newsgraph::graphql::sdl()).unwrap();
    let ours = names(&ours);
    let missing: Vec<String> = names(&contract)
        .into_iter()
        .filter(|n| {
            !NOT_YET.iter().any(|p| {
                n == p
                    || [".", " ", "(", ":"]
                        .iter()
                        .any(|sep| n.starts_with(&format!("{p}{sep}")))
            })
        })
        .filter(|n| !ours.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "the schema lacks these contract names: {missing:#?}"
    );
}
