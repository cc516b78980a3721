//! Prometheus metrics, rendered by hand in the text exposition format.
//!
//! A handful of counters is all the bot needs; a hand-written renderer keeps
//! the dependency tree (and the 2-core build) small.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

pub struct Metrics {
    started: Instant,
    pub ready: AtomicBool,
    pub transactions: AtomicU64,
    pub transactions_duplicate: AtomicU64,
    pub transaction_events: AtomicU64,
    pub events_handled: AtomicU64,
    pub effects_sent: AtomicU64,
    pub effects_failed: AtomicU64,
    pub egress_refused: AtomicU64,
    pub sync_errors: AtomicU64,
    /// Tries of an effect that failed transiently and were repeated.
    pub effect_retries: AtomicU64,
    /// Effects waiting in the outbox.
    pub outbox_pending: AtomicU64,
    pub homeserver_ping_ms: AtomicU64,
    /// The bot's cross-signing identity is on the homeserver.
    pub identity_published: AtomicBool,
    /// The bot's device is signed by its self-signing key.
    pub device_signed: AtomicBool,
    /// Room keys are backed up on the homeserver.
    pub key_backup: AtomicBool,
    commands: Mutex<BTreeMap<(String, String), u64>>,
    /// Messages the bot could not decrypt, by reason.
    undecryptable: Mutex<BTreeMap<&'static str, u64>>,
    /// Histogram of intake-to-effects-sent time: bucket counts, sum (µs), count.
    command_latency: Mutex<([u64; LATENCY_BUCKETS_MS.len()], u64, u64)>,
}

