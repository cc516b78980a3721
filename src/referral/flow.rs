//! Decisions and what follows them: acceptance (by the rule or a
//! moderator), rejection, expiry, the rules agreement that admits a
//! candidate, lapsed invitations, and the views `!whois` and `!referrals`.

use super::Ctx;
use super::Service;
use super::evidence::Evidence;
use super::messages;
use super::record::{Admission, Agreement, Referral, Referrals, State};
use super::rule::{self, Verdict};
use crate::config::purpose::Purpose;
use crate::effects::{Effect, MemberAction, Provenance, txn_id};
use crate::moderation::{Record, Recorder};
use crate::roles::Role;
use crate::service::{Failure, Handled, Request, refuse};
use crate::space::directory::Directory;
use crate::store::{Store, StoreError};
use matrix_sdk::ruma::UserId;

/// Accepts the referral if the rule is met now.
pub(super) fn accept_if_ready(ctx: &Ctx<'_>, refs: &Referrals, r: Referral) -> Result<Vec<Effect>, StoreError> {
    if rule::decide(&r, ctx.rule, ctx.rec.now_ms) == Verdict::Accept {
        approve(ctx, refs, r, ctx.bot, None)
    } else {
        Ok(Vec::new())
    }
}

/// Approves: the candidate is invited to the welcome room only and given
/// the rules to agree to.
fn approve(
    ctx: &Ctx<'_>,
    refs: &Referrals,
    mut r: Referral,
    by: &str,
    reason: Option<&str>,
) -> Result<Vec<Effect>, StoreError> {
    let now = ctx.rec.now_ms;
    r.state = State::Approved;
    r.decided_ms = Some(now);
    r.decided_by = Some(by.to_string());
    r.decision_reason = reason.map(str::to_string);
    r.agree_by_ms = Some(now + ctx.rule.agree_within_ms);
    for o in &mut r.objections {
        o.resolved = true;
    }
    refs.put(&r)?;
    let locale = ctx.rec.locale;
    let mut effects = Vec::new();
    if let Some(welcome) = ctx.rec.dir.room_for(Purpose::Welcome) {
        effects.push(Effect::Invite { room_id: welcome.to_string(), user: r.candidate.clone() });
        effects.push(Effect::Notice {
            room_id: welcome.to_string(),
            mentions: vec![r.candidate.clone()],
            reply: messages::rules_for_candidate(
                locale,
                ctx.prefix,
                &r.candidate,
                ctx.rules,
                now + ctx.rule.agree_within_ms,
            ),
            provenance: Provenance::clear(welcome),
            txn_id: txn_id(&ctx.cause, "rules"),
            thread: None,
            remember: None,
        });
    }
    effects.extend(ctx.card_note(r.number, "approved", messages::approved_note(locale, by, ctx.bot, reason)));
    effects.extend(ctx.rec.record(
        &ctx.cause,
        "approve",
        Record {
            actor: by,
            action: "referral.approve",
            target: Some(r.candidate.clone()),
            reason: reason.map(str::to_string),
            case: None,
        },
        true,
    )?);
    Ok(effects)
}

fn load_open(req: &Request<'_>, refs: &Referrals, n: u64) -> Result<Referral, Failure> {
    let Some(r) = refs.get(n)? else {
        return refuse(messages::no_such_referral(req.locale, n));
    };
    if r.state != State::Open {
        return refuse(messages::referral_closed(req.locale, n));
    }
    Ok(r)
}

pub fn approve_cmd(req: &Request<'_>, svc: &Service<'_>, n: u64, reason: Option<&str>) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let r = load_open(req, &refs, n)?;
    let ctx = Ctx::new(req, svc);
    let effects = approve(&ctx, &refs, r, req.sender, reason)?;
    Ok(Handled { reply: Some(messages::decision_done(req.locale, n, true)), effects })
}

pub fn reject_cmd(req: &Request<'_>, svc: &Service<'_>, n: u64, reason: &str) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let mut r = load_open(req, &refs, n)?;
    r.state = State::Rejected;
    r.decided_ms = Some(req.now_ms);
    r.decided_by = Some(req.sender.to_string());
    r.decision_reason = Some(reason.to_string());
    refs.put(&r)?;
    let ctx = Ctx::new(req, svc);
    let mut effects: Vec<Effect> =
        ctx.card_note(n, "rejected", messages::rejected_note(req.locale, req.sender, reason)).into_iter().collect();
    effects.extend(ctx.rec.record(
        req.event_id,
        "reject",
        Record {
            actor: req.sender,
            action: "referral.reject",
            target: Some(r.candidate.clone()),
            reason: Some(reason.into()),
            case: None,
        },
        true,
    )?);
    Ok(Handled { reply: Some(messages::decision_done(req.locale, n, false)), effects })
}

