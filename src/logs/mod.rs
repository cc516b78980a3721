//! Log sharing in the encrypted log-share room.
//!
//! Members paste or attach excerpts of their servers' logs. The bot reads
//! them inside the end-to-end encrypted room (its own device decrypts them),
//! answers there with a summary, and keeps nothing of the log itself: only
//! keyed hashes of hostile addresses, so that members can learn that others
//! saw the same attacker, under the TLP label the sharer chose.
//!
//! Everything here is sans-I/O: bytes and configuration in, summaries,
//! sanitised text and effects out. The edge downloads and decrypts
//! attachments and sends files.

pub mod analyze;
pub mod entry;
pub mod export;
pub mod extract;
#[cfg(test)]
mod fixture_tests;
pub mod indicators;
pub mod messages;
pub mod parse;
pub mod sanitize;
pub mod sightings;
pub mod signature;
pub mod stamp;
pub mod summary;
pub mod tally;
pub mod tlp;

pub mod commands;
pub mod guard;
pub mod share;

/// What the log-sharing service works with: its trees, the sealer and the
/// keyed pseudonymiser, and the `[logs]` settings.
#[derive(Clone, Copy)]
pub struct Service<'a> {
    pub store: &'a crate::store::Store,
    pub sealer: &'a crate::store::Sealer,
    pub keyed: &'a crate::store::Keyed,
    pub settings: &'a Settings,
}

/// `[logs]` in the config.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The operator's networks and domains (pseudonymised by `!log sanitize`).
    pub local: sanitize::Local,
    /// The largest log accepted, after decompression.
    pub max_bytes: usize,
    /// How long a sighting is kept.
    pub sighting_ttl_ms: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            local: sanitize::Local::default(),
            max_bytes: 16 * 1024 * 1024,
            sighting_ttl_ms: 90 * sightings::DAY_MS,
        }
    }
}
#[cfg(test)]
mod fuzz_tests;
