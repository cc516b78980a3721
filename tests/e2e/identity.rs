//! The bot's cross-signed identity as Element-like members see it: recovery
//! after the crypto store is lost, keys withheld by a member's client, and
//! emoji verification by an admin confirmed on the bot's terminal.

use crate::block_on;
use crate::commands::admin_in;
use crate::support::bot::{Bot, cli};
use crate::support::synapse::{Slot, Synapse, file_mode, http_get};
use crate::support::users::{Member, Sharing};
use libtest_mimic::Failed;
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId, UserId};
use std::time::Duration;

fn session(slot: &Slot) -> serde_json::Value {
    let text = std::fs::read_to_string(slot.dir.join("data/session.json")).expect("session.json");
    serde_json::from_str(&text).expect("session.json is JSON")
}

fn metrics(slot: &Slot) -> String {
    http_get(&format!("{}/metrics", slot.as_url())).map(|(_, body)| body).unwrap_or_default()
}

/// The bot's master key and whether its current device is cross-signed, as
/// a member's client sees them after asking the homeserver again.
async fn bot_identity_seen_by(m: &Member, bot: &UserId, device: &str) -> (String, bool) {
    let enc = m.client.encryption();
    let identity = enc.request_user_identity(bot).await.expect("keys query").expect("the bot has an identity");
    let master = identity.master_key().get_first_key().map(|k| k.to_base64()).expect("a master key");
    let device = enc.get_device(bot, device.into()).await.expect("device lookup");
    (master, device.is_some_and(|d| d.is_cross_signed_by_owner()))
}

/// GET with the bot's device token.
async fn get_json(http: &reqwest::Client, token: &str, url: String) -> serde_json::Value {
    let resp = http.get(url).bearer_auth(token).send().await.expect("a request to Synapse");
    resp.json().await.unwrap_or_default()
}

