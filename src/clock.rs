//! Time, behind one seam, so that services take "now" as an input.
//!
//! Domain services never read the clock themselves; the edge passes `now`
//! in. Tests of deadlines (expiring sanctions, reminders) set the time instead
//! of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

/// A clock that is the system clock plus an adjustable offset.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock, shifted by `FEDISEC_CLOCK_OFFSET_MS` when set (used
    /// by end-to-end tests to move a real bot process forward in time).
    pub fn from_env() -> Clock {
        let clock = Clock::default();
        if let Some(ms) = std::env::var("FEDISEC_CLOCK_OFFSET_MS").ok().and_then(|v| v.parse().ok()) {
            clock.advance(ms);
        }
        clock
    }

    pub fn now_ms(&self) -> u64 {
        now_ms().saturating_add_signed(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now() {
        let c = Clock::default();
        let before = c.now_ms();
        c.advance(3_600_000);
        assert!(c.now_ms() >= before + 3_600_000);
    }
}
