//! The homeserver goes away for a minute while the bot has effects to
//! deliver: everything arrives after it returns, once.
//!
//! This test runs its own Synapse, since it stops it. Just before the stop a
//! member sends a burst of `!ping`, and a 20-second mute is running: its
//! expiry (the power levels given back, and its record in the moderators
//! room) falls inside the outage.

use crate::commands::admin_in;
use crate::durable::answered_once;
use crate::support::bot::Bot;
use crate::support::synapse::Synapse;
use crate::support::users::Member;
use libtest_mimic::Failed;
use std::time::{Duration, Instant};

const OUTAGE: Duration = Duration::from_secs(60);

pub fn homeserver_down_for_a_minute_loses_nothing() -> Result<(), Failed> {
    let hs = Synapse::start(1)?;
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (mut admin, lounge, mods, carol, carol_lounge) = rt.block_on(async {
        let (mut admin, lounge) = admin_in(&hs, &slot, "lounge").await;
        let mods = admin.accept_invite(&admin.resolve(&slot.alias("moderators")).await).await;
        let space = admin.client.get_room(&admin.resolve(&slot.alias("space")).await).expect("space");
        let carol = Member::register(&hs.url, "outagecarol").await;
        admin.invite(&space, &carol.user_id).await;
        carol.accept_invite(space.room_id()).await;
        let carol_lounge = carol.join(lounge.room_id()).await;
        let ping = admin.send_text(&lounge, "!ping").await;
        admin.reply_to_named(&ping, &bot_user, "before the outage").await;
        (admin, lounge, mods, carol, carol_lounge)
    });
    let (muted_at, sent) = rt.block_on(async {
        let ev = admin.send_text(&mods, &format!("!mute {} 20s -- 落ち着いてください", carol.user_id)).await;
        let reply = admin.reply_to(&ev, &bot_user).await;
        assert!(reply.body.contains("ミュートしました"), "{}", reply.body);
        let muted_at = Instant::now();
        assert!(carol.try_send_text(&carol_lounge, "muted?").await.is_err(), "the mute is in force");
        let mut sent = Vec::new();
        for _ in 0..20 {
            sent.push(admin.send_text(&lounge, "!ping").await);
        }
        (muted_at, sent)
    });
    hs.stop();
    let stopped = Instant::now();
    eprintln!("Synapse stopped for {OUTAGE:?}");
    std::thread::sleep(OUTAGE);
    assert!(muted_at.elapsed() > Duration::from_secs(25), "the mute ran out during the outage");
    hs.restart()?;
    eprintln!("Synapse back after {:?}", stopped.elapsed());
    rt.block_on(async {
        answered_once(&mut admin, &bot_user, &sent, "pings sent just before the outage").await;
        crate::moderation::send_until_accepted(&carol, &carol_lounge, "after the outage", Duration::from_secs(90))
            .await;
        let (bot, mods_id) = (bot_user.clone(), mods.room_id().to_owned());
        let expiry = move |s: &crate::support::users::Seen| {
            s.sender == bot && s.room_id == mods_id && s.body.contains("sanction.expire.mute")
        };
        admin.wait_for("the expiry on the record", Duration::from_secs(90), expiry.clone()).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let twice = admin.drain(expiry);
        assert!(twice.is_empty(), "the expiry was posted twice: {twice:?}");
    });
    let log = bot.log();
    assert!(log.contains("effect not carried out yet; retrying"), "effects waited for the homeserver");
    assert!(!log.contains("effect failed for good"), "nothing was given up");
    drop(bot);
    drop(rt);
    Ok(())
}
