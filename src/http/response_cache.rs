//! Whole-response cache for read operations: the same query with the same variables, asked
//! again while the data has not changed, is answered with the bytes of the first answer —
//! no parsing, no SQL, no resolving.
//!
//! Freshness: an answer is stored under the data version it was computed at and served only
//! while that version is current. PostgreSQL: the version is the live hub's epoch, bumped by
//! `newsgraph_data` notifications (triggers on every graph table announce each committed change,
//! from any writer) and by writes of this process; while the listener is down nothing is served
//! or stored. A commit is seen here when its notification arrives (milliseconds): until then a
//! cached answer may trail it, as a read replica would. SQLite: the version is `data_version`
//! row 'graph' (bumped by triggers), read with one statement per request.
//!
//! Only error-free query answers are kept; the cache holds at most `budget` bytes (when full,
//! stale answers are dropped first, then all). Keys are SHA-256 of (query, operation name,
//! variables): reads do not depend on the caller.
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::web::Bytes;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use sha2::{Digest, Sha256};

use crate::services::live::LiveHub;

pub type Key = [u8; 32];

/// A stored answer: the response body and what the request was charged.
#[derive(Clone)]
pub struct Cached {
    pub body: Bytes,
    pub cost: f64,
    pub op_label: Option<String>,
}

struct Entry {
    version: u64,
    value: Cached,
}

#[derive(Default)]
struct Map {
    entries: HashMap<Key, Entry>,
    bytes: usize,
    /// The newest version stored: answers computed at an older one are already stale.
    newest: u64,
}

pub struct ResponseCache {
    enabled: bool,
    budget: usize,
    db: DatabaseConnection,
    hub: Arc<LiveHub>,
    map: Mutex<Map>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub bypassed: AtomicU64,
}

impl ResponseCache {
    pub fn new(enabled: bool, budget: usize, db: DatabaseConnection, hub: Arc<LiveHub>) -> Self {
        Self {
            enabled: enabled && budget > 0,
            budget,
            db,
            hub,
            map: Mutex::new(Map::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            bypassed: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn key(query: &str, operation_name: Option<&str>, variables: &str) -> Key {
        let mut h = Sha256::new();
        h.update((query.len() as u64).to_le_bytes());
        h.update(query.as_bytes());
        h.update([u8::from(operation_name.is_some())]);
        h.update(operation_name.unwrap_or_default().as_bytes());
        h.update([0]);
        h.update(variables.as_bytes());
        h.finalize().into()
    }

    /// The current data version, or `None` when freshness cannot be known right now.
    pub async fn version(&self) -> Option<u64> {
        if !self.enabled {
            return None;
        }
        match self.db.get_database_backend() {
            DatabaseBackend::Postgres => self.hub.data_epoch(),
            backend => {
                let row = self
                    .db
                    .query_one_raw(Statement::from_string(
                        backend,
                        "SELECT version FROM data_version WHERE name = 'graph'",
                    ))
                    .await
                    .ok()??;
                row.try_get::<i64>("", "version").ok().map(|v| v as u64)
            }
        }
    }

    /// The stored answer for `key` if it was computed at `version`.
    pub fn get(&self, key: &Key, version: u64) -> Option<Cached> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let hit = map
            .entries
            .get(key)
            .filter(|e| e.version == version)
            .map(|e| e.value.clone());
        drop(map);
        let counter = if hit.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    /// Stores an answer computed at `version` (no-op when it is bigger than 1/64 of the budget).
    pub fn put(&self, key: Key, version: u64, value: Cached) {
        let size = value.body.len() + std::mem::size_of::<Entry>() + 64;
        if size > self.budget / 64 {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if version < map.newest {
            return;
        }
        map.newest = version;
        if map.bytes + size > self.budget {
            // Stale answers first; if that is not enough, start over.
            map.entries.retain(|_, e| e.version == version);
            map.bytes = map.bytes_of();
            if map.bytes + size > self.budget {
                map.entries.clear();
                map.bytes = 0;
            }
        }
        if let Some(old) = map.entries.insert(key, Entry { version, value }) {
            map.bytes -= old.value.body.len() + std::mem::size_of::<Entry>() + 64;
        }
        map.bytes += size;
    }

    /// (entries, bytes) held now.
    pub fn usage(&self) -> (usize, usize) {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        (map.entries.len(), map.bytes)
    }
}

impl Map {
    fn bytes_of(&self) -> usize {
        self.entries
            .values()
            .map(|e| e.value.body.len() + std::mem::size_of::<Entry>() + 64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(n: usize) -> Cached {
        Cached {
            body: Bytes::from(vec![b'x'; n]),
            cost: 1.0,
            op_label: None,
        }
    }

    async fn cache(budget: usize) -> ResponseCache {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        ResponseCache::new(true, budget, db, LiveHub::new(4))
    }

    #[tokio::test]
    async fn serves_only_the_version_an_answer_was_computed_at() {
        let c = cache(1 << 20).await;
        let k = ResponseCache::key("{ a }", None, "{}");
        assert!(c.get(&k, 1).is_none());
        c.put(k, 1, cached(10));
        assert_eq!(c.get(&k, 1).unwrap().body.len(), 10);
        assert!(
            c.get(&k, 2).is_none(),
            "a newer version must not see an older answer"
        );
        assert_eq!(c.hits.load(Ordering::Relaxed), 1);
        assert_eq!(c.misses.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn keys_differ_by_query_operation_and_variables() {
        let a = ResponseCache::key("{ a }", None, "{}");
        assert_ne!(a, ResponseCache::key("{ b }", None, "{}"));
        assert_ne!(a, ResponseCache::key("{ a }", Some(""), "{}"));
        assert_ne!(a, ResponseCache::key("{ a }", None, "{\"x\":1}"));
        // The length prefix keeps (query, name) pairs from running into each other.
        assert_ne!(
            ResponseCache::key("ab", Some("c"), ""),
            ResponseCache::key("a", Some("bc"), "")
        );
    }

    #[tokio::test]
    async fn stays_within_its_budget() {
        let budget = 64 * 1024;
        let c = cache(budget).await;
        for i in 0..1000u32 {
            c.put(ResponseCache::key(&i.to_string(), None, ""), 7, cached(500));
            assert!(c.usage().1 <= budget, "over budget after {i} puts");
        }
        // Too big for the budget: not stored at all.
        let big = ResponseCache::key("big", None, "");
        c.put(big, 7, cached(budget / 32));
        assert!(c.get(&big, 7).is_none());
        // A full cache drops stale answers before fresh ones; a late answer computed at an
        // older version is not stored.
        let c = cache(budget).await;
        for i in 0..60u32 {
            c.put(ResponseCache::key(&i.to_string(), None, ""), 1, cached(500));
        }
        let fresh = ResponseCache::key("fresh", None, "");
        c.put(fresh, 2, cached(500));
        for i in 0..60u32 {
            c.put(
                ResponseCache::key(&format!("v2 {i}"), None, ""),
                2,
                cached(500),
            );
        }
        assert!(c.get(&fresh, 2).is_some());
        let late = ResponseCache::key("late", None, "");
        c.put(late, 1, cached(10));
        assert!(c.get(&late, 1).is_none());
    }
}
