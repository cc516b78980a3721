//! When to poll a feed next, and what an outage looks like, without I/O.
//!
//! Each feed has its own interval with a little jitter (so feeds added
//! together do not poll together), conditional-GET validators that persist
//! across restarts, exponential backoff with a cap after failures, and
//! `Retry-After` honoured. An outage is announced once when it starts and
//! once when it ends, never per failed poll.

use serde::{Deserialize, Serialize};

/// Longest wait after repeated failures.
pub const BACKOFF_CAP_MS: u64 = 6 * 3600 * 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_success_ms: Option<u64>,
    pub last_error: Option<String>,
    /// Set while the feed is failing: when the outage began.
    pub failing_since_ms: Option<u64>,
    pub failures: u32,
    pub next_poll_ms: u64,
    /// The first successful poll only fills the seen-set.
    pub primed: bool,
}

/// What a fetch came back with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Fetched {
    NotModified,
    Body { etag: Option<String>, last_modified: Option<String> },
    Failed { error: String, retry_after_ms: Option<u64> },
}

/// A change worth telling the moderators about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outage {
    Started { error: String },
    Ended { since_ms: u64 },
}

/// ±10 % of the interval, fixed per feed (from its id), so restarts keep the
/// same spread.
pub fn jitter_ms(feed_id: &str, every_ms: u64) -> u64 {
    let h = feed_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let span = every_ms / 5;
    if span == 0 { 0 } else { h % span }
}

impl PollState {
    pub fn due(&self, now_ms: u64) -> bool {
        now_ms >= self.next_poll_ms
    }

    /// Records a fetch's outcome; returns an outage change if one happened.
    pub fn record(&mut self, feed_id: &str, fetched: Fetched, now_ms: u64, every_ms: u64) -> Option<Outage> {
        let base = every_ms.saturating_sub(every_ms / 10) + jitter_ms(feed_id, every_ms);
        match fetched {
            Fetched::NotModified | Fetched::Body { .. } => {
                if let Fetched::Body { etag, last_modified } = fetched {
                    self.etag = etag;
                    self.last_modified = last_modified;
                }
                self.last_success_ms = Some(now_ms);
                self.failures = 0;
                self.next_poll_ms = now_ms + base;
                self.failing_since_ms.take().map(|since_ms| Outage::Ended { since_ms })
            }
            Fetched::Failed { error, retry_after_ms } => {
                self.failures = self.failures.saturating_add(1);
                let backoff = base.saturating_mul(1u64 << self.failures.min(16)).min(BACKOFF_CAP_MS).max(base);
                self.next_poll_ms = now_ms + backoff.max(retry_after_ms.unwrap_or(0));
                self.last_error = Some(error.clone());
                if self.failing_since_ms.is_none() {
                    self.failing_since_ms = Some(now_ms);
                    return Some(Outage::Started { error });
                }
                None
            }
        }
    }
}

/// `Retry-After` as seconds or an HTTP date, in ms from `now_ms`.
pub fn retry_after_ms(value: &str, now_ms: u64) -> Option<u64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs.saturating_mul(1000).min(BACKOFF_CAP_MS * 4));
    }
    // IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT".
    let parts: Vec<&str> = v.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|x| x == month)? + 1;
    let iso = format!("{year}-{m:02}-{:0>2}T{time}Z", day);
    let at = crate::duration::parse_rfc3339(&iso)?;
    Some(at.saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    #[test]
    fn success_keeps_validators_and_schedules_with_jitter() {
        let mut s = PollState::default();
        let body =
            Fetched::Body { etag: Some("\"abc\"".into()), last_modified: Some("Sat, 01 Nov 2026 00:00:00 GMT".into()) };
        assert_eq!(s.record("jvn", body, 1000, 30 * MIN), None);
        assert_eq!(s.etag.as_deref(), Some("\"abc\""));
        let wait = s.next_poll_ms - 1000;
        assert!((27 * MIN..=33 * MIN).contains(&wait), "{wait}");
        assert_eq!(jitter_ms("jvn", 30 * MIN), jitter_ms("jvn", 30 * MIN));
        assert_ne!(jitter_ms("jvn", 30 * MIN), jitter_ms("news", 30 * MIN));
        s.record("jvn", Fetched::NotModified, 2000, 30 * MIN);
        assert_eq!(s.etag.as_deref(), Some("\"abc\""), "a 304 keeps the validators");
    }

    #[test]
    fn one_notice_per_outage_with_backoff_cap_and_retry_after() {
        let mut s = PollState::default();
        let fail = |e: &str| Fetched::Failed { error: e.into(), retry_after_ms: None };
        assert_eq!(s.record("f", fail("timeout"), 0, 30 * MIN), Some(Outage::Started { error: "timeout".into() }));
        let mut previous = s.next_poll_ms;
        for i in 1..10u64 {
            assert_eq!(s.record("f", fail("timeout"), i, 30 * MIN), None, "no second notice");
            assert!(s.next_poll_ms - i <= BACKOFF_CAP_MS);
            assert!(
                s.next_poll_ms - i >= previous.saturating_sub(i - 1).min(BACKOFF_CAP_MS),
                "backoff grows until the cap"
            );
            previous = s.next_poll_ms;
        }
        s.record("f", Fetched::Failed { error: "429".into(), retry_after_ms: Some(20 * 3600 * 1000) }, 100, 30 * MIN);
        assert_eq!(s.next_poll_ms, 100 + 20 * 3600 * 1000, "Retry-After beyond the cap is honoured");
        assert_eq!(s.record("f", Fetched::NotModified, 200, 30 * MIN), Some(Outage::Ended { since_ms: 0 }));
        assert_eq!(s.failures, 0);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after_ms("120", 0), Some(120_000));
        assert_eq!(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_480_000 - 60_000), Some(60_000));
        assert_eq!(retry_after_ms("soon", 0), None);
    }
}
