//! The ticket commands and the acknowledgement scheduler.

use super::Service;
use super::messages;
use super::record::{State, Step, Ticket, Tickets};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n;
use crate::moderation::target::permalink;
use crate::moderation::{Record, Recorder, recorder};
use crate::roles::Role;
use crate::service::{Failure, Handled, Referenced, Request, refuse};
use crate::store::StoreError;
use matrix_sdk::ruma::UserId;

/// The consultation room a ticket opened in `purpose` lives in, and the
/// confirmed room it is published to.
pub fn rooms_for(purpose: Purpose) -> Option<(Purpose, Purpose)> {
    match purpose {
        Purpose::VulnConsult | Purpose::VulnInfo => Some((Purpose::VulnConsult, Purpose::VulnInfo)),
        Purpose::IncidentConsult | Purpose::Alerts => Some((Purpose::IncidentConsult, Purpose::Alerts)),
        _ => None,
    }
}

fn provenance(t: &Ticket) -> Provenance {
    Provenance { source_room: t.room_id.clone(), source_encrypted: t.encrypted }
}

/// A post in the ticket's thread in its consultation room.
pub(super) fn thread_post(req: &Request<'_>, t: &Ticket, reply: i18n::Reply, slot: &str) -> Effect {
    Effect::Notice {
        room_id: t.room_id.clone(),
        mentions: Vec::new(),
        reply,
        provenance: provenance(t),
        txn_id: req.txn(slot),
        thread: Some(t.card_key()),
        remember: None,
    }
}

pub(super) fn audit(
    req: &Request<'_>,
    svc: &Service<'_>,
    slot: &str,
    action: &str,
    t: &Ticket,
    reason: Option<String>,
) -> Result<(), StoreError> {
    // Ticket text may come from an encrypted room: only numbers go on the record.
    let reason = reason.filter(|_| !t.encrypted);
    let rec = Record { actor: req.sender, action, target: Some(format!("#{}", t.number)), reason, case: None };
    recorder(req, svc.store, svc.directory).record(req.event_id, slot, rec, false).map(|_| ())
}

pub(super) fn load(req: &Request<'_>, tickets: &Tickets, n: u64) -> Result<Ticket, Failure> {
    match tickets.get(n)? {
        Some(t) => Ok(t),
        None => refuse(messages::no_such_ticket(req.locale, n)),
    }
}

/// `!track <title>` (or as a reply): opens a ticket.
/// `!track [title]`; `referenced` is the message it replies to, as the edge fetched it.
pub fn track(
    req: &Request<'_>,
    svc: &Service<'_>,
    title: Option<&str>,
    referenced: Option<&Referenced>,
) -> Result<Handled, Failure> {
    let Some(purpose) = req.purpose else { return refuse(messages::ticket_wrong_room(req.locale)) };
    let Some((home, _)) = rooms_for(purpose) else { return refuse(messages::ticket_wrong_room(req.locale)) };
    let from_confirmed = home != purpose;
    if from_confirmed && referenced.is_none() {
        return refuse(messages::track_needs_reply(req.locale, req.prefix));
    }
    let origin_text = referenced.and_then(|r| r.body.clone());
    let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => match origin_text.as_deref().and_then(|b| b.lines().find(|l| !l.trim().is_empty())) {
            Some(line) => line.trim().chars().take(100).collect(),
            None => return refuse(messages::track_needs_title(req.locale, req.prefix)),
        },
    };
    let Some(home_room) = svc.directory.room_for(home) else { return refuse(messages::ticket_wrong_room(req.locale)) };
    let encrypted = svc.directory.room(home_room).is_some_and(|r| r.encrypted) || req.encrypted;
    let tickets = Tickets::open(svc.store)?;
    // A command handled again (after a crash) finds its ticket instead of opening another.
    let existing = tickets.all()?.into_iter().find(|t| t.opened_by_event == req.event_id);
    let t = match existing {
        Some(t) => t,
        None => {
            let t = Ticket {
                number: svc.store.next_number("ticket")?,
                title,
                state: State::Open,
                opener: req.sender.to_string(),
                room_id: home_room.to_string(),
                purpose: home,
                encrypted,
                opened_by_event: req.event_id.to_string(),
                origin: referenced.map(|r| permalink(&r.room_id, &r.event_id)),
                origin_text,
                watchers: vec![req.sender.to_string()],
                assignee: None,
                confirmations: Vec::new(),
                published_in: None,
                created_ms: req.now_ms,
                acked_ms: None,
                reminded: false,
                history: vec![Step { at_ms: req.now_ms, by: req.sender.to_string(), state: State::Open, note: None }],
            };
            tickets.put(&t)?;
            tickets.set_deadline(t.number, req.now_ms + svc.settings.ack_within_ms)?;
            t
        }
    };
    audit(req, svc, "ticket-open", "ticket.open", &t, Some(t.title.clone()))?;
    let card = Effect::Notice {
        room_id: t.room_id.clone(),
        mentions: Vec::new(),
        reply: messages::ticket_card(req.locale, &t, &permalink(req.room_id, req.event_id), svc.settings.ack_within_ms),
        provenance: provenance(&t),
        txn_id: req.txn("ticket-card"),
        thread: None,
        remember: Some(t.card_key()),
    };
    Ok(Handled { reply: Some(messages::ticket_opened(req.locale, t.number, from_confirmed)), effects: vec![card] })
}

