//! `!report`: a member tells the moderators about a message or a person,
//! without the reported person learning who reported.
//!
//! In a Space room the command is redacted and the reporter is answered in a
//! direct chat. The moderators room gets the case with a permalink; the
//! reported text is quoted only when it was posted in an unencrypted room,
//! and a reason sent from an encrypted room is sealed in sled and never
//! posted in the (unencrypted) moderators room.

use super::Service;
use super::case::{CaseReport, Cases, EventRef, Filed};
use super::messages;
use super::messages::ReasonView;
use super::record::{Record, recorder};
use super::target::{self, Target};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance};
use crate::service::{Failure, Handled, Referenced, Request, refuse};

/// Longest quote of a reported message copied into the case.
const QUOTE_CHARS: usize = 500;

/// `!report [target] -- reason`; `referenced` is the reported message, as the edge fetched it.
pub fn report(
    req: &Request<'_>,
    svc: &Service<'_>,
    target: Option<&Target>,
    reason: &str,
    referenced: Option<&Referenced>,
) -> Result<Handled, Failure> {
    let target = match (target, req.reply_to) {
        (Some(t), _) => t.clone(),
        (None, Some(ev)) => {
            Target::Message(target::MessageLink { room: req.room_id.to_string(), event_id: ev.to_string() })
        }
        (None, None) => return refuse(messages::report_needs_target(req.locale, req.prefix)),
    };
    let (subject, event, quote) = match target {
        Target::User(u) => (u, None, None),
        Target::Message(link) => {
            let Some(room_id) =
                svc.directory.resolve(&link.room).filter(|r| svc.directory.contains(r) || r == req.room_id)
            else {
                return refuse(messages::not_a_space_room(req.locale));
            };
            let Some(found) = referenced.filter(|e| e.event_id == link.event_id) else {
                return refuse(messages::message_not_found(req.locale));
            };
            let room_encrypted = svc.directory.room(&room_id).is_none_or(|r| r.encrypted);
            let quote = found
                .body
                .as_deref()
                .filter(|_| !room_encrypted)
                .map(|b| b.chars().take(QUOTE_CHARS).collect::<String>());
            (found.sender.clone(), Some(EventRef { room_id, event_id: link.event_id }), quote)
        }
    };
    if subject == req.sender || subject == svc.bot {
        return refuse(messages::cannot_report_self(req.locale));
    }

    let cases = Cases::open(svc.store)?;
    let filed = match cases.filed_by(req.event_id)? {
        Some(case) => Filed::Again(case),
        None => cases.file(
            svc.store,
            &subject,
            event.clone(),
            quote,
            CaseReport {
                reporter: req.sender.to_string(),
                at_ms: req.now_ms,
                room_id: req.room_id.to_string(),
                reason: svc.sealer.keep(reason, req.encrypted),
                cause: req.event_id.to_string(),
            },
        )?,
    };
    let case = filed.case();
    let joined = match &filed {
        Filed::Opened(_) => false,
        Filed::Joined(_) => true,
        Filed::Again(c) => c.reports.first().is_none_or(|r| r.cause != req.event_id),
    };

    let mut effects = Vec::new();
    let in_space_room = req.purpose.is_some();
    if in_space_room {
        // Nobody in the room learns who reported whom. No reason is given:
        // redaction reasons are visible to everyone in the room.
        effects.push(Effect::Redact {
            room_id: req.room_id.to_string(),
            event_id: req.event_id.to_string(),
            reason: None,
            provenance: Provenance::clear(req.room_id),
            txn_id: req.txn("redact-report"),
        });
    }
    if let Some(mods) = svc.directory.room_for(Purpose::Moderators) {
        let link = event.as_ref().map(|e| target::permalink(&e.room_id, &e.event_id));
        let shown = if req.encrypted { ReasonView::Sealed } else { ReasonView::Shown(reason) };
        effects.push(Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply: messages::case_post(req.locale, req.prefix, case, joined, req.sender, shown, link.as_deref()),
            // Declassified on purpose: the post carries IDs, a link, text quoted
            // only from unencrypted rooms, and the reason only when the report
            // itself was sent from an unencrypted room.
            provenance: Provenance::clear(mods),
            txn_id: req.txn("case-post"),
            thread: None,
            remember: None,
        });
    }
    let action = if joined { "report.join" } else { "report.open" };
    let audit_reason = if req.encrypted { None } else { Some(reason.to_string()) };
    // The case post above is the moderators' notice; the audit entry is not
    // posted a second time.
    recorder(req, svc.store, svc.directory).record(
        req.event_id,
        "report",
        Record {
            actor: req.sender,
            action,
            target: Some(subject.clone()),
            reason: audit_reason,
            case: Some(case.number),
        },
        false,
    )?;
    let confirmation = messages::report_received(req.locale, case.number);
    if in_space_room {
        effects.push(Effect::Direct {
            user: req.sender.to_string(),
            reply: confirmation,
            provenance: req.provenance(),
            txn_id: req.txn("report-confirm"),
        });
        Ok(Handled { reply: None, effects })
    } else {
        Ok(Handled { reply: Some(confirmation), effects })
    }
}
