//! From a partial walk to the whole keyspace. SCAN visits keys in hash order, which has nothing
//! to do with their names, so the keys seen before `--sample` or `--max-time` stopped the walk
//! are a fair sample of all of them. A figure (keys or bytes of some group) is scaled by
//! DBSIZE over the keys visited, and its 95% margin is that of a sample total: 1.96 standard
//! errors, with the finite-population correction, so a walk that saw nearly everything has a
//! margin near zero.

use serde::Serialize;

/// How the seen keys relate to the keyspace.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scale {
    /// Keys of the keyspace the walk passed (all of them when it was not narrowed with --match;
    /// with --match, DBSIZE times the share of the hash table the cursor passed).
    pub visited: f64,
    /// DBSIZE.
    pub total: f64,
}

/// An extrapolated figure and its 95% margin.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub value: u64,
    pub margin: u64,
}

impl Scale {
    /// True when the figures are extrapolated (the walk stopped early).
    pub fn partial(&self) -> bool {
        self.visited < self.total
    }

    pub fn factor(&self) -> f64 {
        if self.visited <= 0.0 || !self.partial() {
            1.0
        } else {
            self.total / self.visited
        }
    }

    /// The whole keyspace's total of a figure whose seen values add to `sum`, with squares
    /// adding to `sum_sq` (a count: both are the count).
    pub fn estimate(&self, sum: f64, sum_sq: f64) -> Estimate {
        if !self.partial() || self.visited <= 0.0 {
            return Estimate {
                value: sum.round() as u64,
                margin: 0,
            };
        }
        let n = self.visited;
        let mean = sum / n;
        let variance = (sum_sq / n - mean * mean).max(0.0);
        let correction = (1.0 - n / self.total).max(0.0);
        let margin = 1.96 * self.total * (variance / n * correction).sqrt();
        Estimate {
            value: (sum * self.factor()).round() as u64,
            margin: margin.round() as u64,
        }
    }

    pub fn count(&self, keys: u64) -> Estimate {
        self.estimate(keys as f64, keys as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_walk_is_exact() {
        let whole = Scale {
            visited: 100.0,
            total: 100.0,
        };
        assert!(!whole.partial());
        assert_eq!(
            whole.count(40),
            Estimate {
                value: 40,
                margin: 0
            }
        );
    }

    #[test]
    fn a_tenth_scales_by_ten_with_the_binomial_margin() {
        let tenth = Scale {
            visited: 10_000.0,
            total: 100_000.0,
        };
        let keys = tenth.count(2_500);
        assert_eq!(keys.value, 25_000);
        // 1.96 * 100000 * sqrt(0.25 * 0.75 / 10000 * 0.9) = 805
        assert_eq!(keys.margin, 805);
        let bytes = tenth.estimate(2_500.0 * 100.0, 2_500.0 * 100.0 * 100.0);
        assert_eq!(bytes.value, 2_500_000);
        assert_eq!(bytes.margin, 80_515);
    }
}
