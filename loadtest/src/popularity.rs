//! Which link a simulated click picks: a Zipf distribution over the links, so a few are hot and most are cold,
//! as with links shared publicly.

/// Zipf's law over ranks `0..n`: rank `k` is picked with a probability proportional to `1 / (k + 1)^exponent`.
/// Exponent 0 is uniform; about 1 is typical of web popularity; higher is more skewed.
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<f64>,
}

/// Why a popularity distribution cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZipfError {
    /// There is nothing to pick from.
    #[error("at least one link is needed")]
    Empty,
    /// The exponent is negative or not a number.
    #[error("the Zipf exponent must be a number of 0 or more, not {0}")]
    Exponent(f64),
}

impl Zipf {
    /// The distribution over `n` ranks.
    pub fn new(n: usize, exponent: f64) -> Result<Self, ZipfError> {
        if n == 0 {
            return Err(ZipfError::Empty);
        }
        if !(exponent.is_finite() && exponent >= 0.0) {
            return Err(ZipfError::Exponent(exponent));
        }
        let mut total = 0.0;
        let mut cumulative: Vec<f64> = (1..=n)
            .map(|rank| {
                total += (rank as f64).powf(-exponent);
                total
            })
            .collect();
        for c in &mut cumulative {
            *c /= total;
        }
        Ok(Self { cumulative })
    }

    /// The rank for a uniform draw `u` in `[0, 1)`.
    pub fn rank(&self, u: f64) -> usize {
        self.cumulative.partition_point(|&c| c <= u).min(self.cumulative.len() - 1)
    }

    /// The probability that one of the `top` most popular ranks is picked.
    pub fn share_of_top(&self, top: usize) -> f64 {
        match top {
            0 => 0.0,
            top => self.cumulative[top.min(self.cumulative.len()) - 1],
        }
    }

    /// How many ranks there are.
    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    /// Never true: a distribution has at least one rank.
    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponent_one_follows_the_harmonic_series() {
        let zipf = Zipf::new(1000, 1.0).unwrap();
        let harmonic: f64 = (1..=1000).map(|k| 1.0 / f64::from(k)).sum();
        assert!((zipf.share_of_top(1) - 1.0 / harmonic).abs() < 1e-12);
        assert!((zipf.share_of_top(1000) - 1.0).abs() < 1e-12);
        // With s = 1 over 1000 links, the top 1 % of links draw about 39 % of the clicks.
        assert!((zipf.share_of_top(10) - 0.3903).abs() < 0.001, "{}", zipf.share_of_top(10));
    }

    #[test]
    fn exponent_zero_is_uniform() {
        let zipf = Zipf::new(4, 0.0).unwrap();
        assert_eq!([0.0, 0.24, 0.25, 0.5, 0.74, 0.75, 0.999_999].map(|u| zipf.rank(u)), [0, 0, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn sampled_ranks_follow_the_distribution() {
        let zipf = Zipf::new(100, 1.2).unwrap();
        let draws = 200_000;
        let mut counts = vec![0_u32; 100];
        for i in 0..draws {
            counts[zipf.rank((f64::from(i) + 0.5) / f64::from(draws))] += 1;
        }
        let first = f64::from(counts[0]) / f64::from(draws);
        assert!((first - zipf.share_of_top(1)).abs() < 1e-4);
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "more popular ranks are picked more often");
        assert!(counts.iter().all(|&c| c > 0), "every rank can be picked");
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(Zipf::new(0, 1.0).map(|z| z.len()), Err(ZipfError::Empty));
        assert!(matches!(Zipf::new(3, -1.0), Err(ZipfError::Exponent(_))));
        assert!(matches!(Zipf::new(3, f64::NAN), Err(ZipfError::Exponent(_))));
    }
}
