//! A deadline on reading a request's body, counted from when its headers were read (hyper only times
//! the headers): a client that trickles its body is cut off, and answered 408, once the deadline
//! passes. While every connection slot is taken, bodies that have been read for longer than
//! [`UNDER_PRESSURE_GRACE`] are cut off at once, so slow clients cannot keep the API from answering.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

/// How long a body may take while the server has no free connection slot.
const UNDER_PRESSURE_GRACE: Duration = Duration::from_secs(1);
/// How often a waiting body looks at the pressure.
const CHECK_EVERY: Duration = Duration::from_millis(250);

/// The error a cut-off body ends with.
#[derive(Debug)]
pub(crate) struct BodyTooSlow {
    pub after: Duration,
}

impl std::fmt::Display for BodyTooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body was not received within {:.1} s",
            self.after.as_secs_f64()
        )
    }
}

impl std::error::Error for BodyTooSlow {}

/// Whether an error (or one of its sources) is a cut-off body.
pub(crate) fn is_too_slow(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<BodyTooSlow>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// When the server is out of connection slots (the slots' semaphore has none left).
#[derive(Debug, Clone)]
pub(crate) struct Pressure(pub Arc<Semaphore>);

impl Pressure {
    fn on(&self) -> bool {
        self.0.available_permits() == 0
    }
}

pub(crate) struct DeadlineBody<B> {
    inner: B,
    started: Instant,
    deadline: Instant,
    pressure: Pressure,
    timer: Pin<Box<Sleep>>,
    done: bool,
}

impl<B> DeadlineBody<B> {
    pub fn new(inner: B, limit: Duration, pressure: Pressure) -> Self {
        let started = Instant::now();
        let deadline = started + limit;
        Self {
            inner,
            started,
            deadline,
            pressure,
            timer: Box::pin(tokio::time::sleep_until(
                deadline.min(started + CHECK_EVERY),
            )),
            done: false,
        }
    }

    /// Past the deadline, or past the grace while under pressure.
    fn expired(&self, now: Instant) -> bool {
        now >= self.deadline
            || (self.pressure.on() && now.duration_since(self.started) >= UNDER_PRESSURE_GRACE)
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                if frame.is_none() {
                    self.done = true;
                }
                return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
            }
            Poll::Pending => {}
        }
        // Waiting for the client: wake up now and then to look at the clock and the pressure.
        while self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            if self.expired(now) {
                self.done = true;
                let after = now.duration_since(self.started);
                return Poll::Ready(Some(Err(Box::new(BodyTooSlow { after }))));
            }
            let next = self.deadline.min(now + CHECK_EVERY);
            self.timer.as_mut().reset(next);
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
