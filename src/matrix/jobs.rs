//! The worker's scheduled jobs: sanction expiries, ticket reminders, referral
//! deadlines and feed polls. Each job is one unit of work committed with its
//! effects, like an event (see `intake`).

use super::intake::{Step, Work, Worker};
use crate::config::purpose::Purpose;
use crate::effects::Effect;
use crate::moderation::scheduler;
use crate::pipeline::outbox::Cause;
use crate::store::StoreError;

impl Worker {
    /// Runs a scheduled job as a unit and commits what it changed with the
    /// effects it returned; a job that fails leaves nothing behind.
    pub(super) fn job(&self, cause: Cause, what: &str, f: impl FnOnce() -> Result<Vec<Effect>, StoreError>) {
        let (result, changes) = self.store.unit(f);
        match result {
            Ok(effects) if effects.is_empty() && changes.is_empty() => {}
            Ok(effects) => {
                self.commit(Step { changes, effects, cause: Some(cause), mark: None }, None);
            }
            Err(e) => tracing::error!(error = %e, what, "a scheduled job failed; nothing of it was kept"),
        }
    }

    /// Tells the moderators that older messages of a room were not read.
    pub(super) async fn gap_too_large(&self, room_id: &str, read: usize) {
        let Some(mods) = self.directory.room_for(Purpose::Moderators) else { return };
        let name = self.directory.room(room_id).map(|r| r.name.clone()).unwrap_or_else(|| room_id.to_string());
        let key = format!("gap:{room_id}:{}", self.clock.now_ms());
        let notice = Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply: crate::pipeline::messages::gap_too_large(self.setup.config.locale, &name, read),
            provenance: crate::effects::Provenance::clear(mods),
            txn_id: crate::effects::txn_id(&key, "notice"),
            thread: None,
            remember: None,
        };
        self.commit(Step::effects(Cause::job(&key, mods), vec![notice]), None);
    }

    pub(super) fn feed_settings(&self) -> crate::feeds::service::Settings<'_> {
        let f = &self.setup.config.feeds;
        crate::feeds::service::Settings {
            watch: &f.matcher,
            min_cvss_vuln_info: f.min_cvss_vuln_info,
            min_cvss_news: f.min_cvss_news,
        }
    }

    /// Starts a fetch for every feed that is due and not already being fetched.
    pub(super) fn poll_feeds(&self) {
        let feeds = match crate::feeds::registry::Registry::open(&self.store).and_then(|r| r.all()) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the feeds");
                return;
            }
        };
        let now = self.clock.now_ms();
        for feed in feeds.into_iter().filter(|f| !f.paused && f.state.due(now)) {
            let Ok(mut in_flight) = self.in_flight.lock() else { return };
            if !in_flight.insert(feed.spec.id.clone()) {
                continue;
            }
            drop(in_flight);
            let (tx, client, limits) =
                (self.tx.clone(), self.feed_client.clone(), self.setup.config.feeds.limits.clone());
            tokio::spawn(async move {
                let (fetched, body) =
                    crate::fetch::feed::fetch(&client, &feed.spec.url, &feed.state, &limits, now).await;
                let _ = tx.send(Work::FeedFetched { id: feed.spec.id, fetched, body });
            });
        }
    }

    /// A feed poll came back: the posts, the items now seen and the feed's
    /// new state are one unit; the posts go out through the outbox.
    pub(super) async fn feed_fetched(&self, id: String, fetched: crate::feeds::poll::Fetched, body: Option<Vec<u8>>) {
        if let Ok(mut in_flight) = self.in_flight.lock() {
            in_flight.remove(&id);
        }
        let rec = self.recorder();
        let settings = self.feed_settings();
        // One lane for every feed: a post that threads under another
        // source's post of the same advisory must come after it.
        let cause = Cause::job(&format!("feed:{id}:{}", rec.now_ms), "feeds");
        self.job(cause, "feed poll", || {
            let Some(polled) = crate::feeds::service::after_fetch(&rec, &settings, &id, fetched, body.as_deref())?
            else {
                return Ok(Vec::new());
            };
            crate::feeds::service::finish(&rec, &polled)?;
            tracing::debug!(feed = %id, posts = polled.plan.as_ref().map_or(0, |p| p.posts.len()), "feed polled");
            Ok(polled.effects)
        });
    }

    /// Referral deadlines, ticket reminders and timed sanctions that are due,
    /// each job one unit with its effects; and feeds due for a poll.
    pub(super) async fn expire_due(&self) {
        self.poll_feeds();
        let bot = self.setup.config.bot_user_id().to_string();
        let rec = self.recorder();
        let config = &self.setup.config;
        let now = rec.now_ms;
        self.job(Cause::job(&format!("referral-deadlines:{now}"), "scheduler"), "referral deadlines", || {
            crate::referral::due(
                self.recorder(),
                &config.referrals.rule,
                &self.setup.rules,
                &config.command_prefix,
                &bot,
            )
        });
        self.job(Cause::job(&format!("ticket-reminders:{now}"), "scheduler"), "ticket reminders", || {
            let mut effects = Vec::new();
            for (n, reminder) in crate::tickets::due(&rec, config.tickets.ack_within_ms)? {
                effects.extend(reminder);
                crate::tickets::reminded(&rec, n, &bot)?;
            }
            Ok(effects)
        });
        self.job(Cause::job(&format!("expiries:{now}"), "scheduler"), "expiries", || {
            let mut effects = Vec::new();
            for expiry in scheduler::due(&rec, &bot)? {
                effects.extend(expiry.effects);
                scheduler::finish(&rec, &expiry.key, &bot)?;
                tracing::info!(sanction = %expiry.key, "timed sanction lifted");
            }
            Ok(effects)
        });
    }
}
