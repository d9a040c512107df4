//! Counting failed logins, so that guessing passwords is slow.
//!
//! A key (an account's email, a network address) may fail `max_failures` times
//! within `window`; after that, attempts are refused until the oldest failure
//! leaves the window. A success clears the key. Pure: the caller passes the time.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct FailureWindow {
    max_failures: usize,
    window: Duration,
    failures: HashMap<String, VecDeque<Instant>>,
}

impl FailureWindow {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        FailureWindow {
            max_failures: max_failures as usize,
            window,
            failures: HashMap::new(),
        }
    }

    /// Whether `key` may try now.
    pub fn allows(&mut self, key: &str, now: Instant) -> bool {
        self.forget_old(key, now);
        self.failures
            .get(key)
            .is_none_or(|f| f.len() < self.max_failures)
    }

    pub fn record_failure(&mut self, key: &str, now: Instant) {
        self.forget_old(key, now);
        self.failures
            .entry(key.to_owned())
            .or_default()
            .push_back(now);
        // Keep memory bounded when many keys are tried once: drop empty or stale entries now and then.
        if self.failures.len() > 100_000 {
            let window = self.window;
            self.failures.retain(|_, f| {
                f.back()
                    .is_some_and(|last| now.duration_since(*last) < window)
            });
        }
    }

    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }

    fn forget_old(&mut self, key: &str, now: Instant) {
        if let Some(f) = self.failures.get_mut(key) {
            while f
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                f.pop_front();
            }
            if f.is_empty() {
                self.failures.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_too_many_failures_then_forgives_with_time() {
        let start = Instant::now();
        let mut w = FailureWindow::new(3, Duration::from_secs(60));
        for i in 0..3 {
            assert!(w.allows("camille@exemple.fr", start + Duration::from_secs(i)));
            w.record_failure("camille@exemple.fr", start + Duration::from_secs(i));
        }
        assert!(!w.allows("camille@exemple.fr", start + Duration::from_secs(10)));
        assert!(w.allows("someone@else.fr", start + Duration::from_secs(10)));
        assert!(w.allows("camille@exemple.fr", start + Duration::from_secs(61)));
    }

    #[test]
    fn a_success_clears_the_count() {
        let now = Instant::now();
        let mut w = FailureWindow::new(1, Duration::from_secs(60));
        w.record_failure("k", now);
        assert!(!w.allows("k", now));
        w.clear("k");
        assert!(w.allows("k", now));
    }
}
