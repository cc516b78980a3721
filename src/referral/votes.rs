//! `!vouch` (or 👍 on the card) and `!object`.

use super::Ctx;
use super::Service;
use super::messages;
use super::record::{Objection, Referrals, Vouch};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance};
use crate::moderation::Record;
use crate::service::{Failure, Handled, Request, refuse};

pub fn vouch(req: &Request<'_>, svc: &Service<'_>, n: u64) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let Some(mut r) = refs.get(n)? else {
        return refuse(messages::no_such_referral(req.locale, n));
    };
    if r.state != super::record::State::Open {
        return refuse(messages::referral_closed(req.locale, n));
    }
    if r.referrer == req.sender {
        return refuse(messages::own_referral(req.locale));
    }
    let ctx = Ctx::new(req, svc);
    if r.vouches.iter().any(|v| v.voter == req.sender) {
        return refuse(messages::already_vouched(req.locale, n));
    }
    r.vouches.push(Vouch { voter: req.sender.to_string(), at_ms: req.now_ms });
    refs.put(&r)?;
    let have = r.vouches.len();
    let mut effects: Vec<Effect> = ctx
        .card_note(n, "vouch", messages::vouched(req.locale, req.sender, have, ctx.rule.vouches))
        .into_iter()
        .collect();
    effects.extend(ctx.rec.record(
        req.event_id,
        "vouch",
        Record {
            actor: req.sender,
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
pub fn object(req: &Request<'_>, svc: &Service<'_>, n: u64, reason: &str) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let Some(mut r) = refs.get(n)? else {
        return refuse(messages::no_such_referral(req.locale, n));
    };
    if r.state != super::record::State::Open {
        return refuse(messages::referral_closed(req.locale, n));
    }
    // Once per command: the objection, its processed mark and its effects
    // are committed together, so a replay never reaches this line twice.
    r.objections.push(Objection {
        by: req.sender.to_string(),
        at_ms: req.now_ms,
        reason: svc.sealer.keep(reason, req.encrypted),
        resolved: false,
    });
    refs.put(&r)?;
    let mut effects = vec![Effect::Redact {
        room_id: req.room_id.to_string(),
        event_id: req.event_id.to_string(),
        reason: None,
        provenance: Provenance::clear(req.room_id),
        txn_id: req.txn("redact-objection"),
    }];
    if let Some(mods) = svc.directory.room_for(Purpose::Moderators) {
        let shown = if req.encrypted { None } else { Some(reason) };
        effects.push(Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply: messages::objection_post(req.locale, req.prefix, &r, req.sender, shown),
            provenance: Provenance::clear(mods),
            txn_id: req.txn("objection"),
            thread: None,
            remember: None,
        });
    }
    effects.push(Effect::Direct {
        user: req.sender.to_string(),
        reply: messages::objection_received(req.locale, n),
        provenance: req.provenance(),
        txn_id: req.txn("objection-dm"),
    });
    let ctx = Ctx::new(req, svc);
    ctx.rec.record(
        req.event_id,
        "object",
        Record {
            actor: req.sender,
            action: "referral.object",
            target: Some(r.candidate.clone()),
            reason: (!req.encrypted).then(|| reason.to_string()),
            case: None,
        },
        false,
    )?;
    // The card only says the rule is not met; not who objected or why.
    Ok(Handled { reply: None, effects })
}
