//! Relay global object ids: opaque to clients, `base64url("<Type>:<row id>")` inside.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Article,
    Person,
    Organization,
    Statement,
    Location,
    Casualty,
}

impl NodeKind {
    pub const ALL: [NodeKind; 6] = [
        NodeKind::Article,
        NodeKind::Person,
        NodeKind::Organization,
        NodeKind::Statement,
        NodeKind::Location,
        NodeKind::Casualty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Article => "Article",
            NodeKind::Person => "Person",
            NodeKind::Organization => "Organization",
            NodeKind::Statement => "Statement",
            NodeKind::Location => "Location",
            NodeKind::Casualty => "Casualty",
        }
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed global id. Only `parse` (from a client) and `new` (from a stored row) build one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId {
    kind: NodeKind,
    id: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeIdError {
    #[error("`{0}` is not a valid ID")]
    Malformed(String),
    #[error("expected the ID of a {expected}, got the ID of a {got}")]
    WrongKind { expected: String, got: NodeKind },
}

impl NodeId {
    pub fn new(kind: NodeKind, id: i32) -> Self {
        Self { kind, id }
    }

    pub fn kind(&self) -> NodeKind {
        self.kind
    }

    pub fn id(&self) -> i32 {
        self.id
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.kind, self.id))
    }

    /// Appends [`NodeId::encode`]'s text to `out` without allocating (the compiled read path
    /// writes one per id in a response).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        // "Organization:-2147483648" is the longest: 24 bytes.
        let mut raw = [0u8; 24];
        let kind = self.kind.as_str().as_bytes();
        raw[..kind.len()].copy_from_slice(kind);
        raw[kind.len()] = b':';
        let mut n = kind.len() + 1;
        let mut digits = [0u8; 11];
        let mut d = digits.len();
        let mut v = self.id.unsigned_abs();
        loop {
            d -= 1;
            digits[d] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if self.id < 0 {
            d -= 1;
            digits[d] = b'-';
        }
        raw[n..n + digits.len() - d].copy_from_slice(&digits[d..]);
        n += digits.len() - d;
        super::base64url::encode_into(&raw[..n], out);
    }

    pub fn parse(raw: &str) -> Result<Self, NodeIdError> {
        let malformed = || NodeIdError::Malformed(truncate(raw));
        let bytes = super::base64url::decode(raw.trim_end_matches('=')).map_err(|_| malformed())?;
        let text = String::from_utf8(bytes).map_err(|_| malformed())?;
        let (kind, id) = text.split_once(':').ok_or_else(malformed)?;
        let kind = NodeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(malformed)?;
        let id: i32 = id.parse().map_err(|_| malformed())?;
        if id <= 0 || id.to_string().len() != text.len() - kind.as_str().len() - 1 {
            return Err(malformed());
        }
        Ok(Self { kind, id })
    }

    /// Parses an id that must name one of `expected` (a filter's `personId` must be a Person).
    pub fn parse_as(raw: &str, expected: &[NodeKind]) -> Result<Self, NodeIdError> {
        let parsed = Self::parse(raw)?;
        if expected.contains(&parsed.kind) {
            Ok(parsed)
        } else {
            let names: Vec<&str> = expected.iter().map(|k| k.as_str()).collect();
            Err(NodeIdError::WrongKind {
                expected: names.join(" or "),
                got: parsed.kind,
            })
        }
    }
}

/// Echo at most a short prefix of client input in messages.
fn truncate(raw: &str) -> String {
    raw.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_into_writes_what_encode_returns() {
        for kind in NodeKind::ALL {
            for id in [1, 9, 10, 12345, i32::MAX, -1, i32::MIN] {
                let n = NodeId::new(kind, id);
                let mut out = b"x".to_vec();
                n.encode_into(&mut out);
                assert_eq!(out, format!("x{}", n.encode()).into_bytes(), "{kind} {id}");
            }
        }
    }

    #[test]
    fn every_kind_round_trips() {
        for kind in NodeKind::ALL {
            for id in [1, 42, i32::MAX] {
                let n = NodeId::new(kind, id);
                assert_eq!(NodeId::parse(&n.encode()), Ok(n));
            }
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for raw in [
            "",
            "abc",
            "QXJ0aWNsZTo",
            "QXJ0aWNsZTphYmM",
            "!!!",
            "Article:1",
        ] {
            assert!(NodeId::parse(raw).is_err(), "{raw} should be rejected");
        }
        // "Article:0", "Article:-1", "Article:01", "Banana:1"
        for inner in [
            "Article:0",
            "Article:-1",
            "Article:01",
            "Banana:1",
            "Article:+1",
        ] {
            let raw = URL_SAFE_NO_PAD.encode(inner);
            assert!(NodeId::parse(&raw).is_err(), "{inner} should be rejected");
        }
    }

    #[test]
    fn wrong_kind_is_named() {
        let raw = NodeId::new(NodeKind::Article, 3).encode();
        let err = NodeId::parse_as(&raw, &[NodeKind::Person]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected the ID of a Person, got the ID of a Article"
        );
    }
}
