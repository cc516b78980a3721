//! Feeds against the real Synapse: a local HTTP server serves real JVN and
//! JSON Feed fixtures with ETag/Last-Modified; the bot posts exactly the
//! matching new items into vuln-info, nothing on unchanged polls, the same CVE
//! from a second source as a thread reply, and nothing twice across a kill.

use crate::commands::admin_in;
use crate::support::bot::Bot;
use crate::support::synapse::{Synapse, repo_dir};
use crate::support::users::Seen;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use libtest_mimic::Failed;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake server serves: the version of both feeds and counters.
#[derive(Default)]
struct Served {
    version: Mutex<usize>,
    jvn_hits: AtomicUsize,
    not_modified: AtomicUsize,
    slow: Mutex<bool>,
}

fn jvn(version: usize) -> String {
    let full =
        std::fs::read_to_string(repo_dir().join("tests/fixtures/feeds/jvn/myjvn_np_dataFeed_jvndb_rss_hnd.fixed.xml"))
            .expect("fixture");
    let items: Vec<&str> = full.split("<item ").collect();
    let head = items[0];
    let tail_at = full.rfind("</item>").map(|i| i + "</item>".len()).unwrap_or(full.len());
    let tail = &full[tail_at..];
    let item = |i: usize| {
        let body = items[i];
        let end = body.find("</item>").map(|e| e + "</item>".len()).unwrap_or(body.len());
        format!("<item {}", &body[..end])
    };
    match version {
        // Only the oldest LG item: the silent first poll marks it seen.
        1 => format!("{head}{}{tail}", item(4)),
        // All four: Contiki-NG (not watched) and three LG items (two new).
        2 => full.clone(),
        // A fifth item, new.
        _ => {
            let extra = item(3)
                .replace("JVNDB-2023-028577", "JVNDB-2023-099999")
                .replace("CVE-2023-40500", "CVE-2023-49999")
                .replace("における脆弱性", "における新しい脆弱性");
            format!("{head}{extra}{}{tail}", (1..=4).map(item).collect::<String>())
        }
    }
}

fn ghsa(version: usize) -> String {
    let other = r#"{"id": "GHSA-old", "title": "Unrelated old advisory", "url": "https://github.com/advisories/GHSA-old", "content_text": "nothing"}"#;
    let lg = r#"{"id": "GHSA-lg-1", "title": "LG Simple Editor arbitrary command execution (CVE-2023-40500)", "url": "https://github.com/advisories/GHSA-lg-1", "content_text": "Same issue as JVNDB-2023-028577"}"#;
    let items = if version == 1 { other.to_string() } else { format!("{lg}, {other}") };
    format!(r#"{{"version": "https://jsonfeed.org/version/1.1", "title": "GHSA test", "items": [{items}]}}"#)
}

async fn serve_feed(served: &Served, headers: &HeaderMap, body: String, content_type: &str) -> Response {
    let version = *served.version.lock().expect("lock");
    let etag = format!("\"v{version}\"");
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        served.not_modified.fetch_add(1, Ordering::SeqCst);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::ETAG, etag),
            (header::LAST_MODIFIED, "Sat, 21 Nov 2026 00:00:00 GMT".to_string()),
            (header::CONTENT_TYPE, content_type.to_string()),
        ],
        body,
    )
        .into_response()
}

async fn start_server(served: Arc<Served>) -> String {
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/jvn.rdf",
            get(|State(s): State<Arc<Served>>, h: HeaderMap| async move {
                s.jvn_hits.fetch_add(1, Ordering::SeqCst);
                if *s.slow.lock().expect("lock") {
                    tokio::time::sleep(Duration::from_secs(4)).await;
                }
                let v = *s.version.lock().expect("lock");
                serve_feed(&s, &h, jvn(v), "application/rdf+xml").await
            }),
        )
        .route(
            "/ghsa.json",
            get(|State(s): State<Arc<Served>>, h: HeaderMap| async move {
                let v = *s.version.lock().expect("lock");
                serve_feed(&s, &h, ghsa(v), "application/feed+json").await
            }),
        )
        .with_state(served);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..300 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}")
}

