//! `!announce` and `!audit`.

use super::messages;
use super::record::{Record, record};
use super::target;
use crate::commands::{Failure, Handled, Invocation, refuse};
use crate::config::purpose::Purpose;
use crate::effects::Effect;

/// Posts to the announcements room on a moderator's behalf, with their name.
pub fn announce(inv: &Invocation<'_>, text: &str) -> Result<Handled, Failure> {
    let Some(room) = inv.directory.room_for(Purpose::Announcements) else {
        return refuse(messages::no_room(inv.locale, "announcements"));
    };
    let mut effects = vec![Effect::Notice {
        room_id: room.to_string(),
        mentions: Vec::new(),
        reply: messages::announcement(inv.locale, inv.sender, text),
        provenance: inv.provenance(),
        txn_id: inv.txn("announce"),
        thread: None,
        remember: None,
    }];
    let summary: String = text.chars().take(200).collect();
    effects.extend(record(
        inv,
        "announce",
        Record {
            actor: inv.sender,
            action: "announce",
            target: Some(room.to_string()),
            reason: Some(summary),
            case: None,
        },
    )?);
    Ok(Handled { reply: Some(messages::announced(inv.locale)), effects })
}

/// The newest audit entries, for a user (as actor or target) or a case.
pub fn audit(inv: &Invocation<'_>, filter: Option<&str>) -> Result<Handled, Failure> {
    const LIMIT: usize = 20;
    let entries = match filter {
        None => inv.store.audit.recent(LIMIT, |_| true)?,
        Some(f) => {
            if let Some(user) = target::user(f) {
                inv.store.audit.recent(LIMIT, |e| {
                    e.actor == user || e.target.as_deref().is_some_and(|t| t.split_whitespace().any(|w| w == user))
                })?
            } else if let Ok(n) = f.trim_start_matches('#').parse::<u64>() {
                inv.store.audit.recent(LIMIT, |e| e.case == Some(n))?
            } else {
                return refuse(messages::bad_audit_filter(inv.locale, f));
            }
        }
    };
    Ok(Handled::reply(messages::audit_list(inv.locale, &entries)))
}
