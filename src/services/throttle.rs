//! Sign-in throttling (OWASP ASVS 2.2.1, anti-automation): after `MAX_FAILURES` wrong passwords
//! for one email within `WINDOW`, further attempts for that email are refused until the window
//! ends. Keyed by the email typed, whether or not it has an account, so the refusal reveals
//! nothing. In memory: each instance counts on its own, which bounds guessing to
//! instances × `MAX_FAILURES` per window — enough against online guessing with argon2 in front.
//!
//! The window is measured on the app's clock (`AppState::clock`), passed in as `now`, so tests
//! can step past it.

use std::{collections::HashMap, sync::Mutex};

use chrono::Duration;

use crate::clock::Timestamp;

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::minutes(15);
/// Past this many tracked emails, expired entries are swept…
const SWEEP_AT: usize = 10_000;
/// …and past this many live ones, new emails are not tracked (memory stays bounded).
const MAX_TRACKED: usize = 100_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Timestamp)>>,
}

impl LoginThrottle {
    pub fn is_blocked(&self, email: &str, now: Timestamp) -> bool {
        let Some(key) = key(email) else {
            return false;
        };
        self.failures.lock().is_ok_and(|map| {
            map.get(&key)
                .is_some_and(|(count, since)| *count >= MAX_FAILURES && now - *since < WINDOW)
        })
    }

    pub fn record_failure(&self, email: &str, now: Timestamp) {
        let Some(key) = key(email) else {
            return;
        };
        if let Ok(mut map) = self.failures.lock() {
            if map.len() >= SWEEP_AT && !map.contains_key(&key) {
                map.retain(|_, (_, since)| now - *since < WINDOW);
                if map.len() >= MAX_TRACKED {
                    return;
                }
            }
            let entry = map.entry(key).or_insert((0, now));
            if now - entry.1 >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    pub fn reset(&self, email: &str) {
        if let (Some(key), Ok(mut map)) = (key(email), self.failures.lock()) {
            map.remove(&key);
        }
    }
}

/// Only well-formed addresses are counted (≤ 254 bytes each): anything else cannot match an
/// account, and would let a flood of junk grow the map.
fn key(email: &str) -> Option<String> {
    crate::domain::EmailAddress::parse(email)
        .ok()
        .map(|e| e.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        crate::clock::system().now()
    }

    #[test]
    fn an_email_is_blocked_after_the_maximum_number_of_failures() {
        let t = LoginThrottle::default();
        let now = now();
        for _ in 0..MAX_FAILURES - 1 {
            t.record_failure("A@b.fr", now);
        }
        assert!(!t.is_blocked("a@b.fr", now));
        t.record_failure("a@b.fr ", now);
        assert!(t.is_blocked("a@b.fr", now));
        assert!(!t.is_blocked("other@b.fr", now));
    }

    #[test]
    fn a_successful_sign_in_resets_the_count() {
        let t = LoginThrottle::default();
        let now = now();
        for _ in 0..MAX_FAILURES {
            t.record_failure("a@b.fr", now);
        }
        t.reset("a@b.fr");
        assert!(!t.is_blocked("a@b.fr", now));
    }

    #[test]
    fn the_block_ends_with_the_window() {
        let t = LoginThrottle::default();
        let start = now();
        for _ in 0..MAX_FAILURES {
            t.record_failure("a@b.fr", start);
        }
        assert!(t.is_blocked("a@b.fr", start + WINDOW - Duration::seconds(1)));
        assert!(!t.is_blocked("a@b.fr", start + WINDOW));
        // A failure after the window starts a new count.
        t.record_failure("a@b.fr", start + WINDOW);
        assert!(!t.is_blocked("a@b.fr", start + WINDOW));
    }
}
