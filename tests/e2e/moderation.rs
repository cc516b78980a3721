//! Moderation against the real Synapse: reports, Space-wide bans, the policy
//! room, timed mutes (with the bot's clock moved forward), refusals, audit.

use crate::block_on;
use crate::commands::admin_in;
use crate::support::bot::{Bot, cli};
use crate::support::synapse::{Slot, Synapse};
use crate::support::users::{Member, Seen, state_content};
use libtest_mimic::Failed;
use matrix_sdk::Room;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, RoomId};
use std::time::{Duration, Instant};

/// Every node of the default layout: the Space, its categories, its rooms.
const ALL_KEYS: &[&str] = &[
    "space",
    "onboarding",
    "operations",
    "vulnerability",
    "incident",
    "other",
    "welcome",
    "introductions",
    "announcements",
    "ops",
    "referrals",
    "moderators",
    "policy",
    "vuln-info",
    "vuln-consult",
    "alerts",
    "log-share",
    "incident-consult",
    "knowledge",
    "news",
    "lounge",
];

/// A new member: registered, invited into the Space by the admin, joined to `rooms`.
async fn member(hs: &Synapse, admin: &Member, space: &Room, name: &str, rooms: &[&Room]) -> Member {
    let m = Member::register(&hs.url, name).await;
    admin.invite(space, &m.user_id).await;
    m.accept_invite(space.room_id()).await;
    for r in rooms {
        m.join(r.room_id()).await;
    }
    m
}

async fn room_of(m: &Member, slot: &Slot, key: &str) -> OwnedRoomId {
    m.resolve(&slot.alias(key)).await
}

async fn bot_message(m: &mut Member, bot: &str, room: &RoomId, what: &str, contains: &str) -> Seen {
    let (bot, room, contains) = (bot.to_string(), room.to_owned(), contains.to_string());
    m.wait_for(what, Duration::from_secs(90), move |s| {
        s.sender == bot && s.room_id == room && s.body.contains(&contains)
    })
    .await
}

