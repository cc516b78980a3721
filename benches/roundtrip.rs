//! Command round trip on a local Synapse, next to the homeserver floor.
//!
//! `cargo bench --bench roundtrip` starts Synapse and the real (release) bot,
//! then, in one run and interleaved so both see the same conditions:
//! - bot: a member's client sends `!ping`, and receives the bot's reply;
//! - floor: the same client sends a message that a second user's plain
//!   matrix-sdk client echoes back at once — the same two trips through the
//!   homeserver with no bot logic in between.
//!
//! It prints median and 99th percentile of each, the bot's overhead over the
//! floor, and the bot's resident memory after start and after the run.
//! `FEDISEC_BENCH_N` sets the number of round trips (default 200), and
//! `FEDISEC_BENCH_ROOM` the room key (default `lounge`; `log-share` measures
//! the end-to-end encrypted room, with both members' clients set up as
//! Element is).
#![recursion_limit = "256"]

#[path = "../tests/support/mod.rs"]
mod support;

use matrix_sdk::Room;
use matrix_sdk::ruma::OwnedRoomId;
use matrix_sdk::ruma::events::room::message::{MessageType, OriginalSyncRoomMessageEvent, RoomMessageEventContent};
use std::time::{Duration, Instant};
use support::bot::Bot;
use support::synapse::Synapse;
use support::users::Member;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo test --benches` runs this binary with --bench absent; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("roundtrip: run with `cargo bench --bench roundtrip`");
        return;
    }
    let n: usize = std::env::var("FEDISEC_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let room_key = std::env::var("FEDISEC_BENCH_ROOM").unwrap_or_else(|_| "lounge".into());
    let hs = Synapse::start(1).unwrap_or_else(|e| panic!("{e}"));
    let slot = hs.take_slot();
    let bot = Bot::start(&slot).unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_secs(2));
    let rss_start = rss_kib(bot.pid());

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (bot_times, floor_times) = rt.block_on(async {
        let mut admin = Member::register(&hs.url, &format!("admin{}", slot.index)).await;
        let space = admin.resolve(&slot.alias("space")).await;
        admin.accept_invite(&space).await;
        let lounge_id: OwnedRoomId = admin.resolve(&slot.alias(&room_key)).await;
        let lounge = admin.join(&lounge_id).await;

        // The second user: invited to the Space, echoes "floor N" as "echo N".
        let peer = Member::register(&hs.url, "peer").await;
        admin
            .client
            .get_room(&space)
            .expect("space")
            .invite_user_by_id(peer.client.user_id().expect("id"))
            .await
            .expect("invite");
        peer.accept_invite(&space).await;
        peer.join(&lounge_id).await;
        let admin_id = admin.user_id.clone();
        peer.client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, room: Room| {
            let admin_id = admin_id.clone();
            async move {
                if ev.sender.as_str() != admin_id {
                    return;
                }
                if let MessageType::Text(t) = &ev.content.msgtype
                    && let Some(k) = t.body.strip_prefix("floor ")
                {
                    let _ = room.send(RoomMessageEventContent::text_plain(format!("echo {k}"))).await;
                }
            }
        });
        let peer_id = peer.user_id.clone();
        let bot_user = slot.bot_user();

        let mut bot_times = Vec::with_capacity(n);
        let mut floor_times = Vec::with_capacity(n);
        let warmup = 10;
        for i in 0..(n + warmup) {
            let t0 = Instant::now();
            let ev = admin.send_text(&lounge, "!ping").await;
            admin.reply_to(&ev, &bot_user).await;
            let bot_dt = t0.elapsed();

            let t0 = Instant::now();
            admin.send_text(&lounge, &format!("floor {i}")).await;
            let want = format!("echo {i}");
            let peer_id = peer_id.clone();
            admin.wait_for("the echo", Duration::from_secs(60), move |s| s.sender == peer_id && s.body == want).await;
            let floor_dt = t0.elapsed();
            if i >= warmup {
                bot_times.push(bot_dt);
                floor_times.push(floor_dt);
            }
        }
        drop(peer);
        (bot_times, floor_times)
    });
    let rss_end = rss_kib(bot.pid());
    let mut b = bot_times;
    let mut f = floor_times;
    b.sort();
    f.sort();
    let (bm, b99, fm, f99) = (percentile(&b, 0.5), percentile(&b, 0.99), percentile(&f, 0.5), percentile(&f, 0.99));
    println!("roundtrip over {n} commands in {room_key} on a local Synapse (SQLite, loopback):");
    println!("  bot   !ping -> reply     median {:7.2} ms   p99 {:7.2} ms", ms(bm), ms(b99));
    println!("  floor message -> echo    median {:7.2} ms   p99 {:7.2} ms", ms(fm), ms(f99));
    println!(
        "  bot overhead over floor: median {:+.1}%   p99 {:+.1}%",
        (ms(bm) / ms(fm) - 1.0) * 100.0,
        (ms(b99) / ms(f99) - 1.0) * 100.0
    );
    println!("  bot resident memory: {} MiB after start, {} MiB after the run", rss_start / 1024, rss_end / 1024);
    bot.stop();
    hs.stop();
}
