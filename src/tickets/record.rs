//! Tickets as stored: one sled tree of tickets and one of acknowledgement
//! deadlines, so reminders survive restarts.

use crate::config::purpose::Purpose;
use crate::store::{Store, StoreError, Tree};
use serde::{Deserialize, Serialize};

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Open,
    Investigating,
    Confirmed,
    Dismissed,
    Closed,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Investigating => "investigating",
            State::Confirmed => "confirmed",
            State::Dismissed => "dismissed",
            State::Closed => "closed",
        }
    }

    /// The states `!ticket` may move to from here. `confirmed` is reached
    /// only through `!confirm` (it publishes).
    pub fn next(self) -> &'static [State] {
        match self {
            State::Open => &[State::Investigating, State::Dismissed],
            State::Investigating => &[State::Open, State::Dismissed],
            State::Confirmed | State::Dismissed => &[State::Closed],
            State::Closed => &[State::Open],
        }
    }
}

/// A note on the ticket's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub at_ms: u64,
    pub by: String,
    pub state: State,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: u64,
    pub title: String,
    pub state: State,
    pub opener: String,
    /// The consultation room the ticket lives in, and its purpose.
    pub room_id: String,
    pub purpose: Purpose,
    /// The room is end-to-end encrypted: the ticket may not be published to an unencrypted room.
    pub encrypted: bool,
    /// The `!track` command (where the discussion starts).
    pub opened_by_event: String,
    /// The message it was opened about (a reply or a link), as a permalink.
    pub origin: Option<String>,
    /// Text of that message when it came from an unencrypted room (for CVE ids).
    pub origin_text: Option<String>,
    pub watchers: Vec<String>,
    pub assignee: Option<String>,
    pub confirmations: Vec<String>,
    /// Where the confirmed summary was posted.
    pub published_in: Option<String>,
    pub created_ms: u64,
    /// When someone first acted on it (assigned, or moved past open).
    pub acked_ms: Option<u64>,
    pub reminded: bool,
    pub history: Vec<Step>,
}

impl Ticket {
    pub fn card_key(&self) -> String {
        format!("ticket:{}", self.number)
    }

    pub fn overdue(&self, now_ms: u64, ack_ms: u64) -> bool {
        self.acked_ms.is_none() && self.state == State::Open && now_ms >= self.created_ms + ack_ms
    }

    pub fn watch(&mut self, user: &str) {
        if !self.watchers.iter().any(|w| w == user) {
            self.watchers.push(user.to_string());
        }
    }
}

pub struct Tickets {
    tickets: Tree<Ticket>,
    /// Ticket number (zero-padded) → acknowledgement deadline.
    due: Tree<u64>,
}

fn key(n: u64) -> String {
    format!("{n:012}")
}

impl Tickets {
    pub fn open(store: &Store) -> Result<Tickets, StoreError> {
        Ok(Tickets { tickets: store.tree("tickets")?, due: store.tree("ticket_ack_due")? })
    }

    pub fn get(&self, n: u64) -> Result<Option<Ticket>, StoreError> {
        self.tickets.get(&key(n))
    }

    pub fn put(&self, t: &Ticket) -> Result<(), StoreError> {
        self.tickets.insert(&key(t.number), t)
    }

    pub fn all(&self) -> Result<Vec<Ticket>, StoreError> {
        Ok(self.tickets.entries()?.into_iter().map(|(_, t)| t).collect())
    }

    pub fn set_deadline(&self, n: u64, at_ms: u64) -> Result<(), StoreError> {
        self.due.insert(&key(n), &at_ms)
    }

    pub fn clear_deadline(&self, n: u64) -> Result<(), StoreError> {
        self.due.remove(&key(n))
    }

    /// Tickets whose deadline has passed.
    pub fn due(&self, now_ms: u64) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .due
            .entries()?
            .into_iter()
            .filter(|(_, at)| *at <= now_ms)
            .filter_map(|(k, _)| k.parse().ok())
            .collect())
    }
}
