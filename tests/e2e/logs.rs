//! Log sharing against the real Synapse, with E2EE matrix-sdk members:
//! summaries in the encrypted room, sightings across members, TLP:RED,
//! a gzip attachment, `!log sanitize`, `!iocs export`, the log guard in an
//! unencrypted room, and a canary that must not leak anywhere.

use crate::block_on;
use crate::commands::admin_in;
use crate::support::bot::Bot;
use crate::support::synapse::{Slot, Synapse};
use crate::support::users::{Member, Seen, state_content};
use libtest_mimic::Failed;
use matrix_sdk::Room;
use matrix_sdk::attachment::AttachmentConfig;
use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::ruma::events::room::message::TextMessageEventContent;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId};
use std::io::Write;
use std::time::Duration;

const CANARY_TOKEN: &str = "CANARYTOKENq7Zx3v";
const CANARY_HANDLE: &str = "canaryhandle";

fn access_log(ip: &str) -> String {
    format!(
        "{ip} - - [14/Aug/2019:04:38:35 +0300] \"GET /wp-login.php HTTP/1.1\" 200 1338 \"-\" \"Mozilla/5.0\"\n\
         {ip} - - [14/Aug/2019:04:38:36 +0300] \"POST /wp-login.php HTTP/1.1\" 200 1721 \"-\" \"Mozilla/5.0\"\n\
         {ip} - - [14/Aug/2019:04:38:37 +0300] \"GET /.env HTTP/1.1\" 404 162 \"-\" \"curl/8\"\n"
    )
}

fn canary_lines() -> String {
    format!(
        "192.168.7.7 - - [14/Aug/2019:04:39:00 +0300] \"GET /@{CANARY_HANDLE}?access_token={CANARY_TOKEN} HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0\"\n"
    )
}

async fn summary_for(m: &mut Member, bot: &str, share: &OwnedEventId, what: &str) -> Seen {
    let (bot, share) = (bot.to_string(), share.clone());
    m.wait_for(what, Duration::from_secs(60), move |s| {
        s.sender == bot && s.thread_root.as_ref() == Some(&share) && s.is_notice
    })
    .await
}

async fn bot_file(m: &mut Member, bot: &str, name: &str) -> Vec<u8> {
    let (bot, wanted) = (bot.to_string(), name.to_string());
    let seen = m
        .wait_for(name, Duration::from_secs(60), move |s| s.sender == bot && s.file.is_some() && s.body == wanted)
        .await;
    let source = seen.file.expect("file source");
    let request = MediaRequestParameters { source, format: MediaFormat::File };
    m.client.media().get_media_content(&request, false).await.unwrap_or_else(|e| panic!("download {name}: {e}"))
}

async fn member_in(hs: &Synapse, admin: &Member, space: &Room, name: &str, rooms: &[&OwnedRoomId]) -> Member {
    let m = Member::register(&hs.url, name).await;
    admin.invite(space, &m.user_id).await;
    m.accept_invite(space.room_id()).await;
    for r in rooms {
        m.join(r).await;
    }
    m
}

/// Every message the member can read in every unencrypted room it is in, as raw JSON.
async fn unencrypted_history(m: &Member) -> String {
    let mut all = String::new();
    for room in m.client.joined_rooms() {
        if room.latest_encryption_state().await.map(|s| s.is_encrypted()).unwrap_or(true) {
            continue;
        }
        let mut opts = matrix_sdk::room::MessagesOptions::backward();
        opts.limit = 200u32.into();
        if let Ok(msgs) = room.messages(opts).await {
            for ev in msgs.chunk {
                all.push_str(ev.raw().json().get());
            }
        }
    }
    all
}

fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return hits };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            hits.extend(files_containing(&p, needle));
        } else if let Ok(bytes) = std::fs::read(&p)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            hits.push(p.display().to_string());
        }
    }
    hits
}

