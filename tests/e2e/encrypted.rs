//! The bot's own E2EE device answers in the encrypted log-share room.

use crate::block_on;
use crate::commands::admin_in;
use crate::support::bot::Bot;
use crate::support::synapse::Synapse;
use libtest_mimic::Failed;

pub fn ping_in_log_share_is_answered_encrypted(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    block_on(async {
        let (mut admin, log_share) = admin_in(hs, &slot, "log-share").await;
        assert!(log_share.latest_encryption_state().await?.is_encrypted());
        let ping = admin.send_text(&log_share, "!ping").await;
        let reply = admin.reply_to(&ping, &slot.bot_user()).await;
        assert!(reply.is_notice);
        assert_eq!(reply.body, "🏓 pong — fedisec は動作中です。");
        // On the server both the command and the answer are ciphertext.
        let raw_cmd = admin.raw_event(log_share.room_id(), &ping).await;
        assert_eq!(raw_cmd["type"], "m.room.encrypted");
        let raw_reply = admin.raw_event(log_share.room_id(), &reply.event_id).await;
        assert_eq!(raw_reply["type"], "m.room.encrypted", "the bot's reply was encrypted: {raw_reply}");
        assert_eq!(raw_reply["content"]["algorithm"], "m.megolm.v1.aes-sha2");
        Ok::<_, Failed>(())
    })?;
    // Nothing from the encrypted room reached the bot's log (invariant 1).
    let log = bot.log();
    assert!(!log.contains("pong"), "reply text in the bot log");
    assert!(!log.contains("!ping"), "command text in the bot log");
    Ok(())
}
