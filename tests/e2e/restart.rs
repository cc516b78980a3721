//! Restarts: same device, no repeated answers, nothing lost while down.

use crate::commands::admin_in;
use crate::support::bot::Bot;
use crate::support::synapse::{Synapse, file_mode};
use libtest_mimic::Failed;
use std::time::Duration;

fn device_id(slot: &crate::support::synapse::Slot) -> String {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(slot.dir.join("data/session.json")).unwrap()).unwrap();
    s["device_id"].as_str().unwrap().to_string()
}

pub fn keeps_device_and_acts_on_each_event_once(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let device = device_id(&slot);
    assert_eq!(file_mode(&slot.dir.join("data/session.json")), 0o600);
    assert_eq!(file_mode(&slot.dir.join("data/store-passphrase")), 0o600);
    let rt = tokio::runtime::Runtime::new()?;
    let (mut admin, lounge, log_share) = rt.block_on(async {
        let (admin, lounge) = admin_in(hs, &slot, "lounge").await;
        let log_id = admin.resolve(&slot.alias("log-share")).await;
        let log_share = admin.join(&log_id).await;
        (admin, lounge, log_share)
    });
    let bot_user = slot.bot_user();
    let first = rt.block_on(async {
        let ev = admin.send_text(&lounge, "!ping").await;
        admin.reply_to_named(&ev, &bot_user, "before the crash").await;
        ev
    });

    // Crash (SIGKILL) and send commands while the bot is down.
    bot.kill();
    let (down_public, down_encrypted) =
        rt.block_on(async { (admin.send_text(&lounge, "!ping").await, admin.send_text(&log_share, "!ping").await) });
    let bot = Bot::start(&slot)?;
    assert_eq!(device_id(&slot), device, "the bot keeps its device across restarts");
    rt.block_on(async {
        admin.reply_to_named(&down_public, &bot_user, "sent in the lounge while the bot was down").await;
        let enc = admin.reply_to_named(&down_encrypted, &bot_user, "sent encrypted while the bot was down").await;
        assert_eq!(enc.body, "🏓 pong — fedisec は動作中です。", "the same device still decrypts");
    });

    // A clean restart too; then nothing already answered is answered again.
    bot.stop();
    let _bot = Bot::start(&slot)?;
    rt.block_on(async {
        let marker = admin.send_text(&lounge, "!ping").await;
        admin.reply_to_named(&marker, &bot_user, "after the clean restart").await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let repeats = admin.drain(|s| {
            s.sender == bot_user
                && [&first, &down_public, &down_encrypted].iter().any(|e| s.in_reply_to.as_ref() == Some(*e))
        });
        assert!(repeats.is_empty(), "events answered twice: {repeats:?}");
    });
    drop(rt);
    Ok(())
}
