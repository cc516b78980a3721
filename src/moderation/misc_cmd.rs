//! `!announce` and `!audit`.

use super::Service;
use super::messages;
use super::record::{Record, record};
use crate::config::purpose::Purpose;
use crate::effects::Effect;
use crate::service::{Failure, Handled, Request, refuse};
use matrix_sdk::ruma::OwnedUserId;

/// Posts to the announcements room on a moderator's behalf, with their name.
pub fn announce(req: &Request<'_>, svc: &Service<'_>, text: &str) -> Result<Handled, Failure> {
    let Some(room) = svc.directory.room_for(Purpose::Announcements) else {
        return refuse(messages::no_room(req.locale, "announcements"));
    };
    let mut effects = vec![Effect::Notice {
        room_id: room.to_string(),
        mentions: Vec::new(),
        reply: messages::announcement(req.locale, req.sender, text),
        provenance: req.provenance(),
        txn_id: req.txn("announce"),
        thread: None,
        remember: None,
    }];
    let summary: String = text.chars().take(200).collect();
    effects.extend(record(
        req,
        svc,
        "announce",
        Record {
            actor: req.sender,
            action: "announce",
            target: Some(room.to_string()),
            reason: Some(summary),
            case: None,
        },
    )?);
    Ok(Handled { reply: Some(messages::announced(req.locale)), effects })
}

/// Whose or which case's audit entries `!audit` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFilter {
    /// Entries where the user acted or was the target.
    User(OwnedUserId),
    Case(u64),
}

/// The newest audit entries, for a user (as actor or target) or a case.
pub fn audit(req: &Request<'_>, svc: &Service<'_>, filter: Option<&AuditFilter>) -> Result<Handled, Failure> {
    const LIMIT: usize = 20;
    let entries = match filter {
        None => svc.store.audit.recent(LIMIT, |_| true)?,
        Some(AuditFilter::User(user)) => {
            let user = user.as_str();
            svc.store.audit.recent(LIMIT, |e| {
                e.actor == user || e.target.as_deref().is_some_and(|t| t.split_whitespace().any(|w| w == user))
            })?
        }
        Some(AuditFilter::Case(n)) => svc.store.audit.recent(LIMIT, |e| e.case == Some(*n))?,
    };
    Ok(Handled::reply(messages::audit_list(req.locale, &entries)))
}
