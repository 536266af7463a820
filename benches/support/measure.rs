//! Repeated timings and how they are summarised: median, with the spread (min to max) beside it.

use std::time::Duration;

/// Timings of one measurement over several runs.
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<f64>);

impl Samples {
    pub fn push(&mut self, elapsed: Duration) {
        self.0.push(elapsed.as_secs_f64());
    }

    pub fn push_secs(&mut self, seconds: f64) {
        self.0.push(seconds);
    }

    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        v
    }

    /// Median in seconds (the mean of the two middle values for an even count).
    pub fn median(&self) -> f64 {
        median(&self.0)
    }

    pub fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    pub fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }

    /// `1.23 s (1.19–1.30)`.
    pub fn seconds(&self) -> String {
        format!(
            "{} ({}–{})",
            secs(self.median()),
            trim(self.min()),
            trim(self.max())
        )
    }

    /// `4.1 ms (3.9–4.6)`.
    pub fn millis(&self) -> String {
        format!(
            "{:.1} ms ({:.1}–{:.1})",
            self.median() * 1e3,
            self.min() * 1e3,
            self.max() * 1e3
        )
    }
}

pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

pub fn secs(seconds: f64) -> String {
    format!("{seconds:.2} s")
}

fn trim(seconds: f64) -> String {
    format!("{seconds:.2}")
}

/// `1.23×`.
pub fn ratio(value: f64) -> String {
    format!("{value:.2}×")
}
