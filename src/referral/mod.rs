//! Admission by referral: referral cards, attestations, vouches and
//! objections, the consensus rule, the rules agreement, and the vouch tree.
//!
//! seeds/000: joining is by referral only, and every candidate must have run
//! a Fediverse server for 3+ months, communicate in Japanese, act in the
//! spirit of mutual aid, and keep the rules, which they accept before
//! joining. seeds/004: decisions by consensus. The referral room is where
//! members propose people; objections go to the moderators, not the card.
//!
//! Sans-I/O: handlers read and write sled and return effects; the evidence
//! lookup is an effect whose result the edge feeds back (`evidence_found`).

pub mod evidence;
mod flow;
pub mod messages;
pub mod record;
mod refer;
pub mod rule;
pub mod rules_doc;
mod votes;

pub use flow::{agree, approve_cmd, due, evidence_found, list, referred_by_notice, reject_cmd, rules_changed, whois};
pub use refer::{Proposal, attest, refer};
pub use votes::{object, vouch};

use crate::effects::{Effect, Provenance, txn_id};
use crate::moderation::Recorder;
use crate::service::Request;
use crate::space::directory::Directory;
use crate::store::{Sealer, Store};

/// What the referral service works with: its trees, the sealer for
/// objections from encrypted rooms, the Space's rooms, the bot's own ID, the
/// `[referrals]` settings (the rule) and the rules text members accept.
#[derive(Clone, Copy)]
pub struct Service<'a> {
    pub store: &'a Store,
    pub sealer: &'a Sealer,
    pub directory: &'a Directory,
    pub bot: &'a str,
    pub settings: &'a crate::config::ReferralConfig,
    pub rules: &'a rules_doc::Rules,
}

/// What the referral services need besides the store: the rule, the rules
/// text, and where to record and post.
pub struct Ctx<'a> {
    pub rec: Recorder<'a>,
    pub rule: &'a rule::Rule,
    pub rules: &'a rules_doc::Rules,
    pub prefix: &'a str,
    pub bot: &'a str,
    /// The event (or scheduler tick) causing the change, for idempotence.
    pub cause: String,
}

impl<'a> Ctx<'a> {
    /// The context of a command: recorded and caused by its event.
    pub fn new(req: &Request<'a>, svc: &Service<'a>) -> Ctx<'a> {
        Ctx {
            rec: crate::moderation::recorder(req, svc.store, svc.directory),
            rule: &svc.settings.rule,
            rules: svc.rules,
            prefix: req.prefix,
            bot: svc.bot,
            cause: req.event_id.to_string(),
        }
    }

    /// A post in the thread of referral `n`'s card, in the referrals room.
    pub fn card_note(&self, n: u64, slot: &str, reply: crate::i18n::Reply) -> Option<Effect> {
        let room = self.rec.dir.room_for(crate::config::purpose::Purpose::Referrals)?;
        Some(Effect::Notice {
            room_id: room.to_string(),
            mentions: Vec::new(),
            reply,
            provenance: Provenance::clear(room),
            txn_id: txn_id(&self.cause, slot),
            thread: Some(card_key(n)),
            remember: None,
        })
    }
}

/// The key a referral's card is remembered under.
pub fn card_key(n: u64) -> String {
    format!("card:{n}")
}

/// The referral number of a remembered card key.
pub fn card_number(key: &str) -> Option<u64> {
    key.strip_prefix("card:")?.parse().ok()
}