fn acknowledge(tickets: &Tickets, t: &mut Ticket, now_ms: u64) -> Result<(), StoreError> {
    if t.acked_ms.is_none() {
        t.acked_ms = Some(now_ms);
        tickets.clear_deadline(t.number)?;
    }
    Ok(())
}

/// `!ticket <n> <state> [-- note]`.
pub fn ticket(req: &Request<'_>, svc: &Service<'_>, n: u64, to: State, note: Option<&str>) -> Result<Handled, Failure> {
    let tickets = Tickets::open(svc.store)?;
    let mut t = load(req, &tickets, n)?;
    if to == State::Confirmed {
        return refuse(messages::use_confirm(req.locale, req.prefix, n));
    }
    if t.state == to {
        return refuse(messages::ticket_already(req.locale, n, to.name()));
    }
    if !t.state.next().contains(&to) {
        let allowed: Vec<&str> = t.state.next().iter().map(|s| s.name()).collect();
        return refuse(messages::bad_transition(req.locale, n, t.state.name(), to.name(), &allowed));
    }
    t.state = to;
    t.watch(req.sender);
    t.history.push(Step { at_ms: req.now_ms, by: req.sender.to_string(), state: to, note: note.map(str::to_string) });
    if to != State::Open {
        acknowledge(&tickets, &mut t, req.now_ms)?;
    }
    tickets.put(&t)?;
    audit(req, svc, "ticket-state", &format!("ticket.{}", to.name()), &t, note.map(str::to_string))?;
    let post = thread_post(req, &t, messages::ticket_moved(req.locale, &t, req.sender, note), "ticket-state");
    Ok(Handled { reply: Some(messages::ticket_state_set(req.locale, n, to.name())), effects: vec![post] })
}

/// `!assign <n> [@member]` in a consultation room.
/// `their_role` is the named member's role, as the edge looked it up.
pub fn assign(
    req: &Request<'_>,
    svc: &Service<'_>,
    n: u64,
    who: Option<&UserId>,
    their_role: Option<Role>,
) -> Result<Handled, Failure> {
    let user = match who {
        None => req.sender.to_string(),
        Some(u) => {
            if their_role.is_none_or(|r| r < Role::Member) {
                return refuse(messages::not_a_member(req.locale, u.as_str()));
            }
            u.to_string()
        }
    };
    let tickets = Tickets::open(svc.store)?;
    let mut t = load(req, &tickets, n)?;
    if matches!(t.state, State::Closed | State::Dismissed | State::Confirmed) {
        return refuse(messages::ticket_finished(req.locale, n, t.state.name()));
    }
    t.assignee = Some(user.clone());
    t.watch(&user);
    acknowledge(&tickets, &mut t, req.now_ms)?;
    tickets.put(&t)?;
    audit(req, svc, "ticket-assign", "ticket.assign", &t, Some(user.clone()))?;
    let post = thread_post(req, &t, messages::ticket_assigned(req.locale, n, &user), "ticket-assign");
    Ok(Handled { reply: Some(messages::ticket_assigned(req.locale, n, &user)), effects: vec![post] })
}

/// `!tickets [open|all|mine]`.
/// Which tickets `!tickets` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Neither closed nor dismissed.
    #[default]
    Open,
    All,
    /// Opened, assigned or watched by the sender.
    Mine,
}

pub fn list(req: &Request<'_>, svc: &Service<'_>, filter: Filter) -> Result<Handled, Failure> {
    let here = req.purpose.and_then(rooms_for).map(|(home, _)| home);
    let shown: Vec<Ticket> = Tickets::open(svc.store)?
        .all()?
        .into_iter()
        .filter(|t| here.is_none_or(|h| t.purpose == h))
        .filter(|t| match filter {
            Filter::Open => !matches!(t.state, State::Closed | State::Dismissed),
            Filter::All => true,
            Filter::Mine => {
                t.opener == req.sender
                    || t.assignee.as_deref() == Some(req.sender)
                    || t.watchers.iter().any(|w| w == req.sender)
            }
        })
        .collect();
    Ok(Handled::reply(messages::ticket_list(req.locale, &shown, req.now_ms, svc.settings.ack_within_ms)))
}

