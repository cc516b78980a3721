//! Faults as part of the test: commands sent while the bot is down, and
//! SIGKILL at random instants in the middle of command bursts.

use crate::commands::admin_in;
use crate::support::bot::Bot;
use crate::support::synapse::Synapse;
use crate::support::users::Member;
use libtest_mimic::Failed;
use matrix_sdk::ruma::OwnedEventId;
use std::collections::HashSet;
use std::time::Duration;

/// Waits for the bot's answer to each of `events`, checks that none was
/// answered twice, and returns the commands in the order their answers came.
pub async fn answered_once(m: &mut Member, bot: &str, events: &[OwnedEventId], what: &str) -> Vec<OwnedEventId> {
    let set: HashSet<OwnedEventId> = events.iter().cloned().collect();
    let mut order = Vec::new();
    while order.len() < set.len() {
        let (bot, set) = (bot.to_string(), set.clone());
        let step = format!("{what}: {} of {} answered", order.len(), events.len());
        let seen = m
            .wait_for(&step, Duration::from_secs(90), move |s| {
                s.sender == bot && s.in_reply_to.as_ref().is_some_and(|e| set.contains(e))
            })
            .await;
        let answered = seen.in_reply_to.expect("a reply");
        assert!(!order.contains(&answered), "{what}: {answered} answered twice");
        order.push(answered);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let twice = m.drain(|s| s.sender == bot && s.in_reply_to.as_ref().is_some_and(|e| set.contains(e)));
    assert!(twice.is_empty(), "{what}: answered twice: {twice:?}");
    order
}

/// Runs `sending` while the bot (`pid`) is sent SIGKILL after `after`.
pub async fn killed_during<T>(pid: u32, after: Duration, sending: impl std::future::Future<Output = T>) -> T {
    let killer = async {
        tokio::time::sleep(after).await;
        // SAFETY: a signal to our own child process.
        unsafe {
            libc::kill(pid as i32, libc::SIGKILL);
        }
    };
    let (sent, ()) = tokio::join!(sending, killer);
    sent
}

/// A pseudo-random delay below `max_ms`, different on every call.
pub fn random_ms(max_ms: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("random bytes");
    u64::from_le_bytes(b) % max_ms
}

pub fn commands_sent_while_down_are_all_answered(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (mut admin, lounge) = rt.block_on(async {
        let (mut admin, lounge) = admin_in(hs, &slot, "lounge").await;
        let ping = admin.send_text(&lounge, "!ping").await;
        admin.reply_to_named(&ping, &bot_user, "before the downtime").await;
        (admin, lounge)
    });
    bot.stop();
    // More than a sync's default timeline (10 events): the bot must read back.
    let sent = rt.block_on(async {
        let mut sent = Vec::new();
        for _ in 0..30 {
            sent.push(admin.send_text(&lounge, "!ping").await);
        }
        sent
    });
    let bot = Bot::start(&slot)?;
    let order = rt.block_on(answered_once(&mut admin, &bot_user, &sent, "sent while the bot was down"));
    assert_eq!(order, sent, "answered in the order they were sent, the ones read back first");
    assert!(bot.log().contains("read back a gap in the timeline"), "the gap was read back");
    drop(rt);
    Ok(())
}

pub fn sigkill_mid_burst_loses_and_repeats_nothing(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let mut bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (mut admin, lounge) = rt.block_on(admin_in(hs, &slot, "lounge"));
    let mut all = Vec::new();
    for cycle in 0..5 {
        let kill_after = Duration::from_millis(random_ms(1500));
        let sent = rt.block_on(killed_during(bot.pid(), kill_after, async {
            let mut sent = Vec::new();
            for _ in 0..40 {
                sent.push(admin.send_text(&lounge, "!ping").await);
            }
            sent
        }));
        eprintln!("crash cycle {cycle}: SIGKILL after {kill_after:?}");
        bot.kill();
        bot = Bot::start(&slot)?;
        all.extend(sent);
    }
    rt.block_on(answered_once(&mut admin, &bot_user, &all, "bursts with SIGKILL"));
    drop(bot);
    drop(rt);
    Ok(())
}
