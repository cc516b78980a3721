//! `!feed add|list|remove|pause|resume|test`: moderators manage feeds.

use super::admin_messages;
use super::registry::{Counts, FeedRecord, Origin, Registry};
use super::service;
use super::{FeedSpec, MIN_EVERY_MS, poll::PollState};
use crate::commands::grammar::FeedAction;
use crate::commands::{Failure, Handled, Invocation, refuse};
use crate::effects::Effect;
use crate::moderation::recorder;

pub fn run(inv: &Invocation<'_>, action: &FeedAction) -> Result<Handled, Failure> {
    let registry = Registry::open(inv.store)?;
    let rec = recorder(inv);
    let find = |id: &str| -> Result<FeedRecord, Failure> {
        match registry.get(id)? {
            Some(f) => Ok(f),
            None => refuse(admin_messages::no_such_feed(inv.locale, id, inv.prefix)),
        }
    };
    match action {
        FeedAction::Add { url, room, every, backfill } => {
            let spec = match FeedSpec::from_parts(url, None, room.as_deref(), every.as_deref(), None, *backfill) {
                Ok(s) => s,
                Err(why) => return refuse(admin_messages::bad_feed(inv.locale, &why)),
            };
            if spec.every_ms < MIN_EVERY_MS {
                return refuse(admin_messages::bad_feed(inv.locale, "every ≥ 1m"));
            }
            if let Some(existing) = registry.get(&spec.id)? {
                return refuse(admin_messages::feed_exists(inv.locale, &existing.spec.id));
            }
            let feed = FeedRecord {
                spec,
                origin: Origin::Command { by: inv.sender.to_string() },
                paused: false,
                added_ms: inv.now_ms,
                state: PollState { next_poll_ms: inv.now_ms, ..PollState::default() },
                counts: Counts::default(),
            };
            registry.put(&feed)?;
            let effects = service::audit(&rec, inv.event_id, inv.sender, "feed.add", &feed)?.into_iter().collect();
            Ok(Handled { reply: Some(admin_messages::feed_added(inv.locale, &feed)), effects })
        }
        FeedAction::List => Ok(Handled::reply(admin_messages::feed_list(inv.locale, &registry.all()?, inv.now_ms))),
        FeedAction::Remove { id } => {
            let feed = find(id)?;
            if feed.origin == Origin::Config {
                return refuse(admin_messages::feed_from_config(inv.locale, id, inv.prefix));
            }
            registry.remove(id)?;
            let effects = service::audit(&rec, inv.event_id, inv.sender, "feed.remove", &feed)?.into_iter().collect();
            Ok(Handled { reply: Some(admin_messages::feed_changed(inv.locale, &feed, "remove")), effects })
        }
        FeedAction::Pause { id } | FeedAction::Resume { id } => {
            let mut feed = find(id)?;
            let pause = matches!(action, FeedAction::Pause { .. });
            feed.paused = pause;
            if !pause {
                feed.state.next_poll_ms = inv.now_ms;
            }
            registry.put(&feed)?;
            let verb = if pause { "pause" } else { "resume" };
            let effects =
                service::audit(&rec, inv.event_id, inv.sender, &format!("feed.{verb}"), &feed)?.into_iter().collect();
            Ok(Handled { reply: Some(admin_messages::feed_changed(inv.locale, &feed, verb)), effects })
        }
        FeedAction::Test { url, room } => match FeedSpec::from_parts(url, None, room.as_deref(), None, None, None) {
            Ok(spec) => Ok(Handled {
                reply: None,
                effects: vec![Effect::FeedTest {
                    spec,
                    room_id: inv.room_id.to_string(),
                    event_id: inv.event_id.to_string(),
                }],
            }),
            Err(why) => refuse(admin_messages::bad_feed(inv.locale, &why)),
        },
    }
}
