//! Benchmarking a loaded model: N timed runs after a warm-up, with percentiles,
//! throughput and a histogram the screen can draw as bars.
//!
//! The request is parsed once; each timed sample is one `Session::run` on the same
//! input values, so the figures describe the model, not the JSON parser.
//! Percentiles use the nearest-rank method: p90 is the smallest sample that is at
//! least as slow as 90 % of all samples.

use std::time::{Duration, Instant};

use ort::session::SessionInputValue;

use super::cancel::CancelToken;
use super::error::OnnxError;
use super::model::LoadedModel;
use super::run::{owned_values, run_error, terminable_run_options};

/// Most timed runs one benchmark may ask for.
pub const MAX_RUNS: usize = 1_000_000;

/// Bars in the latency histogram.
pub const HISTOGRAM_BUCKETS: usize = 20;

/// Latency counts per bucket between the fastest sample and p99.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// Lower edge of the first bucket (the fastest sample).
    pub start: Duration,
    pub bucket_width: Duration,
    pub counts: Vec<u64>,
    /// Samples slower than p99, not in `counts`.
    pub overflow: u64,
}

impl Histogram {
    /// `[lower, upper)` of bucket `index`.
    pub fn bucket_range(&self, index: usize) -> (Duration, Duration) {
        let lower = self.start + self.bucket_width * index as u32;
        (lower, lower + self.bucket_width)
    }

    /// The tallest bar, for scaling.
    pub fn max_count(&self) -> u64 {
        self.counts.iter().copied().max().unwrap_or(0)
    }
}

/// Summary statistics of latency samples.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchStats {
    pub count: usize,
    pub min: Duration,
    pub max: Duration,
    pub mean: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    /// Runs per second of run time (count / sum of samples).
    pub throughput_per_s: f64,
    pub histogram: Histogram,
}

/// The outcome of a benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    pub warmup: usize,
    pub stats: BenchStats,
    /// First dimension of the first input (rows per run), when there is one.
    pub batch_size: Option<usize>,
    /// Wall time of the whole benchmark, warm-up included.
    pub wall: Duration,
}

impl BenchResult {
    /// Rows per second, when the batch size is known.
    pub fn rows_per_s(&self) -> Option<f64> {
        self.batch_size
            .map(|rows| rows as f64 * self.stats.throughput_per_s)
    }
}

/// The nearest-rank percentile `p` (0–100) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Statistics of `samples` with a histogram of `buckets` bars; `None` without samples.
pub fn compute_stats(samples: &[Duration], buckets: usize) -> Option<BenchStats> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let (min, max) = (*sorted.first()?, *sorted.last()?);
    let p50 = percentile(&sorted, 50.0)?;
    let p90 = percentile(&sorted, 90.0)?;
    let p99 = percentile(&sorted, 99.0)?;
    let total: Duration = sorted.iter().sum();
    let count = sorted.len();
    let mean = total / u32::try_from(count).unwrap_or(u32::MAX);
    let throughput_per_s = if total.is_zero() {
        0.0
    } else {
        count as f64 / total.as_secs_f64()
    };

    let buckets = buckets.max(1);
    let span = p99 - min;
    let bucket_width = (span / buckets as u32).max(Duration::from_nanos(1));
    let mut counts = vec![0u64; buckets];
    let mut overflow = 0;
    for sample in &sorted {
        if *sample > p99 {
            overflow += 1;
            continue;
        }
        let index = ((*sample - min).as_nanos() / bucket_width.as_nanos()) as usize;
        counts[index.min(buckets - 1)] += 1;
    }
    Some(BenchStats {
        count,
        min,
        max,
        mean,
        p50,
        p90,
        p99,
        throughput_per_s,
        histogram: Histogram {
            start: min,
            bucket_width,
            counts,
            overflow,
        },
    })
}

/// Runs `warmup` untimed and `runs` timed inferences of `text`.
///
/// `progress(done, total)` is called after every run (warm-up included); `cancel`
/// stops between runs and terminates a run in flight.
pub fn run_benchmark(
    model: &mut LoadedModel,
    text: &str,
    warmup: usize,
    runs: usize,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BenchResult, OnnxError> {
    let runs = runs.clamp(1, MAX_RUNS);
    let warmup = warmup.min(MAX_RUNS);
    let started = Instant::now();
    let request = model.parse(text)?;
    let batch_size = request
        .tensors
        .first()
        .and_then(|t| t.tensor.shape.first().copied());
    let values = owned_values(&request.tensors)?;
    let run_options = terminable_run_options(cancel)?;
    let total = warmup + runs;
    let mut samples = Vec::with_capacity(runs);
    for done in 0..total {
        if cancel.is_cancelled() {
            return Err(OnnxError::Cancelled);
        }
        let inputs: Vec<(&str, SessionInputValue<'_>)> = values
            .iter()
            .map(|(name, value)| (name.as_str(), SessionInputValue::from(value)))
            .collect();
        let run_started = Instant::now();
        let outputs = model
            .session
            .run_with_options(inputs, &*run_options)
            .map_err(|e| run_error(&e, cancel))?;
        let elapsed = run_started.elapsed();
        drop(outputs);
        if done >= warmup {
            samples.push(elapsed);
        }
        progress(done + 1, total);
    }
    let stats = compute_stats(&samples, HISTOGRAM_BUCKETS)
        .ok_or_else(|| OnnxError::Internal("no samples".into()))?;
    Ok(BenchResult {
        warmup,
        stats,
        batch_size,
        wall: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_millis).collect()
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples = ms(1..=100);
        let stats = compute_stats(&samples, 10).expect("samples");
        assert_eq!(stats.p50, Duration::from_millis(50));
        assert_eq!(stats.p90, Duration::from_millis(90));
        assert_eq!(stats.p99, Duration::from_millis(99));
        assert_eq!(stats.min, Duration::from_millis(1));
        assert_eq!(stats.max, Duration::from_millis(100));
        assert_eq!(stats.mean, Duration::from_micros(50_500));
        // 100 runs in 5.05 s of run time
        assert!((stats.throughput_per_s - 100.0 / 5.05).abs() < 1e-9);
    }

    #[test]
    fn order_of_samples_does_not_matter() {
        let mut samples = ms([7, 3, 9, 1, 5]);
        let a = compute_stats(&samples, 4).expect("samples");
        samples.reverse();
        assert_eq!(compute_stats(&samples, 4), Some(a.clone()));
        assert_eq!(a.p50, Duration::from_millis(5));
        assert_eq!(a.p99, Duration::from_millis(9));
    }

    #[test]
    fn histogram_counts_every_sample_once() {
        let samples = ms((1..=100).chain([1000]));
        let stats = compute_stats(&samples, 10).expect("samples");
        let h = &stats.histogram;
        assert_eq!(h.counts.len(), 10);
        assert_eq!(h.counts.iter().sum::<u64>() + h.overflow, 101);
        assert_eq!(h.overflow, 1, "the 1 s outlier is above p99");
        assert_eq!(h.start, Duration::from_millis(1));
        assert_eq!(h.bucket_range(1).0, h.start + h.bucket_width);
        assert!(h.max_count() >= 10);
    }

    #[test]
    fn identical_samples_fill_one_bucket() {
        let stats = compute_stats(&ms([4, 4, 4]), 5).expect("samples");
        assert_eq!(stats.histogram.counts, [3, 0, 0, 0, 0]);
        assert_eq!(stats.p50, Duration::from_millis(4));
    }

    #[test]
    fn no_samples_no_stats() {
        assert_eq!(compute_stats(&[], 10), None);
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&ms([3]), 0.0), Some(Duration::from_millis(3)));
    }
}