/// Upper bounds (ms) of the command latency histogram buckets.
const LATENCY_BUCKETS_MS: [u64; 8] = [5, 10, 25, 50, 100, 250, 1000, 5000];

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            ready: AtomicBool::new(false),
            transactions: AtomicU64::new(0),
            transactions_duplicate: AtomicU64::new(0),
            transaction_events: AtomicU64::new(0),
            events_handled: AtomicU64::new(0),
            effects_sent: AtomicU64::new(0),
            effects_failed: AtomicU64::new(0),
            egress_refused: AtomicU64::new(0),
            sync_errors: AtomicU64::new(0),
            effect_retries: AtomicU64::new(0),
            outbox_pending: AtomicU64::new(0),
            homeserver_ping_ms: AtomicU64::new(0),
            identity_published: AtomicBool::new(false),
            device_signed: AtomicBool::new(false),
            key_backup: AtomicBool::new(false),
            commands: Mutex::new(BTreeMap::new()),
            undecryptable: Mutex::new(BTreeMap::new()),
            command_latency: Mutex::new(([0; LATENCY_BUCKETS_MS.len()], 0, 0)),
        }
    }
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn command(&self, name: &str, outcome: &str) {
        if let Ok(mut map) = self.commands.lock() {
            *map.entry((name.to_string(), outcome.to_string())).or_default() += 1;
        }
    }

    pub fn undecryptable(&self, reason: &'static str) {
        if let Ok(mut map) = self.undecryptable.lock() {
            *map.entry(reason).or_default() += 1;
        }
    }

    /// Records the time from a command's arrival by sync to its effects being sent.
    pub fn observe_command_latency(&self, d: std::time::Duration) {
        if let Ok(mut h) = self.command_latency.lock() {
            let ms = d.as_millis() as u64;
            for (i, bound) in LATENCY_BUCKETS_MS.iter().enumerate() {
                if ms <= *bound {
                    h.0[i] += 1;
                }
            }
            h.1 += d.as_micros() as u64;
            h.2 += 1;
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        counter("fedisec_appservice_transactions_total", "Appservice transactions accepted.", get(&self.transactions));
        counter(
            "fedisec_appservice_transactions_duplicate_total",
            "Transactions the homeserver retried after we had them.",
            get(&self.transactions_duplicate),
        );
        counter(
            "fedisec_appservice_events_total",
            "Events received in appservice transactions.",
            get(&self.transaction_events),
        );
        counter("fedisec_events_handled_total", "Room messages handled from sync.", get(&self.events_handled));
        counter(
            "fedisec_effects_sent_total",
            "Messages and actions performed on the homeserver.",
            get(&self.effects_sent),
        );
        counter(
            "fedisec_effects_failed_total",
            "Effects that failed for good (refused, or no answer for an hour).",
            get(&self.effects_failed),
        );
        counter(
            "fedisec_effect_retries_total",
            "Tries of an effect repeated after a transient failure.",
            get(&self.effect_retries),
        );
        counter("fedisec_egress_refused_total", "Effects stopped by the egress guard.", get(&self.egress_refused));
        counter("fedisec_sync_errors_total", "Sync loop errors.", get(&self.sync_errors));
        let _ = writeln!(
            out,
            "# HELP fedisec_commands_total Chat commands by name and outcome.\n# TYPE fedisec_commands_total counter"
        );
        if let Ok(map) = self.commands.lock() {
            for ((name, outcome), n) in map.iter() {
                let _ = writeln!(out, "fedisec_commands_total{{command=\"{name}\",outcome=\"{outcome}\"}} {n}");
            }
        }
        if let Ok(h) = self.command_latency.lock() {
            let name = "fedisec_command_handling_seconds";
            let _ = writeln!(
                out,
                "# HELP {name} Time from a command's arrival by sync to its effects being committed to the outbox.\n# TYPE {name} histogram"
            );
            for (i, bound) in LATENCY_BUCKETS_MS.iter().enumerate() {
                let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {}", *bound as f64 / 1000.0, h.0[i]);
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"+Inf\"}} {}\n{name}_sum {}\n{name}_count {}",
                h.2,
                h.1 as f64 / 1e6,
                h.2
            );
        }
        let _ = writeln!(
            out,
            "# HELP fedisec_undecryptable_messages_total Messages the bot could not decrypt, by reason.\n# TYPE fedisec_undecryptable_messages_total counter"
        );
        if let Ok(map) = self.undecryptable.lock() {
            for (reason, n) in map.iter() {
                let _ = writeln!(out, "fedisec_undecryptable_messages_total{{reason=\"{reason}\"}} {n}");
            }
        }
        let mut gauge = |name: &str, help: &str, value: bool| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}", u8::from(value));
        };
        gauge(
            "fedisec_cross_signing_published",
            "The bot's cross-signing identity is published on the homeserver.",
            self.identity_published.load(Ordering::Relaxed),
        );
        gauge(
            "fedisec_device_cross_signed",
            "The bot's device is signed by its own self-signing key.",
            self.device_signed.load(Ordering::Relaxed),
        );
        gauge(
            "fedisec_key_backup_enabled",
            "Room keys are backed up on the homeserver.",
            self.key_backup.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP fedisec_outbox_pending Effects waiting in the outbox.\n# TYPE fedisec_outbox_pending gauge\nfedisec_outbox_pending {}",
            get(&self.outbox_pending)
        );
        let _ = writeln!(
            out,
            "# HELP fedisec_ready Whether the bot has built its Space and is handling commands.\n# TYPE fedisec_ready gauge\nfedisec_ready {}",
            u8::from(self.ready.load(Ordering::Relaxed))
        );
        let _ = writeln!(
            out,
            "# HELP fedisec_homeserver_ping_milliseconds Homeserver-to-appservice round trip at start.\n# TYPE fedisec_homeserver_ping_milliseconds gauge\nfedisec_homeserver_ping_milliseconds {}",
            get(&self.homeserver_ping_ms)
        );
        let _ = writeln!(
            out,
            "# HELP fedisec_uptime_seconds Seconds since start.\n# TYPE fedisec_uptime_seconds gauge\nfedisec_uptime_seconds {}",
            self.started.elapsed().as_secs()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_labels() {
        let m = Metrics::default();
        Metrics::inc(&m.transactions);
        m.command("ping", "ran");
        m.command("ping", "ran");
        let text = m.render();
        assert!(text.contains("fedisec_appservice_transactions_total 1\n"), "{text}");
        assert!(text.contains("fedisec_commands_total{command=\"ping\",outcome=\"ran\"} 2\n"), "{text}");
        assert!(text.contains("fedisec_ready 0\n"));
        assert!(text.contains("fedisec_device_cross_signed 0\n"), "{text}");
        m.undecryptable("withheld_unverified");
        m.device_signed.store(true, Ordering::Relaxed);
        let text = m.render();
        assert!(text.contains("fedisec_undecryptable_messages_total{reason=\"withheld_unverified\"} 1\n"), "{text}");
        assert!(text.contains("fedisec_device_cross_signed 1\n"), "{text}");
        m.observe_command_latency(std::time::Duration::from_millis(7));
        let text = m.render();
        assert!(text.contains("fedisec_command_handling_seconds_bucket{le=\"0.005\"} 0\n"), "{text}");
        assert!(text.contains("fedisec_command_handling_seconds_bucket{le=\"0.01\"} 1\n"), "{text}");
        assert!(text.contains("fedisec_command_handling_seconds_count 1\n"), "{text}");
    }
}