/// Waits until the bot's key backup on the homeserver holds the Megolm session `session` of `room`.
async fn wait_backed_up(hs: &Synapse, slot: &Slot, room: &OwnedRoomId, session_id: &str) {
    let token = session(slot)["access_token"].as_str().expect("token").to_string();
    let http = reqwest::Client::new();
    for _ in 0..150 {
        let version = get_json(&http, &token, format!("{}/_matrix/client/v3/room_keys/version", hs.url)).await;
        if let Some(v) = version["version"].as_str() {
            let url = format!("{}/_matrix/client/v3/room_keys/keys/{room}?version={v}", hs.url);
            if get_json(&http, &token, url).await["sessions"].get(session_id).is_some() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the bot never backed up the room key {session_id} of {room}");
}

/// Waits (up to 30 s) until `done` holds.
async fn until(done: impl Fn() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A DM with the bot, once the bot has joined it.
async fn dm_with_bot(m: &Member, bot: &UserId) -> matrix_sdk::Room {
    let dm = m.client.create_dm(bot).await.expect("a DM with the bot");
    for _ in 0..300 {
        if dm.members(matrix_sdk::RoomMemberships::JOIN).await.map(|m| m.len()).unwrap_or(0) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    dm
}

pub fn recovered_after_the_crypto_store_is_lost(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let bot_id = OwnedUserId::try_from(bot_user.as_str())?;
    let old_device = session(&slot)["device_id"].as_str().expect("device").to_string();
    let key_file = slot.dir.join("data/recovery-key");
    assert_eq!(file_mode(&key_file), 0o600, "the recovery key is private");
    let saved_key = std::fs::read_to_string(&key_file)?.trim().to_string();
    let printed = cli(&["recovery-key"], &slot.config);
    assert_eq!(String::from_utf8_lossy(&printed.stdout).trim(), saved_key, "fedisec recovery-key prints it");
    let m = metrics(&slot);
    for line in ["fedisec_cross_signing_published 1", "fedisec_device_cross_signed 1", "fedisec_key_backup_enabled 1"] {
        assert!(m.contains(line), "{line} in /metrics:\n{m}");
    }
    let check = String::from_utf8_lossy(&cli(&["check"], &slot.config).stdout).to_string();
    assert!(check.contains("公開済み") && check.contains("ボットの端末の署名: はい"), "{check}");

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (mut admin, log_share, master, share, share_session) = rt.block_on(async {
        let (mut admin, log_share) = admin_in(hs, &slot, "log-share").await;
        let (master, signed) = bot_identity_seen_by(&admin, &bot_id, &old_device).await;
        assert!(signed, "Element sees the bot's device cross-signed by the bot");
        // A log shared before the loss: the bot reads it, and backs its key up.
        let log = "203.0.113.9 - - [01/Dec/2026:10:00:00 +0000] \"GET /.env HTTP/1.1\" 404 0 \"-\" \"curl/8\"\n";
        let share = admin.send_text(&log_share, &format!("TLP:GREEN\n```\n{}```", log.repeat(3))).await;
        let bot = bot_user.clone();
        let root = share.clone();
        admin
            .wait_for("the summary before the loss", Duration::from_secs(90), move |s| {
                s.sender == bot && s.thread_root.as_ref() == Some(&root)
            })
            .await;
        let raw = admin.raw_event(log_share.room_id(), &share).await;
        let session_id = raw["content"]["session_id"].as_str().expect("a Megolm session").to_string();
        wait_backed_up(hs, &slot, &log_share.room_id().to_owned(), &session_id).await;
        (admin, log_share, master, share, session_id)
    });

    // The bot stops; a command comes while it is down; its crypto store is lost.
    bot.stop();
    let while_down = rt.block_on(admin.send_text(&log_share, "!ping"));
    let raw = rt.block_on(admin.raw_event(log_share.room_id(), &while_down));
    let down_session = raw["content"]["session_id"].as_str().expect("a Megolm session").to_string();
    let matrix_dir = slot.dir.join("data/matrix");
    for f in ["matrix-sdk-crypto.sqlite3", "matrix-sdk-crypto.sqlite3-wal", "matrix-sdk-crypto.sqlite3-shm"] {
        let _ = std::fs::remove_file(matrix_dir.join(f));
    }
    let bot = Bot::start(&slot)?;
    let new_device = session(&slot)["device_id"].as_str().expect("device").to_string();
    assert_ne!(new_device, old_device, "a new device, not the old ID with new keys");
    let log = bot.log();
    assert!(log.contains("identity=Recovered"), "the identity came back from secret storage:\n{log}");

    rt.block_on(async {
        let (master_after, signed) = bot_identity_seen_by(&admin, &bot_id, &new_device).await;
        assert_eq!(master_after, master, "the same cross-signing identity");
        assert!(signed, "the new device is signed by the same identity");
        // The message sent while the bot was down: its key went to the old
        // device only. If the member's client kept the session the bot had
        // backed up, the bot reads it from the backup; matrix-sdk clients
        // rotate it on a member-list reload, and then the bot can only say,
        // without content, that it cannot read it.
        let reply = admin.reply_to_named(&while_down, &bot_user, "the command sent while the bot was down").await;
        if down_session == share_session {
            assert_eq!(reply.body, "🏓 pong — fedisec は動作中です。");
        } else {
            assert!(
                reply.body.contains("読めませんでした") && reply.body.contains("鍵がまだ届いていません"),
                "{}",
                reply.body
            );
        }
        // The share from before the loss is read again: its key comes from the backup.
        admin.send_reply(&log_share, &share, "!log sanitize").await;
        let bot = bot_user.clone();
        let file = admin
            .wait_for("sanitized.log of the share from before the loss", Duration::from_secs(90), move |s| {
                s.sender == bot && s.file.is_some() && s.body == "sanitized.log"
            })
            .await;
        let request = matrix_sdk::media::MediaRequestParameters {
            source: file.file.expect("a file"),
            format: matrix_sdk::media::MediaFormat::File,
        };
        let clean = admin.client.media().get_media_content(&request, false).await.expect("download");
        assert!(String::from_utf8_lossy(&clean).contains("/.env"), "the old share was read");
        let ping = admin.send_text(&log_share, "!ping").await;
        admin.reply_to_named(&ping, &bot_user, "after the recovery").await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let twice = admin.drain(|s| s.sender == bot_user && s.in_reply_to.as_ref() == Some(&while_down));
        assert!(twice.is_empty(), "answered once: {twice:?}");
    });
    let devices = rt.block_on(async {
        admin.client.encryption().get_user_devices(&bot_id).await.expect("devices").devices().count()
    });
    assert_eq!(devices, 1, "the old device was logged out");
    drop(bot);

    // A lost recovery key with a lost crypto store is refused, with the way out.
    std::fs::remove_file(&key_file)?;
    for f in ["matrix-sdk-crypto.sqlite3", "matrix-sdk-crypto.sqlite3-wal", "matrix-sdk-crypto.sqlite3-shm"] {
        let _ = std::fs::remove_file(matrix_dir.join(f));
    }
    let refused = match Bot::start(&slot) {
        Ok(_) => panic!("the bot started a new identity without its recovery key"),
        Err(e) => e,
    };
    assert!(refused.contains("recovery key") && refused.contains("fedisec recovery-key --set"), "{refused}");
    // Putting the stored key back lets it start as itself.
    let mut set = std::process::Command::new(crate::support::synapse::bot_binary())
        .args(["recovery-key", "--set", "--config"])
        .arg(&slot.config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    {
        use std::io::Write;
        set.stdin.take().expect("stdin").write_all(format!("{saved_key}\n").as_bytes())?;
    }
    assert!(set.wait()?.success());
    let bot = Bot::start(&slot)?;
    let device = session(&slot)["device_id"].as_str().expect("device").to_string();
    rt.block_on(async {
        let (master_after, signed) = bot_identity_seen_by(&admin, &bot_id, &device).await;
        assert_eq!(master_after, master);
        assert!(signed);
        let ping = admin.send_text(&log_share, "!ping").await;
        admin.reply_to_named(&ping, &bot_user, "after the key was put back").await;
    });
    bot.stop();

    // Lost for good: `fedisec reset-identity` makes a new identity the homeserver
    // accepts without interactive auth, with a new recovery key.
    std::fs::remove_file(&key_file)?;
    for f in ["matrix-sdk-crypto.sqlite3", "matrix-sdk-crypto.sqlite3-wal", "matrix-sdk-crypto.sqlite3-shm"] {
        let _ = std::fs::remove_file(matrix_dir.join(f));
    }
    let reset = cli(&["reset-identity"], &slot.config);
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    let new_key = std::fs::read_to_string(&key_file)?.trim().to_string();
    assert!(!new_key.is_empty() && new_key != saved_key, "a new recovery key");
    let _bot = Bot::start(&slot)?;
    let device = session(&slot)["device_id"].as_str().expect("device").to_string();
    rt.block_on(async {
        let (master_after, signed) = bot_identity_seen_by(&admin, &bot_id, &device).await;
        assert_ne!(master_after, master, "a new identity");
        assert!(signed, "the device is signed by the new identity");
        let ping = admin.send_text(&log_share, "!ping").await;
        let reply = admin.reply_to_named(&ping, &bot_user, "after the reset").await;
        assert_eq!(reply.body, "🏓 pong — fedisec は動作中です。");
    });
    drop(rt);
    Ok(())
}

pub fn withheld_key_is_answered_without_content(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    const CANARY: &str = "withheld-canary-7f3a";
    block_on(async {
        let (admin, log_share) = admin_in(hs, &slot, "log-share").await;
        let space: OwnedRoomId = admin.resolve(&slot.alias("space")).await;
        let space = admin.client.get_room(&space).expect("space");
        // Element's "never send encrypted messages to unverified sessions".
        let mut strict =
            Member::register_sharing(&hs.url, &format!("strict{}", slot.index), Sharing::VerifiedOnly).await;
        admin.invite(&space, &strict.user_id).await;
        strict.accept_invite(space.room_id()).await;
        let room = strict.join(log_share.room_id()).await;

        let first = strict.send_text(&room, &format!("!ping {CANARY}")).await;
        let reply = strict.reply_to_named(&first, &bot_user, "the could-not-read answer").await;
        assert!(reply.is_notice);
        assert!(reply.body.contains("読めませんでした") && reply.body.contains("m.unverified"), "{}", reply.body);
        assert!(reply.body.contains(&bot_user), "it names whom to verify: {}", reply.body);
        assert!(!reply.body.contains(CANARY), "{}", reply.body);
        let raw = strict.raw_event(room.room_id(), &reply.event_id).await;
        assert_eq!(raw["type"], "m.room.encrypted", "the answer is encrypted too");

        // Once per sender: a second unreadable message gets no second answer.
        let second = strict.send_text(&room, "!ping again").await;
        for _ in 0..50 {
            if metrics(&slot).contains("fedisec_undecryptable_messages_total{reason=\"withheld_unverified\"} 2") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let m = metrics(&slot);
        assert!(m.contains("fedisec_undecryptable_messages_total{reason=\"withheld_unverified\"} 2"), "{m}");
        tokio::time::sleep(Duration::from_secs(2)).await;
        let again = strict.drain(|s| s.sender == bot_user && s.in_reply_to.as_ref() == Some(&second));
        assert!(again.is_empty(), "told twice: {again:?}");
        Ok::<_, Failed>(())
    })?;
    let log = bot.log();
    assert!(!log.contains(CANARY), "no content in the bot's log");
    assert!(log.contains("reason=\"withheld_unverified\"") || log.contains("reason=withheld_unverified"), "{log}");
    Ok(())
}

pub fn admin_verifies_the_bot_with_emoji(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let bot_id = OwnedUserId::try_from(bot_user.as_str())?;
    block_on(async {
        let (admin, _lounge) = admin_in(hs, &slot, "lounge").await;
        dm_with_bot(&admin, &bot_id).await;
        let enc = admin.client.encryption();
        let identity = enc.request_user_identity(&bot_id).await?.expect("the bot's identity");
        assert!(!identity.is_verified());
        let request = identity.request_verification().await.expect("request verification");
        until(|| request.is_ready() || request.is_cancelled()).await;
        assert!(request.is_ready(), "the bot accepted an admin's request");
        let sas = request.start_sas().await?.expect("emoji verification starts");
        until(|| sas.emoji().is_some()).await;
        let admin_emoji: Vec<String> = sas.emoji().expect("emoji shown").iter().map(|e| e.symbol.to_string()).collect();

        // The operator, on the bot's machine: the same emoji are shown there.
        let out = cli(&["verify", "--wait", "30"], &slot.config);
        let shown = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{shown}");
        for e in &admin_emoji {
            assert!(shown.contains(e.as_str()), "{e} missing from the operator's view:\n{shown}");
        }
        assert!(shown.contains(&admin.user_id), "{shown}");
        let flow_id = request.flow_id().to_string();
        assert!(shown.contains(&flow_id), "{shown}");
        // Nothing is confirmed before the operator says so.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!sas.is_done());
        let ok = cli(&["verify", "--confirm", &flow_id], &slot.config);
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        sas.confirm().await?;
        until(|| sas.is_done()).await;
        assert!(sas.is_done(), "verification completes");
        // The admin's client uploads its signature of the bot's identity
        // after the verification is done; under load that takes a moment.
        let mut verified = false;
        for _ in 0..60 {
            verified = enc.request_user_identity(&bot_id).await?.expect("identity").is_verified();
            if verified {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(verified, "Element shows the bot as verified");

        // Anyone else asking is declined.
        let space: OwnedRoomId = admin.resolve(&slot.alias("space")).await;
        let space = admin.client.get_room(&space).expect("space");
        let other = Member::register(&hs.url, &format!("other{}", slot.index)).await;
        admin.invite(&space, &other.user_id).await;
        other.accept_invite(space.room_id()).await;
        dm_with_bot(&other, &bot_id).await;
        let theirs = other.client.encryption().request_user_identity(&bot_id).await?.expect("identity");
        let req = theirs.request_verification().await.expect("request");
        until(|| req.is_cancelled()).await;
        assert!(req.is_cancelled(), "a non-admin's request is declined");
        Ok::<_, Failed>(())
    })?;
    // The bot's side finishes when the admin's `m.key.verification.done`
    // reaches it by sync, which may come after the admin's side is done.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !bot.log().contains("verification done") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(bot.log().contains("verification done"), "the bot's side of the verification completed");
    Ok(())
}
