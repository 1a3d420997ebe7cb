//! Request metrics for `/metrics` (Prometheus text): GraphQL requests by operation name and
//! outcome, and one latency histogram. Operation names come from clients, so only sane names
//! are kept, and at most `MAX_OPERATIONS` of them; the rest count as `other`.
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const MAX_OPERATIONS: usize = 200;
/// Upper bounds of the latency buckets, in seconds.
const BOUNDS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
pub struct RequestMetrics {
    /// Operation name → (outcome, requests) for each outcome seen.
    by_operation: Mutex<crate::FastMap<String, Vec<(&'static str, u64)>>>,
    buckets: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

fn sane(name: Option<&str>) -> &str {
    match name {
        None => "anonymous",
        Some(n)
            if !n.is_empty()
                && n.len() <= 64
                && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
        {
            n
        }
        Some(_) => "other",
    }
}

impl RequestMetrics {
    pub fn observe(&self, operation: Option<&str>, outcome: &'static str, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BOUNDS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        if let Ok(mut m) = self.by_operation.lock() {
            let mut name = sane(operation);
            if !m.contains_key(name) {
                if m.len() >= MAX_OPERATIONS {
                    name = "other";
                }
                m.entry(name.to_string()).or_default();
            }
            if let Some(outcomes) = m.get_mut(name) {
                match outcomes.iter_mut().find(|(o, _)| *o == outcome) {
                    Some((_, n)) => *n += 1,
                    None => outcomes.push((outcome, 1)),
                }
            }
        }
    }

    pub fn render(&self, out: &mut String) {
        out.push_str(
            "# HELP newsgraph_graphql_requests_total GraphQL requests over HTTP by operation name and outcome (ok, error, refused, rate_limited, timeout).\n\
             # TYPE newsgraph_graphql_requests_total counter\n",
        );
        if let Ok(m) = self.by_operation.lock() {
            let mut rows: Vec<_> = m
                .iter()
                .flat_map(|(op, outcomes)| outcomes.iter().map(move |(o, n)| (op, *o, *n)))
                .collect();
            rows.sort();
            for (op, outcome, n) in rows {
                out.push_str(&format!(
                    "newsgraph_graphql_requests_total{{operation=\"{op}\",outcome=\"{outcome}\"}} {n}\n"
                ));
            }
        }
        out.push_str(
            "# HELP newsgraph_graphql_request_duration_seconds Time to answer a GraphQL request over HTTP.\n\
             # TYPE newsgraph_graphql_request_duration_seconds histogram\n",
        );
        for (i, bound) in BOUNDS.iter().enumerate() {
            out.push_str(&format!(
                "newsgraph_graphql_request_duration_seconds_bucket{{le=\"{bound}\"}} {}\n",
                self.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "newsgraph_graphql_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n\
             newsgraph_graphql_request_duration_seconds_sum {}\n\
             newsgraph_graphql_request_duration_seconds_count {count}\n",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_counted_by_sane_name_and_outcome() {
        let m = RequestMetrics::default();
        m.observe(Some("FrontPage"), "ok", Duration::from_millis(3));
        m.observe(Some("FrontPage"), "ok", Duration::from_millis(30));
        m.observe(Some("bad name\"}"), "error", Duration::from_secs(20));
        m.observe(None, "refused", Duration::from_micros(10));
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains(
            "newsgraph_graphql_requests_total{operation=\"FrontPage\",outcome=\"ok\"} 2\n"
        ));
        assert!(out.contains("{operation=\"other\",outcome=\"error\"} 1\n"));
        assert!(out.contains("{operation=\"anonymous\",outcome=\"refused\"} 1\n"));
        assert!(out.contains("_bucket{le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("_bucket{le=\"+Inf\"} 4\n"));
        assert!(out.contains("_count 4\n"));
    }

    #[test]
    fn operations_are_counted_by_outcome_up_to_the_cap_then_as_other() {
        let m = RequestMetrics::default();
        let t = Duration::from_millis(2);
        m.observe(Some("B"), "ok", t);
        m.observe(Some("B"), "ok", t);
        m.observe(Some("B"), "error", t);
        m.observe(Some("A"), "ok", t);
        m.observe(Some("bad name!"), "ok", t);
        m.observe(None, "refused", t);
        for i in 0..MAX_OPERATIONS {
            m.observe(Some(&format!("Op{i}")), "ok", t);
        }
        let mut out = String::new();
        m.render(&mut out);
        let rows: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("newsgraph_graphql_requests_total{"))
            .collect();
        let row = |op: &str, outcome: &str| {
            format!("newsgraph_graphql_requests_total{{operation=\"{op}\",outcome=\"{outcome}\"}}")
        };
        assert_eq!(rows[0], format!("{} 1", row("A", "ok")));
        assert_eq!(rows[1], format!("{} 1", row("B", "error")));
        assert_eq!(rows[2], format!("{} 2", row("B", "ok")));
        assert!(rows.contains(&format!("{} 1", row("anonymous", "refused")).as_str()));
        // A, B, other (the bad name), anonymous and the first 196 `Op`s fill the 200 names;
        // the last four count as `other` besides the bad name.
        assert!(
            rows.contains(&format!("{} 5", row("other", "ok")).as_str()),
            "{out}"
        );
        assert!(rows.contains(&format!("{} 1", row("Op195", "ok")).as_str()));
        assert!(!rows.iter().any(|r| r.contains("\"Op196\"")));
        assert_eq!(rows.len(), 201, "{out}");
    }
}
