//! The size of an operation before anything runs: how deep it nests and how many fields it
//! selects once every fragment spread is expanded. Both are computed in one pass that visits
//! each fragment once (memoised), so the check is linear in the document even when fragments
//! spread each other exponentially (`F1 { ...F0 ...F0 }`, `F2 { ...F1 ...F1 }`, ...).
use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Depth and expanded size of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Nesting depth, not counting introspection (`__schema`, `__type`: GraphiQL's own
    /// introspection query nests types ten deep). `usize::MAX` when fragments spread each
    /// other in a cycle.
    pub depth: usize,
    /// Fields selected once every fragment is expanded in place (saturating): the work any
    /// walk of the operation does, validation's included.
    pub fields: u64,
}

impl Shape {
    pub const CYCLE: Shape = Shape {
        depth: usize::MAX,
        fields: u64::MAX,
    };

    pub fn is_cycle(&self) -> bool {
        self.depth == usize::MAX
    }
}

/// A fragment's shape once known; `None` while it is being computed (seen again: a cycle).
type Memo<'a> = HashMap<&'a str, Option<Shape>>;

fn walk<'a>(doc: &'a ExecutableDocument, set: &'a SelectionSet, memo: &mut Memo<'a>) -> Shape {
    let mut out = Shape {
        depth: 0,
        fields: 0,
    };
    for item in &set.items {
        let s = match &item.node {
            Selection::Field(f) => {
                let sub = walk(doc, &f.node.selection_set.node, memo);
                if sub.is_cycle() {
                    return Shape::CYCLE;
                }
                let introspection = f.node.name.node.starts_with("__");
                Shape {
                    depth: if introspection { 0 } else { sub.depth + 1 },
                    fields: sub.fields.saturating_add(1),
                }
            }
            Selection::InlineFragment(f) => walk(doc, &f.node.selection_set.node, memo),
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.as_str();
                match memo.get(name) {
                    Some(Some(known)) => *known,
                    Some(None) => return Shape::CYCLE,
                    None => match doc.fragments.get(name) {
                        // Unknown fragments are validation's to report.
                        None => Shape {
                            depth: 0,
                            fields: 0,
                        },
                        Some(frag) => {
                            memo.insert(name, None);
                            let known = walk(doc, &frag.node.selection_set.node, memo);
                            memo.insert(name, Some(known));
                            known
                        }
                    },
                }
            }
        };
        if s.is_cycle() {
            return Shape::CYCLE;
        }
        out.depth = out.depth.max(s.depth);
        out.fields = out.fields.saturating_add(s.fields);
    }
    out
}

/// The shape of the operation that would run (every operation's largest when no name is
/// given and the document has several).
pub fn shape(doc: &ExecutableDocument, operation_name: Option<&str>) -> Shape {
    let mut memo = Memo::new();
    let mut out = Shape {
        depth: 0,
        fields: 0,
    };
    for (name, op) in doc.operations.iter() {
        if operation_name.is_some() && name.map(|n| n.as_str()) != operation_name {
            continue;
        }
        let s = walk(doc, &op.node.selection_set.node, &mut memo);
        if s.is_cycle() {
            return Shape::CYCLE;
        }
        out.depth = out.depth.max(s.depth);
        out.fields = out.fields.max(s.fields);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn of(q: &str) -> Shape {
        shape(&parse_query(q).unwrap(), None)
    }

    #[test]
    fn depth_ignores_introspection_and_sees_fragment_cycles() {
        let s = of("{ a { b { c } } __schema { types { fields { type { ofType { name } } } } } }");
        assert_eq!(s.depth, 3);
        assert_eq!(s.fields, 9);
        assert!(
            of("{ a { ...F } } fragment F on T { b { ...G } } fragment G on T { c { ...F } }")
                .is_cycle()
        );
        assert!(of("{ a { ...F } } fragment F on T { ...F }").is_cycle());
    }

    #[test]
    fn fragments_count_every_time_they_are_spread() {
        let s = of("{ a { ...F ...F x { ...F } } } fragment F on T { b c }");
        assert_eq!(s.depth, 3);
        assert_eq!(s.fields, 1 + 2 + 2 + 1 + 2);
    }

    #[test]
    fn a_fragment_bomb_is_measured_without_expanding_it() {
        // 60 levels, each spreading the previous twice: 2^60 fields, found in microseconds.
        let mut q = String::from("{ a { ...F60 } }\nfragment F0 on T { t }\n");
        for i in 1..=60 {
            q.push_str(&format!(
                "fragment F{i} on T {{ ...F{} ...F{} }}\n",
                i - 1,
                i - 1
            ));
        }
        let s = of(&q);
        assert_eq!(s.depth, 2);
        assert_eq!(s.fields, 1 + (1u64 << 60));
        let mut q = String::from("{ a { ...F70 } }\nfragment F0 on T { t }\n");
        for i in 1..=70 {
            q.push_str(&format!(
                "fragment F{i} on T {{ ...F{} ...F{} }}\n",
                i - 1,
                i - 1
            ));
        }
        assert_eq!(of(&q).fields, u64::MAX);
    }
}
