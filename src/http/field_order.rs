//! async-graphql 7.2 assembles each object's fields in the order they finish resolving, not
//! the order the query asked for them. The GraphQL spec says responses follow the query's
//! field order (CollectFields), and people reading responses expect it: this puts every
//! object of a response back into query order.
use std::collections::HashSet;

use async_graphql::Value;
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};

/// The selection sets that apply at one level, in order (fragments expanded in place).
type Sets<'a> = Vec<&'a SelectionSet>;

/// Response keys in query order, and for each the selection sets of its sub-fields.
fn collect<'a>(doc: &'a ExecutableDocument, sets: &Sets<'a>) -> Vec<(String, Sets<'a>)> {
    let mut out: Vec<(String, Sets<'a>)> = Vec::new();
    let mut visited = HashSet::new();
    fn walk<'a>(
        doc: &'a ExecutableDocument,
        set: &'a SelectionSet,
        out: &mut Vec<(String, Sets<'a>)>,
        visited: &mut HashSet<&'a str>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let key = f.node.response_key().node.as_str();
                    let sub = &f.node.selection_set.node;
                    match out.iter_mut().find(|(k, _)| k == key) {
                        Some((_, subs)) => subs.push(sub),
                        None => out.push((key.to_string(), vec![sub])),
                    }
                }
                Selection::InlineFragment(f) => walk(doc, &f.node.selection_set.node, out, visited),
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.as_str();
                    if visited.insert(name)
                        && let Some(frag) = doc.fragments.get(name)
                    {
                        walk(doc, &frag.node.selection_set.node, out, visited);
                    }
                }
            }
        }
    }
    for set in sets {
        walk(doc, set, &mut out, &mut visited);
    }
    out
}

/// The response keys of one selection level in query order, each with the plan of its
/// sub-selection (`None` for leaves). Built once per request from the document, then applied
/// to every object of the response (a list's items share their plan).
struct Plan {
    fields: Vec<(String, Option<Plan>)>,
}

/// Deeper than any admitted query (the depth limit refuses more, and fragment cycles).
const MAX_PLAN_DEPTH: usize = 64;

fn plan(doc: &ExecutableDocument, sets: &Sets<'_>, depth: usize) -> Plan {
    let fields = collect(doc, sets)
        .into_iter()
        .map(|(key, subs)| {
            let sub = (depth < MAX_PLAN_DEPTH && subs.iter().any(|s| !s.items.is_empty()))
                .then(|| plan(doc, &subs, depth + 1));
            (key, sub)
        })
        .collect();
    Plan { fields }
}

fn apply(plan: &Plan, value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            let mut ordered = IndexMap::with_capacity(map.len());
            for (key, sub) in &plan.fields {
                if let Some((k, v)) = map.swap_remove_entry(key.as_str()) {
                    let v = match sub {
                        Some(p) => apply(p, v),
                        None => v,
                    };
                    ordered.insert(k, v);
                }
            }
            // Anything not named by the query (should not happen) keeps its place at the end.
            ordered.extend(map);
            Value::Object(ordered)
        }
        Value::List(items) => Value::List(items.into_iter().map(|v| apply(plan, v)).collect()),
        other => other,
    }
}

/// Puts `data` into the field order of the executed operation of `doc`.
pub fn reorder(doc: &ExecutableDocument, operation_name: Option<&str>, data: Value) -> Value {
    let op = match &doc.operations {
        DocumentOperations::Single(op) => Some(op),
        DocumentOperations::Multiple(ops) => match operation_name {
            Some(name) => ops
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, op)| op),
            None => ops.values().next(),
        },
    };
    match op {
        Some(op) => apply(&plan(doc, &vec![&op.node.selection_set.node], 0), data),
        None => data,
    }
}

/// (aliases, directives) used anywhere in the document.
pub fn count_aliases_and_directives(doc: &ExecutableDocument) -> (usize, usize) {
    fn walk(set: &SelectionSet, acc: &mut (usize, usize)) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    acc.0 += usize::from(f.node.alias.is_some());
                    acc.1 += f.node.directives.len();
                    walk(&f.node.selection_set.node, acc);
                }
                Selection::InlineFragment(f) => {
                    acc.1 += f.node.directives.len();
                    walk(&f.node.selection_set.node, acc);
                }
                Selection::FragmentSpread(s) => acc.1 += s.node.directives.len(),
            }
        }
    }
    let mut acc = (0, 0);
    for (_, op) in doc.operations.iter() {
        acc.1 += op.node.directives.len();
        walk(&op.node.selection_set.node, &mut acc);
    }
    for frag in doc.fragments.values() {
        acc.1 += frag.node.directives.len();
        walk(&frag.node.selection_set.node, &mut acc);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_follow_the_query_order_through_fragments_and_lists() {
        let query = "query Q { b a { ...F y: d } } fragment F on T { c ... on U { z } }";
        let data = Value::from_json(serde_json::json!({
            "a": [{ "z": 1, "y": 2, "c": 3 }, { "y": 2, "c": 3 }],
            "b": true
        }))
        .unwrap();
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let out = serde_json::to_string(&reorder(&doc, None, data)).unwrap();
        assert_eq!(out, r#"{"b":true,"a":[{"c":3,"z":1,"y":2},{"c":3,"y":2}]}"#);
    }
}
