//! `!warn`, `!mute`, `!kick`, `!ban`, `!unmute`, `!unban`, `!redact`.
//!
//! Sanctions apply to every room of the Space and its sub-spaces. Moderators,
//! admins and the bot cannot be sanctioned (a clear refusal, not a failed
//! power-level change half-way through the Space).

use super::Service;
use super::case::Cases;
use super::messages;
use super::record::{Record, record};
use super::sanction::{self, Kind, Lifted, Sanction, Sanctions};
use super::target::{self, MessageLink};
use crate::duration;
use crate::effects::Effect;
use crate::roles::Role;
use crate::service::{Failure, Handled, Request, refuse};
use matrix_sdk::ruma::UserId;

/// A sanction a moderator ordered, with its arguments already typed.
pub struct Order<'a> {
    pub kind: Kind,
    pub user: &'a UserId,
    /// How long it lasts; `None`: until lifted (a warning has no length).
    pub for_ms: Option<u64>,
    /// The case it answers; `None`: every open case about the user.
    pub case: Option<u64>,
    pub reason: &'a str,
    /// The user's role, as the edge looked it up.
    pub their_role: Option<Role>,
}

/// The user a sanction names, once it is clear they may be sanctioned.
fn sanctionable(req: &Request<'_>, svc: &Service<'_>, order: &Order<'_>) -> Result<String, Failure> {
    let user = order.user.as_str();
    if user == svc.bot || user == req.sender {
        return refuse(messages::not_the_bot(req.locale));
    }
    if order.their_role.is_some_and(|r| r >= Role::Moderator) {
        return refuse(messages::protected_user(req.locale, user));
    }
    Ok(user.to_string())
}

pub fn sanction(req: &Request<'_>, svc: &Service<'_>, order: Order<'_>) -> Result<Handled, Failure> {
    let user = sanctionable(req, svc, &order)?;
    let Order { kind, case, reason, .. } = order;
    let until_ms = order.for_ms.map(|ms| req.now_ms.saturating_add(ms));
    let cases = Cases::open(svc.store)?;
    let mut linked: Vec<u64> = match case {
        Some(n) => match cases.get(n)? {
            Some(c) => vec![c.number],
            None => return refuse(messages::no_such_case(req.locale, n)),
        },
        None => cases.open_about(&user)?.into_iter().map(|c| c.number).collect(),
    };
    linked.sort_unstable();
    let stored = Sanctions::open(svc.store)?.record(Sanction {
        key: sanction::key_for(req.event_id),
        kind,
        user: user.clone(),
        by: req.sender.to_string(),
        reason: reason.to_string(),
        at_ms: req.now_ms,
        until_ms,
        lifted: None,
        cases: linked.clone(),
    })?;
    for n in &linked {
        if let Some(mut c) = cases.get(*n)?
            && !c.sanctions.contains(&stored.key)
        {
            c.sanctions.push(stored.key.clone());
            cases.put(&c)?;
        }
    }

    let provenance = req.provenance();
    let mut effects = sanction::enforce(kind, false, &user, reason, svc.directory, &provenance);
    let rooms = effects.iter().filter(|e| !matches!(e, Effect::PolicyRule { .. })).count();
    let dm = match kind {
        Kind::Warn => Some(messages::warn_dm(req.locale, reason)),
        Kind::Mute => Some(messages::mute_dm(req.locale, stored.until_ms, reason)),
        Kind::Kick | Kind::Ban => None,
    };
    if let Some(reply) = dm {
        effects.push(Effect::Direct { user: user.clone(), reply, provenance, txn_id: req.txn("sanction-dm") });
    }
    if matches!(kind, Kind::Kick | Kind::Ban) {
        // Whom the removed member brought in, for the moderators to review.
        effects.extend(crate::referral::referred_by_notice(req, svc.store, svc.directory, &user)?);
    }
    let action = format!("sanction.{}", kind.as_str());
    let mut target = user.clone();
    if let Some(until) = stored.until_ms {
        target.push_str(&format!(" until {}", duration::jst(until)));
    }
    let case_ref = linked.first().copied();
    effects.extend(record(
        req,
        svc,
        "sanction",
        Record {
            actor: req.sender,
            action: &action,
            target: Some(target),
            reason: Some(reason.into()),
            case: case_ref,
        },
    )?);
    Ok(Handled {
        reply: Some(messages::sanction_done(req.locale, kind, &user, rooms, stored.until_ms, &linked)),
        effects,
    })
}

/// `!unmute` and `!unban`: lifts what is in force, and in any case restores
/// the user everywhere (a ban set by hand is lifted too).
pub fn lift(
    req: &Request<'_>,
    svc: &Service<'_>,
    kind: Kind,
    user: &UserId,
    reason: Option<&str>,
) -> Result<Handled, Failure> {
    let user = user.to_string();
    let sanctions = Sanctions::open(svc.store)?;
    for s in sanctions.active(&user, kind)? {
        sanctions.lift(
            &s.key,
            Lifted { at_ms: req.now_ms, by: req.sender.to_string(), reason: reason.map(str::to_string) },
        )?;
    }
    let provenance = req.provenance();
    let mut effects = sanction::enforce(kind, true, &user, reason.unwrap_or_default(), svc.directory, &provenance);
    if kind == Kind::Mute {
        effects.push(Effect::Direct {
            user: user.clone(),
            reply: messages::unmute_dm(req.locale),
            provenance,
            txn_id: req.txn("lift-dm"),
        });
    }
    let action = format!("sanction.un{}", kind.as_str());
    effects.extend(record(
        req,
        svc,
        "lift",
        Record {
            actor: req.sender,
            action: &action,
            target: Some(user.clone()),
            reason: reason.map(str::to_string),
            case: None,
        },
    )?);
    Ok(Handled { reply: Some(messages::lifted(req.locale, kind, &user)), effects })
}

pub fn redact(
    req: &Request<'_>,
    svc: &Service<'_>,
    link: &MessageLink,
    reason: Option<&str>,
) -> Result<Handled, Failure> {
    let Some(room_id) = svc.directory.resolve(&link.room).filter(|r| svc.directory.contains(r)) else {
        return refuse(messages::not_a_space_room(req.locale));
    };
    let mut effects = vec![Effect::Redact {
        room_id: room_id.clone(),
        event_id: link.event_id.clone(),
        reason: reason.map(str::to_string),
        provenance: req.provenance(),
        txn_id: req.txn("redact"),
    }];
    effects.extend(record(
        req,
        svc,
        "redact",
        Record {
            actor: req.sender,
            action: "message.redact",
            target: Some(target::permalink(&room_id, &link.event_id)),
            reason: reason.map(str::to_string),
            case: None,
        },
    )?);
    Ok(Handled { reply: Some(messages::redacted(req.locale)), effects })
}
