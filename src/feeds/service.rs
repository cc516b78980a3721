//! One poll's result, turned into posts, outage notices and new state.
//!
//! The edge fetches; this decides. `after_fetch` and `finish` run in one
//! unit of work with the posts staged in the outbox, so the items marked seen
//! and the posts about them are committed together (or not at all).

use super::admin_messages;
use super::ingest::{self, Ingest, Plan, Policy};
use super::poll::{Fetched, Outage};
use super::registry::{FeedRecord, Registry};
use super::watch::Matcher;
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance, txn_id};
use crate::moderation::{Record, Recorder};
use crate::store::StoreError;

/// What a poll produced.
#[derive(Debug)]
pub struct Polled {
    pub effects: Vec<Effect>,
    pub plan: Option<Plan>,
    /// The feed with its new state, saved by `finish`.
    pub record: FeedRecord,
}

/// What decides posts, besides each feed's own settings.
pub struct Settings<'a> {
    pub watch: &'a Matcher,
    pub min_cvss_vuln_info: Option<f32>,
    pub min_cvss_news: Option<f32>,
}

impl Settings<'_> {
    pub fn min_cvss(&self, room: Purpose) -> Option<f32> {
        if room == Purpose::News { self.min_cvss_news } else { self.min_cvss_vuln_info }
    }
}

/// `!feed test`'s answer: what the feed holds and what would be posted,
/// from a fetch made against an empty seen-set.
pub fn test_result(
    locale: crate::i18n::Locale,
    settings: &Settings<'_>,
    spec: &super::FeedSpec,
    fetched: &Fetched,
    body: Option<&[u8]>,
) -> crate::i18n::Reply {
    match (fetched, body) {
        (_, Some(bytes)) => match super::parse(&spec.name, bytes) {
            Ok(items) => {
                let min = settings.min_cvss(spec.room);
                let would: Vec<super::Advisory> = items
                    .iter()
                    .filter(|a| {
                        matches!(
                            super::watch::decide(a, settings.watch, spec.filter, min),
                            super::watch::Decision::Post { .. }
                        )
                    })
                    .cloned()
                    .collect();
                admin_messages::feed_test_result(locale, items.len(), &would, items.len() - would.len())
            }
            Err(e) => admin_messages::feed_test_failed(locale, &e.to_string()),
        },
        (Fetched::Failed { error, .. }, None) => admin_messages::feed_test_failed(locale, error),
        (_, None) => admin_messages::feed_test_failed(locale, "no body"),
    }
}

pub fn after_fetch(
    rec: &Recorder<'_>,
    settings: &Settings<'_>,
    id: &str,
    fetched: Fetched,
    body: Option<&[u8]>,
) -> Result<Option<Polled>, StoreError> {
    let Some(mut feed) = Registry::open(rec.store)?.get(id)? else {
        return Ok(None);
    };
    let mut fetched = fetched;
    let mut plan = None;
    if let Some(bytes) = body {
        match super::parse(&feed.spec.name, bytes) {
            Ok(items) => {
                let policy = Policy {
                    watch: settings.watch,
                    filter: feed.spec.filter,
                    min_cvss: settings.min_cvss(feed.spec.room),
                    backfill: feed.spec.backfill,
                };
                plan = Some(Ingest::open(rec.store)?.plan(id, &items, feed.state.primed, &policy)?);
            }
            // A feed that no longer parses is failing, like one that does not answer.
            Err(e) => fetched = Fetched::Failed { error: e.to_string(), retry_after_ms: None },
        }
    }
    let succeeded = !matches!(fetched, Fetched::Failed { .. });
    let outage = feed.state.record(id, fetched, rec.now_ms, feed.spec.every_ms);
    feed.counts.polls += 1;
    let mut effects = Vec::new();
    if let Some(plan) = &plan {
        feed.counts.posted += plan.posts.len() as u64;
        feed.counts.unmatched += plan.unmatched as u64;
        feed.counts.excluded += plan.excluded as u64;
        feed.counts.below_cvss += plan.below_cvss as u64;
        if let Some(room) = rec.dir.room_for(feed.spec.room) {
            effects.extend(ingest::effects(id, plan, room, rec.locale));
        }
    }
    if succeeded {
        feed.state.primed = true;
    }
    if let (Some(outage), Some(mods)) = (outage, rec.dir.room_for(Purpose::Moderators)) {
        let (reply, slot) = match &outage {
            Outage::Started { error } => {
                (admin_messages::feed_down(rec.locale, &feed.spec.name, &feed.spec.url, error), "down")
            }
            Outage::Ended { since_ms } => {
                (admin_messages::feed_up(rec.locale, &feed.spec.name, rec.now_ms.saturating_sub(*since_ms)), "up")
            }
        };
        let since = feed.state.failing_since_ms.unwrap_or(match outage {
            Outage::Ended { since_ms } => since_ms,
            Outage::Started { .. } => rec.now_ms,
        });
        effects.push(Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply,
            provenance: Provenance::clear(mods),
            txn_id: txn_id(&format!("feed-outage:{id}:{since}"), slot),
            thread: None,
            remember: None,
        });
    }
    Ok(Some(Polled { effects, plan, record: feed }))
}

/// After the effects were carried out: marks items seen and saves the state.
pub fn finish(rec: &Recorder<'_>, polled: &Polled) -> Result<(), StoreError> {
    if let Some(plan) = &polled.plan {
        Ingest::open(rec.store)?.commit(&polled.record.spec.id, plan, rec.now_ms)?;
    }
    let registry = Registry::open(rec.store)?;
    // Paused or removed while the poll ran: keep that.
    match registry.get(&polled.record.spec.id)? {
        Some(current) => {
            let mut next = polled.record.clone();
            next.paused = current.paused;
            registry.put(&next)
        }
        None => Ok(()),
    }
}

/// Audits a feed change.
pub fn audit(
    rec: &Recorder<'_>,
    cause: &str,
    actor: &str,
    action: &str,
    feed: &FeedRecord,
) -> Result<Option<Effect>, StoreError> {
    rec.record(
        cause,
        action,
        Record { actor, action, target: Some(format!("{} {}", feed.spec.id, feed.spec.url)), reason: None, case: None },
        true,
    )
}
