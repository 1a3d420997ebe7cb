//! Opaque keyset cursors. A cursor carries the sort-key values of one row and a hash of the
//! connection it came from (which list, ordering, filter and parent), so a cursor taken from
//! one query is refused by another instead of silently paging through the wrong list.
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
        let mut out = Vec::with_capacity(json.len() * 4 / 3 + 4);
        super::base64url::encode_into(json.as_bytes(), &mut out);
        // Base64's alphabet is ASCII.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Parses a cursor a client sent back, and checks that it belongs to `scope`.
    pub fn parse(raw: &str, scope: &str) -> Result<Self, CursorError> {
        let malformed = || CursorError::Malformed(raw.chars().take(64).collect());
        let bytes = super::base64url::decode(raw).map_err(|_| malformed())?;
        // What `encode` writes is read directly; anything else goes through serde, whose
        // answer for what `encode` writes is the same (a test compares them).
        let (found, values) = match parse_canonical(&bytes) {
            Some(parsed) => parsed,
            None => {
                let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
                let found = u64::from_str_radix(&wire.s, 16).map_err(|_| malformed())?;
                (found, wire.k)
            }
        };
        if found != scope_hash(scope) {
            return Err(CursorError::WrongScope);
        }
        Ok(Self {
            scope: found,
            values,
        })
    }
}

/// The wire form exactly as `encode` writes it (`{"s":"<hex>","k":[...]}`, integers, texts
/// without escapes or control characters, nulls); None for anything else (floats included),
/// which serde then reads. A keyset page parses its cursor at every request.
fn parse_canonical(b: &[u8]) -> Option<(u64, Vec<KeyValue>)> {
    let rest = b.strip_prefix(br#"{"s":""#)?;
    let end = rest.iter().position(|&c| c == b'"')?;
    let scope = u64::from_str_radix(std::str::from_utf8(&rest[..end]).ok()?, 16).ok()?;
    let mut rest = rest[end..].strip_prefix(br#"","k":["#)?;
    let mut values = Vec::with_capacity(2);
    if let Some(done) = rest.strip_prefix(b"]}") {
        return done.is_empty().then_some((scope, values));
    }
    loop {
        if let Some(r) = rest.strip_prefix(br#"{"int":"#) {
            let end = r.iter().position(|&c| c == b'}')?;
            let digits = &r[..end];
            let unsigned = digits.strip_prefix(b"-").unwrap_or(digits);
            if unsigned.is_empty()
                || !unsigned.iter().all(u8::is_ascii_digit)
                || (unsigned.len() > 1 && unsigned[0] == b'0')
            {
                return None;
            }
            values.push(KeyValue::Int(
                std::str::from_utf8(digits).ok()?.parse().ok()?,
            ));
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix(br#"{"text":""#) {
            let end = r
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
            if r[end] != b'"' {
                return None;
            }
            let text = std::str::from_utf8(&r[..end]).ok()?;
            values.push(KeyValue::Text(text.to_string()));
            rest = r[end..].strip_prefix(br#""}"#)?;
        } else if let Some(r) = rest.strip_prefix(br#""null""#) {
            values.push(KeyValue::Null);
            rest = r;
        } else {
            return None;
        }
        if let Some(r) = rest.strip_prefix(b",") {
            rest = r;
        } else {
            return (rest == b"]}").then_some((scope, values));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
    fn the_direct_reading_agrees_with_serde() {
        let serde = |b: &[u8]| {
            let wire: Wire = serde_json::from_slice(b).ok()?;
            Some((u64::from_str_radix(&wire.s, 16).ok()?, wire.k))
        };
        let cursors = [
            vec![],
            vec![
                KeyValue::Text("2024-03-22T22:39:55+00:00".into()),
                KeyValue::Int(6122),
            ],
            vec![KeyValue::Null, KeyValue::Int(-7), KeyValue::Int(0)],
            vec![
                KeyValue::Text("Zoë \"q\" \\ end".into()),
                KeyValue::Int(i64::MIN),
            ],
            vec![KeyValue::Text(String::new()), KeyValue::Int(i64::MAX)],
            vec![KeyValue::Float(0.5), KeyValue::Int(3)],
        ];
        for values in cursors {
            let c = Cursor::new("scope", values.clone());
            let bytes = URL_SAFE_NO_PAD.decode(c.encode()).unwrap();
            let direct = parse_canonical(&bytes);
            // Escapes and floats are left to serde.
            if direct.is_some() {
                assert_eq!(direct, serde(&bytes), "{values:?}");
            }
            assert_eq!(Cursor::parse(&c.encode(), "scope"), Ok(c), "{values:?}");
        }
        // A keyset page's cursor is read directly.
        let page = Cursor::new(
            "s",
            vec![KeyValue::Text("2024-03-22".into()), KeyValue::Int(1)],
        );
        let bytes = URL_SAFE_NO_PAD.decode(page.encode()).unwrap();
        assert_eq!(parse_canonical(&bytes), Some((page.scope, page.values)));
        for b in [
            &br#"{"s":"1f","k":[{"int":1}]}"#[..],
            br#"{"s":"1f","k":[{"int":01}]}"#,
            br#"{"s":"1f","k":[{"int":-}]}"#,
            br#"{"s":"1f","k":[{"int":99999999999999999999}]}"#,
            br#"{"s":"zz","k":[]}"#,
            br#"{"s":"1f","k":["null",{"text":"a"}]}"#,
            br#"{"s":"1f","k":[{"text":"a"}]} "#,
            br#"{"s":"1f","k":[{"text":"a\u0000"}]}"#,
            br#"{"s":"1f","k":[{"text":"a"},]}"#,
            b"{\"s\":\"1f\",\"k\":[{\"text\":\"a\tb\"}]}",
        ] {
            let direct = parse_canonical(b);
            if direct.is_some() {
                assert_eq!(direct, serde(b), "{}", String::from_utf8_lossy(b));
            }
        }
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
