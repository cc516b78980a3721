//! From a poll's advisories to posts, once only.
//!
//! A persisted seen-set per feed (bounded) decides what is new; the first
//! poll of a feed posts nothing (or its newest N with backfill); the same CVE
//! from a second source becomes a threaded "also reported by" reply under the
//! first post. Nothing is marked seen until its post was sent (`commit`), and
//! posts carry transaction IDs derived from feed and item, so a crash between
//! sending and recording repeats a send the homeserver deduplicates.

use super::advisory::Advisory;
use super::messages;
use super::watch::{self, Decision, Matcher};
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::Locale;
use crate::store::{Store, StoreError, Tree};

/// Items remembered per feed; older ones are forgotten first. Feeds carry a
/// few dozen items, so this covers months of history.
pub const SEEN_LIMIT: usize = 5000;

/// One post to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub advisory: Advisory,
    /// The watch-list entry it matched.
    pub matched: String,
    /// The remembered key of an earlier post about the same CVE: post in its
    /// thread instead of a new top-level post.
    pub also_of: Option<String>,
}

impl Post {
    /// The key this post's event is remembered under.
    pub fn key(&self, feed: &str) -> String {
        format!("adv:{feed}:{}", self.advisory.id)
    }
}

/// What one poll yields.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Plan {
    pub posts: Vec<Post>,
    /// New items that were only marked seen: unmatched, excluded, below the
    /// CVSS floor, or skipped by the silent first poll.
    pub unmatched: usize,
    pub excluded: usize,
    pub below_cvss: usize,
    pub first_poll_skipped: usize,
    /// Every new item id, to mark seen once the posts are sent.
    pub new_ids: Vec<String>,
}

pub struct Ingest {
    seen: Tree<u64>,
    /// CVE id → remembered key of the first post about it.
    cve_posts: Tree<String>,
}

fn seen_key(feed: &str, id: &str) -> String {
    format!("{feed}\u{0}{id}")
}

/// What decides a feed's posts.
pub struct Policy<'a> {
    pub watch: &'a Matcher,
    pub filter: bool,
    pub min_cvss: Option<f32>,
    /// On a feed's first poll: how many of the newest items to post.
    pub backfill: usize,
}

impl Ingest {
    pub fn open(store: &Store) -> Result<Ingest, StoreError> {
        Ok(Ingest { seen: store.tree("feed_seen")?, cve_posts: store.tree("feed_cve_posts")? })
    }

    pub fn plan(&self, feed: &str, items: &[Advisory], primed: bool, policy: &Policy<'_>) -> Result<Plan, StoreError> {
        let mut plan = Plan::default();
        let mut cves_this_poll: Vec<(String, String)> = Vec::new();
        for (index, a) in items.iter().enumerate() {
            if self.seen.contains(&seen_key(feed, &a.id))? || plan.new_ids.contains(&a.id) {
                continue;
            }
            plan.new_ids.push(a.id.clone());
            if !primed && index >= policy.backfill {
                plan.first_poll_skipped += 1;
                continue;
            }
            match watch::decide(a, policy.watch, policy.filter, policy.min_cvss) {
                Decision::Post { matched } => {
                    let mut also_of = None;
                    for cve in &a.cves {
                        if let Some(key) = self.cve_posts.get(cve)? {
                            also_of = Some(key);
                            break;
                        }
                        if let Some((_, key)) = cves_this_poll.iter().find(|(c, _)| c == cve) {
                            also_of = Some(key.clone());
                            break;
                        }
                    }
                    let post = Post { advisory: a.clone(), matched, also_of };
                    if post.also_of.is_none() {
                        for cve in &a.cves {
                            cves_this_poll.push((cve.clone(), post.key(feed)));
                        }
                    }
                    plan.posts.push(post);
                }
                Decision::Unmatched => plan.unmatched += 1,
                Decision::Excluded { .. } => plan.excluded += 1,
                Decision::BelowCvss { .. } => plan.below_cvss += 1,
            }
        }
        Ok(plan)
    }

    /// After the posts were sent: remembers the items and the CVEs first
    /// posted, and keeps the seen-set within `SEEN_LIMIT`.
    pub fn commit(&self, feed: &str, plan: &Plan, now_ms: u64) -> Result<(), StoreError> {
        for post in plan.posts.iter().filter(|p| p.also_of.is_none()) {
            for cve in &post.advisory.cves {
                if !self.cve_posts.contains(cve)? {
                    self.cve_posts.insert(cve, &post.key(feed))?;
                }
            }
        }
        for id in &plan.new_ids {
            self.seen.insert(&seen_key(feed, id), &now_ms)?;
        }
        let prefix = format!("{feed}\u{0}");
        let mut entries: Vec<(String, u64)> =
            self.seen.entries()?.into_iter().filter(|(k, _)| k.starts_with(&prefix)).collect();
        if entries.len() > SEEN_LIMIT {
            entries.sort_by_key(|(_, at)| *at);
            for (k, _) in entries.iter().take(entries.len() - SEEN_LIMIT) {
                self.seen.remove(k)?;
            }
        }
        Ok(())
    }
}

