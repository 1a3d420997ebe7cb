//! Which stored entity each person, organization and place of a draft is: its name and
//! aliases matched against the graph's names and aliases (accent- and case-insensitive, any
//! script), one statement per kind whatever the draft's size. One match is a link; several
//! are reported as ambiguous, never merged.
use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, Value};

use crate::domain::names::normalize;
use crate::domain::node_id::NodeKind;
use crate::services::error::ServiceResult;
use crate::services::ingest::ArticleDocument;
use crate::services::sql::statement;

/// The stored entities a draft entry (by its `ref`) may be.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Link {
    pub kind: Option<NodeKind>,
    /// Ids of stored entities with one of its names: none (new), one (linked) or several.
    pub candidates: Vec<i32>,
}

/// Stored ids by normalized name or alias, for the given names.
async fn ids_by_name<C: ConnectionTrait>(
    db: &C,
    table: &str,
    norms: &[String],
) -> ServiceResult<HashMap<String, HashSet<i32>>> {
    let mut out: HashMap<String, HashSet<i32>> = HashMap::new();
    if norms.is_empty() {
        return Ok(out);
    }
    // Chunks keep the statement under every backend's limit on bound values.
    for chunk in norms.chunks(1_000) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let list = marks.join(", ");
        let sql = format!(
            "SELECT id, name_norm FROM {table} WHERE name_norm IN ({list}) \
             UNION SELECT {table}_id, alias_norm FROM {table}_alias WHERE alias_norm IN ({list})"
        );
        let values: Vec<Value> = chunk.iter().map(|n| n.as_str().into()).collect();
        let rows = db
            .query_all_raw(statement(db.get_database_backend(), &sql, values))
            .await?;
        for r in &rows {
            let id: i32 = r.try_get_by_index(0)?;
            let norm: String = r.try_get_by_index(1)?;
            out.entry(norm).or_default().insert(id);
        }
    }
    Ok(out)
}

/// A draft entry's ref and its names (its name first).
type Named<'a> = (&'a String, Vec<&'a String>);

/// The link of every person, organization and place of `doc`, by ref.
pub async fn link<C: ConnectionTrait>(
    db: &C,
    doc: &ArticleDocument,
) -> ServiceResult<HashMap<String, Link>> {
    let mut out = HashMap::new();
    let entries: [(&str, NodeKind, Vec<Named>); 3] = [
        (
            "person",
            NodeKind::Person,
            doc.people
                .iter()
                .map(|p| {
                    (
                        &p.reference,
                        std::iter::once(&p.name).chain(&p.aliases).collect(),
                    )
                })
                .collect(),
        ),
        (
            "organization",
            NodeKind::Organization,
            doc.organizations
                .iter()
                .map(|o| {
                    (
                        &o.reference,
                        std::iter::once(&o.name).chain(&o.aliases).collect(),
                    )
                })
                .collect(),
        ),
        (
            "location",
            NodeKind::Location,
            doc.locations
                .iter()
                .map(|l| {
                    (
                        &l.reference,
                        std::iter::once(&l.name).chain(&l.aliases).collect(),
                    )
                })
                .collect(),
        ),
    ];
    for (table, kind, items) in entries {
        let mut norms: Vec<String> = items
            .iter()
            .flat_map(|(_, names)| names.iter().map(|n| normalize(n)))
            .filter(|n| !n.is_empty())
            .collect();
        norms.sort();
        norms.dedup();
        let found = ids_by_name(db, table, &norms).await?;
        for (reference, names) in items {
            // The entry's own name decides when it matches; its aliases only when it does not.
            let by = |n: &String| found.get(&normalize(n)).cloned().unwrap_or_default();
            let mut ids = names.first().map(|n| by(n)).unwrap_or_default();
            if ids.is_empty() {
                for n in names.iter().skip(1) {
                    ids.extend(by(n));
                }
            }
            let mut candidates: Vec<i32> = ids.into_iter().collect();
            candidates.sort_unstable();
            out.insert(
                reference.clone(),
                Link {
                    kind: Some(kind),
                    candidates,
                },
            );
        }
    }
    Ok(out)
}

/// What the graph calls each of `norms` (normalized names): a person, an organization or a
/// place. A name stored for several kinds is left out (the rules decide it). Three statements.
pub async fn known_names<C: ConnectionTrait>(
    db: &C,
    norms: &[String],
) -> ServiceResult<super::Known> {
    use super::NameKind;
    let mut out = super::Known::new();
    let mut clash = HashSet::new();
    for (table, kind) in [
        ("person", NameKind::Person),
        ("organization", NameKind::Organization),
        ("location", NameKind::Place),
    ] {
        for norm in ids_by_name(db, table, norms).await?.into_keys() {
            if let Some(k) = out.insert(norm.clone(), kind)
                && k != kind
            {
                clash.insert(norm);
            }
        }
    }
    out.retain(|n, _| !clash.contains(n));
    Ok(out)
}
