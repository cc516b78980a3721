//! `!vouch` (or 👍 on the card) and `!object`.

use super::Ctx;
use super::messages;
use super::record::{Objection, Referrals, Vouch};
use crate::commands::{Failure, Handled, Invocation, refuse};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance};
use crate::moderation::Record;

pub fn vouch(inv: &Invocation<'_>, n: u64) -> Result<Handled, Failure> {
    let refs = Referrals::open(inv.store)?;
    let Some(mut r) = refs.get(n)? else {
        return refuse(messages::no_such_referral(inv.locale, n));
    };
    if r.state != super::record::State::Open {
        return refuse(messages::referral_closed(inv.locale, n));
    }
    if r.referrer == inv.sender {
        return refuse(messages::own_referral(inv.locale));
    }
    let ctx = Ctx::from_inv(inv);
    if r.vouches.iter().any(|v| v.voter == inv.sender) {
        return refuse(messages::already_vouched(inv.locale, n));
    }
    r.vouches.push(Vouch { voter: inv.sender.to_string(), at_ms: inv.now_ms });
    refs.put(&r)?;
    let have = r.vouches.len();
    let mut effects: Vec<Effect> = ctx
        .card_note(n, "vouch", messages::vouched(inv.locale, inv.sender, have, ctx.rule.vouches))
        .into_iter()
        .collect();
    effects.extend(ctx.rec.record(
        inv.event_id,
        "vouch",
        Record {
            actor: inv.sender,
            action: "referral.vouch",
            target: Some(r.candidate.clone()),
            reason: None,
            case: None,
        },
        false,
    )?);
    effects.extend(super::flow::accept_if_ready(&ctx, &refs, r)?);
    Ok(Handled { reply: None, effects })
}

/// An objection reaches the moderators only: the command is removed from the
/// referrals room and the objector is answered privately.
pub fn object(inv: &Invocation<'_>, n: u64, reason: &str) -> Result<Handled, Failure> {
    let refs = Referrals::open(inv.store)?;
    let Some(mut r) = refs.get(n)? else {
        return refuse(messages::no_such_referral(inv.locale, n));
    };
    if r.state != super::record::State::Open {
        return refuse(messages::referral_closed(inv.locale, n));
    }
    // Once per command: the objection, its processed mark and its effects
    // are committed together, so a replay never reaches this line twice.
    r.objections.push(Objection {
        by: inv.sender.to_string(),
        at_ms: inv.now_ms,
        reason: inv.sealer.keep(reason, inv.encrypted),
        resolved: false,
    });
    refs.put(&r)?;
    let mut effects = vec![Effect::Redact {
        room_id: inv.room_id.to_string(),
        event_id: inv.event_id.to_string(),
        reason: None,
        provenance: Provenance::clear(inv.room_id),
        txn_id: inv.txn("redact-objection"),
    }];
    if let Some(mods) = inv.directory.room_for(Purpose::Moderators) {
        let shown = if inv.encrypted { None } else { Some(reason) };
        effects.push(Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply: messages::objection_post(inv.locale, inv.prefix, &r, inv.sender, shown),
            provenance: Provenance::clear(mods),
            txn_id: inv.txn("objection"),
            thread: None,
            remember: None,
        });
    }
    effects.push(Effect::Direct {
        user: inv.sender.to_string(),
        reply: messages::objection_received(inv.locale, n),
        provenance: inv.provenance(),
        txn_id: inv.txn("objection-dm"),
    });
    let ctx = Ctx::from_inv(inv);
    ctx.rec.record(
        inv.event_id,
        "object",
        Record {
            actor: inv.sender,
            action: "referral.object",
            target: Some(r.candidate.clone()),
            reason: (!inv.encrypted).then(|| reason.to_string()),
            case: None,
        },
        false,
    )?;
    // The card only says the rule is not met; not who objected or why.
    Ok(Handled { reply: None, effects })
}
