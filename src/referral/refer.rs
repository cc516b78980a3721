//! `!refer` and `!attest`: opening a referral and its card.

use super::Service;
use super::messages;
use super::record::{Referral, Referrals};
use super::{Ctx, card_key};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance};
use crate::moderation::Record;
use crate::roles::Role;
use crate::service::{Failure, Handled, Request, refuse};
use matrix_sdk::ruma::UserId;
use url::Url;

/// What `!refer` names: the candidate, where their Fediverse presence is, why,
/// and the candidate's role as the edge looked it up.
pub struct Proposal<'a> {
    pub candidate: &'a UserId,
    pub url: &'a Url,
    pub reason: &'a str,
    pub their_role: Option<Role>,
}

pub fn refer(req: &Request<'_>, svc: &Service<'_>, p: Proposal<'_>) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let ctx = Ctx::new(req, svc);
    // Handled again after a crash: the referral exists; repeat its effects.
    if let Some(r) = refs.by_cause(req.event_id)? {
        return Ok(Handled { reply: None, effects: opened(req, svc, &ctx, &r)? });
    }
    let candidate = p.candidate.to_string();
    let url = p.url.as_str();
    let reason = p.reason;
    if candidate == req.sender {
        return refuse(messages::self_referral(req.locale));
    }
    if candidate == svc.bot || p.their_role.is_some_and(|r| r >= Role::Member) {
        return refuse(messages::already_member(req.locale, &candidate));
    }
    if let Some(open) = refs.in_progress_for(&candidate)? {
        return refuse(messages::duplicate_referral(req.locale, &candidate, open.number));
    }
    let rule = &svc.settings.rule;
    if let Some(adm) = refs.admission(req.sender)?
        && adm.admitted_ms.saturating_add(rule.probation_ms) > req.now_ms
    {
        return refuse(messages::on_probation(req.locale, adm.admitted_ms + rule.probation_ms));
    }
    let window_start = req.now_ms.saturating_sub(rule.quota_window_ms);
    let recent = refs.by_referrer(req.sender)?.into_iter().filter(|r| r.created_ms >= window_start).count();
    if recent >= rule.quota {
        return refuse(messages::quota_used(req.locale, rule.quota, rule.quota_window_ms));
    }
    let n = svc.store.next_number("referral")?;
    let r = Referral::new(n, &candidate, req.sender, url, reason, req.now_ms, req.event_id);
    refs.put(&r)?;
    Ok(Handled { reply: None, effects: opened(req, svc, &ctx, &r)? })
}

/// The card, the evidence lookup and the record of a new referral.
fn opened(req: &Request<'_>, svc: &Service<'_>, ctx: &Ctx<'_>, r: &Referral) -> Result<Vec<Effect>, Failure> {
    let mut effects = Vec::new();
    if let Some(room) = svc.directory.room_for(Purpose::Referrals) {
        effects.push(Effect::Notice {
            room_id: room.to_string(),
            mentions: vec![r.referrer.clone()],
            reply: messages::referral_card(req.locale, req.prefix, r, ctx.rule),
            provenance: Provenance::clear(room),
            txn_id: req.txn("card"),
            thread: None,
            remember: Some(card_key(r.number)),
        });
    }
    effects.push(Effect::CheckEvidence { referral: r.number, url: r.evidence_url.clone() });
    effects.extend(ctx.rec.record(
        req.event_id,
        "refer",
        Record {
            actor: req.sender,
            action: "referral.open",
            target: Some(r.candidate.clone()),
            reason: Some(r.reason.clone()),
            case: None,
        },
        false,
    )?);
    Ok(effects)
}

pub fn attest(req: &Request<'_>, svc: &Service<'_>, n: u64) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let Some(mut r) = refs.get(n)? else {
        return refuse(messages::no_such_referral(req.locale, n));
    };
    if r.referrer != req.sender {
        return refuse(messages::only_referrer_attests(req.locale));
    }
    if !r.in_progress() {
        return refuse(messages::referral_closed(req.locale, n));
    }
    r.attested = true;
    refs.put(&r)?;
    let ctx = Ctx::new(req, svc);
    let mut effects: Vec<Effect> =
        ctx.card_note(n, "attest", messages::attested(req.locale, &r.referrer)).into_iter().collect();
    effects.extend(super::flow::accept_if_ready(&ctx, &refs, r)?);
    Ok(Handled { reply: None, effects })
}
