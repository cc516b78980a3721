//! `!feed add|list|remove|pause|resume|test`: moderators manage feeds.

use super::admin_messages;
use super::registry::{Counts, FeedRecord, Origin, Registry};
use super::service;
use super::{FeedSpec, MIN_EVERY_MS, poll::PollState};
use crate::effects::Effect;
use crate::moderation::{Recorder, recorder};
use crate::service::{Failure, Handled, Request, refuse};
use crate::space::directory::Directory;
use crate::store::Store;

/// What the feed commands work with: the registry in the store, and the
/// Space's rooms (for the moderators' record).
#[derive(Clone, Copy)]
pub struct Service<'a> {
    pub store: &'a Store,
    pub directory: &'a Directory,
}

/// A feed to add, as a moderator typed it.
pub struct NewFeed<'a> {
    pub url: &'a str,
    /// `vuln-info` (the default) or `news`.
    pub room: Option<&'a str>,
    pub every_ms: Option<u64>,
    pub backfill: Option<usize>,
}

fn find(req: &Request<'_>, registry: &Registry, id: &str) -> Result<FeedRecord, Failure> {
    match registry.get(id)? {
        Some(f) => Ok(f),
        None => refuse(admin_messages::no_such_feed(req.locale, id, req.prefix)),
    }
}

fn rec<'a>(req: &Request<'_>, svc: &Service<'a>) -> Recorder<'a> {
    recorder(req, svc.store, svc.directory)
}

/// `!feed add`.
pub fn add(req: &Request<'_>, svc: &Service<'_>, new: NewFeed<'_>) -> Result<Handled, Failure> {
    let registry = Registry::open(svc.store)?;
    let mut spec = match FeedSpec::from_parts(new.url, None, new.room, None, None, new.backfill) {
        Ok(s) => s,
        Err(why) => return refuse(admin_messages::bad_feed(req.locale, &why)),
    };
    if let Some(ms) = new.every_ms {
        spec.every_ms = ms;
    }
    if spec.every_ms < MIN_EVERY_MS {
        return refuse(admin_messages::bad_feed(req.locale, "every ≥ 1m"));
    }
    if let Some(existing) = registry.get(&spec.id)? {
        return refuse(admin_messages::feed_exists(req.locale, &existing.spec.id));
    }
    let feed = FeedRecord {
        spec,
        origin: Origin::Command { by: req.sender.to_string() },
        paused: false,
        added_ms: req.now_ms,
        state: PollState { next_poll_ms: req.now_ms, ..PollState::default() },
        counts: Counts::default(),
    };
    registry.put(&feed)?;
    let effects = service::audit(&rec(req, svc), req.event_id, req.sender, "feed.add", &feed)?.into_iter().collect();
    Ok(Handled { reply: Some(admin_messages::feed_added(req.locale, &feed)), effects })
}

/// `!feed list`.
pub fn list(req: &Request<'_>, svc: &Service<'_>) -> Result<Handled, Failure> {
    let all = Registry::open(svc.store)?.all()?;
    Ok(Handled::reply(admin_messages::feed_list(req.locale, &all, req.now_ms)))
}

/// `!feed remove <id>`: only feeds added by command; the config's stay.
pub fn remove(req: &Request<'_>, svc: &Service<'_>, id: &str) -> Result<Handled, Failure> {
    let registry = Registry::open(svc.store)?;
    let feed = find(req, &registry, id)?;
    if feed.origin == Origin::Config {
        return refuse(admin_messages::feed_from_config(req.locale, id, req.prefix));
    }
    registry.remove(id)?;
    let effects = service::audit(&rec(req, svc), req.event_id, req.sender, "feed.remove", &feed)?.into_iter().collect();
    Ok(Handled { reply: Some(admin_messages::feed_changed(req.locale, &feed, "remove")), effects })
}

/// `!feed pause <id>` and `!feed resume <id>`.
pub fn set_paused(req: &Request<'_>, svc: &Service<'_>, id: &str, pause: bool) -> Result<Handled, Failure> {
    let registry = Registry::open(svc.store)?;
    let mut feed = find(req, &registry, id)?;
    feed.paused = pause;
    if !pause {
        feed.state.next_poll_ms = req.now_ms;
    }
    registry.put(&feed)?;
    let verb = if pause { "pause" } else { "resume" };
    let effects =
        service::audit(&rec(req, svc), req.event_id, req.sender, &format!("feed.{verb}"), &feed)?.into_iter().collect();
    Ok(Handled { reply: Some(admin_messages::feed_changed(req.locale, &feed, verb)), effects })
}

/// `!feed test <url>`: a request to fetch once; the result comes back to
/// `service::test_result` and is answered then.
pub fn test(req: &Request<'_>, url: &str, room: Option<&str>) -> Result<Handled, Failure> {
    match FeedSpec::from_parts(url, None, room, None, None, None) {
        Ok(spec) => Ok(Handled {
            reply: None,
            effects: vec![Effect::FeedTest {
                spec,
                room_id: req.room_id.to_string(),
                event_id: req.event_id.to_string(),
            }],
        }),
        Err(why) => refuse(admin_messages::bad_feed(req.locale, &why)),
    }
}
