//! Moderation: reports, cases, Space-wide sanctions with expiry, the policy
//! room, and the audit trail of everything moderators and the bot do.
//!
//! The community's rules (seeds/000) say a member who notices a violation
//! does not confront anyone but reports it to the moderators, who act on the
//! facts they establish; seeds/004 says what admins do belongs on the record.
//! So a report leaves no trace in the room it came from, reaches the
//! moderators as a numbered case, and every action lands in the append-only
//! audit log and in the moderators room.
//!
//! Sans-I/O like every domain service: handlers read and write sled, take the
//! time as input, and return effects for the executor.

pub mod case;
mod cases_cmd;
pub mod messages;
mod misc_cmd;
pub mod power;
mod record;
mod report;
pub mod sanction;
mod sanction_cmd;
pub mod scheduler;
pub mod target;

pub use cases_cmd::{assign, case, cases, close};
pub use misc_cmd::{AuditFilter, announce, audit};
pub use record::{Record, Recorder, record, recorder, refused};
pub use report::report;
pub use sanction_cmd::{Order, lift, redact, sanction};

use crate::space::directory::Directory;
use crate::store::{Sealer, Store};

/// What the moderation service works with: its trees in the store, the
/// sealer for reasons from encrypted rooms, the Space's rooms and the bot's
/// own ID (which no sanction may name).
#[derive(Clone, Copy)]
pub struct Service<'a> {
    pub store: &'a Store,
    pub sealer: &'a Sealer,
    pub directory: &'a Directory,
    pub bot: &'a str,
}
