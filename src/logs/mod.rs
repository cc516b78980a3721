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
#[cfg(test)]
mod fixture_tests;
pub mod indicators;
pub mod parse;
pub mod signature;
pub mod stamp;
pub mod tally;
