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

fn reorder_value(doc: &ExecutableDocument, sets: &Sets<'_>, value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            let fields = collect(doc, sets);
            let mut ordered = IndexMap::with_capacity(map.len());
            for (key, subs) in fields {
                if let Some((k, v)) = map.swap_remove_entry(key.as_str()) {
                    let v = if subs.iter().all(|s| s.items.is_empty()) {
                        v
                    } else {
                        reorder_value(doc, &subs, v)
                    };
                    ordered.insert(k, v);
                }
            }
            // Anything not named by the query (should not happen) keeps its place at the end.
            ordered.extend(map);
            Value::Object(ordered)
        }
        Value::List(items) => Value::List(
            items
                .into_iter()
                .map(|v| reorder_value(doc, sets, v))
                .collect(),
        ),
        other => other,
    }
}

/// Puts `data` into the field order of the executed operation of `query`.
pub fn reorder(query: &str, operation_name: Option<&str>, data: Value) -> Value {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return data;
    };
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
        Some(op) => reorder_value(&doc, &vec![&op.node.selection_set.node], data),
        None => data,
    }
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
        let out = serde_json::to_string(&reorder(query, None, data)).unwrap();
        assert_eq!(out, r#"{"b":true,"a":[{"c":3,"z":1,"y":2},{"c":3,"y":2}]}"#);
    }
}