/// What the scheduler does at `now`: accept referrals whose discussion time
/// has passed, close expired ones, and withdraw lapsed invitations. Each
/// change is one record write, so a tick interrupted half-way resumes.
pub fn due(
    rec: Recorder<'_>,
    rule: &rule::Rule,
    rules: &super::rules_doc::Rules,
    prefix: &str,
    bot: &str,
) -> Result<Vec<Effect>, StoreError> {
    let refs = Referrals::open(rec.store)?;
    let now = rec.now_ms;
    let locale = rec.locale;
    let mut effects = Vec::new();
    for r in refs.all()? {
        let ctx = Ctx {
            rec: Recorder { ..rec },
            rule,
            rules,
            prefix,
            bot,
            cause: format!("referral:{}:{:?}", r.number, r.state),
        };
        match (r.state, rule::decide(&r, rule, now)) {
            (State::Open, Verdict::Accept) => effects.extend(approve(&ctx, &refs, r, bot, None)?),
            (State::Open, Verdict::Expired) => {
                let mut r = r;
                r.state = State::Expired;
                r.decided_ms = Some(now);
                refs.put(&r)?;
                effects.extend(ctx.card_note(r.number, "expired", messages::expired_note(locale)));
                effects.extend(ctx.rec.record(
                    &ctx.cause,
                    "expire",
                    Record {
                        actor: bot,
                        action: "referral.expire",
                        target: Some(r.candidate.clone()),
                        reason: None,
                        case: None,
                    },
                    true,
                )?);
            }
            (State::Approved, _) if r.agree_by_ms.is_some_and(|t| now >= t) => {
                let mut r = r;
                r.state = State::Lapsed;
                refs.put(&r)?;
                if let Some(welcome) = rec.dir.room_for(Purpose::Welcome) {
                    // Kicking an invited user withdraws the invitation.
                    effects.push(Effect::Membership {
                        room_id: welcome.to_string(),
                        user: r.candidate.clone(),
                        action: MemberAction::Kick,
                        reason: Some(messages::lapsed_reason(locale)),
                        provenance: Provenance::clear(welcome),
                    });
                }
                effects.extend(ctx.card_note(r.number, "lapsed", messages::lapsed_note(locale)));
                effects.extend(ctx.rec.record(
                    &ctx.cause,
                    "lapse",
                    Record {
                        actor: bot,
                        action: "referral.lapse",
                        target: Some(r.candidate.clone()),
                        reason: None,
                        case: None,
                    },
                    true,
                )?);
            }
            _ => {}
        }
    }
    Ok(effects)
}

/// `!agree`: an approved candidate accepts the rules and is admitted; a
/// member accepts the current version of the rules.
pub fn agree(req: &Request<'_>, svc: &Service<'_>) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let ctx = Ctx::new(req, svc);
    let version = ctx.rules.version.clone();
    let agreement = Agreement { user: req.sender.to_string(), version: version.clone(), at_ms: req.now_ms };
    let pending = refs
        .all()?
        .into_iter()
        .find(|r| r.candidate == req.sender && matches!(r.state, State::Approved | State::Admitted));
    match pending {
        // Admitted but not yet in the Space: the same `!agree` handled again
        // after a crash, or the invitations never arrived; invite again.
        Some(mut r) if r.state == State::Approved || req.role < Role::Member => {
            let admission = Admission {
                user: req.sender.to_string(),
                referral: r.number,
                referrer: r.referrer.clone(),
                vouchers: r.vouches.iter().map(|v| v.voter.clone()).collect(),
                admitted_ms: req.now_ms,
            };
            if r.state == State::Approved {
                r.state = State::Admitted;
                refs.admit(&r, &admission, &agreement)?;
            }
            let mut effects = Vec::new();
            // The Space, then its rooms (not the invite-only ones; category
            // sub-spaces are reached through the Space).
            effects
                .push(Effect::Invite { room_id: svc.directory.space_id().to_string(), user: req.sender.to_string() });
            for room in svc.directory.all_rooms() {
                if svc.directory.purpose_of(room).is_some_and(|p| !p.invite_only()) {
                    effects.push(Effect::Invite { room_id: room.to_string(), user: req.sender.to_string() });
                }
            }
            effects.extend(ctx.card_note(r.number, "admitted", messages::admitted_note(req.locale, req.sender)));
            effects.extend(ctx.rec.record(
                req.event_id,
                "admit",
                Record {
                    actor: req.sender,
                    action: "referral.admit",
                    target: Some(format!("{} rules {version}", req.sender)),
                    reason: None,
                    case: None,
                },
                true,
            )?);
            Ok(Handled { reply: Some(messages::welcome_admitted(req.locale, &version)), effects })
        }
        _ if req.role >= Role::Member => {
            refs.record_agreement(&agreement)?;
            ctx.rec.record(
                req.event_id,
                "agree",
                Record {
                    actor: req.sender,
                    action: "rules.agree",
                    target: Some(version.clone()),
                    reason: None,
                    case: None,
                },
                false,
            )?;
            Ok(Handled::reply(messages::agreed(req.locale, &version)))
        }
        _ => refuse(messages::not_invited(req.locale)),
    }
}

