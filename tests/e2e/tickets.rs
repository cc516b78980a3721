//! Tickets against the real Synapse: consultation → confirmed rooms, a
//! moderator's confirmation into alerts, refusals, and one reminder for an
//! unacknowledged ticket after a restart with the bot's clock moved ahead.

use crate::block_on;
use crate::commands::admin_in;
use crate::support::bot::Bot;
use crate::support::synapse::Synapse;
use crate::support::users::{Member, Seen};
use libtest_mimic::Failed;
use matrix_sdk::Room;
use matrix_sdk::ruma::{OwnedRoomId, RoomId};
use std::time::Duration;

async fn member_of(hs: &Synapse, admin: &Member, space: &Room, name: &str, rooms: &[&OwnedRoomId]) -> Member {
    let m = Member::register(&hs.url, name).await;
    admin.invite(space, &m.user_id).await;
    m.accept_invite(space.room_id()).await;
    for r in rooms {
        m.join(r).await;
    }
    m
}

async fn bot_says(m: &mut Member, bot: &str, room: &RoomId, what: &str, contains: &str) -> Seen {
    let (bot, room, contains) = (bot.to_string(), room.to_owned(), contains.to_string());
    m.wait_for(what, Duration::from_secs(90), move |s| {
        s.sender == bot && s.room_id == room && s.body.contains(&contains)
    })
    .await
}

pub fn consult_confirm_publish_refusals_and_reminder(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_id = slot.bot_user();
    block_on(async {
        let (mut admin, consult) = admin_in(hs, &slot, "vuln-consult").await;
        let space_id = admin.resolve(&slot.alias("space")).await;
        let space = admin.client.get_room(&space_id).expect("space");
        let vinfo = admin.resolve(&slot.alias("vuln-info")).await;
        let iconsult = admin.resolve(&slot.alias("incident-consult")).await;
        let alerts = admin.resolve(&slot.alias("alerts")).await;
        let lounge = admin.resolve(&slot.alias("lounge")).await;
        for r in [&vinfo, &iconsult, &alerts] {
            admin.join(r).await;
        }
        let consult_id = consult.room_id().to_owned();
        let n = slot.index;
        let mut alice = member_of(hs, &admin, &space, &format!("alice{n}"), &[&consult_id, &iconsult, &lounge]).await;
        let mut bob = member_of(hs, &admin, &space, &format!("bob{n}"), &[&consult_id]).await;
        let mut carol = member_of(hs, &admin, &space, &format!("carol{n}"), &[&consult_id]).await;
        let a_consult = alice.client.get_room(&consult_id).expect("room");

        // A ticket, confirmed by two members, lands once in vuln-info.
        let track = alice.send_text(&a_consult, "!track Synapse の CVE-2024-31208 は当サーバーにも影響?").await;
        let r = alice.reply_to(&track, &bot_id).await;
        assert!(r.body.contains("チケット #1"), "{}", r.body);
        bot_says(&mut alice, &bot_id, &consult_id, "the ticket card", "🎫 チケット #1").await;
        let b_room = bob.client.get_room(&consult_id).expect("room");
        // A note, in the ticket's thread; the ticket stays open.
        let note = bob.send_text(&b_room, "!ticket 1 note -- うちの 1.110 は影響を受けます").await;
        assert!(bob.reply_to(&note, &bot_id).await.body.contains("メモを追加しました"));
        let posted = bot_says(&mut alice, &bot_id, &consult_id, "the note in the thread", "📝 #1 のメモ").await;
        assert!(posted.thread_root.is_some() && posted.body.contains("影響を受けます"), "{}", posted.body);
        let c = bob.send_text(&b_room, "!confirm 1").await;
        assert!(bob.reply_to(&c, &bot_id).await.body.contains("1/2"));
        let c_room = carol.client.get_room(&consult_id).expect("room");
        let c = carol.send_text(&c_room, "!confirm 1").await;
        assert!(carol.reply_to(&c, &bot_id).await.body.contains("掲載しました"));
        let post = bot_says(&mut admin, &bot_id, &vinfo, "the published summary", "✅ 確認済み").await;
        assert!(post.body.contains("CVE-2024-31208"), "{}", post.body);
        assert!(post.body.contains(&format!("{}/{}", consult_id, track)), "back-link: {}", post.body);
        assert!(post.body.contains(&bob.user_id) && post.body.contains(&carol.user_id), "{}", post.body);

        // Refusals: a wrong transition, a wrong room, a non-member.
        let w = bob.send_text(&b_room, "!ticket 1 investigating").await;
        let r = bob.reply_to(&w, &bot_id).await;
        assert!(
            r.body.contains("confirmed から investigating にはできません") && r.body.contains("closed"),
            "{}",
            r.body
        );
        let l_room = alice.client.get_room(&lounge).expect("lounge");
        let w = alice.send_text(&l_room, "!track どこでも").await;
        let r = alice.reply_to(&w, &bot_id).await;
        assert!(r.body.contains("track") && r.body.contains("対応相談"), "{}", r.body);
        let eve = Member::register(&hs.url, &format!("eve{n}")).await;
        admin.invite(&consult, &eve.user_id).await;
        let e_room = eve.accept_invite(&consult_id).await;
        let mut eve = eve;
        let w = eve.send_text(&e_room, "!track 部外者").await;
        let r = eve.reply_to(&w, &bot_id).await;
        assert!(r.body.contains("メンバー"), "{}", r.body);

        // A moderator's confirmation of an incident ticket lands in alerts.
        let a_inc = alice.client.get_room(&iconsult).expect("room");
        let t = alice.send_text(&a_inc, "!track 不審なログインが続いています").await;
        assert!(alice.reply_to(&t, &bot_id).await.body.contains("#2"));
        let ad_inc = admin.client.get_room(&iconsult).expect("room");
        let c = admin.send_text(&ad_inc, "!confirm 2").await;
        assert!(admin.reply_to(&c, &bot_id).await.body.contains("掲載しました"));
        bot_says(&mut admin, &bot_id, &alerts, "the alert", "不審なログイン").await;

        // A third ticket nobody takes.
        let t = alice.send_text(&a_consult, "!track 誰も見ていないチケット").await;
        assert!(alice.reply_to(&t, &bot_id).await.body.contains("#3"));
        // vuln-info got exactly one post.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let extra = admin.drain(|s| s.room_id == vinfo && s.body.contains("✅"));
        assert!(extra.is_empty(), "published twice: {extra:?}");

        // 49 hours later (the bot's clock moved, after a crash): one reminder, for #3 only.
        let mods_id = admin.resolve(&slot.alias("moderators")).await;
        let mods = admin.join(&mods_id).await;
        bot.kill();
        let offset = (49 * 3_600_000u64).to_string();
        let bot = tokio::task::block_in_place(|| Bot::start_with_env(&slot, &[("FEDISEC_CLOCK_OFFSET_MS", &offset)]))?;
        let r = bot_says(&mut admin, &bot_id, mods.room_id(), "the reminder", "⏰ チケット #3").await;
        assert!(r.body.contains("48 時間"), "{}", r.body);
        tokio::time::sleep(Duration::from_secs(4)).await;
        let more = admin.drain(|s| s.body.contains("⏰"));
        assert!(more.is_empty(), "more than one reminder: {more:?}");
        let ev = admin.send_text(&mods, "!tickets all").await;
        let list = admin.reply_to(&ev, &bot_id).await;
        assert!(list.body.contains("#3") && list.body.contains("⏰"), "{}", list.body);
        drop(bot);
        Ok::<_, Failed>(())
    })
}
