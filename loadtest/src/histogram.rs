//! A latency histogram every goose user records into without a lock: log-linear buckets of microseconds,
//! 128 per power of two, so a percentile read back is within 1 % of the true value.

use std::sync::atomic::{AtomicU64, Ordering};

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Groups of 128 buckets: group 0 holds 0..128 µs one by one, group g ≥ 1 holds [2^(g+6), 2^(g+7)).
const GROUPS: u32 = 34;
const BUCKETS: usize = (GROUPS as usize) * (SUB as usize);
/// Largest value kept apart: about 1.1 × 10^12 µs (12 days); longer ones land in the last bucket.
const MAX_VALUE: u64 = (1 << (GROUPS + SUB_BITS - 1)) - 1;

/// Counts of latencies in microseconds, plus their count, sum and maximum.
#[derive(Debug)]
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    sum: AtomicU64,
    max: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }
}

fn index(value: u64) -> usize {
    let value = value.min(MAX_VALUE);
    if value < SUB {
        return usize::try_from(value).unwrap_or(0);
    }
    let exp = 63 - value.leading_zeros();
    let group = u64::from(exp - SUB_BITS + 1);
    let sub = (value >> (exp - SUB_BITS)) - SUB;
    usize::try_from(group * SUB + sub).unwrap_or(BUCKETS - 1)
}

/// The smallest value of a bucket and its width.
fn range(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < SUB {
        return (index, 1);
    }
    let group = index / SUB;
    let sub = index % SUB;
    ((SUB + sub) << (group - 1), 1 << (group - 1))
}

/// The middle of a bucket's range, the value a percentile in that bucket reports.
fn midpoint(index: usize) -> u64 {
    let (low, width) = range(index);
    low + width / 2
}

impl Histogram {
    /// Records one latency.
    pub fn record(&self, micros: u64) {
        self.buckets[index(micros)].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(micros, Ordering::Relaxed);
        self.max.fetch_max(micros, Ordering::Relaxed);
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The longest latency recorded, exactly.
    pub fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    /// The mean latency, 0 when nothing was recorded.
    pub fn mean(&self) -> f64 {
        let count = self.count();
        if count == 0 { 0.0 } else { self.sum.load(Ordering::Relaxed) as f64 / count as f64 }
    }

    /// The latency at or under which `quantile` (0..=1) of the recorded ones fall, within 1 %; never above
    /// [`Histogram::max`]. 0 when nothing was recorded.
    pub fn percentile(&self, quantile: f64) -> u64 {
        let count = self.count();
        if count == 0 {
            return 0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Ordering::Relaxed);
            if seen >= rank {
                return midpoint(i).min(self.max());
            }
        }
        self.max()
    }

    /// The mean of each latency rounded up to whole milliseconds, at least 1: how AWS Lambda bills a duration.
    /// Each latency counts as its bucket's smallest value (at most 1 % under it).
    pub fn mean_billed_millis(&self) -> f64 {
        let count = self.count();
        if count == 0 {
            return 0.0;
        }
        let billed: u64 = self
            .buckets
            .iter()
            .enumerate()
            .map(|(i, bucket)| bucket.load(Ordering::Relaxed) * range(i).0.div_ceil(1000).max(1))
            .sum();
        billed as f64 / count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_lands_in_a_bucket_whose_midpoint_is_within_one_percent() {
        for value in (0..2_000_000_u64).step_by(7).chain([MAX_VALUE, 1 << 30, (1 << 30) - 1]) {
            let mid = midpoint(index(value));
            let error = mid.abs_diff(value) as f64 / value.max(1) as f64;
            assert!(error <= 0.01, "value {value} reads back as {mid}");
        }
    }

    #[test]
    fn buckets_are_ordered_like_the_values() {
        let mut last = 0;
        for value in (0..10_000_000_u64).step_by(13) {
            let i = index(value);
            assert!(i >= last, "value {value} went back to bucket {i} from {last}");
            last = i;
        }
        assert!(index(u64::MAX) < BUCKETS);
    }

    #[test]
    fn percentiles_of_a_known_spread() {
        let histogram = Histogram::default();
        for micros in 1..=10_000 {
            histogram.record(micros);
        }
        assert_eq!(histogram.count(), 10_000);
        assert_eq!(histogram.max(), 10_000);
        for (quantile, expected) in [(0.5, 5_000.0), (0.95, 9_500.0), (0.99, 9_900.0)] {
            let got = histogram.percentile(quantile) as f64;
            assert!((got - expected).abs() / expected < 0.01, "p{quantile}: {got}");
        }
        assert_eq!(histogram.percentile(1.0), 10_000);
        assert!((histogram.mean() - 5_000.5).abs() < 1e-9);
    }

    #[test]
    fn billed_duration_rounds_each_request_up_to_a_millisecond() {
        let histogram = Histogram::default();
        histogram.record(200);
        histogram.record(1_500);
        histogram.record(2_000);
        // 1 ms + 2 ms + 2 ms
        assert!((histogram.mean_billed_millis() - 5.0 / 3.0).abs() < 1e-9);
        assert_eq!(Histogram::default().mean_billed_millis(), 0.0);
        assert_eq!(Histogram::default().percentile(0.5), 0);
    }
}
