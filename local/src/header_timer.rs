//! hyper's timer for the header read timeout, one per connection, checked by one sweep every tick.
//!
//! hyper starts a timer for every request whose headers it waits for and drops it once they are in. With Tokio's
//! timer that is an allocation, an insertion into the runtime's timer wheel under its lock and a removal under
//! it again, for every request of a keep-alive connection; both cores take that lock. Here a connection's timer
//! is a deadline in memory only that connection writes, and one task looks at every connection's deadline once
//! per tick: a request's timer allocates only what hyper boxes, and takes no lock another core takes.
//!
//! The price is resolution: a connection is cut off between the timeout and the timeout plus one tick after its
//! headers started, never before.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError, Weak,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll, Waker},
    time::{Duration, Instant},
};

use hyper::rt::{Sleep, Timer};

/// No deadline: no request's headers are being waited for.
const NONE: u64 = u64::MAX;
/// The deadline passed: the sweep saw it and woke the connection.
const FIRED: u64 = u64::MAX - 1;

/// The connections' timers and the sweep that fires them.
#[derive(Debug)]
pub(crate) struct HeaderTimers {
    /// What deadlines are counted from, in nanoseconds.
    base: Instant,
    tick: Duration,
    /// Every connection's timer, as long as the connection lives.
    connections: Mutex<Vec<Weak<Slot>>>,
}

/// One connection's deadline (nanoseconds after [`HeaderTimers::base`], or [`NONE`], or [`FIRED`]) and the waker
/// of the task waiting on it.
#[derive(Debug)]
struct Slot {
    deadline: AtomicU64,
    waker: Mutex<Option<Waker>>,
}

/// The [`Timer`] of one connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionTimer {
    timers: Arc<HeaderTimers>,
    slot: Arc<Slot>,
}

/// One wait for a request's headers.
#[derive(Debug)]
struct HeaderSleep {
    slot: Arc<Slot>,
    deadline: u64,
}

impl HeaderTimers {
    /// Timers that fire at most `tick` after their deadline.
    pub(crate) fn new(tick: Duration) -> Arc<Self> {
        Arc::new(Self { base: Instant::now(), tick, connections: Mutex::default() })
    }

    /// The timer of a new connection.
    pub(crate) fn connection(self: &Arc<Self>) -> ConnectionTimer {
        let slot = Arc::new(Slot { deadline: AtomicU64::new(NONE), waker: Mutex::new(None) });
        self.connections.lock().unwrap_or_else(PoisonError::into_inner).push(Arc::downgrade(&slot));
        ConnectionTimer { timers: Arc::clone(self), slot }
    }

    /// Fires every deadline that has passed, every tick, for ever; forgets closed connections.
    pub(crate) async fn sweep(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(self.tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = self.nanos(Instant::now());
            self.connections.lock().unwrap_or_else(PoisonError::into_inner).retain(|slot| {
                let Some(slot) = slot.upgrade() else { return false };
                let deadline = slot.deadline.load(Ordering::Acquire);
                // Only the deadline seen is fired: a request that started meanwhile set a later one.
                if deadline < FIRED
                    && deadline <= now
                    && slot.deadline.compare_exchange(deadline, FIRED, Ordering::AcqRel, Ordering::Acquire).is_ok()
                    && let Some(waker) = slot.waker.lock().unwrap_or_else(PoisonError::into_inner).take()
                {
                    waker.wake();
                }
                true
            });
        }
    }

    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(FIRED - 1).min(FIRED - 1)
    }
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let deadline = self.timers.nanos(deadline);
        self.slot.deadline.store(deadline, Ordering::Release);
        Box::pin(HeaderSleep { slot: Arc::clone(&self.slot), deadline })
    }
}

impl Future for HeaderSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut waker = self.slot.waker.lock().unwrap_or_else(PoisonError::into_inner);
        if self.slot.deadline.load(Ordering::Acquire) == FIRED {
            return Poll::Ready(());
        }
        match &*waker {
            Some(waiting) if waiting.will_wake(cx.waker()) => {}
            _ => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl Sleep for HeaderSleep {}

impl Drop for HeaderSleep {
    fn drop(&mut self) {
        // Only this wait's deadline is cleared (hyper makes the next wait's timer before it drops this one).
        let _ = self.slot.deadline.compare_exchange(self.deadline, NONE, Ordering::AcqRel, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_ends_after_its_deadline_within_a_tick_and_a_dropped_one_never_ends_the_next() {
        let timers = HeaderTimers::new(Duration::from_millis(10));
        let sweep = tokio::spawn(Arc::clone(&timers).sweep());
        let connection = timers.connection();

        let started = Instant::now();
        tokio::time::timeout(Duration::from_secs(5), connection.sleep(Duration::from_millis(50))).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(50), "ended after {:?}", started.elapsed());

        // hyper makes the next request's timer before it drops the last one's.
        let first = connection.sleep(Duration::from_millis(20));
        let second = connection.sleep(Duration::from_millis(300));
        drop(first);
        let mut second = std::pin::pin!(second);
        assert!(
            tokio::time::timeout(Duration::from_millis(150), second.as_mut()).await.is_err(),
            "the dropped wait's deadline ended the next one"
        );
        tokio::time::timeout(Duration::from_secs(5), second).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(350));
        sweep.abort();
    }

    #[tokio::test]
    async fn a_closed_connection_is_forgotten_at_the_next_sweep() {
        let timers = HeaderTimers::new(Duration::from_millis(10));
        let sweep = tokio::spawn(Arc::clone(&timers).sweep());
        drop(timers.connection());
        let _open = timers.connection();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(timers.connections.lock().unwrap().len(), 1);
        sweep.abort();
    }
}
