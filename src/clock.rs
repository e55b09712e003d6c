//! The time the service reads. Every decision that depends on "now" (token, session and
//! sign-in attempt expiry, the sign-in throttle window, outbox backoff and leases, the
//! timestamps rows are ordered by) asks the [`Clock`] held in `AppState`, never the system
//! directly, so tests can move time forward instead of sleeping or back-dating rows.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound, Utc};

/// A timestamp as stored: UTC, to the microsecond.
pub type Timestamp = sea_orm::prelude::DateTimeWithTimeZone;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, at full precision.
    fn utc(&self) -> DateTime<Utc>;
}

impl dyn Clock {
    /// Now, as stored: truncated to the microsecond, because PostgreSQL keeps no more and
    /// compare-and-set updates compare a value we wrote with what was stored.
    pub fn now(&self) -> Timestamp {
        self.utc().trunc_subsecs(6).fixed_offset()
    }
}

/// The clock handle the application holds.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock, as a handle (production, and the command line).
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// The operating system's clock (production).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn utc(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock for tests: the system time shifted by an offset the test moves forward with
/// [`MockClock::advance`]. Time keeps flowing underneath (the integration suite also waits on
/// real peers, whose retries must see time pass), but a test that needs an expiry crosses it
/// at once, without sleeping and without back-dating rows.
#[derive(Debug, Default)]
pub struct MockClock {
    offset: Mutex<chrono::Duration>,
}

impl MockClock {
    /// Moves the clock forward (or back, with a negative duration) by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        // A poisoned lock only means a test panicked while holding it; keep the value.
        let mut offset = self
            .offset
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *offset += by;
    }

    /// Sets the clock to `at`; it flows on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        let mut offset = self
            .offset
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *offset = at - Utc::now();
    }
}

impl Clock for MockClock {
    fn utc(&self) -> DateTime<Utc> {
        let offset = *self
            .offset
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Utc::now() + offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_mock_clock_reads_later_by_the_advance() {
        let clock = MockClock::default();
        let before = Utc::now();
        clock.advance(chrono::Duration::hours(25));
        let read = clock.utc();
        assert!(read >= before + chrono::Duration::hours(25));
        assert!(read < Utc::now() + chrono::Duration::hours(25) + chrono::Duration::seconds(5));
    }

    #[test]
    fn now_is_truncated_to_the_microsecond() {
        let clock: SharedClock = Arc::new(SystemClock);
        assert_eq!(clock.now().timestamp_subsec_nanos() % 1000, 0);
    }
}
