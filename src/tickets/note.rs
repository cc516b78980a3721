//! `!ticket <n> note -- text`: a note on a ticket, its state unchanged.
//!
//! The note is posted in the ticket's thread (where the discussion is) and
//! kept in the ticket's history. Text from an encrypted room stays in that
//! room: the history keeps only that a note was added, and the audit entry
//! only the ticket number.

use super::Service;
use super::flow::{audit, load, thread_post};
use super::messages;
use super::record::{Step, Tickets};
use crate::service::{Failure, Handled, Request, refuse};

pub fn note(req: &Request<'_>, svc: &Service<'_>, n: u64, text: Option<&str>) -> Result<Handled, Failure> {
    let tickets = Tickets::open(svc.store)?;
    let mut t = load(req, &tickets, n)?;
    let Some(text) = text else {
        return refuse(messages::ticket_note_empty(req.locale, req.prefix, n));
    };
    t.watch(req.sender);
    let kept = (!t.encrypted).then(|| text.to_string());
    t.history.push(Step { at_ms: req.now_ms, by: req.sender.to_string(), state: t.state, note: kept });
    tickets.put(&t)?;
    audit(req, svc, "ticket-note", "ticket.note", &t, Some(text.to_string()))?;
    let post = thread_post(req, &t, messages::ticket_note_post(req.locale, n, req.sender, text), "ticket-note");
    Ok(Handled { reply: Some(messages::ticket_noted(req.locale, n)), effects: vec![post] })
}
