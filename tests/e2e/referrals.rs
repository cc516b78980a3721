//! Admission by referral against the real Synapse: a referral from card to
//! member, a rejected one, an expired one (the bot's clock moved forward),
//! and the refusals, with a local HTTP server playing the candidate's instance.

use crate::commands::admin_in;
use crate::support::bot::Bot;
use crate::support::synapse::{Slot, Synapse};
use crate::support::users::{Member, Seen};
use libtest_mimic::Failed;
use matrix_sdk::Room;
use matrix_sdk::ruma::events::reaction::ReactionEventContent;
use matrix_sdk::ruma::events::relation::Annotation;
use matrix_sdk::ruma::{OwnedRoomId, RoomId};
use std::time::Duration;

/// A Mastodon-like instance on loopback: NodeInfo and the instance API.
async fn fake_instance() -> String {
    use axum::routing::get;
    use serde_json::json;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let href = format!("{base}/nodeinfo/2.0");
    let app = axum::Router::new()
        .route(
            "/.well-known/nodeinfo",
            get(move || {
                let href = href.clone();
                async move {
                    axum::Json(
                        json!({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": href}]}),
                    )
                }
            }),
        )
        .route(
            "/nodeinfo/2.0",
            get(|| async { axum::Json(json!({"software": {"name": "mastodon", "version": "4.3.2"}})) }),
        )
        .route(
            "/api/v2/instance",
            get(|| async {
                axum::Json(json!({"contact": {"account": {"acct": "dave", "created_at": "2023-01-15T00:00:00.000Z"}}}))
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

fn configure(slot: &Slot) -> Result<(), Failed> {
    let config = std::fs::read_to_string(&slot.config)?
        .replace("min_discussion = \"24h\"", "min_discussion = \"2s\"")
        .replace("evidence_timeout = \"10s\"", "evidence_timeout = \"5s\"\nevidence_allow_private = true");
    std::fs::write(&slot.config, config)?;
    Ok(())
}

async fn member_of(hs: &Synapse, admin: &Member, space: &Room, name: &str, room: &RoomId) -> (Member, Room) {
    let m = Member::register(&hs.url, name).await;
    admin.invite(space, &m.user_id).await;
    m.accept_invite(space.room_id()).await;
    let r = m.join(room).await;
    (m, r)
}

async fn bot_says(m: &mut Member, bot: &str, room: &RoomId, what: &str, contains: &str) -> Seen {
    let (bot, room, contains) = (bot.to_string(), room.to_owned(), contains.to_string());
    m.wait_for(what, Duration::from_secs(90), move |s| {
        s.sender == bot && s.room_id == room && s.body.contains(&contains)
    })
    .await
}

pub fn refer_vouch_agree_reject_expire(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    configure(&slot)?;
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let n = slot.index;
    let (mut admin, mut alice, refs_id, mods) = rt.block_on(async {
        let (admin, _lounge) = admin_in(hs, &slot, "lounge").await;
        let refs_id: OwnedRoomId = admin.resolve(&slot.alias("referrals")).await;
        admin.join(&refs_id).await;
        let mods = admin.accept_invite(&admin.resolve(&slot.alias("moderators")).await).await;
        let space = admin.client.get_room(&admin.resolve(&slot.alias("space")).await).expect("space");
        let (alice, _) = member_of(hs, &admin, &space, &format!("alice{n}"), &refs_id).await;
        (admin, alice, refs_id, mods)
    });
    rt.block_on(async {
        let instance = fake_instance().await;
        let space_id = admin.resolve(&slot.alias("space")).await;
        let space = admin.client.get_room(&space_id).expect("space");
        let (mut bob, bob_refs) = member_of(hs, &admin, &space, &format!("bob{n}"), &refs_id).await;
        let (carol, carol_refs) = member_of(hs, &admin, &space, &format!("carol{n}"), &refs_id).await;
        let alice_refs = alice.client.get_room(&refs_id).expect("alice in referrals");
        let mut dave = Member::register(&hs.url, &format!("dave{n}")).await;

        // The referral card, with the rule, and the evidence in its thread.
        alice
            .send_text(
                &alice_refs,
                &format!("!refer {} {instance}/@dave -- 長く運営している信頼できる管理者です", dave.user_id),
            )
            .await;
        let card = bot_says(&mut bob, &bot_user, &refs_id, "the referral card", "📨 紹介 #1").await;
        assert!(
            card.body.contains(&dave.user_id) && card.body.contains("☐ 日本語での意思疎通が可能である"),
            "{}",
            card.body
        );
        assert!(card.body.contains("紹介者以外のメンバー 2 人以上の推薦"), "{}", card.body);
        let evidence = bot_says(&mut bob, &bot_user, &refs_id, "the evidence note", "🔎 サーバー情報").await;
        assert!(
            evidence.body.contains("mastodon 4.3.2") && evidence.body.contains("裏付けています"),
            "{}",
            evidence.body
        );

        // Refusals.
        for (body, expected) in [
            (format!("!refer {} https://x.example -- x", alice.user_id), "自分自身"),
            (format!("!refer {} https://x.example -- x", bob.user_id), "すでにメンバー"),
            (format!("!refer {} https://x.example -- x", dave.user_id), "進行中の紹介 #1"),
            ("!refer dave https://x.example -- x".to_string(), "ユーザーIDではありません"),
            ("!vouch 1".to_string(), "自分が紹介した人は推薦できません"),
        ] {
            let ev = alice.send_text(&alice_refs, &body).await;
            let reply = alice.reply_to_named(&ev, &bot_user, &body).await;
            assert!(reply.body.contains(expected), "{body}: {}", reply.body);
        }

        // Attest, vouch by command and by 👍; accepted after the discussion time.
        alice.send_text(&alice_refs, "!attest 1").await;
        bot_says(&mut bob, &bot_user, &refs_id, "the attestation", "☑").await;
        bob.send_text(&bob_refs, "!vouch 1").await;
        bot_says(&mut bob, &bot_user, &refs_id, "bob's vouch", "(1/2)").await;
        let twice = bob.send_text(&bob_refs, "!vouch 1").await;
        assert!(bob.reply_to(&twice, &bot_user).await.body.contains("すでに推薦"));
        carol_refs
            .send(ReactionEventContent::new(Annotation::new(card.event_id.clone(), "👍".into())))
            .await
            .expect("react");
        bot_says(&mut bob, &bot_user, &refs_id, "carol's 👍 as a vouch", "(2/2)").await;
        bot_says(&mut bob, &bot_user, &refs_id, "the acceptance", "✅").await;

        // The candidate: welcome room only, the rules, !agree, then the Space.
        let welcome_id = admin.resolve(&slot.alias("welcome")).await;
        let welcome = dave.accept_invite(&welcome_id).await;
        let rules = bot_says(&mut dave, &bot_user, &welcome_id, "the rules", "ルール(版").await;
        assert!(rules.body.contains("モデレーターに報告する"), "{}", rules.body);
        let early = dave.send_text(&welcome, "!refer @x:localhost https://x.example -- x").await;
        assert!(dave.reply_to(&early, &bot_user).await.body.contains("メンバーの権限が必要です"));
        let agree = dave.send_text(&welcome, "!agree").await;
        assert!(dave.reply_to(&agree, &bot_user).await.body.contains("同意を記録しました"));
        dave.accept_invite(&space_id).await;
        let whois = bob.send_text(&bob_refs, &format!("!whois {}", dave.user_id)).await;
        let who = bob.reply_to(&whois, &bot_user).await;
        assert!(who.body.contains(&format!("紹介者 {}", alice.user_id)) && who.body.contains("(最新)"), "{}", who.body);
        assert!(who.body.contains(&bob.user_id) && who.body.contains(&carol.user_id), "{}", who.body);

        // A rejected referral: the candidate is never invited.
        let erin = Member::register(&hs.url, &format!("erin{n}")).await;
        alice.send_text(&alice_refs, &format!("!refer {} https://erin.example -- x", erin.user_id)).await;
        bot_says(&mut bob, &bot_user, &refs_id, "card #2", "📨 紹介 #2").await;
        let ev = admin.send_text(&mods, "!reject 2 -- 参加条件を満たしていません").await;
        assert!(admin.reply_to(&ev, &bot_user).await.body.contains("見送りました"));
        bot_says(&mut bob, &bot_user, &refs_id, "the rejection", "❌").await;

        // A third referral, then the quota of 3 per 30 days is used up.
        let frank = Member::register(&hs.url, &format!("frank{n}")).await;
        alice.send_text(&alice_refs, &format!("!refer {} https://frank.example -- x", frank.user_id)).await;
        bot_says(&mut bob, &bot_user, &refs_id, "card #3", "📨 紹介 #3").await;
        let ev = alice.send_text(&alice_refs, "!refer @gina:localhost https://g.example -- x").await;
        assert!(alice.reply_to(&ev, &bot_user).await.body.contains("3 人まで"));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(erin.client.invited_rooms().is_empty(), "a rejected candidate is not invited");
        Ok::<(), Failed>(())
    })?;

    // Fifteen days later (the bot's clock), referral #3 has expired.
    bot.kill();
    let later = (15 * 24 * 3600 * 1000u64).to_string();
    let _bot = Bot::start_with_env(&slot, &[("FEDISEC_CLOCK_OFFSET_MS", &later)])?;
    rt.block_on(async {
        bot_says(&mut admin, &bot_user, &refs_id, "the expiry of #3", "⌛ 期限までに承認条件を満たさなかった").await;
        let ev = admin.send_text(&mods, "!audit").await;
        let audit = admin.reply_to(&ev, &bot_user).await;
        assert!(audit.body.contains("referral.expire"), "{}", audit.body);
    });
    drop(rt);
    Ok(())
}
