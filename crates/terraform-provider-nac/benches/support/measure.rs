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

/// How busy the machine was with other work while something ran: CPU time of the whole system
/// (`/proc/stat`) less this process's and its reaped children's (terraform, plugins, sandboxes, the
/// SDK), per second of wall time. On a 2-core machine anything above ~0.2 inflates the timings.
pub struct BackgroundLoad {
    started: std::time::Instant,
    system: f64,
    own: f64,
}

impl BackgroundLoad {
    pub fn start() -> Self {
        Self {
            started: std::time::Instant::now(),
            system: system_busy_seconds(),
            own: own_cpu_seconds(),
        }
    }

    /// Cores' worth of CPU other processes used since `start`.
    pub fn cores(&self) -> f64 {
        let wall = self.started.elapsed().as_secs_f64();
        let others = (system_busy_seconds() - self.system) - (own_cpu_seconds() - self.own);
        (others / wall).max(0.0)
    }
}

/// Busy CPU seconds of the whole machine since boot (user, nice, system, irq, softirq, steal).
fn system_busy_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let jiffies: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let busy: f64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| jiffies.get(i))
        .sum();
    // SAFETY: sysconf only reads a configuration value.
    busy / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// User + system seconds of this process and of its children that have been waited for.
fn own_cpu_seconds() -> f64 {
    let seconds = |who| {
        // SAFETY: getrusage writes into the struct we pass.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(who, &mut usage);
            usage
        };
        let time = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        time(usage.ru_utime) + time(usage.ru_stime)
    };
    seconds(libc::RUSAGE_SELF) + seconds(libc::RUSAGE_CHILDREN)
}
