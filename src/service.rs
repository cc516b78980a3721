//! What a domain service sees of a request, and what it answers.
//!
//! Every family (moderation, referral, tickets, logs, feeds) is called the
//! same way: with a [`Request`] — who asked, with which role, in which room,
//! by which event, when — its own service (its store trees and its settings),
//! typed arguments and any outside data the edge looked up. It answers with
//! [`Handled`]: a reply and effects, or a [`Failure`]. These types live here,
//! not in `commands/`, so the layers point one way: the command layer calls
//! the families, never the reverse.

use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::{Locale, Reply};
use crate::roles::Role;
use crate::store::StoreError;

/// One request to a domain service: only who, where, which event and when.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub sender: &'a str,
    pub role: Role,
    pub room_id: &'a str,
    /// The room's purpose; `None` in a direct chat with the bot.
    pub purpose: Option<Purpose>,
    pub event_id: &'a str,
    /// Whether the request came from an encrypted room.
    pub encrypted: bool,
    /// The event this message replies to, if any.
    pub reply_to: Option<&'a str>,
    pub now_ms: u64,
    /// The language the answer is written in.
    pub locale: Locale,
    /// How commands are typed here, for answers that quote one.
    pub prefix: &'a str,
}

impl Request<'_> {
    /// A deterministic transaction ID for the effect in `slot` of this request.
    pub fn txn(&self, slot: &str) -> String {
        txn_id(self.event_id, slot)
    }

    /// Provenance of content derived from this request's room.
    pub fn provenance(&self) -> Provenance {
        Provenance { source_room: self.room_id.to_string(), source_encrypted: self.encrypted }
    }
}

/// A message that a request refers to, fetched by the edge beforehand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referenced {
    pub room_id: String,
    pub event_id: String,
    pub sender: String,
    /// The text, only when the event is an unencrypted text message:
    /// decrypted text from an encrypted room is never quoted.
    pub body: Option<String>,
}

/// What a service decided: an answer to the sender (none when the request
/// should leave no trace in the room) and further effects.
#[derive(Debug, Default)]
pub struct Handled {
    pub reply: Option<Reply>,
    pub effects: Vec<Effect>,
}

impl Handled {
    pub fn reply(reply: Reply) -> Handled {
        Handled { reply: Some(reply), effects: Vec::new() }
    }
}

/// Why a service did not carry a request out.
#[derive(Debug)]
pub enum Failure {
    /// The request cannot be carried out; the reply says why and what to do.
    Refused(Reply),
    /// State could not be read or written.
    Store(StoreError),
}

/// A refusal with the reply that says why, for `?`-style early returns.
pub fn refuse<T>(reply: Reply) -> Result<T, Failure> {
    Err(Failure::Refused(reply))
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::Store(e)
    }
}
