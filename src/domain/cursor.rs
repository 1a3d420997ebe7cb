//! Opaque keyset cursors. A cursor carries the sort-key values of one row and a hash of the
//! connection it came from (which list, ordering, filter and parent), so a cursor taken from
//! one query is refused by another instead of silently paging through the wrong list.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// One sort-key value. Timestamps and dates travel as their canonical text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyValue {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    scope: u64,
    values: Vec<KeyValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("`{0}` is not a valid cursor")]
    Malformed(String),
    #[error("this cursor belongs to a different list (another query, ordering or filter)")]
    WrongScope,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    s: String,
    k: Vec<KeyValue>,
}

/// FNV-1a: a stable, dependency-free fingerprint of a connection's identity.
pub fn scope_hash(scope: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in scope.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Cursor {
    pub fn new(scope: &str, values: Vec<KeyValue>) -> Self {
        Self {
            scope: scope_hash(scope),
            values,
        }
    }

    /// A cursor of the list whose scope hashes to `scope` (the compiled read path gets the
    /// hash from PostgreSQL, not the scope).
    pub fn with_scope_hash(scope: u64, values: Vec<KeyValue>) -> Self {
        Self { scope, values }
    }

    pub fn values(&self) -> &[KeyValue] {
        &self.values
    }

    pub fn into_values(self) -> Vec<KeyValue> {
        self.values
    }

    pub fn encode(&self) -> String {
        let wire = Wire {
            s: format!("{:016x}", self.scope),
            k: self.values.clone(),
        };
        // Serializing plain enums and strings cannot fail.
        let json = serde_json::to_string(&wire).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Parses a cursor a client sent back, and checks that it belongs to `scope`.
    pub fn parse(raw: &str, scope: &str) -> Result<Self, CursorError> {
        let malformed = || CursorError::Malformed(raw.chars().take(64).collect());
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| malformed())?;
        let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        let found = u64::from_str_radix(&wire.s, 16).map_err(|_| malformed())?;
        if found != scope_hash(scope) {
            return Err(CursorError::WrongScope);
        }
        Ok(Self {
            scope: found,
            values: wire.k,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_within_its_scope() {
        let c = Cursor::new(
            "articles|PUBLISHED_AT|DESC",
            vec![KeyValue::Text("2025-12-02".into()), KeyValue::Int(7)],
        );
        let parsed = Cursor::parse(&c.encode(), "articles|PUBLISHED_AT|DESC").unwrap();
        assert_eq!(parsed, c);
    }

    #[test]
    fn a_cursor_from_another_list_is_refused() {
        let c = Cursor::new("people|NAME|ASC", vec![KeyValue::Int(7)]);
        assert_eq!(
            Cursor::parse(&c.encode(), "articles|PUBLISHED_AT|DESC"),
            Err(CursorError::WrongScope)
        );
    }

    #[test]
    fn garbage_is_malformed() {
        for raw in ["", "x", "eyJ9", "bm90IGpzb24"] {
            assert!(
                matches!(Cursor::parse(raw, "s"), Err(CursorError::Malformed(_))),
                "{raw}"
            );
        }
    }
}