/// Waits until the homeserver shows `event` redacted.
async fn wait_redacted(m: &Member, room: &RoomId, event: &OwnedEventId) {
    for _ in 0..300 {
        let ev = m.raw_event(room, event).await;
        if ev["unsigned"]["redacted_because"].is_object() {
            assert!(ev["content"]["body"].is_null(), "redacted content is gone: {ev}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{event} was never redacted")
}

pub fn report_ban_policy_refusals_and_audit(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    block_on(async {
        let (mut admin, mods) = {
            let (admin, _lounge) = admin_in(hs, &slot, "lounge").await;
            let mods_id = room_of(&admin, &slot, "moderators").await;
            let mods = admin.accept_invite(&mods_id).await;
            (admin, mods)
        };
        let space = admin.client.get_room(&room_of(&admin, &slot, "space").await).expect("admin is in the Space");
        let lounge = admin.client.get_room(&room_of(&admin, &slot, "lounge").await).expect("admin is in the lounge");
        let announcements = admin.join(&room_of(&admin, &slot, "announcements").await).await;
        let mut alice = member(hs, &admin, &space, &format!("alice{}", slot.index), &[&lounge]).await;
        let bob = member(hs, &admin, &space, &format!("bob{}", slot.index), &[&lounge]).await;
        let alice_lounge = alice.client.get_room(lounge.room_id()).expect("alice in lounge");
        let bob_lounge = bob.client.get_room(lounge.room_id()).expect("bob in lounge");

        // A report, as a reply, from a public room.
        let spam = bob.send_text(&bob_lounge, "格安フォロワー販売中 https://spam.example").await;
        let report = alice.send_reply(&alice_lounge, &spam, "!report -- 宣伝目的の投稿です").await;
        let case =
            bot_message(&mut admin, &bot_user, mods.room_id(), "the case in the moderators room", "ケース #1").await;
        assert!(case.body.contains(&bob.user_id), "{}", case.body);
        assert!(case.body.contains(&alice.user_id), "{}", case.body);
        assert!(case.body.contains("宣伝目的の投稿です"), "{}", case.body);
        assert!(case.body.contains("格安フォロワー販売中"), "quoted from an unencrypted room: {}", case.body);
        assert!(case.body.contains(&format!("https://matrix.to/#/{}/{spam}", lounge.room_id())), "{}", case.body);
        wait_redacted(&admin, lounge.room_id(), &report).await;
        let known: Vec<OwnedRoomId> = alice.client.joined_rooms().iter().map(|r| r.room_id().to_owned()).collect();
        let dm = alice.accept_new_invite(&known).await;
        let confirm = bot_message(&mut alice, &bot_user, dm.room_id(), "the private confirmation", "ケース #1").await;
        assert!(confirm.body.contains("報告を受け付けました"), "{}", confirm.body);
        assert!(dm.encryption_state().is_encrypted(), "the bot's DM is end-to-end encrypted");

        // A second report of the same message joins the case.
        let again = alice
            .send_text(&alice_lounge, &format!("!report https://matrix.to/#/{}/{spam} -- 再送", lounge.room_id()))
            .await;
        bot_message(&mut admin, &bot_user, mods.room_id(), "the further report", "ケース #1 に追加の報告").await;
        wait_redacted(&admin, lounge.room_id(), &again).await;

        // A report from a direct chat the member opens with the bot: the bot
        // joins it (she is in the Space) and answers there.
        let bot_id = matrix_sdk::ruma::UserId::parse(bot_user.as_str()).expect("bot id");
        let own_dm = alice.client.create_dm(&bot_id).await.expect("create a DM with the bot");
        let ev = alice.send_text(&own_dm, &format!("!report {} -- DMからの報告", bob.user_id)).await;
        let answer = alice.reply_to_named(&ev, &bot_user, "a report in a DM").await;
        assert!(answer.body.contains("ケース #2"), "{}", answer.body);
        let case2 = bot_message(&mut admin, &bot_user, mods.room_id(), "the DM report's case", "ケース #2").await;
        assert!(case2.body.contains("封印"), "a reason from an encrypted DM is sealed: {}", case2.body);

        // Every moderator command, tried by a member: refused, and on the record.
        let attempts = [
            "!cases",
            "!case 1",
            "!assign 1",
            "!resolve 1 -- x",
            "!dismiss 1 -- x",
            "!warn @x:localhost -- x",
            "!mute @x:localhost 1h -- x",
            "!unmute @x:localhost",
            "!kick @x:localhost -- x",
            "!ban @x:localhost -- x",
            "!unban @x:localhost",
            "!redact https://matrix.to/#/!a:localhost/$b",
            "!announce x",
            "!audit",
        ];
        for attempt in attempts {
            let ev = alice.send_text(&alice_lounge, attempt).await;
            let reply = alice.reply_to_named(&ev, &bot_user, attempt).await;
            assert!(reply.body.contains("モデレーターの権限が必要です"), "{attempt}: {}", reply.body);
        }
        for attempt in attempts {
            let name = attempt.split_whitespace().next().unwrap_or_default();
            bot_message(
                &mut admin,
                &bot_user,
                mods.room_id(),
                "a refused attempt on the record",
                &format!("command.refused → {name}"),
            )
            .await;
        }

        // Moderators and the bot itself cannot be sanctioned.
        let ev = admin.send_text(&mods, &format!("!ban {} -- x", admin.user_id)).await;
        assert!(admin.reply_to(&ev, &bot_user).await.body.contains("対象にできません"));

        // A ban lands in every room of the Space and in the policy room.
        let ev = admin.send_text(&mods, &format!("!ban {} -- 宣伝スパム", bob.user_id)).await;
        let done = admin.reply_to(&ev, &bot_user).await;
        assert!(done.body.contains("BANしました") && done.body.contains("ケース #1, #2"), "{}", done.body);
        // Read as the bot (the admin is not in every room).
        let ins = crate::space::Inspector::new(hs, &slot);
        for key in ALL_KEYS {
            let room = room_of(&admin, &slot, key).await;
            let state = ins.state(room.as_str()).await;
            let member = state_content(&state, "m.room.member", &bob.user_id);
            assert_eq!(member.and_then(|m| m["membership"].as_str()), Some("ban"), "{key}: {member:?}");
        }
        let policy = ins.state(room_of(&admin, &slot, "policy").await.as_str()).await;
        let rule = state_content(&policy, "m.policy.rule.user", &format!("rule:{}", bob.user_id)).expect("policy rule");
        assert_eq!(rule["entity"], bob.user_id.as_str());
        assert_eq!(rule["recommendation"], "m.ban");
        assert_eq!(rule["reason"], "宣伝スパム");

        let ev = admin.send_text(&mods, "!case 1").await;
        let detail = admin.reply_to(&ev, &bot_user).await;
        assert!(detail.body.contains("宣伝目的の投稿です") && detail.body.contains("BAN"), "{}", detail.body);
        let ev = admin.send_text(&mods, "!resolve 1 -- BANで対応").await;
        assert!(admin.reply_to(&ev, &bot_user).await.body.contains("対応済みとして閉じました"));

        let ev = admin.send_text(&mods, "!announce 明日 21時からメンテナンスします").await;
        admin.reply_to(&ev, &bot_user).await;
        let post =
            bot_message(&mut admin, &bot_user, announcements.room_id(), "the announcement", "メンテナンス").await;
        assert!(post.body.starts_with(&format!("📢 お知らせ({} より)", admin.user_id)), "{}", post.body);

        let ev = admin.send_text(&mods, &format!("!audit {}", bob.user_id)).await;
        let audit = admin.reply_to(&ev, &bot_user).await;
        assert!(audit.body.contains("sanction.ban") && audit.body.contains("report.open"), "{}", audit.body);
        Ok::<(), Failed>(())
    })?;

    // The export has every action, in order.
    bot.stop();
    let out = cli(&["audit", "export"], &slot.config);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let entries: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let actions: Vec<&str> =
        entries.iter().filter_map(|e| e["action"].as_str()).filter(|a| !a.starts_with("space.")).collect();
    let mut expected = vec!["report.open", "report.join", "report.open"];
    expected.extend(std::iter::repeat_n("command.refused", 14));
    expected.extend(["sanction.ban", "case.resolve", "announce"]);
    assert_eq!(actions, expected);
    let seqs: Vec<u64> = entries.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "sequence numbers increase: {seqs:?}");
    let ban = entries.iter().find(|e| e["action"] == "sanction.ban").expect("ban entry");
    assert_eq!(ban["case"], 1);
    assert_eq!(ban["reason"], "宣伝スパム");
    Ok(())
}

/// Sends until the homeserver accepts, returning how long that took.
pub async fn send_until_accepted(m: &Member, room: &Room, text: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        if m.try_send_text(room, text).await.is_ok() {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{} still cannot send after {limit:?}", m.user_id)
}

pub fn timed_mute_is_lifted_on_time_and_across_restart(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (mut admin, mods, mut carol, carol_lounge) = rt.block_on(async {
        let (admin, lounge) = admin_in(hs, &slot, "lounge").await;
        let mods = admin.accept_invite(&room_of(&admin, &slot, "moderators").await).await;
        let space = admin.client.get_room(&room_of(&admin, &slot, "space").await).expect("space");
        let carol = member(hs, &admin, &space, &format!("carol{}", slot.index), &[&lounge]).await;
        let carol_lounge = carol.client.get_room(lounge.room_id()).expect("carol in lounge");
        (admin, mods, carol, carol_lounge)
    });
    rt.block_on(async {
        // A warning arrives privately.
        let ev = admin.send_text(&mods, &format!("!warn {} -- 言葉遣いに注意してください", carol.user_id)).await;
        admin.reply_to(&ev, &bot_user).await;
        let known: Vec<OwnedRoomId> = carol.client.joined_rooms().iter().map(|r| r.room_id().to_owned()).collect();
        let dm = carol.accept_new_invite(&known).await;
        let warning = bot_message(&mut carol, &bot_user, dm.room_id(), "the warning", "警告").await;
        assert!(warning.body.contains("言葉遣いに注意してください"), "{}", warning.body);

        // A 5-second mute: Synapse refuses her messages, then accepts them again.
        let ev = admin.send_text(&mods, &format!("!mute {} 5s -- 頭を冷やしてください", carol.user_id)).await;
        let applied = Instant::now();
        let reply = admin.reply_to(&ev, &bot_user).await;
        assert!(reply.body.contains("ミュートしました"), "{}", reply.body);
        let refused = carol.try_send_text(&carol_lounge, "muted?").await;
        assert!(refused.is_err_and(|e| e.contains("M_FORBIDDEN") || e.contains("403")), "a muted member cannot post");
        bot_message(&mut carol, &bot_user, dm.room_id(), "the mute notice", "🔇").await;
        send_until_accepted(&carol, &carol_lounge, "back", Duration::from_secs(60)).await;
        assert!(applied.elapsed() >= Duration::from_secs(4), "lifted on time, not early: {:?}", applied.elapsed());
        bot_message(&mut admin, &bot_user, mods.room_id(), "the expiry on the record", "sanction.expire.mute").await;

        // A 2-hour mute, then the bot is down while the time passes.
        let ev = admin.send_text(&mods, &format!("!mute {} 2h -- 再発", carol.user_id)).await;
        admin.reply_to(&ev, &bot_user).await;
        assert!(carol.try_send_text(&carol_lounge, "muted again?").await.is_err());
    });
    bot.kill();
    let three_hours = (3 * 3600 * 1000).to_string();
    let _bot = Bot::start_with_env(&slot, &[("FEDISEC_CLOCK_OFFSET_MS", &three_hours)])?;
    rt.block_on(async {
        send_until_accepted(&carol, &carol_lounge, "two hours later", Duration::from_secs(60)).await;
        bot_message(&mut admin, &bot_user, mods.room_id(), "the expiry after restart", "sanction.expire.mute").await;
    });
    drop(rt);
    Ok(())
}