pub fn matching_items_once_with_cross_source_threads(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let served = Arc::new(Served::default());
    *served.version.lock().expect("lock") = 1;
    let url = rt.block_on(start_server(served.clone()));
    let config = std::fs::read_to_string(&slot.config)?.replace(
        "exclude = []",
        &format!(
            "exclude = []\nwatch_products = [\"LG Simple Editor\"]\n\n[[feeds.feed]]\nname = \"JVNDB\"\nurl = \"{url}/jvn.rdf\"\nroom = \"vuln-info\"\nevery = \"1s\"\n\n[[feeds.feed]]\nname = \"GHSA\"\nurl = \"{url}/ghsa.json\"\nroom = \"vuln-info\"\nevery = \"1s\"\n"
        ),
    );
    std::fs::write(&slot.config, config)?;
    let bot = Bot::start(&slot)?;
    let bot_user = slot.bot_user();
    let (mut admin, vuln) = rt.block_on(admin_in(hs, &slot, "vuln-info"));
    let vuln_id = vuln.room_id().to_owned();
    let from_bot = |s: &Seen| s.sender == bot_user && s.room_id == vuln_id;

    rt.block_on(async {
        // The first polls are silent.
        wait_until("the first JVN poll", || served.jvn_hits.load(Ordering::SeqCst) >= 2).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(admin.drain(from_bot).is_empty(), "the first poll of a feed posts nothing");

        // New items: exactly the two new LG items, and the GHSA one in a thread.
        *served.version.lock().expect("lock") = 2;
        let first = admin
            .wait_for("an LG advisory", Duration::from_secs(60), |s| from_bot(s) && s.body.contains("LG Simple Editor"))
            .await;
        assert!(
            first.html.as_deref().is_some_and(|h| h.contains("https://www.cve.org/CVERecord?id=")),
            "{:?}",
            first.html
        );
        let also = admin
            .wait_for("the cross-source reply", Duration::from_secs(60), |s| from_bot(s) && s.body.contains("🔁"))
            .await;
        assert!(also.thread_root.is_some(), "the second source is a thread reply: {also:?}");
        wait_until("an unchanged poll", || served.not_modified.load(Ordering::SeqCst) >= 2).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut posts: Vec<Seen> = admin.drain(from_bot);
        posts.push(first);
        let top: Vec<&Seen> = posts.iter().filter(|s| s.thread_root.is_none()).collect();
        let titles: Vec<String> = top.iter().map(|s| s.body.lines().next().unwrap_or_default().to_string()).collect();
        assert_eq!(top.len(), 2, "two new matching JVN items, each once: {titles:?}");
        assert!(titles.iter().all(|t| t.contains("LG Simple Editor")), "{titles:?}");
        assert!(!posts.iter().any(|s| s.body.contains("Contiki-NG")), "unwatched items are not posted");
        // CVE-2023-40500 came from both feeds: whichever was polled first is
        // the post, the other its "also reported" thread reply.
        assert!(titles.iter().any(|t| t.starts_with("🟧 High CVSS 7.5")), "{titles:?}");
        let pair = top.iter().filter(|s| s.body.contains("CVE-2023-40500")).count();
        assert_eq!(pair, 1, "one top-level post for the shared CVE: {titles:?}");

        // A slow poll with a new item; the bot is killed while it waits.
        *served.slow.lock().expect("lock") = true;
        *served.version.lock().expect("lock") = 3;
        let hits = served.jvn_hits.load(Ordering::SeqCst);
        wait_until("the slow poll to start", || served.jvn_hits.load(Ordering::SeqCst) > hits).await;
    });
    bot.kill();
    *served.slow.lock().expect("lock") = false;
    let _bot = Bot::start(&slot)?;
    rt.block_on(async {
        admin
            .wait_for("the new item after the restart", Duration::from_secs(60), |s| {
                from_bot(s) && s.body.contains("新しい脆弱性")
            })
            .await;
        let hits = served.jvn_hits.load(Ordering::SeqCst);
        wait_until("two more polls", || served.jvn_hits.load(Ordering::SeqCst) >= hits + 2).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let again = admin.drain(from_bot);
        assert!(again.is_empty(), "nothing twice after the restart: {again:?}");

        // Moderators see the feeds and their state.
        let mods = admin.accept_invite(&admin.resolve(&slot.alias("moderators")).await).await;
        let ev = admin.send_text(&mods, "!feed list").await;
        let list = admin.reply_to(&ev, &bot_user).await;
        assert!(
            list.body.contains("JVNDB") && list.body.contains("GHSA") && list.body.contains("最終成功"),
            "{}",
            list.body
        );
        let ev = admin.send_text(&mods, &format!("!feed test {url}/jvn.rdf")).await;
        let test = admin.reply_to(&ev, &bot_user).await;
        assert!(test.body.contains("🧪") && test.body.contains("5 件中、投稿対象 4 件"), "{}", test.body);
    });
    drop(rt);
    Ok(())
}