pub fn share_summarise_sightings_sanitize_export_and_guard(hs: &Synapse) -> Result<(), Failed> {
    let slot: Slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let bot_id = slot.bot_user();
    block_on(async {
        let (mut alice, log_room) = admin_in(hs, &slot, "log-share").await;
        let space_id: OwnedRoomId = alice.resolve(&slot.alias("space")).await;
        let space = alice.client.get_room(&space_id).expect("space");
        let lounge_id = alice.resolve(&slot.alias("lounge")).await;
        let lounge = alice.join(&lounge_id).await;
        let log_id = log_room.room_id().to_owned();
        // The room itself: encrypted, history visible only since joining.
        let state = alice.state(&log_id).await;
        assert_eq!(
            state_content(&state, "m.room.history_visibility", "").map(|c| c["history_visibility"].clone()),
            Some(serde_json::json!("joined"))
        );
        assert!(state_content(&state, "m.room.encryption", "").is_some());
        let mut bob = member_in(hs, &alice, &space, &format!("bob{}", slot.index), &[&log_id]).await;
        let bob_log = bob.client.get_room(&log_id).expect("bob in log-share");

        // 1. alice shares at TLP:AMBER, with a canary in the log.
        let body = format!("TLP:AMBER\n```\n{}{}```", access_log("203.0.113.5"), canary_lines());
        let share = alice.send_text(&log_room, &body).await;
        let s = summary_for(&mut alice, &bot_id, &share, "summary of alice's share").await;
        assert!(s.body.contains("203.0.113[.]5"), "{}", s.body);
        assert!(s.body.contains("WordPress") && s.body.contains(".env"), "{}", s.body);
        assert!(s.body.contains("TLP:AMBER") && s.body.contains("報告はありません"), "{}", s.body);
        assert!(!s.body.contains(CANARY_HANDLE) && !s.body.contains(CANARY_TOKEN), "{}", s.body);
        let raw = alice.raw_event(log_room.room_id(), &s.event_id).await;
        assert_eq!(raw["type"], "m.room.encrypted", "the summary is encrypted: {raw}");

        // 2. bob shares the same attacker at TLP:GREEN and learns alice saw it.
        let share_b = bob.send_text(&bob_log, &format!("TLP:GREEN\n```\n{}```", access_log("203.0.113.5"))).await;
        let s = summary_for(&mut bob, &bot_id, &share_b, "summary of bob's share").await;
        assert!(s.body.contains("203.0.113[.]5 — 過去7日 1 / 過去30日 1"), "{}", s.body);

        // 3. TLP:RED keeps nothing: bob's later share of the same address finds no one.
        let red = alice.send_text(&log_room, &format!("!log --tlp red\n{}", access_log("198.51.100.77"))).await;
        let s = summary_for(&mut alice, &bot_id, &red, "summary of the red share").await;
        assert!(s.body.contains("TLP:RED") && s.body.contains("何も保存していません"), "{}", s.body);
        let after_red = bob.send_text(&bob_log, &format!("```\n{}```", access_log("198.51.100.77"))).await;
        let s = summary_for(&mut bob, &bot_id, &after_red, "summary after the red share").await;
        assert!(s.body.contains("報告はありません"), "RED left a sighting: {}", s.body);
        assert!(s.body.contains("ラベルがないため TLP:AMBER"), "{}", s.body);

        // 4. An encrypted gzip attachment.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(access_log("192.0.2.99").repeat(50).as_bytes()).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let mime: mime::Mime = "application/gzip".parse().expect("mime");
        let config = AttachmentConfig::new().caption(Some(TextMessageEventContent::plain("TLP:GREEN")));
        let sent = bob_log.send_attachment("access.log.gz", &mime, gz, config).await.expect("upload");
        let s = summary_for(&mut bob, &bot_id, &sent.event_id, "summary of the gzip file").await;
        assert!(s.body.contains("192.0.2[.]99 — 150") && s.body.contains("TLP:GREEN"), "{}", s.body);

        // 5. `!log sanitize` on alice's first share: an encrypted file without secrets.
        alice.send_reply(&log_room, &share, "!log sanitize").await;
        let clean = String::from_utf8(bot_file(&mut alice, &bot_id, "sanitized.log").await).expect("utf-8");
        assert!(clean.contains("203.0.113.5") && clean.contains("[REDACTED]"), "{clean}");
        assert!(
            !clean.contains(CANARY_TOKEN) && !clean.contains(CANARY_HANDLE) && !clean.contains("192.168.7.7"),
            "{clean}"
        );

        // 6. `!iocs export --tlp green`: bob's GREEN shares, not alice's AMBER-only ones.
        alice.send_text(&log_room, "!iocs export --tlp green").await;
        let deny =
            String::from_utf8(bot_file(&mut alice, &bot_id, "fedisec-deny-tlp-green.conf").await).expect("utf-8");
        assert!(deny.contains("deny 203.0.113.5;") && deny.contains("deny 192.0.2.99;"), "{deny}");
        assert!(!deny.contains("198.51.100.77"), "{deny}");

        // 7. A log pasted in the unencrypted lounge is taken down, and alice is told privately.
        // Rooms alice is in or was invited to by the Space setup: the DM is the new one.
        let known: Vec<OwnedRoomId> = alice
            .client
            .joined_rooms()
            .iter()
            .chain(alice.client.invited_rooms().iter())
            .map(|r| r.room_id().to_owned())
            .collect();
        let pasted = alice
            .send_text(&lounge, &format!("見てください\n```\n{}{}```", access_log("203.0.113.8"), canary_lines()))
            .await;
        let dm_room = alice.accept_new_invite(&known).await;
        let dm = alice
            .wait_for("log guard DM", Duration::from_secs(60), {
                let bot_id = bot_id.clone();
                move |s| s.sender == bot_id && s.body.contains("ログ共有ルーム")
            })
            .await;
        assert_eq!(dm.room_id, dm_room.room_id());
        assert!(dm_room.encryption_state().is_encrypted(), "the bot's DM is encrypted");
        let mut redacted = false;
        for _ in 0..100 {
            let raw = alice.raw_event(lounge.room_id(), &pasted).await;
            if raw["content"].as_object().is_some_and(|c| c.is_empty()) {
                redacted = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(redacted, "the pasted log was redacted");

        // 8. The canary appears in no unencrypted room (the redacted paste included).
        let history = unencrypted_history(&alice).await;
        assert!(!history.contains(CANARY_TOKEN) && !history.contains(CANARY_HANDLE), "canary in an unencrypted room");
        Ok::<_, Failed>(())
    })?;
    // ...in no file under the bot's data directory (sled, SQLite stores, keys)...
    let data = slot.dir.join("data");
    for needle in [CANARY_TOKEN, CANARY_HANDLE, "203.0.113.5"] {
        let hits = files_containing(&data, needle.as_bytes());
        assert!(hits.is_empty(), "{needle} found in {hits:?}");
    }
    // ...and not in the bot's own log output.
    let log = bot.log();
    assert!(!log.contains(CANARY_TOKEN) && !log.contains(CANARY_HANDLE), "canary in the bot log");
    assert!(log.contains("log share analysed"));
    Ok(())
}
