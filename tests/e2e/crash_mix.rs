//! SIGKILL in the middle of bursts that mix every kind of command: each is
//! answered once, and each state change exists once.
//!
//! Five cycles; each burst has 40 commands from two members: `!ping`,
//! `!vouch` and 👍 on referral cards, `!track` and `!confirm`, `!mute` and
//! `!unmute`, and `!report`. The bot is killed at a random instant of each
//! burst and started again. Afterwards the answers are counted in the rooms
//! and the state is read with `fedisec export`.

use crate::commands::admin_in;
use crate::durable::{answered_once, killed_during, random_ms};
use crate::support::bot::{Bot, cli};
use crate::support::synapse::Synapse;
use crate::support::users::Member;
use libtest_mimic::Failed;
use matrix_sdk::Room;
use matrix_sdk::ruma::events::reaction::ReactionEventContent;
use matrix_sdk::ruma::events::relation::Annotation;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId};
use std::collections::HashMap;
use std::time::Duration;

const CYCLES: usize = 5;
const BURST: usize = 40;
const REFERRALS: usize = 2 * CYCLES;
const TRACKS: usize = 3;
const REPORTS: usize = 3;

async fn joined(m: &Member, space: &Room, admin: &Member, rooms: &[&OwnedRoomId]) -> Vec<Room> {
    admin.invite(space, &m.user_id).await;
    m.accept_invite(space.room_id()).await;
    let mut out = Vec::new();
    for r in rooms {
        out.push(m.join(r).await);
    }
    out
}

/// One command of a burst: who sends it where.
enum Send {
    Admin(usize, String),
    Bob(usize, String),
    /// Bob's 👍 on the card of a referral.
    Thumb(usize),
}