pub fn whois(req: &Request<'_>, svc: &Service<'_>, user: &UserId) -> Result<Handled, Failure> {
    let user = user.as_str();
    let refs = Referrals::open(svc.store)?;
    let admission = refs.admission(user)?;
    let agreement = refs.agreement(user)?;
    let referred: Vec<Referral> = refs.by_referrer(user)?;
    let current = refs.in_progress_for(user)?;
    Ok(Handled::reply(messages::whois(
        req.locale,
        user,
        admission.as_ref(),
        agreement.as_ref(),
        &svc.rules.version,
        &referred,
        current.as_ref(),
    )))
}

pub fn list(req: &Request<'_>, svc: &Service<'_>) -> Result<Handled, Failure> {
    let refs = Referrals::open(svc.store)?;
    let open: Vec<(Referral, Verdict)> = refs
        .all()?
        .into_iter()
        .filter(Referral::in_progress)
        .map(|r| {
            let v = rule::decide(&r, &svc.settings.rule, req.now_ms);
            (r, v)
        })
        .collect();
    Ok(Handled::reply(messages::referral_list(req.locale, &open)))
}

/// The evidence lookup's result, noted on the card and kept on the referral.
pub fn evidence_found(rec: &Recorder<'_>, n: u64, found: Result<Evidence, String>) -> Result<Vec<Effect>, StoreError> {
    let refs = Referrals::open(rec.store)?;
    let Some(mut r) = refs.get(n)? else {
        return Ok(Vec::new());
    };
    let text = messages::evidence_note(rec.locale, &found, rec.now_ms);
    r.evidence = Some(text.plain.clone());
    refs.put(&r)?;
    let Some(room) = rec.dir.room_for(Purpose::Referrals) else {
        return Ok(Vec::new());
    };
    Ok(vec![Effect::Notice {
        room_id: room.to_string(),
        mentions: Vec::new(),
        reply: text,
        provenance: Provenance::clear(room),
        txn_id: txn_id(&format!("evidence:{n}"), "note"),
        thread: Some(super::card_key(n)),
        remember: None,
    }])
}

/// When a member is removed: whom they referred, for the moderators to
/// review (no automatic action).
pub fn referred_by_notice(
    req: &Request<'_>,
    store: &Store,
    directory: &Directory,
    user: &str,
) -> Result<Option<Effect>, StoreError> {
    let admitted: Vec<String> = Referrals::open(store)?
        .by_referrer(user)?
        .into_iter()
        .filter(|r| r.state == State::Admitted)
        .map(|r| r.candidate)
        .collect();
    if admitted.is_empty() {
        return Ok(None);
    }
    let Some(mods) = directory.room_for(Purpose::Moderators) else {
        return Ok(None);
    };
    Ok(Some(Effect::Notice {
        room_id: mods.to_string(),
        mentions: Vec::new(),
        reply: messages::review_referred(req.locale, user, &admitted),
        provenance: Provenance::clear(mods),
        txn_id: req.txn("referred-review"),
        thread: None,
        remember: None,
    }))
}

/// At start: if the rules changed since the last run, record it and (if
/// configured) ask members to agree again, in the announcements room.
pub fn rules_changed(
    rec: &Recorder<'_>,
    rules: &super::rules_doc::Rules,
    reagree: bool,
    prefix: &str,
    bot: &str,
) -> Result<Vec<Effect>, StoreError> {
    let meta = rec.store.tree::<String>("meta")?;
    let previous = meta.get("rules_version")?;
    if previous.as_deref() == Some(rules.version.as_str()) {
        return Ok(Vec::new());
    }
    meta.insert("rules_version", &rules.version)?;
    let Some(previous) = previous else {
        return Ok(Vec::new());
    };
    let cause = format!("rules:{}", rules.version);
    let mut effects: Vec<Effect> = rec
        .record(
            &cause,
            "change",
            Record {
                actor: bot,
                action: "rules.change",
                target: Some(format!("{previous} → {}", rules.version)),
                reason: None,
                case: None,
            },
            true,
        )?
        .into_iter()
        .collect();
    if reagree && let Some(room) = rec.dir.room_for(Purpose::Announcements) {
        effects.push(Effect::Notice {
            room_id: room.to_string(),
            mentions: Vec::new(),
            reply: messages::rules_updated(rec.locale, prefix, rules),
            provenance: Provenance::clear(room),
            txn_id: txn_id(&cause, "announce"),
            thread: None,
            remember: None,
        });
    }
    Ok(effects)
}
