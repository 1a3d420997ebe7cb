//! Automatic persisted queries (Apollo's protocol): a client sends
//! `extensions.persistedQuery.sha256Hash` without the query; a miss answers
//! `PersistedQueryNotFound` and the client retries with the query, which is stored under its
//! hash. Queries can then travel as a short hash over GET, where HTTP caches work.
use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Most queries kept; a full store forgets an arbitrary one (clients just resend it).
const CAPACITY: usize = 10_000;

/// The request extension that carries an automatic persisted query (Apollo's name).
pub const EXTENSION: &str = "persistedQuery";

#[derive(Default)]
pub struct PersistedQueries(Mutex<HashMap<String, String>>);

pub fn sha256_hex(text: impl AsRef<[u8]>) -> String {
    Sha256::digest(text.as_ref())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What became of a request's persisted-query extension.
pub enum Resolved {
    /// No persisted query: use the request as it is.
    NotPersisted,
    /// The query to run.
    Query(String),
    /// The hash is unknown: the client must send the query.
    NotFound,
    /// The query does not have the hash it was sent with.
    Mismatch,
}

impl PersistedQueries {
    /// Looks up or registers the query of a request body (a JSON object).
    pub fn resolve(&self, body: &serde_json::Map<String, serde_json::Value>) -> Resolved {
        let Some(hash) = body
            .get("extensions")
            .and_then(|e| e.get(EXTENSION))
            .and_then(|p| p.get("sha256Hash"))
            .and_then(|h| h.as_str())
        else {
            return Resolved::NotPersisted;
        };
        let hash = hash.to_ascii_lowercase();
        let Ok(mut store) = self.0.lock() else {
            return Resolved::NotFound;
        };
        match body
            .get("query")
            .and_then(|q| q.as_str())
            .filter(|q| !q.is_empty())
        {
            Some(query) => {
                if sha256_hex(query) != hash {
                    return Resolved::Mismatch;
                }
                if store.len() >= CAPACITY
                    && let Some(k) = store.keys().next().cloned()
                {
                    store.remove(&k);
                }
                store.insert(hash, query.to_string());
                Resolved::Query(query.to_string())
            }
            None => match store.get(&hash) {
                Some(q) => Resolved::Query(q.clone()),
                None => Resolved::NotFound,
            },
        }
    }
}