/// The posts of a plan as effects in `room_id`.
pub fn effects(feed: &str, plan: &Plan, room_id: &str, locale: Locale) -> Vec<Effect> {
    plan.posts
        .iter()
        .map(|p| {
            let (reply, thread, remember) = match &p.also_of {
                None => (messages::advisory_post(locale, &p.advisory), None, Some(p.key(feed))),
                Some(first) => (messages::advisory_also(locale, &p.advisory), Some(first.clone()), None),
            };
            Effect::Notice {
                room_id: room_id.to_string(),
                mentions: Vec::new(),
                reply,
                provenance: Provenance::clear(room_id),
                txn_id: txn_id(&format!("feed:{feed}:{}", p.advisory.id), "post"),
                thread,
                remember,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::parse;
    use crate::feeds::watch::Watch;

    fn fixture(path: &str) -> Vec<Advisory> {
        let bytes = std::fs::read(format!("{}/tests/fixtures/feeds/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        parse(path, &bytes).unwrap()
    }

    fn policy(watch: &Matcher, backfill: usize) -> Policy<'_> {
        Policy { watch, filter: true, min_cvss: None, backfill }
    }

    #[test]
    fn first_poll_is_silent_then_only_new_matching_items_post_once() {
        let store = Store::temporary().unwrap();
        let ing = Ingest::open(&store).unwrap();
        let watch = Matcher::new(&Watch { products: vec!["LG Simple Editor".into()], ..Watch::default() });
        let items = fixture("jvn/myjvn_np_dataFeed_jvndb_rss_hnd.fixed.xml");
        let first = ing.plan("jvndb", &items, false, &policy(&watch, 0)).unwrap();
        assert!(first.posts.is_empty());
        assert_eq!(first.first_poll_skipped, 4);
        ing.commit("jvndb", &first, 1).unwrap();
        assert_eq!(ing.plan("jvndb", &items, true, &policy(&watch, 0)).unwrap(), Plan::default(), "nothing twice");

        let store = Store::temporary().unwrap();
        let ing = Ingest::open(&store).unwrap();
        let plan = ing.plan("jvndb", &items, true, &policy(&watch, 0)).unwrap();
        assert_eq!(plan.posts.len(), 3, "three LG items");
        assert_eq!(plan.unmatched, 1, "Contiki-NG is counted, not posted");
        let backfill = Ingest::open(&Store::temporary().unwrap())
            .unwrap()
            .plan("jvndb", &items, false, &policy(&watch, 2))
            .unwrap();
        assert_eq!((backfill.posts.len(), backfill.first_poll_skipped), (1, 2), "newest 2 considered, 1 matches");
    }

    #[test]
    fn the_same_cve_from_a_second_source_goes_in_the_first_posts_thread() {
        let store = Store::temporary().unwrap();
        let ing = Ingest::open(&store).unwrap();
        let watch = Matcher::new(&Watch::default());
        let mut a = fixture("jvn/myjvn_np_dataFeed_jvndb_rss_hnd.fixed.xml").remove(0);
        a.title = "Mastodon の脆弱性".into();
        let p1 = ing.plan("jvn", std::slice::from_ref(&a), true, &policy(&watch, 0)).unwrap();
        ing.commit("jvn", &p1, 1).unwrap();
        let mut b = a.clone();
        b.source = "ghsa".into();
        b.id = "GHSA-xxxx".into();
        let p2 = ing.plan("ghsa", &[b], true, &policy(&watch, 0)).unwrap();
        assert_eq!(p2.posts[0].also_of.as_deref(), Some(format!("adv:jvn:{}", a.id).as_str()));
        let fx = effects("ghsa", &p2, "!vuln:x", Locale::Ja);
        assert!(
            matches!(&fx[0], Effect::Notice { thread: Some(_), remember: None, reply, .. } if reply.plain.contains("ghsa"))
        );
    }

    #[test]
    fn the_seen_set_is_bounded_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let ing = Ingest::open(&store).unwrap();
            let plan = Plan { new_ids: (0..SEEN_LIMIT + 10).map(|i| format!("id{i}")).collect(), ..Plan::default() };
            ing.commit("f", &plan, 5).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let ing = Ingest::open(&store).unwrap();
        assert_eq!(ing.seen.len(), SEEN_LIMIT);
    }
}
