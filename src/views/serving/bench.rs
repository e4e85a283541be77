//! A small benchmark of a deployed model: N requests, sequential by
//! default or with at most C in flight, each answer arriving as a message
//! like any other request's. Latency percentiles over the answered
//! requests, errors counted with the first one's words. Pure state, no
//! ratatui and no I/O: the view sends what [`RemoteBench::next_batch`]
//! allows and records what comes back.

use std::collections::{BTreeMap, HashSet};

/// Requests of a benchmark unless the user says otherwise.
pub const DEFAULT_REQUESTS: usize = 50;
/// The most requests a benchmark may send, and the most in flight.
pub const MAX_REQUESTS: usize = 10_000;
pub const MAX_CONCURRENCY: usize = 64;

/// Latency figures, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// The `q` quantile (0..=1) of sorted values, nearest rank.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Figures of a set of latencies (`None` when there are none).
pub fn figures(latencies: &[f64]) -> Option<Figures> {
    if latencies.is_empty() {
        return None;
    }
    let mut v = latencies.to_vec();
    v.sort_by(f64::total_cmp);
    Some(Figures {
        p50: percentile(&v, 0.50),
        p90: percentile(&v, 0.90),
        p99: percentile(&v, 0.99),
        min: v[0],
        max: v[v.len() - 1],
        mean: v.iter().sum::<f64>() / v.len() as f64,
    })
}

/// Parses the requests and concurrency fields.
pub fn parse_settings(requests: &str, concurrency: &str) -> Result<(usize, usize), String> {
    let n: usize = requests
        .trim()
        .parse()
        .map_err(|_| format!("requests: {requests:?} is not a whole number"))?;
    let c: usize = concurrency
        .trim()
        .parse()
        .map_err(|_| format!("concurrency: {concurrency:?} is not a whole number"))?;
    if n == 0 || n > MAX_REQUESTS {
        return Err(format!("requests: between 1 and {MAX_REQUESTS}"));
    }
    if c == 0 || c > MAX_CONCURRENCY {
        return Err(format!("concurrency: between 1 and {MAX_CONCURRENCY}"));
    }
    Ok((n, c))
}

/// A benchmark running or finished.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteBench {
    pub total: usize,
    pub concurrency: usize,
    pub sent: usize,
    /// Ids of the requests in flight.
    pub in_flight: HashSet<u64>,
    /// Latency of each answered request that succeeded, in order.
    pub latencies: Vec<f64>,
    pub errors: usize,
    pub first_error: Option<String>,
    /// How many answers had each status (0: no answer).
    pub statuses: BTreeMap<u16, usize>,
    pub cancelled: bool,
}

impl RemoteBench {
    pub fn new(total: usize, concurrency: usize) -> RemoteBench {
        RemoteBench {
            total,
            concurrency: concurrency.max(1),
            sent: 0,
            in_flight: HashSet::new(),
            latencies: Vec::new(),
            errors: 0,
            first_error: None,
            statuses: BTreeMap::new(),
            cancelled: false,
        }
    }

    pub fn done(&self) -> usize {
        self.latencies.len() + self.errors
    }

    pub fn finished(&self) -> bool {
        self.in_flight.is_empty() && (self.cancelled || self.sent >= self.total)
    }

    /// How many more requests to send now.
    pub fn next_batch(&self) -> usize {
        if self.cancelled {
            return 0;
        }
        let room = self.concurrency.saturating_sub(self.in_flight.len());
        room.min(self.total - self.sent)
    }

    pub fn sent_one(&mut self, id: u64) {
        self.sent += 1;
        self.in_flight.insert(id);
    }

    /// Records an answer; false when `id` is not one of this benchmark's.
    pub fn record(
        &mut self,
        id: u64,
        status: Option<u16>,
        ok: bool,
        latency_ms: Option<f64>,
        summary: &str,
    ) -> bool {
        if !self.in_flight.remove(&id) {
            return false;
        }
        *self.statuses.entry(status.unwrap_or(0)).or_default() += 1;
        match (ok, latency_ms) {
            (true, Some(ms)) => self.latencies.push(ms),
            _ => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(summary.to_string());
                }
            }
        }
        true
    }

    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.done() as f64 / self.total as f64
        }
    }

    pub fn figures(&self) -> Option<Figures> {
        figures(&self.latencies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_flow() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.9), 90.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[3.0], 0.99), 3.0);
        assert!(percentile(&[], 0.5).is_nan());
        let f = figures(&[2.0, 1.0, 3.0]).expect("figures");
        assert_eq!((f.min, f.p50, f.max, f.mean), (1.0, 2.0, 3.0, 2.0));

        assert_eq!(parse_settings(" 50", "1"), Ok((50, 1)));
        assert!(parse_settings("0", "1").is_err());
        assert!(
            parse_settings("5", "x")
                .unwrap_err()
                .contains("concurrency")
        );

        let mut b = RemoteBench::new(3, 2);
        assert_eq!(b.next_batch(), 2);
        b.sent_one(1);
        b.sent_one(2);
        assert_eq!(b.next_batch(), 0);
        assert!(!b.record(9, Some(200), true, Some(1.0), "HTTP 200 OK"));
        assert!(b.record(1, Some(200), true, Some(1.0), "HTTP 200 OK"));
        assert_eq!(b.next_batch(), 1);
        b.sent_one(3);
        assert!(b.record(2, Some(503), false, Some(2.0), "HTTP 503: busy"));
        assert!(b.record(3, Some(200), true, Some(3.0), "HTTP 200 OK"));
        assert!(b.finished());
        assert_eq!((b.done(), b.errors), (3, 1));
        assert_eq!(b.first_error.as_deref(), Some("HTTP 503: busy"));
        assert_eq!(b.statuses.get(&200), Some(&2));
        assert_eq!(b.figures().map(|f| f.p50), Some(1.0));
    }
}
