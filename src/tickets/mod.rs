//! Tickets: from a consultation room to a confirmed room.
//!
//! The founding document gives each response area a consultation room (対応
//! 相談) where anything unconfirmed is raised first, and a confirmed room
//! (脆弱性情報, 注意喚起) that carries only what has been checked. A ticket
//! is the thread in between: opened with `!track`, moved through its states,
//! and — confirmed by a moderator or by enough members — published once to
//! the matching confirmed room, with a link back to the discussion. A ticket
//! nobody acknowledges within the configured time (48 h) pings the moderators
//! once; the deadline lives in sled, so restarts do not lose it.

pub mod flow;
pub mod messages;
mod note;
pub mod record;

pub use flow::{Filter, assign, confirm, due, list, reminded, ticket, track};
pub use note::note;

/// What the ticket service works with: its trees, the Space's rooms and
/// the `[tickets]` settings.
#[derive(Clone, Copy)]
pub struct Service<'a> {
    pub store: &'a crate::store::Store,
    pub directory: &'a crate::space::directory::Directory,
    pub settings: &'a Settings,
}

/// `[tickets]` in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Distinct members besides the opener whose `!confirm` publishes a ticket.
    pub confirmations: usize,
    /// Time to acknowledge a new ticket before the moderators are reminded.
    pub ack_within_ms: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { confirmations: 2, ack_within_ms: 48 * 3_600_000 }
    }
}
