//! `!ticket <n> note -- text`: a note on a ticket, its state unchanged.
//!
//! The note is posted in the ticket's thread (where the discussion is) and
//! kept in the ticket's history. Text from an encrypted room stays in that
//! room: the history keeps only that a note was added, and the audit entry
//! only the ticket number.

use super::flow::{audit, load, thread_post};
use super::messages;
use super::record::{Step, Tickets};
use crate::commands::{Failure, Handled, Invocation, refuse};

pub fn note(inv: &Invocation<'_>, n: u64, text: Option<&str>) -> Result<Handled, Failure> {
    let tickets = Tickets::open(inv.store)?;
    let mut t = load(inv, &tickets, n)?;
    let Some(text) = text else {
        return refuse(messages::ticket_note_empty(inv.locale, inv.prefix, n));
    };
    t.watch(inv.sender);
    let kept = (!t.encrypted).then(|| text.to_string());
    t.history.push(Step { at_ms: inv.now_ms, by: inv.sender.to_string(), state: t.state, note: kept });
    tickets.put(&t)?;
    audit(inv, "ticket-note", "ticket.note", &t, Some(text.to_string()))?;
    let post = thread_post(inv, &t, messages::ticket_note_post(inv.locale, n, inv.sender, text), "ticket-note");
    Ok(Handled { reply: Some(messages::ticket_noted(inv.locale, n)), effects: vec![post] })
}

#[cfg(test)]
mod tests {
    use crate::commands::dispatch::Outcome;
    use crate::commands::testkit::{Kit, Msg, VCONSULT};
    use crate::effects::Effect;
    use crate::roles::Role;
    use crate::tickets::record::{State, Tickets};

    #[test]
    fn a_note_is_kept_posted_in_the_thread_and_replay_safe() {
        let kit = Kit::new();
        kit.handle(&Msg::new("@a:x", Role::Member, VCONSULT, "$t", "!track 調査中")).unwrap();
        let d =
            kit.assert_replay_safe(&Msg::new("@b:x", Role::Member, VCONSULT, "$n", "!ticket 1 note -- 影響なしを確認"));
        assert_eq!(d.outcome, Outcome::Ran);
        let thread = d.effects.iter().find_map(|e| match e {
            Effect::Notice { reply, thread: Some(k), .. } if k.starts_with("ticket") => Some(reply.plain.clone()),
            _ => None,
        });
        assert!(thread.is_some_and(|p| p.contains("📝 #1") && p.contains("影響なしを確認")), "{:?}", d.effects);
        let t = Tickets::open(&kit.store).unwrap().get(1).unwrap().unwrap();
        assert_eq!(t.state, State::Open, "a note does not move the ticket");
        assert_eq!(t.history.last().and_then(|s| s.note.as_deref()), Some("影響なしを確認"));
        assert!(t.watchers.iter().any(|w| w == "@b:x"));
    }

    #[test]
    fn a_note_needs_text() {
        let kit = Kit::new();
        kit.handle(&Msg::new("@a:x", Role::Member, VCONSULT, "$t", "!track 調査中")).unwrap();
        let d = kit.handle(&Msg::new("@b:x", Role::Member, VCONSULT, "$n", "!ticket 1 note")).unwrap();
        assert_eq!(d.outcome, Outcome::Refused);
        assert!(
            matches!(d.effects.last(), Some(Effect::Reply { reply, .. }) if reply.plain.contains("メモの本文がありません"))
        );
    }
}
