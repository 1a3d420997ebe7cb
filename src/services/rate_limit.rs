//! Per-client budgets in query-cost points, as leaky buckets: a bucket holds up to `capacity`
//! points and refills at `refill_per_second`; each request is admitted while its client's
//! bucket is above zero and then pays what its query cost (it may go into debt, which later
//! requests wait out). Buckets live in this process, or in PostgreSQL so that every replica
//! draws on one budget per client.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use super::sql::statement;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub capacity: f64,
    pub refill_per_second: f64,
}

impl Budget {
    /// Seconds until a bucket at `level` is above zero again.
    pub fn retry_after(&self, level: f64) -> u64 {
        if level > 0.0 {
            0
        } else {
            ((-level / self.refill_per_second).ceil() as u64).max(1)
        }
    }

    /// Seconds until a bucket at `level` is full.
    pub fn reset_after(&self, level: f64) -> u64 {
        ((self.capacity - level).max(0.0) / self.refill_per_second).ceil() as u64
    }
}

/// Where buckets are kept.
pub enum Store {
    Memory(Mutex<HashMap<String, (f64, Instant)>>),
    /// The `rate_limit_bucket` table (PostgreSQL, unlogged): shared by every replica.
    Postgres(DatabaseConnection),
}

pub struct RateLimiter {
    pub budget: Budget,
    store: Store,
}

/// Buckets kept in memory before full ones are forgotten (a full bucket is the default).
const MEMORY_PRUNE_AT: usize = 10_000;

impl RateLimiter {
    pub fn in_memory(budget: Budget) -> Self {
        Self {
            budget,
            store: Store::Memory(Mutex::new(HashMap::new())),
        }
    }

    pub fn in_postgres(budget: Budget, db: DatabaseConnection) -> Self {
        Self {
            budget,
            store: Store::Postgres(db),
        }
    }

    fn refilled(&self, level: f64, since: Instant) -> f64 {
        (level + since.elapsed().as_secs_f64() * self.budget.refill_per_second)
            .min(self.budget.capacity)
    }

    /// The client's points now.
    pub async fn level(&self, key: &str) -> Result<f64, DbErr> {
        match &self.store {
            Store::Memory(map) => Ok(map
                .lock()
                .ok()
                .and_then(|m| m.get(key).map(|(l, t)| self.refilled(*l, *t)))
                .unwrap_or(self.budget.capacity)),
            Store::Postgres(db) => {
                let row = db
                    .query_one_raw(statement(
                        db.get_database_backend(),
                        "SELECT LEAST($2, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at)::float8 * $3)
                         FROM rate_limit_bucket WHERE key = $1",
                        vec![
                            key.into(),
                            self.budget.capacity.into(),
                            self.budget.refill_per_second.into(),
                        ],
                    ))
                    .await?;
                Ok(match row {
                    Some(r) => r.try_get_by_index::<f64>(0)?,
                    None => self.budget.capacity,
                })
            }
        }
    }

    /// Takes `cost` points from the client's bucket; returns what is left (may be negative).
    pub async fn charge(&self, key: &str, cost: f64) -> Result<f64, DbErr> {
        match &self.store {
            Store::Memory(map) => {
                let Ok(mut m) = map.lock() else {
                    return Ok(self.budget.capacity);
                };
                if m.len() >= MEMORY_PRUNE_AT {
                    let budget = self.budget;
                    m.retain(|_, (l, t)| {
                        *l + t.elapsed().as_secs_f64() * budget.refill_per_second < budget.capacity
                    });
                }
                let level = m
                    .get(key)
                    .map(|(l, t)| self.refilled(*l, *t))
                    .unwrap_or(self.budget.capacity)
                    - cost;
                m.insert(key.to_string(), (level, Instant::now()));
                Ok(level)
            }
            Store::Postgres(db) => {
                let row = db
                    .query_one_raw(statement(
                        db.get_database_backend(),
                        "INSERT INTO rate_limit_bucket AS b (key, tokens, updated_at)
                         VALUES ($1, $2 - $4, clock_timestamp())
                         ON CONFLICT (key) DO UPDATE SET
                           tokens = LEAST($2, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8 * $3) - $4,
                           updated_at = clock_timestamp()
                         RETURNING tokens",
                        vec![
                            key.into(),
                            self.budget.capacity.into(),
                            self.budget.refill_per_second.into(),
                            cost.into(),
                        ],
                    ))
                    .await?
                    .ok_or_else(|| DbErr::Custom("the bucket update returned nothing".into()))?;
                row.try_get_by_index::<f64>(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bucket_admits_until_empty_then_refills() {
        let limiter = RateLimiter::in_memory(Budget {
            capacity: 100.0,
            refill_per_second: 1000.0,
        });
        assert_eq!(limiter.level("a").await.unwrap(), 100.0);
        let left = limiter.charge("a", 150.0).await.unwrap();
        assert!(left <= -49.0 && left > -51.0, "{left}");
        assert_eq!(
            limiter.level("b").await.unwrap(),
            100.0,
            "buckets are per client"
        );
        assert!(limiter.budget.retry_after(left) >= 1);
        tokio::time::sleep(std::time::Duration::from_millis(120)).await;
        assert!(limiter.level("a").await.unwrap() > 0.0, "refilled");
        assert_eq!(limiter.budget.reset_after(0.0), 1);
    }
}
