//! `!report`: a member tells the moderators about a message or a person,
//! without the reported person learning who reported.
//!
//! In a Space room the command is redacted and the reporter is answered in a
//! direct chat. The moderators room gets the case with a permalink; the
//! reported text is quoted only when it was posted in an unencrypted room,
//! and a reason sent from an encrypted room is sealed in sled and never
//! posted in the (unencrypted) moderators room.

use super::case::{CaseReport, Cases, EventRef, Filed};
use super::messages;
use super::messages::ReasonView;
use super::record::{Record, recorder};
use super::target::{self, Target};
use crate::commands::{Failure, Handled, Invocation, refuse};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance};

/// Longest quote of a reported message copied into the case.
const QUOTE_CHARS: usize = 500;

pub fn report(inv: &Invocation<'_>, target_arg: Option<&str>, reason: &str) -> Result<Handled, Failure> {
    let target = match (target_arg, inv.reply_to) {
        (Some(t), _) => match target::parse(t) {
            Some(t) => t,
            None => return refuse(messages::bad_target(inv.locale, t)),
        },
        (None, Some(ev)) => {
            Target::Message(target::MessageLink { room: inv.room_id.to_string(), event_id: ev.to_string() })
        }
        (None, None) => return refuse(messages::report_needs_target(inv.locale, inv.prefix)),
    };
    let (subject, event, quote) = match target {
        Target::User(u) => (u, None, None),
        Target::Message(link) => {
            let Some(room_id) =
                inv.directory.resolve(&link.room).filter(|r| inv.directory.contains(r) || r == inv.room_id)
            else {
                return refuse(messages::not_a_space_room(inv.locale));
            };
            let Some(found) = inv.lookups.event.as_ref().filter(|e| e.event_id == link.event_id) else {
                return refuse(messages::message_not_found(inv.locale));
            };
            let room_encrypted = inv.directory.room(&room_id).is_none_or(|r| r.encrypted);
            let quote = found
                .body
                .as_deref()
                .filter(|_| !room_encrypted)
                .map(|b| b.chars().take(QUOTE_CHARS).collect::<String>());
            (found.sender.clone(), Some(EventRef { room_id, event_id: link.event_id }), quote)
        }
    };
    if subject == inv.sender || subject == inv.bot {
        return refuse(messages::cannot_report_self(inv.locale));
    }

    let cases = Cases::open(inv.store)?;
    let filed = match cases.filed_by(inv.event_id)? {
        Some(case) => Filed::Again(case),
        None => cases.file(
            inv.store,
            &subject,
            event.clone(),
            quote,
            CaseReport {
                reporter: inv.sender.to_string(),
                at_ms: inv.now_ms,
                room_id: inv.room_id.to_string(),
                reason: inv.sealer.keep(reason, inv.encrypted),
                cause: inv.event_id.to_string(),
            },
        )?,
    };
    let case = filed.case();
    let joined = match &filed {
        Filed::Opened(_) => false,
        Filed::Joined(_) => true,
        Filed::Again(c) => c.reports.first().is_none_or(|r| r.cause != inv.event_id),
    };

    let mut effects = Vec::new();
    let in_space_room = inv.purpose.is_some();
    if in_space_room {
        // Nobody in the room learns who reported whom. No reason is given:
        // redaction reasons are visible to everyone in the room.
        effects.push(Effect::Redact {
            room_id: inv.room_id.to_string(),
            event_id: inv.event_id.to_string(),
            reason: None,
            provenance: Provenance::clear(inv.room_id),
            txn_id: inv.txn("redact-report"),
        });
    }
    if let Some(mods) = inv.directory.room_for(Purpose::Moderators) {
        let link = event.as_ref().map(|e| target::permalink(&e.room_id, &e.event_id));
        let shown = if inv.encrypted { ReasonView::Sealed } else { ReasonView::Shown(reason) };
        effects.push(Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply: messages::case_post(inv.locale, inv.prefix, case, joined, inv.sender, shown, link.as_deref()),
            // Declassified on purpose: the post carries IDs, a link, text quoted
            // only from unencrypted rooms, and the reason only when the report
            // itself was sent from an unencrypted room.
            provenance: Provenance::clear(mods),
            txn_id: inv.txn("case-post"),
            thread: None,
            remember: None,
        });
    }
    let action = if joined { "report.join" } else { "report.open" };
    let audit_reason = if inv.encrypted { None } else { Some(reason.to_string()) };
    // The case post above is the moderators' notice; the audit entry is not
    // posted a second time.
    recorder(inv).record(
        inv.event_id,
        "report",
        Record {
            actor: inv.sender,
            action,
            target: Some(subject.clone()),
            reason: audit_reason,
            case: Some(case.number),
        },
        false,
    )?;
    let confirmation = messages::report_received(inv.locale, case.number);
    if in_space_room {
        effects.push(Effect::Direct {
            user: inv.sender.to_string(),
            reply: confirmation,
            provenance: inv.provenance(),
            txn_id: inv.txn("report-confirm"),
        });
        Ok(Handled { reply: None, effects })
    } else {
        Ok(Handled { reply: Some(confirmation), effects })
    }
}
