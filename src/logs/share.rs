//! A member shares a log: analyse it, record its sightings, answer in its thread.

use super::analyze::Analyzer;
use super::messages;
use super::sightings::Sightings;
use super::tlp::Tlp;
use super::{Settings, summary};
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::{self, Locale};
use crate::store::{Keyed, Sealer, Store, StoreError};

/// What the service needs besides the share.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub sealer: &'a Sealer,
    pub keyed: &'a Keyed,
    pub settings: &'a Settings,
    pub locale: Locale,
    pub now_ms: u64,
}

/// One shared log.
pub struct Share<'a> {
    pub sender: &'a str,
    pub room_id: &'a str,
    /// The message that carries the log: the summary goes in its thread.
    pub event_id: &'a str,
    /// Where the answer goes (the share itself, or a `!log --tlp` reply to it).
    pub thread_root: &'a str,
    pub log: &'a [u8],
    /// The label given; `None`: TLP:AMBER is assumed and said.
    pub tlp: Option<Tlp>,
}

fn encrypted(room: &str) -> Provenance {
    Provenance { source_room: room.to_string(), source_encrypted: true }
}

/// Analyses a share and returns the answer to post.
pub fn share(ctx: &Ctx<'_>, s: &Share<'_>) -> Result<Vec<Effect>, StoreError> {
    let tally = Analyzer::run(s.log);
    let tlp = s.tlp.unwrap_or(Tlp::Amber);
    let indicators = summary::indicators(&tally, &ctx.settings.local);
    let seen = Sightings::open(ctx.store)?.report(
        ctx.keyed,
        ctx.sealer,
        s.sender,
        &indicators,
        tlp,
        ctx.now_ms,
        ctx.settings.sighting_ttl_ms,
    )?;
    let kept = if tlp.keeps_sightings() { indicators.len() } else { 0 };
    let summary = summary::build(&tally, s.tlp, &ctx.settings.local, ctx.keyed, seen, kept);
    Ok(vec![Effect::Threaded {
        room_id: s.room_id.to_string(),
        root: s.thread_root.to_string(),
        reply: messages::log_summary(ctx.locale, &summary),
        provenance: encrypted(s.room_id),
        txn_id: txn_id(s.event_id, "log-summary"),
    }])
}

/// The answer when a share cannot be read (too large, not text, bad label).
pub fn unreadable(room_id: &str, event_id: &str, reply: i18n::Reply) -> Effect {
    Effect::Threaded {
        room_id: room_id.to_string(),
        root: event_id.to_string(),
        reply,
        provenance: encrypted(room_id),
        txn_id: txn_id(event_id, "log-summary"),
    }
}
