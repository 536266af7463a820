//! Retrying a call: exponential back-off with jitter (the `backon` crate), `Retry-After` honoured, bounded by
//! a number of retries and a total time budget; and the counters that show how often it happened.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};

use super::config::{ClientConfig, RETRY_AFTER_CAP};
use super::error::{Call, Tries};
use super::http::Failure;
use super::redact::Redactor;
use super::ApiError;

#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// No new attempt starts after this much time (an attempt under way is never cut short: cutting a
    /// create mid-flight would leave its outcome unknown).
    pub budget: Duration,
}

impl RetryPolicy {
    pub fn from_config(config: &ClientConfig) -> Self {
        Self {
            max_retries: config.max_retries,
            base_delay: config.retry_base_delay,
            max_delay: config.retry_max_delay.max(config.retry_base_delay),
            budget: config.total_timeout,
        }
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.max_retries as usize)
    }
}

/// Counters over the client's life, for logs, tests and benchmarks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub ambiguous: AtomicU64,
    pub adopted: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent (every attempt of every call).
    pub requests: u64,
    /// Attempts repeated after a failure.
    pub retries: u64,
    /// Creates or extends whose outcome was unclear (timeout, dropped connection, 5xx) and was checked.
    pub ambiguous: u64,
    /// Sessions found to exist after such an unclear create, and adopted instead of creating another.
    pub adopted: u64,
    /// OAuth2 token requests (CAMARA operators; 0 with NaC's API key).
    pub token_requests: u64,
}

impl Counters {
    pub fn snapshot(&self) -> ClientStats {
        ClientStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            ambiguous: self.ambiguous.load(Ordering::Relaxed),
            adopted: self.adopted.load(Ordering::Relaxed),
            token_requests: 0,
        }
    }
}

/// What to do with a failed attempt.
pub(crate) struct Context<'a> {
    pub policy: &'a RetryPolicy,
    pub call: Call,
    pub redactor: &'a Redactor,
    pub counters: &'a Counters,
}

/// Runs `attempt` until it succeeds, fails in a way `should_retry` rejects, or retries or time run out.
/// The error says how many attempts were made over how long.
pub(crate) async fn run<T, F, Fut>(
    ctx: Context<'_>,
    mut attempt: F,
    should_retry: fn(&Failure) -> bool,
) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let started = Instant::now();
    let attempts = AtomicU32::new(0);
    let budget = ctx.policy.budget;
    let result = (|| {
        attempts.fetch_add(1, Ordering::Relaxed);
        ctx.counters.requests.fetch_add(1, Ordering::Relaxed);
        attempt()
    })
    .retry(ctx.policy.backoff())
    .when(should_retry)
    .adjust(|failure, backoff| {
        let wait = backoff?.max(
            failure
                .retry_after()
                .unwrap_or_default()
                .min(RETRY_AFTER_CAP),
        );
        started
            .elapsed()
            .checked_add(wait)
            .is_some_and(|at| at < budget)
            .then_some(wait)
    })
    .notify(|failure, wait| {
        ctx.counters.retries.fetch_add(1, Ordering::Relaxed);
        log::debug!(
            "{}: attempt {} failed ({}); retrying in {} ms",
            ctx.call,
            attempts.load(Ordering::Relaxed),
            ctx.redactor.scrub(&failure.summary()),
            wait.as_millis()
        );
    })
    .await;
    let tries = Tries {
        attempts: attempts.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    };
    result.map_err(|failure| {
        let error = failure.into_api_error(ctx.call.clone(), tries, ctx.redactor);
        log::debug!("{error}");
        error
    })
}

impl Failure {
    /// A short line for a log.
    pub fn summary(&self) -> String {
        match self {
            Self::NotSent { detail, .. } | Self::NoReply { detail, .. } => detail.clone(),
            Self::Status {
                status, problem, ..
            } => match &problem.code {
                Some(code) => format!("HTTP {status} {code}"),
                None => format!("HTTP {status}"),
            },
            Self::Invalid { status, .. } => format!("HTTP {status} with an unreadable body"),
            Self::Misrouted { url, .. } => {
                format!("HTTP 404 from {url} (not the API's own answer)")
            }
            Self::Final(error) => error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Operation;
    use crate::response::Problem;

    fn policy(max_retries: u32, budget: Duration) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            budget,
        }
    }

    fn unavailable(retry_after: Option<Duration>) -> Failure {
        Failure::Status {
            status: 503,
            problem: Problem {
                code: Some("UNAVAILABLE".into()),
                message: "Service unavailable".into(),
            },
            retry_after,
        }
    }

    async fn run_failing(
        policy: RetryPolicy,
        failures_before_success: u32,
        failure: fn() -> Failure,
    ) -> (Result<u32, ApiError>, ClientStats) {
        let counters = Counters::default();
        let redactor = Redactor::default();
        let calls = AtomicU32::new(0);
        let result = run(
            Context {
                policy: &policy,
                call: Call {
                    operation: Operation::Get,
                    session_id: "s1".into(),
                },
                redactor: &redactor,
                counters: &counters,
            },
            || async {
                let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
                if n > failures_before_success {
                    Ok(n)
                } else {
                    Err(failure())
                }
            },
            Failure::is_transient,
        )
        .await;
        (result, counters.snapshot())
    }

    #[tokio::test]
    async fn retries_until_success() {
        let (result, stats) =
            run_failing(policy(5, Duration::from_secs(10)), 3, || unavailable(None)).await;
        assert_eq!(result.unwrap(), 4);
        assert_eq!((stats.requests, stats.retries), (4, 3));
    }

    #[tokio::test]
    async fn gives_up_after_max_retries_and_says_so() {
        let (result, stats) =
            run_failing(policy(2, Duration::from_secs(10)), 99, || unavailable(None)).await;
        let err = result.unwrap_err();
        assert_eq!(stats.requests, 3);
        let text = err.to_string();
        assert!(
            text.starts_with(r#"get session s1: HTTP 503 UNAVAILABLE "Service unavailable" (after 3 attempts over"#),
            "{text}"
        );
        assert_eq!(err.tries().unwrap().attempts, 3);
    }

    #[tokio::test]
    async fn does_not_retry_what_cannot_help() {
        let (result, stats) =
            run_failing(policy(5, Duration::from_secs(10)), 99, || Failure::Status {
                status: 400,
                problem: Problem::default(),
                retry_after: None,
            })
            .await;
        assert_eq!(result.unwrap_err().status(), Some(400));
        assert_eq!(stats.requests, 1);
    }

    #[tokio::test]
    async fn retry_after_is_honoured_within_the_budget() {
        let started = Instant::now();
        let (result, _) = run_failing(policy(5, Duration::from_secs(10)), 1, || {
            unavailable(Some(Duration::from_millis(300)))
        })
        .await;
        assert!(result.is_ok());
        assert!(started.elapsed() >= Duration::from_millis(300));

        // A wait beyond the budget ends the call at once instead of sleeping past it.
        let started = Instant::now();
        let (result, stats) = run_failing(policy(5, Duration::from_millis(200)), 99, || {
            unavailable(Some(Duration::from_secs(20)))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(stats.requests, 1);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
