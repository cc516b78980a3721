//! `!refer` and `!attest`: opening a referral and its card.

use super::messages;
use super::record::{Referral, Referrals};
use super::{Ctx, card_key};
use crate::commands::{Failure, Handled, Invocation, refuse};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance};
use crate::moderation::{Record, target};
use crate::roles::Role;

pub fn refer(inv: &Invocation<'_>, candidate_arg: &str, url: &str, reason: &str) -> Result<Handled, Failure> {
    let refs = Referrals::open(inv.store)?;
    let ctx = Ctx::from_inv(inv);
    // Handled again after a crash: the referral exists; repeat its effects.
    if let Some(r) = refs.by_cause(inv.event_id)? {
        return Ok(Handled { reply: None, effects: opened(inv, &ctx, &r)? });
    }
    let Some(candidate) = target::user(candidate_arg) else {
        return refuse(crate::moderation::messages::bad_user(inv.locale, candidate_arg));
    };
    if candidate == inv.sender {
        return refuse(messages::self_referral(inv.locale));
    }
    if candidate == inv.bot || inv.lookups.user_role.is_some_and(|r| r >= Role::Member) {
        return refuse(messages::already_member(inv.locale, &candidate));
    }
    if let Some(open) = refs.in_progress_for(&candidate)? {
        return refuse(messages::duplicate_referral(inv.locale, &candidate, open.number));
    }
    let parsed = url::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    if parsed.is_none() {
        return refuse(messages::bad_evidence_url(inv.locale, url));
    }
    let rule = &inv.referrals.rule;
    if let Some(adm) = refs.admission(inv.sender)?
        && adm.admitted_ms.saturating_add(rule.probation_ms) > inv.now_ms
    {
        return refuse(messages::on_probation(inv.locale, adm.admitted_ms + rule.probation_ms));
    }
    let window_start = inv.now_ms.saturating_sub(rule.quota_window_ms);
    let recent = refs.by_referrer(inv.sender)?.into_iter().filter(|r| r.created_ms >= window_start).count();
    if recent >= rule.quota {
        return refuse(messages::quota_used(inv.locale, rule.quota, rule.quota_window_ms));
    }
    let n = inv.store.next_number("referral")?;
    let r = Referral::new(n, &candidate, inv.sender, url, reason, inv.now_ms, inv.event_id);
    refs.put(&r)?;
    Ok(Handled { reply: None, effects: opened(inv, &ctx, &r)? })
}

/// The card, the evidence lookup and the record of a new referral.
fn opened(inv: &Invocation<'_>, ctx: &Ctx<'_>, r: &Referral) -> Result<Vec<Effect>, Failure> {
    let mut effects = Vec::new();
    if let Some(room) = inv.directory.room_for(Purpose::Referrals) {
        effects.push(Effect::Notice {
            room_id: room.to_string(),
            mentions: vec![r.referrer.clone()],
            reply: messages::referral_card(inv.locale, inv.prefix, r, ctx.rule),
            provenance: Provenance::clear(room),
            txn_id: inv.txn("card"),
            thread: None,
            remember: Some(card_key(r.number)),
        });
    }
    effects.push(Effect::CheckEvidence { referral: r.number, url: r.evidence_url.clone() });
    effects.extend(ctx.rec.record(
        inv.event_id,
        "refer",
        Record {
            actor: inv.sender,
            action: "referral.open",
            target: Some(r.candidate.clone()),
            reason: Some(r.reason.clone()),
            case: None,
        },
        false,
    )?);
    Ok(effects)
}

pub fn attest(inv: &Invocation<'_>, n: u64) -> Result<Handled, Failure> {
    let refs = Referrals::open(inv.store)?;
    let Some(mut r) = refs.get(n)? else {
        return refuse(messages::no_such_referral(inv.locale, n));
    };
    if r.referrer != inv.sender {
        return refuse(messages::only_referrer_attests(inv.locale));
    }
    if !r.in_progress() {
        return refuse(messages::referral_closed(inv.locale, n));
    }
    r.attested = true;
    refs.put(&r)?;
    let ctx = Ctx::from_inv(inv);
    let mut effects: Vec<Effect> =
        ctx.card_note(n, "attest", messages::attested(inv.locale, &r.referrer)).into_iter().collect();
    effects.extend(super::flow::accept_if_ready(&ctx, &refs, r)?);
    Ok(Handled { reply: None, effects })
}