/// `!confirm <n>`: a moderator's confirmation publishes; members' count
/// until the configured number (besides the opener) is reached.
pub fn confirm(req: &Request<'_>, svc: &Service<'_>, n: u64) -> Result<Handled, Failure> {
    let tickets = Tickets::open(svc.store)?;
    let mut t = load(req, &tickets, n)?;
    if !matches!(t.state, State::Open | State::Investigating) {
        return refuse(messages::ticket_finished(req.locale, n, t.state.name()));
    }
    let moderator = req.role >= Role::Moderator;
    if !moderator {
        if t.opener == req.sender {
            return refuse(messages::confirm_own_ticket(req.locale, n));
        }
        if t.confirmations.iter().any(|c| c == req.sender) {
            return refuse(messages::already_confirmed(req.locale, n));
        }
    }
    let Some((_, target_purpose)) = rooms_for(t.purpose) else {
        return refuse(messages::ticket_wrong_room(req.locale));
    };
    let Some(target) = svc.directory.room_for(target_purpose).map(str::to_string) else {
        return refuse(messages::ticket_wrong_room(req.locale));
    };
    let target_encrypted = svc.directory.room(&target).is_some_and(|r| r.encrypted);
    if !t.confirmations.iter().any(|c| c == req.sender) {
        t.confirmations.push(req.sender.to_string());
    }
    t.watch(req.sender);
    acknowledge(&tickets, &mut t, req.now_ms)?;
    let enough = moderator || t.confirmations.len() >= svc.settings.confirmations;
    if !enough {
        tickets.put(&t)?;
        audit(req, svc, "ticket-confirm", "ticket.confirm", &t, None)?;
        let reply = messages::confirmation_counted(req.locale, n, t.confirmations.len(), svc.settings.confirmations);
        let post = thread_post(req, &t, reply.clone(), "ticket-confirm");
        return Ok(Handled { reply: Some(reply), effects: vec![post] });
    }
    // The egress rule, said before anything changes.
    if t.encrypted && !target_encrypted {
        return refuse(messages::ticket_egress_refused(req.locale, n));
    }
    t.state = State::Confirmed;
    t.published_in = Some(target.clone());
    t.history.push(Step { at_ms: req.now_ms, by: req.sender.to_string(), state: State::Confirmed, note: None });
    tickets.put(&t)?;
    tickets.clear_deadline(n)?;
    audit(req, svc, "ticket-confirm", "ticket.confirm", &t, None)?;
    audit(req, svc, "ticket-publish", "ticket.publish", &t, Some(target.clone()))?;
    let mut cves: Vec<String> = crate::logs::indicators::find_cves(
        [t.title.as_str(), t.origin_text.as_deref().unwrap_or_default()]
            .into_iter()
            .chain(t.history.iter().filter_map(|s| s.note.as_deref()))
            .collect::<Vec<_>>()
            .join("\n")
            .as_bytes(),
    );
    cves.dedup();
    let discussion = permalink(&t.room_id, &t.opened_by_event);
    let summary = Effect::Notice {
        room_id: target.clone(),
        mentions: Vec::new(),
        reply: messages::ticket_published(req.locale, &t, &cves, &discussion),
        provenance: provenance(&t),
        // One publication per ticket, whatever command caused it.
        txn_id: txn_id(&format!("ticket:{n}"), "publish"),
        thread: None,
        remember: Some(format!("ticket-published:{n}")),
    };
    let post = thread_post(req, &t, messages::ticket_confirmed_thread(req.locale, n, &target), "ticket-confirm");
    Ok(Handled { reply: Some(messages::ticket_confirmed(req.locale, n)), effects: vec![summary, post] })
}

/// Tickets whose acknowledgement time passed unacknowledged: one reminder
/// each in the moderators room. Call `reminded` once it was posted.
pub fn due(rec: &Recorder<'_>, ack_ms: u64) -> Result<Vec<(u64, Vec<Effect>)>, StoreError> {
    let tickets = Tickets::open(rec.store)?;
    let mut out = Vec::new();
    for n in tickets.due(rec.now_ms)? {
        let Some(t) = tickets.get(n)? else {
            tickets.clear_deadline(n)?;
            continue;
        };
        if t.reminded || !t.overdue(rec.now_ms, ack_ms) {
            tickets.clear_deadline(n)?;
            continue;
        }
        let Some(mods) = rec.dir.room_for(Purpose::Moderators) else { continue };
        let reply = messages::ticket_reminder(rec.locale, &t, &permalink(&t.room_id, &t.opened_by_event), ack_ms);
        let effect = Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply,
            provenance: Provenance { source_room: t.room_id.clone(), source_encrypted: t.encrypted },
            txn_id: txn_id(&format!("ticket:{n}"), "ack-reminder"),
            thread: None,
            remember: None,
        };
        out.push((n, vec![effect]));
    }
    Ok(out)
}

/// Marks the reminder of ticket `n` as posted.
pub fn reminded(rec: &Recorder<'_>, n: u64, bot: &str) -> Result<(), StoreError> {
    let tickets = Tickets::open(rec.store)?;
    if let Some(mut t) = tickets.get(n)? {
        t.reminded = true;
        tickets.put(&t)?;
        rec.record(
            &format!("ticket:{n}"),
            "ack-reminder",
            Record { actor: bot, action: "ticket.remind", target: Some(format!("#{n}")), reason: None, case: None },
            false,
        )?;
    }
    tickets.clear_deadline(n)
}
