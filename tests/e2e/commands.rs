//! Commands from Element-like clients in the Space's rooms.

use crate::block_on;
use crate::space::Inspector;
use crate::support::bot::Bot;
use crate::support::synapse::Synapse;
use crate::support::users::Member;
use libtest_mimic::Failed;
use matrix_sdk::ruma::OwnedRoomId;

/// The configured admin joins the Space and a room of the given key.
pub async fn admin_in(hs: &Synapse, slot: &crate::support::synapse::Slot, key: &str) -> (Member, matrix_sdk::Room) {
    let ins = Inspector::new(hs, slot);
    let admin = Member::register(&hs.url, &format!("admin{}", slot.index)).await;
    let space: OwnedRoomId = ins.resolve(&slot.alias("space")).await.unwrap().as_str().try_into().unwrap();
    admin.accept_invite(&space).await;
    let room_id: OwnedRoomId = ins.resolve(&slot.alias(key)).await.unwrap().as_str().try_into().unwrap();
    let room = admin.join(&room_id).await;
    (admin, room)
}

pub fn ping_help_and_errors_in_public_rooms(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let _bot = Bot::start(&slot)?;
    block_on(async {
        let (mut admin, lounge) = admin_in(hs, &slot, "lounge").await;
        let bot = slot.bot_user();

        let ping = admin.send_text(&lounge, "!ping").await;
        let reply = admin.reply_to(&ping, &bot).await;
        assert!(reply.is_notice, "bot replies are m.notice");
        assert_eq!(reply.body, "🏓 pong — fedisec は動作中です。");
        assert!(reply.html.is_some(), "HTML body is set");

        let help = admin.send_text(&lounge, "!help").await;
        let reply = admin.reply_to(&help, &bot).await;
        assert!(reply.body.starts_with("この部屋で使えるコマンド:"), "{}", reply.body);
        assert!(reply.body.contains("!ping — ボットが動いているか確認します"), "{}", reply.body);
        assert!(reply.html.as_deref().unwrap().contains("<code>!help [コマンド名]</code>"));

        let unknown = admin.send_text(&lounge, "!frobnicate now").await;
        let reply = admin.reply_to(&unknown, &bot).await;
        assert_eq!(reply.body, "「!frobnicate」というコマンドはありません。\n!help で使えるコマンドを確認できます。");

        let malformed = admin.send_text(&lounge, "!ping extra words").await;
        let reply = admin.reply_to(&malformed, &bot).await;
        assert!(reply.body.contains("使い方: !ping"), "{}", reply.body);

        let quotes = admin.send_text(&lounge, "!help \"ping").await;
        let reply = admin.reply_to(&quotes, &bot).await;
        assert!(reply.body.contains("引用符"), "{}", reply.body);

        // A typed argument that does not parse: what was expected, and the usage.
        let bad = admin.send_text(&lounge, "!mute @someone:localhost soon -- 荒らし").await;
        let reply = admin.reply_to(&bad, &bot).await;
        assert!(reply.body.contains("「soon」"), "{}", reply.body);
        assert!(reply.body.contains("使い方: !mute @ユーザー"), "{}", reply.body);

        let rules = admin.send_text(&lounge, "!rules").await;
        let reply = admin.reply_to(&rules, &bot).await;
        assert!(reply.body.starts_with("コミュニティのルール(版 "), "{}", reply.body);
        assert!(reply.body.contains("まだ同意していません"), "{}", reply.body);

        // Ordinary chat gets no answer: the next reply is to the next command.
        admin.drain(|_| true);
        let chat = admin.send_text(&lounge, "こんにちは").await;
        let ping2 = admin.send_text(&lounge, "!ping").await;
        let next = admin.wait_for("any bot message", std::time::Duration::from_secs(60), |s| s.sender == bot).await;
        assert_eq!(next.in_reply_to.as_ref(), Some(&ping2), "the chat message {chat} got no reply");
        Ok(())
    })
}

pub fn english_locale(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let config = std::fs::read_to_string(&slot.config)?.replace("locale = \"ja\"", "locale = \"en\"");
    std::fs::write(&slot.config, config)?;
    let _bot = Bot::start(&slot)?;
    block_on(async {
        let (mut admin, room) = admin_in(hs, &slot, "knowledge").await;
        let bot = slot.bot_user();
        let ev = admin.send_text(&room, "!nope").await;
        let reply = admin.reply_to(&ev, &bot).await;
        assert_eq!(reply.body, "There is no command \"!nope\".\nType !help to see the commands you can use.");
        let ev = admin.send_text(&room, "!ping").await;
        assert_eq!(admin.reply_to(&ev, &bot).await.body, "🏓 pong — fedisec is running.");
        Ok(())
    })
}
