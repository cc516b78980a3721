//! `!warn`, `!mute`, `!kick`, `!ban`, `!unmute`, `!unban`, `!redact`.
//!
//! Sanctions apply to every room of the Space and its sub-spaces. Moderators,
//! admins and the bot cannot be sanctioned (a clear refusal, not a failed
//! power-level change half-way through the Space).

use super::case::Cases;
use super::messages;
use super::record::{Record, record};
use super::sanction::{self, Kind, Lifted, Sanction, Sanctions};
use super::target;
use crate::commands::{Failure, Handled, Invocation, refuse};
use crate::duration;
use crate::effects::Effect;
use crate::roles::Role;

/// The user a sanction names, once it is clear they may be sanctioned.
fn sanctionable(inv: &Invocation<'_>, arg: &str) -> Result<String, Failure> {
    let Some(user) = target::user(arg) else {
        return refuse(messages::bad_user(inv.locale, arg));
    };
    if user == inv.bot || user == inv.sender {
        return refuse(messages::not_the_bot(inv.locale));
    }
    if inv.lookups.user_role.is_some_and(|r| r >= Role::Moderator) {
        return refuse(messages::protected_user(inv.locale, &user));
    }
    Ok(user)
}

pub fn sanction(
    inv: &Invocation<'_>,
    kind: Kind,
    user_arg: &str,
    duration_arg: Option<&str>,
    case: Option<u64>,
    reason: &str,
) -> Result<Handled, Failure> {
    let user = sanctionable(inv, user_arg)?;
    let until_ms = match duration_arg {
        None => None,
        Some(d) => match duration::parse(d) {
            Some(ms) => Some(inv.now_ms + ms),
            None => return refuse(messages::bad_duration(inv.locale, d)),
        },
    };
    let cases = Cases::open(inv.store)?;
    let mut linked: Vec<u64> = match case {
        Some(n) => match cases.get(n)? {
            Some(c) => vec![c.number],
            None => return refuse(messages::no_such_case(inv.locale, n)),
        },
        None => cases.open_about(&user)?.into_iter().map(|c| c.number).collect(),
    };
    linked.sort_unstable();
    let stored = Sanctions::open(inv.store)?.record(Sanction {
        key: sanction::key_for(inv.event_id),
        kind,
        user: user.clone(),
        by: inv.sender.to_string(),
        reason: reason.to_string(),
        at_ms: inv.now_ms,
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

    let provenance = inv.provenance();
    let mut effects = sanction::enforce(kind, false, &user, reason, inv.directory, &provenance);
    let rooms = effects.iter().filter(|e| !matches!(e, Effect::PolicyRule { .. })).count();
    let dm = match kind {
        Kind::Warn => Some(messages::warn_dm(inv.locale, reason)),
        Kind::Mute => Some(messages::mute_dm(inv.locale, stored.until_ms, reason)),
        Kind::Kick | Kind::Ban => None,
    };
    if let Some(reply) = dm {
        effects.push(Effect::Direct { user: user.clone(), reply, provenance, txn_id: inv.txn("sanction-dm") });
    }
    if matches!(kind, Kind::Kick | Kind::Ban) {
        // Whom the removed member brought in, for the moderators to review.
        effects.extend(crate::referral::referred_by_notice(inv, &user)?);
    }
    let action = format!("sanction.{}", kind.as_str());
    let mut target = user.clone();
    if let Some(until) = stored.until_ms {
        target.push_str(&format!(" until {}", duration::jst(until)));
    }
    let case_ref = linked.first().copied();
    effects.extend(record(
        inv,
        "sanction",
        Record {
            actor: inv.sender,
            action: &action,
            target: Some(target),
            reason: Some(reason.into()),
            case: case_ref,
        },
    )?);
    Ok(Handled {
        reply: Some(messages::sanction_done(inv.locale, kind, &user, rooms, stored.until_ms, &linked)),
        effects,
    })
}

/// `!unmute` and `!unban`: lifts what is in force, and in any case restores
/// the user everywhere (a ban set by hand is lifted too).
pub fn lift(inv: &Invocation<'_>, kind: Kind, user_arg: &str, reason: Option<&str>) -> Result<Handled, Failure> {
    let Some(user) = target::user(user_arg) else {
        return refuse(messages::bad_user(inv.locale, user_arg));
    };
    let sanctions = Sanctions::open(inv.store)?;
    for s in sanctions.active(&user, kind)? {
        sanctions.lift(
            &s.key,
            Lifted { at_ms: inv.now_ms, by: inv.sender.to_string(), reason: reason.map(str::to_string) },
        )?;
    }
    let provenance = inv.provenance();
    let mut effects = sanction::enforce(kind, true, &user, reason.unwrap_or_default(), inv.directory, &provenance);
    if kind == Kind::Mute {
        effects.push(Effect::Direct {
            user: user.clone(),
            reply: messages::unmute_dm(inv.locale),
            provenance,
            txn_id: inv.txn("lift-dm"),
        });
    }
    let action = format!("sanction.un{}", kind.as_str());
    effects.extend(record(
        inv,
        "lift",
        Record {
            actor: inv.sender,
            action: &action,
            target: Some(user.clone()),
            reason: reason.map(str::to_string),
            case: None,
        },
    )?);
    Ok(Handled { reply: Some(messages::lifted(inv.locale, kind, &user)), effects })
}

pub fn redact(inv: &Invocation<'_>, link_arg: &str, reason: Option<&str>) -> Result<Handled, Failure> {
    let Some(link) = target::message_link(link_arg) else {
        return refuse(messages::bad_link(inv.locale, link_arg));
    };
    let Some(room_id) = inv.directory.resolve(&link.room).filter(|r| inv.directory.contains(r)) else {
        return refuse(messages::not_a_space_room(inv.locale));
    };
    let mut effects = vec![Effect::Redact {
        room_id: room_id.clone(),
        event_id: link.event_id.clone(),
        reason: reason.map(str::to_string),
        provenance: inv.provenance(),
        txn_id: inv.txn("redact"),
    }];
    effects.extend(record(
        inv,
        "redact",
        Record {
            actor: inv.sender,
            action: "message.redact",
            target: Some(target::permalink(&room_id, &link.event_id)),
            reason: reason.map(str::to_string),
            case: None,
        },
    )?);
    Ok(Handled { reply: Some(messages::redacted(inv.locale)), effects })
}
