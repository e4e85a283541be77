//! Simulated time. Object timestamps are real wall-clock times (clients
//! compute ages from them); `speed` only scales how long simulated
//! activities take: a process that runs for 60 simulated seconds finishes
//! after 60/speed real seconds.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// Scales simulated durations into real ones.
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    speed: f64,
}

impl SimClock {
    /// A clock running `speed` times faster than real time (clamped to a
    /// sane positive range).
    pub fn new(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed.clamp(0.001, 100_000.0)
        } else {
            1.0
        };
        Self { speed }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The real duration of `sim` simulated time.
    pub fn real(&self, sim: Duration) -> Duration {
        sim.div_f64(self.speed)
    }

    /// The real duration of `secs` simulated seconds.
    pub fn real_secs(&self, secs: f64) -> Duration {
        self.real(Duration::from_secs_f64(secs.max(0.0)))
    }

    /// Sleeps for `secs` simulated seconds.
    pub async fn sleep_secs(&self, secs: f64) {
        tokio::time::sleep(self.real_secs(secs)).await;
    }

    /// Simulated seconds elapsed since wall-clock time `t`.
    pub fn sim_secs_since(&self, t: Timestamp) -> f64 {
        let real = Timestamp::now().duration_since(t).as_secs_f64().max(0.0);
        real * self.speed
    }

    /// The wall-clock time at which `sim_secs` simulated seconds after `t` happen.
    pub fn after(&self, t: Timestamp, sim_secs: f64) -> Timestamp {
        let real = SignedDuration::from_secs_f64((sim_secs / self.speed).max(0.0));
        t.checked_add(real).unwrap_or(t)
    }
}

/// Wall-clock now.
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// `2006-01-02T15:04:05Z`, the format of metadata timestamps.
pub fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Go's RFC3339Nano (trailing zeros trimmed), as kubelet prefixes log lines.
pub fn rfc3339_nano(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

/// `2006-01-02T15:04:05.000000Z`, the MicroTime format of `eventTime`.
#[allow(dead_code)] // for MicroTime fields (Events v1), not served yet
pub fn rfc3339_micro(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parses an RFC 3339 timestamp as stored in objects.
pub fn parse(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// `now - secs` real seconds.
pub fn ago(secs: i64) -> Timestamp {
    now()
        .checked_sub(SignedDuration::from_secs(secs))
        .unwrap_or_else(|_| now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let ts: Timestamp = "2024-05-01T10:00:00.120Z".parse().expect("ts");
        assert_eq!(rfc3339(ts), "2024-05-01T10:00:00Z");
        assert_eq!(rfc3339_nano(ts), "2024-05-01T10:00:00.12Z");
        assert_eq!(rfc3339_micro(ts), "2024-05-01T10:00:00.120000Z");
        let whole: Timestamp = "2024-05-01T10:00:00Z".parse().expect("ts");
        assert_eq!(rfc3339_nano(whole), "2024-05-01T10:00:00Z");
    }

    #[test]
    fn speed_scales() {
        let c = SimClock::new(10.0);
        assert_eq!(c.real_secs(5.0), Duration::from_millis(500));
        assert_eq!(SimClock::new(-1.0).speed(), 1.0);
    }
}