pub fn mixed_commands_survive_sigkill(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    // Ten referrals by one member in a few minutes: above the default quota.
    let config = std::fs::read_to_string(&slot.config)?.replace("quota = 3", "quota = 100");
    std::fs::write(&slot.config, config)?;
    let mut bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let n = slot.index;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (mut admin, bob, carol_id, admin_rooms, bob_rooms, cards) = rt.block_on(async {
        let (mut admin, lounge) = admin_in(hs, &slot, "lounge").await;
        let space = admin.client.get_room(&admin.resolve(&slot.alias("space")).await).expect("space");
        let refs = admin.join(&admin.resolve(&slot.alias("referrals")).await).await;
        let consult = admin.join(&admin.resolve(&slot.alias("vuln-consult")).await).await;
        let mods = admin.accept_invite(&admin.resolve(&slot.alias("moderators")).await).await;
        let ids: Vec<OwnedRoomId> =
            [&lounge, &refs, &consult].iter().map(|r| r.room_id().to_owned()).collect::<Vec<_>>();
        let bob = Member::register(&hs.url, &format!("mixbob{n}")).await;
        let bob_rooms = joined(&bob, &space, &admin, &[&ids[0], &ids[1], &ids[2]]).await;
        let carol = Member::register(&hs.url, &format!("mixcarol{n}")).await;
        joined(&carol, &space, &admin, &[&ids[0]]).await;
        // The referrals bob vouches for, and their cards.
        let mut cards = Vec::new();
        for i in 1..=REFERRALS {
            admin.send_text(&refs, &format!("!refer @mixcand{n}x{i}:localhost http://127.0.0.1:9/ -- 候補 {i}")).await;
            let (bot, room, title) = (bot_user.clone(), refs.room_id().to_owned(), format!("📨 紹介 #{i}"));
            let card = admin
                .wait_for(&format!("card {i}"), Duration::from_secs(90), move |s| {
                    s.sender == bot && s.room_id == room && s.body.contains(&title)
                })
                .await;
            cards.push(card.event_id);
        }
        let carol_id = carol.user_id.clone();
        drop(carol);
        (admin, bob, carol_id, vec![lounge, refs, consult, mods], bob_rooms, cards)
    });
    // Rooms by index: 0 lounge, 1 referrals, 2 consultation, 3 moderators.
    let mut replied: Vec<OwnedEventId> = Vec::new();
    let mut thumbs_and_vouches = 0;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for cycle in 0..CYCLES {
        let mut burst: Vec<(&str, Send)> = vec![
            ("vouch", Send::Bob(1, format!("!vouch {}", 2 * cycle + 1))),
            ("vouch", Send::Thumb(2 * cycle + 2)),
            ("mute", Send::Admin(3, format!("!mute {carol_id} 1h -- crash {cycle}"))),
            ("unmute", Send::Admin(3, format!("!unmute {carol_id} -- crash {cycle}"))),
        ];
        for i in 0..TRACKS {
            burst.push(("track", Send::Admin(2, format!("!track crash {cycle}-{i}"))));
            if cycle > 0 {
                burst.push(("confirm", Send::Bob(2, format!("!confirm {}", TRACKS * (cycle - 1) + i + 1))));
            }
        }
        for i in 0..REPORTS {
            burst.push(("report", Send::Bob(0, format!("!report {carol_id} -- crash {cycle}-{i}"))));
        }
        while burst.len() < BURST {
            // Pings in between the others.
            let at = (burst.len() * 7) % (burst.len() + 1);
            burst.insert(at, ("ping", Send::Admin(0, "!ping".into())));
        }
        let kill_after = Duration::from_millis(random_ms(2000));
        let sent = rt.block_on(killed_during(bot.pid(), kill_after, async {
            let mut sent = Vec::new();
            for (kind, send) in &burst {
                let id = match send {
                    Send::Admin(room, text) => admin.send_text(&admin_rooms[*room], text).await,
                    Send::Bob(room, text) => bob.send_text(&bob_rooms[*room], text).await,
                    Send::Thumb(card) => {
                        let content = ReactionEventContent::new(Annotation::new(cards[card - 1].clone(), "👍".into()));
                        bob_rooms[1].send(content).await.expect("react").response.event_id
                    }
                };
                sent.push((*kind, id));
            }
            sent
        }));
        eprintln!("mixed crash cycle {cycle}: SIGKILL after {kill_after:?}");
        bot.kill();
        bot = Bot::start(&slot)?;
        for (kind, id) in sent {
            *counts.entry(kind).or_default() += 1;
            match kind {
                // Answered in the card's thread and, for reports, privately.
                "vouch" => thumbs_and_vouches += 1,
                "report" => {}
                _ => replied.push(id),
            }
        }
    }
    rt.block_on(async {
        answered_once(&mut admin, &bot_user, &replied, "mixed bursts with SIGKILL").await;
        // One vouch note per referral, in its card's thread.
        for (i, card) in cards.iter().enumerate() {
            let (bot, card) = (bot_user.clone(), card.clone());
            let note = move |s: &crate::support::users::Seen| {
                s.sender == bot && s.thread_root.as_ref() == Some(&card) && s.body.contains("(1/2)")
            };
            admin
                .wait_for(&format!("the vouch note of referral {}", i + 1), Duration::from_secs(90), note.clone())
                .await;
            let again = admin.drain(note);
            assert!(again.is_empty(), "referral {}: vouch noted twice: {again:?}", i + 1);
        }
    });
    assert_eq!(thumbs_and_vouches, REFERRALS);
    bot.stop();
    drop(rt);

    // The state, as `fedisec export` shows it: every change exactly once.
    let out = cli(&["export"], &slot.config);
    assert!(out.status.success(), "export: {}", String::from_utf8_lossy(&out.stderr));
    let state: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let values = |tree: &str| -> Vec<serde_json::Value> {
        state[tree].as_object().map(|m| m.values().cloned().collect()).unwrap_or_default()
    };
    let referrals = values("referrals");
    assert_eq!(referrals.len(), REFERRALS);
    for r in &referrals {
        let vouches = r["vouches"].as_array().map_or(0, |v| v.len());
        assert_eq!(vouches, 1, "referral {}: {vouches} vouches", r["number"]);
    }
    let tickets = values("tickets");
    assert_eq!(tickets.len(), CYCLES * TRACKS, "one ticket per !track");
    let confirmed: usize = tickets.iter().map(|t| t["confirmations"].as_array().map_or(0, |c| c.len())).sum();
    assert_eq!(confirmed, (CYCLES - 1) * TRACKS, "one confirmation per !confirm");
    let sanctions = values("sanctions");
    assert_eq!(sanctions.len(), CYCLES, "one mute per !mute");
    assert!(sanctions.iter().all(|s| !s["lifted"].is_null()), "every mute lifted by its !unmute");
    let reports: usize = values("cases").iter().map(|c| c["reports"].as_array().map_or(0, |r| r.len())).sum();
    assert_eq!(reports, CYCLES * REPORTS, "one report per !report");
    let audit = state["audit"].as_array().cloned().unwrap_or_default();
    let count = |action: &str| audit.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("referral.vouch"), REFERRALS);
    assert_eq!(count("ticket.open"), CYCLES * TRACKS);
    assert_eq!(count("ticket.confirm"), (CYCLES - 1) * TRACKS);
    assert_eq!(count("sanction.mute"), CYCLES);
    assert_eq!(count("sanction.unmute"), CYCLES);
    assert_eq!(count("report.open") + count("report.join"), CYCLES * REPORTS);
    assert!(state["outbox"].as_object().is_none_or(|m| m.is_empty()), "the outbox is drained");
    assert!(state["inbox"].as_object().is_none_or(|m| m.is_empty()), "the inbox is drained");
    eprintln!("mixed crash test: {counts:?}");
    Ok(())
}
